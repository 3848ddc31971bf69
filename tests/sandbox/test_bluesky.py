"""Bluesky XRPC shapes: sessions, createRecord with rkey, validation, deleteRecord."""

from __future__ import annotations

import httpx

from oncall.sandbox import Sandbox
from tests.sandbox.conftest import bluesky_session, publish, texts

COLLECTION = "app.bsky.feed.post"


def _xrpc(sandbox: Sandbox, nsid: str) -> str:
    return f"{sandbox.base_for('bluesky')}/xrpc/{nsid}"


def _auth(session: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['accessJwt']}"}


def _record(text: str) -> dict[str, str]:
    return {"$type": COLLECTION, "text": text, "createdAt": "2025-01-01T10:00:00.000Z"}


def test_session_post_then_delete(sandbox: Sandbox, client: httpx.Client) -> None:
    session = bluesky_session(client, sandbox, "corp-bsky")
    assert session["did"] == "did:plc:corp-bsky"
    assert session["handle"] == "corp-bsky.bsky.social"
    assert session["accessJwt"].count(".") == 2 and session["refreshJwt"]
    r = client.post(_xrpc(sandbox, "com.atproto.repo.createRecord"), headers=_auth(session),
                    json={"repo": session["did"], "collection": COLLECTION,
                          "record": _record("Missing person found, thank you")})
    assert r.status_code == 200
    uri = r.json()["uri"]
    rkey = uri.rsplit("/", 1)[1]
    assert uri == f"at://did:plc:corp-bsky/{COLLECTION}/{rkey}" and len(rkey) == 13
    assert r.json()["cid"].startswith("bafyrei")
    [post] = sandbox.posts("corp-bsky")
    assert (post["id"], post["text"], post["extra"]["rkey"]) == \
        (uri, "Missing person found, thank you", rkey)
    assert client.get(post["url"]).status_code == 200

    gone = client.post(_xrpc(sandbox, "com.atproto.repo.deleteRecord"), headers=_auth(session),
                       json={"repo": session["did"], "collection": COLLECTION, "rkey": rkey})
    assert (gone.status_code, gone.json()) == (200, {})
    assert texts(sandbox, "corp-bsky") == []
    # Deleting what is not there is not an error.
    again = client.post(_xrpc(sandbox, "com.atproto.repo.deleteRecord"),
                        headers=_auth(session),
                        json={"repo": session["handle"], "collection": COLLECTION,
                              "rkey": rkey})
    assert (again.status_code, again.json()) == (200, {})


def test_existing_rkey_is_refused_and_not_stored_twice(sandbox: Sandbox,
                                                       client: httpx.Client) -> None:
    first = publish(client, sandbox, "bluesky", "Once", rkey="3kdelivery1")
    assert first.status_code == 200
    assert first.json()["uri"].endswith(f"/{COLLECTION}/3kdelivery1")
    again = publish(client, sandbox, "bluesky", "Once", rkey="3kdelivery1")
    assert again.status_code == 400
    assert again.json() == {"error": "InvalidRequest", "message": "Record already exists"}
    assert texts(sandbox, "corp-bsky") == ["Once"]
    assert publish(client, sandbox, "bluesky", "bad", rkey="no/slash").status_code == 400


def test_record_validation(sandbox: Sandbox, client: httpx.Client) -> None:
    r = publish(client, sandbox, "bluesky", "a" * 301)
    assert (r.status_code, r.json()) == (400, {
        "error": "InvalidRequest",
        "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than "
                   "300 graphemes"})
    # 300 graphemes of two code points each fit: the count is of graphemes.
    assert publish(client, sandbox, "bluesky", "e\u0301" * 300).status_code == 200
    # ... but 3000 bytes is a limit of its own.
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"
    r = publish(client, sandbox, "bluesky", family * 200)
    assert r.status_code == 400 and "3000" in r.json()["message"]
    session = bluesky_session(client, sandbox, "corp-bsky")
    r = client.post(_xrpc(sandbox, "com.atproto.repo.createRecord"), headers=_auth(session),
                    json={"repo": session["did"], "collection": COLLECTION,
                          "record": {"$type": COLLECTION, "text": "no date"}})
    assert r.status_code == 400 and '"createdAt"' in r.json()["message"]
    r = client.post(_xrpc(sandbox, "com.atproto.repo.createRecord"), headers=_auth(session),
                    json={"repo": "did:plc:someone-else", "collection": COLLECTION,
                          "record": _record("not my repo")})
    assert r.status_code == 401
    assert len(sandbox.posts("corp-bsky")) == 1


