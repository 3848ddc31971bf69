"""Every fault kind, on every network, over real HTTP."""

from __future__ import annotations

import time
from datetime import datetime

import httpx
import pytest

from oncall.sandbox import PLATFORMS, Fault, Sandbox
from tests.sandbox.conftest import ACCOUNTS, bearer, publish, texts

SUCCESS = {"facebook": 200, "x": 201, "mastodon": 200, "bluesky": 200, "youtube": 200}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_rate_limit_answers_in_the_networks_own_way(sandbox: Sandbox, client: httpx.Client,
                                                    platform: str) -> None:
    account = ACCOUNTS[platform]
    sandbox.inject(account, Fault("rate_limit", retry_after=30))
    r = publish(client, sandbox, platform, "rate limited")
    body = r.json()
    if platform == "facebook":
        assert r.status_code == 400
        assert body["error"]["code"] == 32 and body["error"]["type"] == "OAuthException"
        assert '"estimated_time_to_regain_access": 1' in r.headers["X-Business-Use-Case-Usage"]
    elif platform == "x":
        assert r.status_code == 429
        assert body["title"] == "Too Many Requests" and body["status"] == 429
        assert r.headers["x-rate-limit-remaining"] == "0"
        assert int(r.headers["x-rate-limit-reset"]) >= int(time.time()) + 25
    elif platform == "mastodon":
        assert r.status_code == 429 and body == {"error": "Too many requests"}
        assert r.headers["Retry-After"] == "30"
        reset = datetime.fromisoformat(r.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
        assert reset.timestamp() >= time.time() + 25
    elif platform == "bluesky":
        assert r.status_code == 429 and body["error"] == "RateLimitExceeded"
        assert r.headers["Retry-After"] == "30"
        assert int(r.headers["RateLimit-Reset"]) >= int(time.time()) + 25
        assert r.headers["RateLimit-Remaining"] == "0"
    else:
        assert r.status_code == 403
        assert body["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    assert texts(sandbox, account) == []
    # One time only: the next request goes through.
    assert publish(client, sandbox, platform, "after").status_code == SUCCESS[platform]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_server_error_stores_nothing(sandbox: Sandbox, client: httpx.Client,
                                     platform: str) -> None:
    account = ACCOUNTS[platform]
    sandbox.inject(account, Fault("server_error"))
    r = publish(client, sandbox, platform, "not stored")
    assert r.status_code == 500
    body = r.json()
    shape = {"facebook": lambda b: b["error"]["code"] == 2,
             "x": lambda b: b["status"] == 500 and "title" in b,
             "mastodon": lambda b: isinstance(b["error"], str),
             "bluesky": lambda b: b["error"] == "InternalServerError",
             "youtube": lambda b: b["error"]["errors"][0]["reason"] == "backendError"}
    assert shape[platform](body)
    assert sandbox.posts(account) == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_timeout_stores_the_post_but_answers_too_late(sandbox: Sandbox, client: httpx.Client,
                                                      platform: str) -> None:
    account = ACCOUNTS[platform]
    sandbox.inject(account, Fault("timeout", seconds=1.0))
    with pytest.raises(httpx.ReadTimeout):
        publish(client, sandbox, platform, "the unknown case", timeout=0.2)
    assert texts(sandbox, account) == ["the unknown case"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_drop_stores_the_post_and_closes_without_a_reply(sandbox: Sandbox,
                                                         client: httpx.Client,
                                                         platform: str) -> None:
    account = ACCOUNTS[platform]
    sandbox.inject(account, Fault("drop"))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        publish(client, sandbox, platform, "dropped")
    assert texts(sandbox, account) == ["dropped"]
    # The client recovers on a new connection.
    assert publish(client, sandbox, platform, "next").status_code == SUCCESS[platform]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_latency_then_a_normal_answer(sandbox: Sandbox, client: httpx.Client,
                                      platform: str) -> None:
    sandbox.inject(ACCOUNTS[platform], Fault("latency", seconds=0.05))
    assert publish(client, sandbox, platform, "slow").status_code == SUCCESS[platform]
    assert texts(sandbox, ACCOUNTS[platform]) == ["slow"]


@pytest.mark.parametrize(("platform", "status"), [
    ("facebook", 400), ("x", 403), ("mastodon", 422), ("bluesky", 422), ("youtube", 422)])
def test_duplicate_fault(sandbox: Sandbox, client: httpx.Client, platform: str,
                         status: int) -> None:
    sandbox.inject(ACCOUNTS[platform], Fault("duplicate"))
    r = publish(client, sandbox, platform, "seen before?")
    assert r.status_code == status
    body = r.json()
    if platform == "facebook":
        assert body["error"]["code"] == 506
    if platform == "x":
        assert "duplicate content" in body["detail"]
        assert r.headers["content-type"].startswith("application/problem+json")
    if platform == "bluesky":
        assert "already exists" not in body["message"]  # not to be taken for success
    assert sandbox.posts(ACCOUNTS[platform]) == []


def test_times_counts_down(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.inject("corp-x", Fault("server_error", times=2))
    assert [publish(client, sandbox, "x", f"try {i}").status_code for i in range(3)] == \
        [500, 500, 201]
    assert sandbox.faults() == {}


def test_always_until_cleared(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.inject("corp-x", Fault("server_error", times=-1))
    assert [publish(client, sandbox, "x", f"try {i}").status_code for i in range(3)] == \
        [500, 500, 500]
    assert sandbox.clear_faults() == 1
    assert publish(client, sandbox, "x", "now").status_code == 201


def test_faults_fire_in_the_order_queued_and_per_account(sandbox: Sandbox,
                                                         client: httpx.Client) -> None:
    sandbox.inject("corp-x", Fault("rate_limit"))
    sandbox.inject("corp-x", Fault("server_error"))
    assert publish(client, sandbox, "x", "other", account="corp-x-roads").status_code == 201
    assert [publish(client, sandbox, "x", f"t{i}").status_code for i in range(3)] == \
        [429, 500, 201]


def test_fault_scopes(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("x")
    sandbox.inject("corp-x", Fault("server_error", on="read"))
    sandbox.inject("corp-x", Fault("duplicate"))  # never fires on a delete
    first = publish(client, sandbox, "x", "one")
    assert first.status_code == 403  # the duplicate fault fired; the read one waits
    tweet = publish(client, sandbox, "x", "two").json()["data"]["id"]
    sandbox.inject("corp-x", Fault("rate_limit"))  # "write": deletes too
    assert client.delete(f"{base}/2/tweets/{tweet}", headers=bearer("corp-x")).status_code \
        == 429
    assert client.delete(f"{base}/2/tweets/{tweet}", headers=bearer("corp-x")).status_code \
        == 200
    mentions = client.get(f"{base}/2/users/corp-x/mentions", headers=bearer("corp-x"))
    assert mentions.status_code == 500
    assert sandbox.faults() == {}


def test_timeout_on_delete_deletes_then_answers_late(sandbox: Sandbox,
                                                     client: httpx.Client) -> None:
    tweet = publish(client, sandbox, "x", "to go").json()["data"]["id"]
    sandbox.inject("corp-x", Fault("timeout", seconds=1.0, on="delete"))
    with pytest.raises(httpx.ReadTimeout):
        client.delete(f"{sandbox.base_for('x')}/2/tweets/{tweet}", headers=bearer("corp-x"),
                      timeout=0.2)
    assert sandbox.posts("corp-x")[0]["deleted"] is True


def test_fault_values_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("gremlins")
    with pytest.raises(ValueError, match="times"):
        Fault("drop", times=0)
    with pytest.raises(ValueError, match="scope"):
        Fault("drop", on="everything")
    with pytest.raises(ValueError, match="seconds"):
        Fault("latency", seconds=-1)
    with pytest.raises(ValueError, match="unknown fault field"):
        Fault.from_dict({"kind": "drop", "sceonds": 1})
