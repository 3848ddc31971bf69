"""A started sandbox per test, an httpx client, and one way to publish on each network
with the real request shapes, so fault tests can run across all five."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from oncall.sandbox import Sandbox

ACCOUNTS = {"facebook": "corp-fb", "x": "corp-x", "mastodon": "corp-masto",
            "bluesky": "corp-bsky", "youtube": "corp-yt"}
PAGE_ID = "101234567890"


def token(account: str) -> str:
    return f"sandbox-{account}"


def bearer(account: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(account)}"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    before = set(threading.enumerate())
    box = Sandbox(port=0).start()
    yield box
    box.stop()
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"sandbox threads still running: {left}"


@pytest.fixture(scope="session")
def client() -> Iterator[httpx.Client]:
    """One client for every test (building one costs more than most tests); each test's
    sandbox has its own port, so no connection is shared between tests."""
    with httpx.Client(timeout=httpx.Timeout(3.0)) as c:
        yield c


def bluesky_session(client: httpx.Client, sandbox: Sandbox, account: str) -> dict[str, str]:
    r = client.post(f"{sandbox.base_for('bluesky')}/xrpc/com.atproto.server.createSession",
                    json={"identifier": f"{account}.bsky.social", "password": token(account)})
    assert r.status_code == 200, r.text
    return r.json()


def publish(client: httpx.Client, sandbox: Sandbox, platform: str, text: str, *,
            account: str | None = None, timeout: float | None = None,
            key: str = "", rkey: str = "") -> httpx.Response:
    """One post on `platform` the way its adapter sends it; the last response."""
    account = account or ACCOUNTS[platform]
    base = sandbox.base_for(platform)
    extra = {"timeout": timeout} if timeout is not None else {}
    if platform == "facebook":
        return client.post(f"{base}/v21.0/{PAGE_ID}/feed",
                           data={"message": text, "access_token": token(account)}, **extra)
    if platform == "x":
        return client.post(f"{base}/2/tweets", json={"text": text}, headers=bearer(account),
                           **extra)
    if platform == "mastodon":
        headers = bearer(account) | ({"Idempotency-Key": key} if key else {})
        return client.post(f"{base}/api/v1/statuses", data={"status": text},
                           headers=headers, **extra)
    if platform == "bluesky":
        session = bluesky_session(client, sandbox, account)
        body: dict[str, object] = {
            "repo": session["did"], "collection": "app.bsky.feed.post",
            "record": {"$type": "app.bsky.feed.post", "text": text,
                       "createdAt": "2025-01-01T10:00:00.000Z"}}
        if rkey:
            body["rkey"] = rkey
        return client.post(f"{base}/xrpc/com.atproto.repo.createRecord", json=body,
                           headers={"Authorization": f"Bearer {session['accessJwt']}"},
                           **extra)
    if platform == "youtube":
        start = client.post(
            f"{base}/upload/youtube/v3/videos",
            params={"uploadType": "resumable", "part": "snippet,status"},
            json={"snippet": {"title": "Appeal", "description": text},
                  "status": {"privacyStatus": "public"}},
            headers=bearer(account) | {"X-Upload-Content-Type": "video/mp4"})
        if start.status_code != 200:
            return start
        return client.put(start.headers["Location"], content=b"\x00\x00\x00\x18ftypmp42",
                          headers={"Content-Type": "video/mp4"}, **extra)
    raise ValueError(platform)


def texts(sandbox: Sandbox, account: str, *, live_only: bool = True) -> list[str]:
    return [p["text"] for p in sandbox.posts(account, live_only=live_only)]
