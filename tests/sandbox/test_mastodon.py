"""Mastodon shapes: statuses with Idempotency-Key, the 500 limit, notifications."""

from __future__ import annotations

import httpx
import pytest

from oncall.sandbox import Fault, Sandbox
from tests.sandbox.conftest import bearer, publish, texts


def test_post_then_delete(sandbox: Sandbox, client: httpx.Client) -> None:
    r = publish(client, sandbox, "mastodon", "Road closed <A34> & diverted")
    assert r.status_code == 200
    status = r.json()
    assert status["url"] == f"{sandbox.url}/mastodon/@corp-masto/{status['id']}"
    assert status["content"] == "<p>Road closed &lt;A34&gt; &amp; diverted</p>"
    assert status["visibility"] == "public" and status["account"]["acct"] == "corp-masto"
    assert status["created_at"].endswith("Z")
    [post] = sandbox.posts("corp-masto")
    assert post["id"] == status["id"] and post["url"] == status["url"]
    assert client.get(status["url"]).status_code == 200

    base = sandbox.base_for("mastodon")
    public = client.get(f"{base}/api/v1/statuses/{status['id']}")
    assert public.json()["id"] == status["id"]
    gone = client.delete(f"{base}/api/v1/statuses/{status['id']}",
                         headers=bearer("corp-masto"))
    assert gone.status_code == 200
    assert gone.json()["text"] == "Road closed <A34> & diverted"
    assert texts(sandbox, "corp-masto") == []
    again = client.delete(f"{base}/api/v1/statuses/{status['id']}",
                          headers=bearer("corp-masto"))
    assert (again.status_code, again.json()) == (404, {"error": "Record not found"})
    assert client.get(f"{base}/api/v1/statuses/{status['id']}").status_code == 404


def test_json_body_and_options(sandbox: Sandbox, client: httpx.Client) -> None:
    r = client.post(f"{sandbox.base_for('mastodon')}/api/v1/statuses",
                    json={"status": "Flood warning", "visibility": "unlisted",
                          "spoiler_text": "Weather"}, headers=bearer("corp-masto"))
    assert r.status_code == 200
    assert (r.json()["visibility"], r.json()["spoiler_text"], r.json()["sensitive"]) == \
        ("unlisted", "Weather", True)
    bad = client.post(f"{sandbox.base_for('mastodon')}/api/v1/statuses",
                      json={"status": "x", "visibility": "everyone"},
                      headers=bearer("corp-masto"))
    assert bad.status_code == 422


def test_someone_elses_status_is_not_found(sandbox: Sandbox, client: httpx.Client) -> None:
    status = publish(client, sandbox, "mastodon", "mine").json()
    r = client.delete(f"{sandbox.base_for('mastodon')}/api/v1/statuses/{status['id']}",
                      headers=bearer("other"))
    assert r.status_code == 404
    assert texts(sandbox, "corp-masto") == ["mine"]


def test_auth_errors(sandbox: Sandbox, client: httpx.Client) -> None:
    url = f"{sandbox.base_for('mastodon')}/api/v1/statuses"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = client.post(url, data={"status": "hi"}, headers=headers)
        assert (r.status_code, r.json()) == (401, {"error": "The access token is invalid"})
    assert sandbox.posts() == []


def test_idempotency_key_returns_the_same_status(sandbox: Sandbox,
                                                 client: httpx.Client) -> None:
    first = publish(client, sandbox, "mastodon", "Once only", key="delivery-1")
    again = publish(client, sandbox, "mastodon", "Once only", key="delivery-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert texts(sandbox, "corp-masto") == ["Once only"]
    # Another key, or the same key for another account, is another post.
    assert publish(client, sandbox, "mastodon", "Once only", key="delivery-2").json()["id"] \
        != first.json()["id"]
    publish(client, sandbox, "mastodon", "Once only", key="delivery-1", account="other")
    assert len(sandbox.posts()) == 3


@pytest.mark.parametrize("kind", ["drop", "timeout"])
def test_retry_with_the_key_after_an_unknown_outcome_does_not_post_twice(
        sandbox: Sandbox, client: httpx.Client, kind: str) -> None:
    sandbox.inject("corp-masto", Fault(kind, seconds=1.0))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout)):
        publish(client, sandbox, "mastodon", "Unknown?", key="k1", timeout=0.2)
    retry = publish(client, sandbox, "mastodon", "Unknown?", key="k1")
    assert retry.status_code == 200
    [post] = sandbox.posts("corp-masto")
    assert retry.json()["id"] == post["id"]


def test_character_limit(sandbox: Sandbox, client: httpx.Client) -> None:
    assert publish(client, sandbox, "mastodon", "a" * 500).status_code == 200
    r = publish(client, sandbox, "mastodon", "b" * 501)
    assert (r.status_code, r.json()) == (422, {"error": "Validation failed: Text character "
                                                        "limit of 500 exceeded"})
    # The content warning counts; a URL counts 23.
    r = client.post(f"{sandbox.base_for('mastodon')}/api/v1/statuses",
                    data={"status": "c" * 495, "spoiler_text": "Flood!"},
                    headers=bearer("corp-masto"))
    assert r.status_code == 422
    long_url = "https://example.org/" + "p" * 100
    assert publish(client, sandbox, "mastodon", "d" * 470 + " " + long_url).status_code == 200
    blank = publish(client, sandbox, "mastodon", "   ")
    assert (blank.status_code, blank.json()) == (422, {"error": "Validation failed: Text "
                                                                "can't be blank"})


def test_instance_and_credentials(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("mastodon")
    v2 = client.get(f"{base}/api/v2/instance").json()
    assert v2["configuration"]["statuses"]["max_characters"] == 500
    me = client.get(f"{base}/api/v1/accounts/verify_credentials",
                    headers=bearer("corp-masto")).json()
    assert me["username"] == "corp-masto"


def test_notifications(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("mastodon")
    status = publish(client, sandbox, "mastodon", "Appeal").json()
    first = sandbox.add_inbox("corp-masto", {"text": "Seen <him>", "author": "ann@social.example",
                                             "in_reply_to": status["id"]})
    sandbox.add_inbox("corp-masto", {"text": "@corp-masto hello", "author": "bob"})
    r = client.get(f"{base}/api/v1/notifications", headers=bearer("corp-masto"))
    items = r.json()
    assert [n["type"] for n in items] == ["mention", "mention"]
    assert items[1]["status"]["content"] == "<p>Seen &lt;him&gt;</p>"
    assert items[1]["status"]["in_reply_to_id"] == status["id"]
    assert items[1]["account"]["acct"] == "ann@social.example"
    newer = client.get(f"{base}/api/v1/notifications", headers=bearer("corp-masto"),
                       params={"since_id": first["id"]}).json()
    assert [n["status"]["content"] for n in newer] == ["<p>@corp-masto hello</p>"]
    assert client.get(f"{base}/api/v1/notifications").status_code == 401
