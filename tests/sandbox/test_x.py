"""X API v2 shapes: /2/tweets, its errors, duplicate text and the weighted limit."""

from __future__ import annotations

import httpx

from oncall.sandbox import Sandbox
from tests.sandbox.conftest import bearer, publish, texts


def test_post_then_delete(sandbox: Sandbox, client: httpx.Client) -> None:
    r = publish(client, sandbox, "x", "Road closed: A34 northbound")
    assert r.status_code == 201
    data = r.json()["data"]
    assert data["text"] == "Road closed: A34 northbound"
    assert data["id"].isdigit() and data["edit_history_tweet_ids"] == [data["id"]]
    [post] = sandbox.posts("corp-x")
    assert (post["platform"], post["account"], post["id"], post["deleted"]) == \
        ("x", "corp-x", data["id"], False)
    assert post["created_at"].endswith("+00:00")

    base = sandbox.base_for("x")
    looked = client.get(f"{base}/2/tweets/{data['id']}", headers=bearer("corp-x")).json()
    assert looked["data"]["text"] == data["text"]
    assert client.get(f"{base}/corp-x/status/{data['id']}").status_code == 200

    gone = client.delete(f"{base}/2/tweets/{data['id']}", headers=bearer("corp-x"))
    assert (gone.status_code, gone.json()) == (200, {"data": {"deleted": True}})
    assert sandbox.posts("corp-x")[0]["deleted"] is True
    assert texts(sandbox, "corp-x") == []
    again = client.delete(f"{base}/2/tweets/{data['id']}", headers=bearer("corp-x"))
    assert again.status_code == 404 and again.json()["title"] == "Not Found Error"
    looked = client.get(f"{base}/2/tweets/{data['id']}", headers=bearer("corp-x")).json()
    assert looked["errors"][0]["title"] == "Not Found Error"
    assert client.get(f"{base}/corp-x/status/{data['id']}").status_code == 404


def test_someone_elses_tweet_cannot_be_deleted(sandbox: Sandbox, client: httpx.Client) -> None:
    tweet = publish(client, sandbox, "x", "mine").json()["data"]["id"]
    r = client.delete(f"{sandbox.base_for('x')}/2/tweets/{tweet}",
                      headers=bearer("corp-x-roads"))
    assert r.status_code == 403 and r.json()["title"] == "Forbidden"
    assert texts(sandbox, "corp-x") == ["mine"]


def test_auth_errors(sandbox: Sandbox, client: httpx.Client) -> None:
    url = f"{sandbox.base_for('x')}/2/tweets"
    for headers in ({}, {"Authorization": "Bearer not-a-sandbox-token"},
                    {"Authorization": "Basic sandbox-corp-x"}):
        r = client.post(url, json={"text": "hi"}, headers=headers)
        assert r.status_code == 401
        assert r.json() == {"title": "Unauthorized", "detail": "Unauthorized",
                            "type": "about:blank", "status": 401}
    assert sandbox.posts() == []


def test_duplicate_text_of_a_live_tweet_is_refused(sandbox: Sandbox,
                                                   client: httpx.Client) -> None:
    first = publish(client, sandbox, "x", "Same words")
    assert first.status_code == 201
    r = publish(client, sandbox, "x", "Same words")
    assert r.status_code == 403
    assert r.json() == {"title": "Forbidden", "type": "about:blank", "status": 403,
                        "detail": "You are not allowed to create a Tweet with duplicate "
                                  "content."}
    # Another account may say it; so may this one once the first is deleted.
    assert publish(client, sandbox, "x", "Same words", account="corp-x-roads").status_code \
        == 201
    client.delete(f"{sandbox.base_for('x')}/2/tweets/{first.json()['data']['id']}",
                  headers=bearer("corp-x"))
    assert publish(client, sandbox, "x", "Same words").status_code == 201


def test_weighted_limit(sandbox: Sandbox, client: httpx.Client) -> None:
    assert publish(client, sandbox, "x", "a" * 280).status_code == 201
    # A URL counts 23 whatever its length.
    assert publish(client, sandbox, "x", "b" * 250 + " https://example.org/" + "p" * 80) \
        .status_code == 201
    r = publish(client, sandbox, "x", "c" * 281)
    assert r.status_code == 400
    body = r.json()
    assert body["title"] == "Invalid Request" and body["status"] == 400
    assert "too long" in body["errors"][0]["message"]
    # CJK weighs 2: 141 of them is 282.
    assert publish(client, sandbox, "x", "警" * 141).status_code == 400
    assert publish(client, sandbox, "x", "").status_code == 400
    assert len(sandbox.posts("corp-x")) == 2


def test_mentions_and_me(sandbox: Sandbox, client: httpx.Client) -> None:
    base = sandbox.base_for("x")
    me = client.get(f"{base}/2/users/me", headers=bearer("corp-x")).json()["data"]
    assert me["id"] == "corp-x"
    empty = client.get(f"{base}/2/users/corp-x/mentions", headers=bearer("corp-x")).json()
    assert empty == {"meta": {"result_count": 0}}
    tweet = publish(client, sandbox, "x", "Appeal").json()["data"]["id"]
    first = sandbox.add_inbox("corp-x", {"text": "@MerciaValePol saw it", "author": "ann"})
    sandbox.add_inbox("corp-x", {"text": "reply", "author": "bob", "in_reply_to": tweet})
    sandbox.add_inbox("corp-x-roads", {"text": "not for corp-x"})
    r = client.get(f"{base}/2/users/corp-x/mentions", headers=bearer("corp-x")).json()
    assert [t["text"] for t in r["data"]] == ["reply", "@MerciaValePol saw it"]
    assert r["data"][0]["referenced_tweets"] == [{"type": "replied_to", "id": tweet}]
    assert {u["username"] for u in r["includes"]["users"]} == {"ann", "bob"}
    assert r["meta"]["result_count"] == 2
    newer = client.get(f"{base}/2/users/corp-x/mentions", headers=bearer("corp-x"),
                       params={"since_id": first["id"]}).json()
    assert [t["text"] for t in newer["data"]] == ["reply"]
