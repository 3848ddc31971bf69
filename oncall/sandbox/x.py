"""X API v2, as far as a press office uses it.

POST /2/tweets {"text"} -> 201 {"data": {"id", "text", "edit_history_tweet_ids"}}
DELETE /2/tweets/{id} -> 200 {"data": {"deleted": true}}
GET /2/tweets/{id} -> {"data": {...}} or 200 {"errors": [...]} when gone, as X does
GET /2/users/me -> {"data": {"id", "name", "username"}}; the user id is the account
GET /2/users/{id}/mentions[?since_id=] -> {"data": [...], "includes": {"users"}, "meta"}
GET /{handle}/status/{id} -> a bare public page for the post

Errors are problem+json: {"title", "detail", "type", "status"}. X's own rules are
kept: the weighted 280 limit, and no tweet with the same text as a live one of
the same account (403 duplicate content).
"""

from __future__ import annotations

import re
import time
import zlib
from typing import Any

from oncall import textlength
from oncall.sandbox.state import Post, State, iso_z, now
from oncall.sandbox.wire import (
    Errors,
    Reply,
    Request,
    guarded,
    json_reply,
    post_page,
    token_account,
)

PLATFORM = "x"
_ID_BASE = 1_790_000_000_000_000_000
PROBLEM = "application/problem+json"
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = ("Your Tweet text is too long. For more information on how Twitter determines "
            "text length see https://github.com/twitter/twitter-text.")


def problem(status: int, title: str, detail: str, *, kind: str = "about:blank",
            headers: dict[str, str] | None = None, **extra: Any) -> Reply:
    body = {"title": title, "detail": detail, "type": kind, "status": status, **extra}
    return json_reply(status, body, headers=headers, content_type=PROBLEM)


def _rate_limited(retry_after: int) -> Reply:
    reset = int(time.time()) + retry_after
    return problem(429, "Too Many Requests", "Too Many Requests", headers={
        "x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset)})


ERRORS = Errors(
    rate_limited=_rate_limited,
    server_error=lambda: problem(500, "Internal Server Error", "Internal Server Error"),
    duplicate=lambda: problem(403, "Forbidden", DUPLICATE_DETAIL),
)


def _invalid(message: str, text: object) -> Reply:
    return problem(400, "Invalid Request", "One or more parameters to your request was "
                   "invalid.", kind=INVALID_REQUEST,
                   errors=[{"parameters": {"text": [text]}, "message": message}])


def handle(req: Request, state: State) -> Reply:
    page = re.fullmatch(r"/[^/]+/status/(\d+)", req.path)
    if req.method == "GET" and page:
        return post_page(state.find_post(PLATFORM, page.group(1)))
    account = token_account(req.bearer())
    if account is None:
        return problem(401, "Unauthorized", "Unauthorized")
    path, method = req.path, req.method
    if path == "/2/tweets" and method == "POST":
        return guarded(state, account, "post", ERRORS, lambda: _create(req, state, account))
    tweet = re.fullmatch(r"/2/tweets/(\d+)", path)
    if tweet and method == "DELETE":
        return guarded(state, account, "delete", ERRORS,
                       lambda: _delete(state, account, tweet.group(1)))
    if tweet and method == "GET":
        return guarded(state, account, "read", ERRORS, lambda: _lookup(state, tweet.group(1)))
    if path == "/2/users/me" and method == "GET":
        return json_reply(200, {"data": _user(account)})
    mentions = re.fullmatch(r"/2/users/([^/]+)/mentions", path)
    if mentions and method == "GET":
        return guarded(state, account, "read", ERRORS,
                       lambda: _mentions(req, state, mentions.group(1)))
    return problem(404, "Not Found Error", f"Sorry, that page does not exist: {method} "
                   f"{path}", kind=NOT_FOUND)


def _user(account: str) -> dict[str, str]:
    return {"id": account, "name": account, "username": account}


def _create(req: Request, state: State, account: str) -> Reply:
    body = req.json()
    if not isinstance(body, dict):
        return problem(400, "Invalid Request", "One or more parameters to your request was "
                       "invalid.", kind=INVALID_REQUEST,
                       errors=[{"message": "Request body must be a JSON object"}])
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _invalid("Tweet text must not be empty.", text)
    if textlength.length(text, "x") > textlength.X_LIMIT:
        return _invalid(TOO_LONG, text)
    with state.lock:
        if any(p.text == text for p in state.live_posts(PLATFORM, account)):
            return ERRORS.duplicate()
        tweet_id = str(_ID_BASE + state.next_number())
        state.add_post(Post(PLATFORM, account, tweet_id, text, now(),
                            url=f"{req.base}/{account}/status/{tweet_id}"))
    return json_reply(201, {"data": {"id": tweet_id, "text": text,
                                      "edit_history_tweet_ids": [tweet_id]}})


def _not_found(tweet_id: str) -> dict[str, Any]:
    return {"value": tweet_id, "detail": f"Could not find tweet with id: [{tweet_id}].",
            "title": "Not Found Error", "resource_type": "tweet", "parameter": "id",
            "resource_id": tweet_id, "type": NOT_FOUND}


def _delete(state: State, account: str, tweet_id: str) -> Reply:
    post = state.find_post(PLATFORM, tweet_id)
    if post is None or post.deleted:
        return problem(404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}].",
                       kind=NOT_FOUND)
    if post.account != account:
        return problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
    state.delete_post(post)
    return json_reply(200, {"data": {"deleted": True}})


def _lookup(state: State, tweet_id: str) -> Reply:
    post = state.find_post(PLATFORM, tweet_id)
    if post is None or post.deleted:
        return json_reply(200, {"errors": [_not_found(tweet_id)]})
    return json_reply(200, {"data": {"id": post.id, "text": post.text,
                                     "author_id": post.account,
                                     "created_at": iso_z(post.created),
                                     "edit_history_tweet_ids": [post.id]}})


def _mentions(req: Request, state: State, user_id: str) -> Reply:
    since = req.arg("since_id")
    data, users = [], {}
    for m in reversed(state.inbox_raw(user_id)):  # newest first, as X lists them
        tweet_id = m["id"]
        if since.isdigit() and tweet_id.isdigit() and int(tweet_id) <= int(since):
            continue
        author_id = str(zlib.crc32(m["author"].encode()))
        users[author_id] = {"id": author_id, "name": m["author_name"],
                            "username": m["author"].lstrip("@")}
        tweet = {"id": tweet_id, "text": m["text"], "author_id": author_id,
                 "created_at": iso_z(m["created_at"]), "conversation_id": tweet_id,
                 "edit_history_tweet_ids": [tweet_id]}
        if m["in_reply_to"]:
            tweet["conversation_id"] = m["in_reply_to"]
            tweet["in_reply_to_user_id"] = user_id
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": m["in_reply_to"]}]
        data.append(tweet)
    meta: dict[str, Any] = {"result_count": len(data)}
    if data:
        meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
    out: dict[str, Any] = {"meta": meta}
    if data:
        out["data"] = data
        out["includes"] = {"users": list(users.values())}
    return json_reply(200, out)
