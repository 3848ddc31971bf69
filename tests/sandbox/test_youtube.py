"""YouTube Data API shapes: resumable upload, delete, errors, comment threads."""

from __future__ import annotations

import httpx
import pytest

from oncall.sandbox import Fault, Sandbox
from tests.sandbox.conftest import bearer, publish, texts

UPLOAD = "/upload/youtube/v3/videos"


def _start(client: httpx.Client, sandbox: Sandbox, snippet: dict[str, str],
           headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post(f"{sandbox.base_for('youtube')}{UPLOAD}",
                       params={"uploadType": "resumable", "part": "snippet,status"},
                       json={"snippet": snippet, "status": {"privacyStatus": "unlisted"}},
                       headers=bearer("corp-yt") if headers is None else headers)


def test_upload_then_delete(sandbox: Sandbox, client: httpx.Client) -> None:
    start = _start(client, sandbox, {"title": "CCTV appeal", "description": "Do you know him?"})
    assert start.status_code == 200 and start.content == b""
    location = start.headers["Location"]
    assert location.startswith(f"{sandbox.base_for('youtube')}{UPLOAD}?uploadType=resumable"
                               "&upload_id=")
    done = client.put(location, content=b"video bytes", headers={"Content-Type": "video/mp4"})
    assert done.status_code == 200
    video = done.json()
    assert video["snippet"]["title"] == "CCTV appeal"
    assert video["status"]["privacyStatus"] == "unlisted" and len(video["id"]) == 11
    # Re-sending a finished upload gives the same video, not a second one.
    assert client.put(location, content=b"video bytes").json()["id"] == video["id"]
    [post] = sandbox.posts("corp-yt")
    assert (post["id"], post["title"], post["text"]) == \
        (video["id"], "CCTV appeal", "Do you know him?")
    assert client.get(post["url"]).status_code == 200

    url = f"{sandbox.base_for('youtube')}/youtube/v3/videos"
    gone = client.delete(url, params={"id": video["id"]}, headers=bearer("corp-yt"))
    assert (gone.status_code, gone.content) == (204, b"")
    assert texts(sandbox, "corp-yt") == []
    again = client.delete(url, params={"id": video["id"]}, headers=bearer("corp-yt"))
    assert again.status_code == 404
    assert again.json()["error"]["errors"][0]["reason"] == "videoNotFound"


def test_errors(sandbox: Sandbox, client: httpx.Client) -> None:
    r = _start(client, sandbox, {"title": "t"}, headers={})
    assert r.status_code == 401
    error = r.json()["error"]
    assert (error["code"], error["errors"][0]["reason"]) == (401, "authError")
    r = _start(client, sandbox, {"title": ""})
    assert r.status_code == 400
    assert r.json()["error"]["errors"][0]["reason"] == "invalidTitle"
    r = _start(client, sandbox, {"title": "t" * 101})
    assert r.json()["error"]["errors"][0]["reason"] == "invalidTitle"
    r = _start(client, sandbox, {"title": "ok", "description": "d" * 5001})
    assert r.json()["error"]["errors"][0]["reason"] == "invalidDescription"
    location = _start(client, sandbox, {"title": "ok"}).headers["Location"]
    r = client.put(location, content=b"")
    assert r.json()["error"]["errors"][0]["reason"] == "mediaBodyRequired"
    r = client.put(f"{sandbox.base_for('youtube')}{UPLOAD}",
                   params={"uploadType": "resumable", "upload_id": "nope"}, content=b"v")
    assert r.status_code == 404
    assert sandbox.posts() == []


def test_fault_kinds_split_between_the_two_requests(sandbox: Sandbox,
                                                    client: httpx.Client) -> None:
    # A drop waits for the PUT (where the video is stored) ...
    sandbox.inject("corp-yt", Fault("drop"))
    start = _start(client, sandbox, {"title": "first"})
    assert start.status_code == 200
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.put(start.headers["Location"], content=b"v")
    assert [p["title"] for p in sandbox.posts("corp-yt")] == ["first"]
    # ... while a rate limit meets the first request.
    sandbox.inject("corp-yt", Fault("rate_limit"))
    assert _start(client, sandbox, {"title": "second"}).status_code == 403


def test_channel_and_comment_threads(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("youtube")
    vid = publish(client, sandbox, "youtube", "Appeal").json()["id"]
    sandbox.add_inbox("corp-yt", {"text": "I know him", "author_name": "Ann",
                                  "in_reply_to": vid})
    sandbox.add_inbox("corp-yt", {"text": "elsewhere", "in_reply_to": "other-video"})
    channel = client.get(f"{base}/youtube/v3/channels", params={"mine": "true"},
                         headers=bearer("corp-yt")).json()
    assert channel["items"][0]["id"] == "UCcorp-yt"
    r = client.get(f"{base}/youtube/v3/commentThreads",
                   params={"part": "snippet", "videoId": vid}, headers=bearer("corp-yt"))
    [thread] = r.json()["items"]
    top = thread["snippet"]["topLevelComment"]["snippet"]
    assert (top["textOriginal"], top["authorDisplayName"], top["videoId"]) == \
        ("I know him", "Ann", vid)
