"""The sandbox keeps each network's photo limits, asked directly over HTTP (the adapters
refuse most of these before sending, so only the sandbox's own checks are seen here)."""

from __future__ import annotations

import httpx

from oncall.sandbox import Sandbox
from tests.imagefiles import jpeg, png
from tests.sandbox.conftest import PAGE_ID, bearer, bluesky_session, token

MB = 1024 * 1024


def x_upload(client: httpx.Client, sandbox: Sandbox, data: bytes,
             category: str = "tweet_image") -> httpx.Response:
    return client.post(f"{sandbox.base_for('x')}/2/media/upload", headers=bearer("corp-x"),
                       data={"media_category": category},
                       files={"media": ("p.jpg", data, "image/jpeg")})


def test_x_photo_limits(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("x")
    ids = [x_upload(client, sandbox, png()).json()["data"]["id"] for _ in range(5)]
    five = client.post(f"{base}/2/tweets", headers=bearer("corp-x"),
                       json={"text": "five", "media": {"media_ids": ids}})
    assert five.status_code == 400
    assert five.json()["errors"][0]["message"] == \
        "$.media.media_ids: size must be between 1 and 4"
    big = x_upload(client, sandbox, jpeg(pad=5 * MB))
    assert big.status_code == 400
    assert big.json()["errors"][0]["message"] == "File size exceeds 5242880 bytes."
    assert x_upload(client, sandbox, jpeg(pad=5 * MB - 1000)).status_code == 200
    assert x_upload(client, sandbox, b"GIF89a" + b"\x00" * 10).status_code == 400
    assert x_upload(client, sandbox, png(), category="tweet_video").status_code == 400
    long_alt = client.post(f"{base}/2/media/metadata", headers=bearer("corp-x"), json={
        "id": ids[0], "metadata": {"alt_text": {"text": "a" * 1001}}})
    assert long_alt.status_code == 400
    theirs = client.post(f"{base}/2/tweets", headers=bearer("corp-x-roads"),
                         json={"text": "not mine", "media": {"media_ids": ids[:1]}})
    assert theirs.json()["errors"][0]["message"] == "Your media IDs are invalid."
    photo_only = client.post(f"{base}/2/tweets", headers=bearer("corp-x"),
                             json={"media": {"media_ids": ids[:4]}})
    assert photo_only.status_code == 201
    assert [m["size"] for m in sandbox.posts("corp-x")[0]["media"]] == [len(png())] * 4


def test_mastodon_photo_limits(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("mastodon")

    def upload(data: bytes, description: str = "") -> httpx.Response:
        return client.post(f"{base}/api/v2/media", headers=bearer("corp-masto"),
                           data={"description": description} if description else {},
                           files={"file": ("p.png", data, "image/png")})

    first = upload(png(), "A map")
    assert first.status_code == 200
    attachment = first.json()
    assert (attachment["type"], attachment["description"]) == ("image", "A map")
    assert attachment["url"].startswith(base)
    got = client.get(f"{base}/api/v1/media/{attachment['id']}", headers=bearer("corp-masto"))
    assert got.json() == attachment
    ids = [attachment["id"]] + [upload(png()).json()["id"] for _ in range(4)]
    r = client.post(f"{base}/api/v1/statuses", headers=bearer("corp-masto"),
                    json={"status": "five", "media_ids": ids})
    assert (r.status_code, r.json()) == (422, {"error": "Cannot attach more than 4 files"})
    assert upload(b"not a picture").json() == {
        "error": "Validation failed: File content type is invalid"}
    assert upload(png(), "d" * 1501).status_code == 422
    assert upload(png(pad=16 * MB)).json() == {
        "error": "Validation failed: File file size must be less than 16 MB"}
    # A form body with media_ids[] works too; blank text is fine with a photo.
    ok = client.post(f"{base}/api/v1/statuses", headers=bearer("corp-masto"),
                     data={"status": "", "media_ids[]": ids[:2]})
    assert ok.status_code == 200
    assert [a["id"] for a in ok.json()["media_attachments"]] == ids[:2]
    assert sandbox.posts("corp-masto")[0]["media"][0] == {
        "type": "image/png", "size": len(png()), "alt": "A map"}
    again = client.post(f"{base}/api/v1/statuses", headers=bearer("corp-masto"),
                        json={"status": "reuse", "media_ids": ids[:1]})
    assert again.status_code == 422  # attached already


def test_bluesky_photo_limits(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("bluesky")
    session = bluesky_session(client, sandbox, "corp-bsky")
    auth = {"Authorization": f"Bearer {session['accessJwt']}"}

    def blob(data: bytes, mime: str = "image/jpeg") -> dict[str, object]:
        r = client.post(f"{base}/xrpc/com.atproto.repo.uploadBlob", content=data,
                        headers=auth | {"Content-Type": mime})
        assert r.status_code == 200, r.text
        return r.json()["blob"]

    def create(images: list[dict[str, object]]) -> httpx.Response:
        record = {"$type": "app.bsky.feed.post", "text": "Appeal",
                  "createdAt": "2025-01-01T10:00:00.000Z",
                  "embed": {"$type": "app.bsky.embed.images", "images": images}}
        return client.post(f"{base}/xrpc/com.atproto.repo.createRecord", headers=auth,
                           json={"repo": session["did"], "collection": "app.bsky.feed.post",
                                 "record": record})

    small = blob(png(), "application/octet-stream")
    assert small["mimeType"] == "image/png"  # read from the bytes, as the PDS does
    assert small["ref"]["$link"].startswith("bafkrei")
    r = create([{"alt": str(i), "image": small} for i in range(5)])
    assert r.status_code == 400 and "must not have more than 4 elements" in r.json()["message"]
    big = blob(jpeg(pad=1_000_000))
    r = create([{"alt": "big", "image": big}])
    assert (r.status_code, r.json()["error"]) == (400, "BlobTooLarge")
    r = create([{"alt": "words", "image": blob(b"plain words", "text/plain")}])
    assert r.json()["error"] == "InvalidMimeType"
    r = create([{"alt": "?", "image": {"$type": "blob", "ref": {"$link": "bafkreinope"},
                                       "mimeType": "image/png", "size": 1}}])
    assert r.json()["error"] == "BlobNotFound"
    r = create([{"image": small}])
    assert r.status_code == 400 and '"alt"' in r.json()["message"]
    assert sandbox.posts() == []
    assert create([{"alt": "A map", "image": small}]).status_code == 200
    assert sandbox.posts("corp-bsky")[0]["media"] == [
        {"type": "image/png", "size": len(png()), "alt": "A map"}]
    r = client.post(f"{base}/xrpc/com.atproto.repo.uploadBlob", content=png(),
                    headers={"Content-Type": "image/png"})
    assert r.status_code == 401  # uploadBlob needs a session
    # A blob belongs to the repo that uploaded it.
    other = bluesky_session(client, sandbox, "corp-bsky-roads")
    record = {"$type": "app.bsky.feed.post", "text": "Borrowed",
              "createdAt": "2025-01-01T10:00:00.000Z",
              "embed": {"$type": "app.bsky.embed.images",
                        "images": [{"alt": "", "image": small}]}}
    r = client.post(f"{base}/xrpc/com.atproto.repo.createRecord",
                    headers={"Authorization": f"Bearer {other['accessJwt']}"},
                    json={"repo": other["did"], "collection": "app.bsky.feed.post",
                          "record": record})
    assert r.json()["error"] == "BlobNotFound"


def test_facebook_photo_limits(sandbox: Sandbox, client: httpx.Client) -> None:
    base = f"{sandbox.base_for('facebook')}/v21.0/{PAGE_ID}"
    form = {"access_token": token("corp-fb"), "published": "false"}

    def photo(data: bytes) -> httpx.Response:
        return client.post(f"{base}/photos", data=form,
                           files={"source": ("p.jpg", data, "image/jpeg")})

    big = photo(jpeg(pad=10 * MB))
    assert big.status_code == 400 and big.json()["error"]["code"] == 100
    bad = photo(b"not a picture")
    assert bad.json()["error"]["message"] == "(#324) Missing or invalid image file"
    missing = client.post(f"{base}/photos", data=form)
    assert missing.json()["error"]["message"] == "(#324) Requires upload file"
    photo_id = photo(jpeg()).json()["id"]
    feed = {"message": "Appeal", "access_token": token("corp-fb"),
            "attached_media[0]": f'{{"media_fbid": "{photo_id}"}}'}
    assert client.post(f"{base}/feed", data=feed).status_code == 200
    again = client.post(f"{base}/feed", data=feed)  # a photo goes on one post only
    assert again.status_code == 400 and "attached_media[0]" in again.json()["error"]["message"]
    theirs = client.post(f"{base}/feed", data=feed | {"access_token": token("corp-fb-2")})
    assert theirs.status_code == 400
    [post] = sandbox.posts("corp-fb")
    assert post["media"] == [{"type": "image/jpeg", "size": len(jpeg()), "alt": ""}]
