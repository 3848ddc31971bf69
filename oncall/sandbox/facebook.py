"""Facebook's Graph API for a Page, as far as a press office uses it.

Any version prefix (/v21.0/ ...) is accepted. The token is the access_token query
or form field (or an `Authorization: Bearer` header), "sandbox-<site id>"; the
account is the site id, and the page id in the path is taken as given.

POST /v21.0/{page_id}/feed (form: message, link) -> 200 {"id": "<page_id>_<n>"}
DELETE /v21.0/{post_id} -> 200 {"success": true}
GET /v21.0/{post_id} -> {"id", "message", "created_time", "permalink_url"}
GET /v21.0/{page_id}/feed[?since=<unix time>] -> {"data": [...]}, newest first: the
  page's own live posts, each with "comments": {"data": [...]} (inbox messages sent
  in reply to it), and visitor posts (inbox messages in reply to nothing) with a
  "from" that is not the page. `since` drops posts and comments not newer.
GET /v21.0/me -> {"id", "name"}
GET /{post_id} (no version) -> a bare public page for the post

Errors are {"error": {"message", "type", "code", "fbtrace_id"}} plus "error_subcode"
and "is_transient" where Facebook gives them, all with HTTP 400 except the 500.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from oncall import textlength
from oncall.sandbox.state import Post, State, now
from oncall.sandbox.wire import (
    Errors,
    Reply,
    Request,
    guarded,
    json_reply,
    post_page,
    token_account,
)

PLATFORM = "facebook"


def error(status: int, message: str, code: int, *, kind: str = "OAuthException",
          subcode: int | None = None, transient: bool | None = None,
          headers: dict[str, str] | None = None) -> Reply:
    body: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    if transient is not None:
        body["is_transient"] = transient
    body["fbtrace_id"] = secrets.token_urlsafe(8)
    return json_reply(status, {"error": body}, headers=headers)


def _rate_limited(retry_after: int) -> Reply:
    usage = {"type": "pages", "call_count": 100, "total_cputime": 40, "total_time": 40,
             "estimated_time_to_regain_access": math.ceil(retry_after / 60)}
    return error(400, "(#32) Page request limit reached", 32, transient=True, headers={
        "X-Business-Use-Case-Usage": json.dumps({"sandbox": [usage]})})


ERRORS = Errors(
    rate_limited=_rate_limited,
    server_error=lambda: error(500, "An unexpected error has occurred. Please retry your "
                               "request later.", 2, transient=True),
    duplicate=lambda: error(400, "(#506) Duplicate status message", 506),
)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _missing(object_id: str, method: str) -> Reply:
    verb = "delete" if method == "DELETE" else method.lower()
    return error(400, f"Unsupported {verb} request. Object with ID '{object_id}' does not "
                 "exist, cannot be loaded due to missing permissions, or does not support "
                 "this operation. Please read the Graph API documentation at "
                 "https://developers.facebook.com/docs/graph-api", 100,
                 kind="GraphMethodException", subcode=33)


def handle(req: Request, state: State) -> Reply:
    versioned = re.fullmatch(r"/v\d+\.\d+(/[^?]*)", req.path)
    if versioned is None:
        page = re.fullmatch(r"/([^/]+_\d+)", req.path)
        if page and req.method == "GET":
            return post_page(state.find_post(PLATFORM, page.group(1)))
        return error(400, "Unknown path components: " + req.path, 2500)
    path, method = versioned.group(1).rstrip("/"), req.method
    form = req.form()
    token = form.get("access_token") or req.bearer()
    if not token:
        return error(400, "An access token is required to request this resource.", 104)
    account = token_account(token)
    if account is None:
        return error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    if path == "/me" and method == "GET":
        return json_reply(200, {"id": account, "name": account})
    feed = re.fullmatch(r"/([^/]+)/feed", path)
    if feed and method == "POST":
        return guarded(state, account, "post", ERRORS,
                       lambda: _create(req, state, account, feed.group(1), form))
    if feed and method == "GET":
        return guarded(state, account, "read", ERRORS,
                       lambda: _feed(req, state, account, feed.group(1)))
    node = re.fullmatch(r"/([^/]+)", path)
    if node and method == "DELETE":
        return guarded(state, account, "delete", ERRORS,
                       lambda: _delete(state, account, node.group(1)))
    if node and method == "GET":
        post = state.find_post(PLATFORM, node.group(1))
        if post is None or post.deleted:
            return _missing(node.group(1), method)
        return json_reply(200, _post_json(post))
    return error(400, f"Unknown path components: {path}", 2500)


def _create(req: Request, state: State, account: str, page_id: str,
            form: dict[str, Any]) -> Reply:
    message, link = form.get("message", ""), form.get("link", "")
    if not isinstance(message, str) or not isinstance(link, str):
        return error(400, "(#100) Invalid parameter", 100)
    if not message.strip() and not link.strip():
        return error(400, "(#100) Either message or link must be supplied", 100)
    if textlength.length(message, PLATFORM) > textlength.FACEBOOK_LIMIT:
        return error(400, f"(#100) Param message must be at most {textlength.FACEBOOK_LIMIT} "
                     "characters long", 100)
    post_id = f"{page_id}_{state.next_number()}"
    extra = {"page_id": page_id, "link": link} if link else {"page_id": page_id}
    state.add_post(Post(PLATFORM, account, post_id, message, now(),
                        url=f"{req.base}/{post_id}", extra=extra))
    return json_reply(200, {"id": post_id})


def _delete(state: State, account: str, post_id: str) -> Reply:
    post = state.find_post(PLATFORM, post_id)
    if post is None or post.deleted or post.account != account:
        return _missing(post_id, "DELETE")
    state.delete_post(post)
    return json_reply(200, {"success": True})


def _post_json(post: Post) -> dict[str, Any]:
    data = {"id": post.id, "message": post.text, "created_time": _time(post.created),
            "permalink_url": post.url,
            "from": {"name": post.account, "id": post.extra.get("page_id", post.account)}}
    if post.extra.get("link"):
        data["link"] = post.extra["link"]
    return data


def _since(req: Request) -> float | None:
    value = req.arg("since")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _feed(req: Request, state: State, account: str, page_id: str) -> Reply:
    since = _since(req)

    def newer(moment: datetime) -> bool:
        return since is None or moment.timestamp() > since

    messages = state.inbox_raw(account)
    own = {p.id: p for p in state.live_posts(PLATFORM, account)}
    items: list[tuple[datetime, dict[str, Any]]] = []
    for post in own.values():
        comments = [{"id": f"{post.id}_{m['id']}", "message": m["text"],
                     "created_time": _time(m["created_at"]),
                     "from": {"name": m["author_name"], "id": m["author"]}}
                    for m in messages if m["in_reply_to"] == post.id
                    and newer(m["created_at"])]
        if newer(post.created) or comments:
            items.append((post.created, dict(_post_json(post), comments={"data": comments})))
    for m in messages:
        if m["in_reply_to"] in own or not newer(m["created_at"]):
            continue
        items.append((m["created_at"], {
            "id": f"{page_id}_{m['id']}", "message": m["text"],
            "created_time": _time(m["created_at"]),
            "from": {"name": m["author_name"], "id": m["author"]},
            "comments": {"data": []}}))
    items.sort(key=lambda item: item[0], reverse=True)
    return json_reply(200, {"data": [item for _, item in items]})
