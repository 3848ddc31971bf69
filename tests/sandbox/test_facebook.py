"""Facebook Graph shapes: the page feed, deletion, OAuth errors, comments."""

from __future__ import annotations

import httpx

from oncall.sandbox import Sandbox
from tests.sandbox.conftest import PAGE_ID, publish, texts


def test_post_then_delete(sandbox: Sandbox, client: httpx.Client) -> None:
    r = publish(client, sandbox, "facebook", "Road closed on the A34")
    assert r.status_code == 200
    post_id = r.json()["id"]
    page, _, number = post_id.partition("_")
    assert page == PAGE_ID and number.isdigit()
    [post] = sandbox.posts("corp-fb")
    assert (post["platform"], post["id"], post["text"]) == \
        ("facebook", post_id, "Road closed on the A34")
    assert client.get(post["url"]).status_code == 200

    base = sandbox.base_for("facebook")
    shown = client.get(f"{base}/v21.0/{post_id}", params={"access_token": "sandbox-corp-fb"})
    assert shown.json()["message"] == "Road closed on the A34"
    gone = client.delete(f"{base}/v21.0/{post_id}", params={"access_token": "sandbox-corp-fb"})
    assert (gone.status_code, gone.json()) == (200, {"success": True})
    assert texts(sandbox, "corp-fb") == []
    again = client.delete(f"{base}/v21.0/{post_id}",
                          params={"access_token": "sandbox-corp-fb"})
    assert again.status_code == 400
    error = again.json()["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == \
        (100, 33, "GraphMethodException")


def test_token_in_the_query_or_a_bearer_header_and_a_link(sandbox: Sandbox,
                                                          client: httpx.Client) -> None:
    base = sandbox.base_for("facebook")
    r = client.post(f"{base}/v19.0/{PAGE_ID}/feed",
                    params={"access_token": "sandbox-corp-fb", "message": "in the query"})
    assert r.status_code == 200
    r = client.post(f"{base}/v21.0/{PAGE_ID}/feed",
                    data={"link": "https://www.merciavale.police.uk/appeal"},
                    headers={"Authorization": "Bearer sandbox-corp-fb"})
    assert r.status_code == 200
    assert sandbox.posts("corp-fb")[1]["extra"]["link"].endswith("/appeal")
    empty = client.post(f"{base}/v21.0/{PAGE_ID}/feed",
                        data={"message": " ", "access_token": "sandbox-corp-fb"})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == 100


def test_auth_errors(sandbox: Sandbox, client: httpx.Client) -> None:
    url = f"{sandbox.base_for('facebook')}/v21.0/{PAGE_ID}/feed"
    missing = client.post(url, data={"message": "hi"})
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == 104
    bad = client.post(url, data={"message": "hi", "access_token": "EAAB-real-looking"})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert (error["code"], error["type"]) == (190, "OAuthException")
    assert error["message"].startswith("Invalid OAuth access token") and error["fbtrace_id"]
    assert sandbox.posts() == []


def test_someone_elses_post_cannot_be_deleted(sandbox: Sandbox, client: httpx.Client) -> None:
    post_id = publish(client, sandbox, "facebook", "mine").json()["id"]
    r = client.delete(f"{sandbox.base_for('facebook')}/v21.0/{post_id}",
                      params={"access_token": "sandbox-other-page"})
    assert r.status_code == 400
    assert texts(sandbox, "corp-fb") == ["mine"]


def test_feed_with_comments_and_visitor_posts(sandbox: Sandbox, client: httpx.Client) -> None:
    post_id = publish(client, sandbox, "facebook", "Appeal").json()["id"]
    sandbox.add_inbox("corp-fb", {"text": "Shared!", "author": "1234",
                                  "author_name": "Ann Smith", "in_reply_to": post_id,
                                  "created_at": "2099-01-01T10:00:00Z"})
    sandbox.add_inbox("corp-fb", {"text": "Why were police at the park?",
                                  "author_name": "Bob", "created_at": "2099-01-01T11:00:00Z"})
    r = client.get(f"{sandbox.base_for('facebook')}/v21.0/{PAGE_ID}/feed",
                   params={"access_token": "sandbox-corp-fb", "fields": "message,comments"})
    data = r.json()["data"]
    assert [item["message"] for item in data] == ["Why were police at the park?", "Appeal"]
    assert data[0]["from"]["name"] == "Bob"
    [comment] = data[1]["comments"]["data"]
    assert (comment["message"], comment["from"]["name"]) == ("Shared!", "Ann Smith")
    assert comment["created_time"] == "2099-01-01T10:00:00+0000"