def test_auth_errors(sandbox: Sandbox, client: httpx.Client) -> None:
    bad = client.post(_xrpc(sandbox, "com.atproto.server.createSession"),
                      json={"identifier": "corp-bsky.bsky.social", "password": "guess"})
    assert (bad.status_code, bad.json()) == (401, {"error": "AuthenticationRequired",
                                                   "message": "Invalid identifier or password"})
    missing = client.post(_xrpc(sandbox, "com.atproto.server.createSession"),
                          json={"password": "sandbox-corp-bsky"})
    assert missing.status_code == 400 and missing.json()["error"] == "InvalidRequest"
    create = _xrpc(sandbox, "com.atproto.repo.createRecord")
    body = {"repo": "did:plc:corp-bsky", "collection": COLLECTION, "record": _record("x")}
    r = client.post(create, json=body)
    assert (r.status_code, r.json()["error"]) == (401, "AuthMissing")
    # The demo token is the app password, not a bearer token.
    r = client.post(create, json=body, headers={"Authorization": "Bearer sandbox-corp-bsky"})
    assert (r.status_code, r.json()["error"]) == (401, "InvalidToken")
    session = bluesky_session(client, sandbox, "corp-bsky")
    assert sandbox.expire_sessions("corp-bsky") == 1
    r = client.post(create, json=body, headers=_auth(session))
    assert (r.status_code, r.json()) == (400, {"error": "ExpiredToken",
                                               "message": "Token has expired"})
    # The refresh token still works, and gives a working access token.
    fresh = client.post(_xrpc(sandbox, "com.atproto.server.refreshSession"),
                        headers={"Authorization": f"Bearer {session['refreshJwt']}"})
    assert fresh.status_code == 200
    assert client.post(create, json=body, headers=_auth(fresh.json())).status_code == 200
    assert texts(sandbox, "corp-bsky") == ["x"]


def test_notifications(sandbox: Sandbox, client: httpx.Client) -> None:
    uri = publish(client, sandbox, "bluesky", "Appeal").json()["uri"]
    sandbox.add_inbox("corp-bsky", {"text": "shared", "author": "ann.bsky.social",
                                    "in_reply_to": uri})
    sandbox.add_inbox("corp-bsky", {"text": "@corp-bsky hi", "author": "bob.bsky.social"})
    session = bluesky_session(client, sandbox, "corp-bsky")
    r = client.get(_xrpc(sandbox, "app.bsky.notification.listNotifications"),
                   headers=_auth(session))
    items = r.json()["notifications"]
    assert [(n["reason"], n["record"]["text"]) for n in items] == \
        [("mention", "@corp-bsky hi"), ("reply", "shared")]
    assert items[1]["record"]["reply"]["parent"]["uri"] == uri
    assert items[1]["author"]["handle"] == "ann.bsky.social"
    assert client.get(_xrpc(sandbox, "app.bsky.notification.listNotifications")) \
        .status_code == 401


def test_get_record(sandbox: Sandbox, client: httpx.Client) -> None:
    uri = publish(client, sandbox, "bluesky", "Look me up", rkey="3kfindme").json()["uri"]
    params = {"repo": "did:plc:corp-bsky", "collection": COLLECTION, "rkey": "3kfindme"}
    found = client.get(_xrpc(sandbox, "com.atproto.repo.getRecord"), params=params)
    assert found.status_code == 200
    assert (found.json()["uri"], found.json()["value"]["text"]) == (uri, "Look me up")
    missing = client.get(_xrpc(sandbox, "com.atproto.repo.getRecord"),
                         params=params | {"rkey": "3knothere"})
    assert (missing.status_code, missing.json()["error"]) == (400, "RecordNotFound")
