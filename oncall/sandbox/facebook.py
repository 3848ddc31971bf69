"""Facebook's Graph API for a Page, as far as a press office uses it.

Any version prefix (/v21.0/ ...) is accepted. The token is the access_token query
or form field (or an `Authorization: Bearer` header), "sandbox-<site id>"; the
account is the site id, and the page id in the path is taken as given.

POST /v21.0/{page_id}/feed (form: message, link, attached_media[i]={"media_fbid"})
  -> 200 {"id": "<page_id>_<n>"}
POST /v21.0/{page_id}/photos (multipart: source=<file>, message, published)
  -> 200 {"id": <photo id>, "post_id": "<page_id>_<n>"}: a post with that photo; with
  published=false -> {"id"} only, a photo waiting to be attached to a feed post.
  Photos are JPEG, PNG, GIF, BMP or TIFF of at most 10 MB, each attached once. An
  unpublished photo meets only "upload" and "any" faults.
DELETE /v21.0/{post_id} -> 200 {"success": true}
GET /v21.0/{post_id} -> {"id", "message", "created_time", "permalink_url"}
GET /v21.0/{page_id}/feed[?since=<unix time>&limit=&after=] -> {"data": [...],
  "paging"?}, newest first, 25 by default and 100 at most: the page's own live posts,
  each with "comments": {"data": [...], "paging"?} (inbox messages sent in reply to it;
  25 of them, or as many as fields= asks with comments.limit(N)), and visitor posts
  (inbox messages in reply to nothing) with a "from" that is not the page. `since`
  drops posts and comments not newer. "paging": {"cursors": {"after"}, "next"} when
  there is more.
GET /v21.0/{post_id}/comments[?since=&limit=&after=] -> {"data": [...], "paging"?}: the
  public's comments on one of the page's posts, oldest first
GET /v21.0/{page_id}/conversations[?platform=messenger&fields=...messages.limit(N)...
  &limit=&after=] -> {"data": [{"id": "t_<psid>", "updated_time", "messages": {"data",
  "paging"?}}], "paging"?}: one conversation per person who wrote (inbox messages added
  with "kind": "dm", their author the page-scoped id), most recently active first,
  messages newest first; GET /v21.0/t_<psid>/messages[?after=] their further pages
POST /v21.0/{page_id}/messages (JSON or form: recipient {"id"}, messaging_type,
  message {"text"}) -> {"recipient_id", "message_id"}: only to someone who wrote, and
  within 24 hours of their last message ((#10) subcode 2018278 after)
POST /v21.0/{object_id}/comments (form: message) -> 200 {"id": "<object_id>_<n>"}: the
  page's reply under a visitor's post or a comment (an inbox message), or under one of
  its own posts; kept as a post with extra "parent", never listed in the feed.
GET /v21.0/me -> {"id", "name"}
GET /{post_id} (no version) -> a bare public page for the post

Errors are {"error": {"message", "type", "code", "fbtrace_id"}} plus "error_subcode"
and "is_transient" where Facebook gives them, all with HTTP 400 except the 500.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import math
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from oncall import imagetype, textlength
from oncall.sandbox.state import Post, State, Upload, now
from oncall.sandbox.wire import (
    Errors,
    Reply,
    Request,
    guarded,
    json_reply,
    paged,
    post_page,
    token_account,
)

PLATFORM = "facebook"
PHOTO_LIMIT = 10 * 1024 * 1024
PHOTO_TYPES = frozenset({imagetype.JPEG, imagetype.PNG, imagetype.GIF, imagetype.BMP,
                         imagetype.TIFF})
_PHOTO_ID_BASE = 122_000_000_000_000


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
    photos = re.fullmatch(r"/([^/]+)/photos", path)
    if photos and method == "POST":
        published = str(form.get("published", "true")).lower() not in ("false", "0")
        return guarded(state, account, "post" if published else "upload", ERRORS,
                       lambda: _photo(req, state, account, photos.group(1), form, published))
    for verb, pattern, op, action in _ROUTES:
        found = re.fullmatch(pattern, path)
        if found and method == verb:
            return guarded(state, account, op, ERRORS,
                           functools.partial(action, req, state, account, found.group(1)))
    feed = re.fullmatch(r"/([^/]+)/feed", path)
    if feed and method == "POST":
        return guarded(state, account, "post", ERRORS,
                       lambda: _create(req, state, account, feed.group(1), form))
    if feed and method == "GET":
        return guarded(state, account, "read", ERRORS,
                       lambda: _feed(req, state, account, feed.group(1)))
    comments = re.fullmatch(r"/([^/]+)/comments", path)
    if comments and method == "POST":
        return guarded(state, account, "post", ERRORS,
                       lambda: _comment(req, state, account, comments.group(1), form))
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


def _too_long(message: str) -> Reply | None:
    if textlength.length(message, PLATFORM) > textlength.FACEBOOK_LIMIT:
        return error(400, f"(#100) Param message must be at most {textlength.FACEBOOK_LIMIT} "
                     "characters long", 100)
    return None


def _attached(form: dict[str, Any]) -> list[object]:
    """The media_fbid of each attached_media entry: the indexed form fields
    attached_media[0], [1] ... (each a JSON object), or one JSON array."""
    entries: list[tuple[int, object]] = []
    for key, value in form.items():
        match = re.fullmatch(r"attached_media\[(\d+)\]", key)
        if match:
            entries.append((int(match.group(1)), value))
    values = [v for _, v in sorted(entries, key=lambda e: e[0])]
    whole = form.get("attached_media")
    if whole is not None:
        values.extend(whole if isinstance(whole, list) else [whole])
    ids: list[object] = []
    for value in values:
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        items = value if isinstance(value, list) else [value]
        ids.extend(item.get("media_fbid") if isinstance(item, dict) else None
                   for item in items)
    return ids


def _create(req: Request, state: State, account: str, page_id: str,
            form: dict[str, Any]) -> Reply:
    message, link = form.get("message", ""), form.get("link", "")
    if not isinstance(message, str) or not isinstance(link, str):
        return error(400, "(#100) Invalid parameter", 100)
    with state.lock:
        photos: list[Upload] = []
        for number, photo_id in enumerate(_attached(form)):
            photo = state.find_upload(PLATFORM, str(photo_id)) if photo_id else None
            if photo is None or photo.account != account or photo.used:
                return error(400, f"(#100) attached_media[{number}] must be an unpublished "
                             "photo of this Page that no post uses yet", 100)
            photos.append(photo)
        if not message.strip() and not link.strip() and not photos:
            return error(400, "(#100) Either message or link must be supplied", 100)
        refused = _too_long(message)
        if refused is not None:
            return refused
        post_id = f"{page_id}_{state.next_number()}"
        extra: dict[str, Any] = {"page_id": page_id}
        if link:
            extra["link"] = link
        if photos:
            extra["photo_ids"] = [p.id for p in photos]
        for photo in photos:
            photo.used = True
        state.add_post(Post(PLATFORM, account, post_id, message, now(),
                            url=f"{req.base}/{post_id}", extra=extra,
                            media=[p.summary() for p in photos]))
    return json_reply(200, {"id": post_id})


def _comment(req: Request, state: State, account: str, object_id: str,
             form: dict[str, Any]) -> Reply:
    """The page's reply under a message from the public or under its own post. Inbox
    messages have the ids the feed gives them: "<post id>_<message id>"."""
    message = form.get("message", "")
    if not isinstance(message, str) or not message.strip():
        return error(400, "(#100) Missing message or attachment", 100)
    refused = _too_long(message)
    if refused is not None:
        return refused
    with state.lock:
        known = {m["id"] for m in state.inbox_raw(account)}
        own = state.find_post(PLATFORM, object_id)
        if not (own is not None and own.account == account and not own.deleted) \
                and object_id.rsplit("_", 1)[-1] not in known:
            return error(400, f"Unsupported post request. Object with ID '{object_id}' does "
                         "not exist, cannot be loaded due to missing permissions, or does "
                         "not support this operation", 100, kind="GraphMethodException",
                         subcode=33)
        comment_id = f"{object_id}_{state.next_number()}"
        state.add_post(Post(PLATFORM, account, comment_id, message, now(),
                            url=f"{req.base}/{comment_id}", extra={"parent": object_id}))
    return json_reply(200, {"id": comment_id})


def _photo(req: Request, state: State, account: str, page_id: str, form: dict[str, Any],
           published: bool) -> Reply:
    """A photo upload: a post of its own, or (published=false) one to attach later."""
    source = req.file("source")
    if source is None:
        return error(400, "(#324) Requires upload file", 324)
    kind = imagetype.sniff(source.data)
    if kind not in PHOTO_TYPES:
        return error(400, "(#324) Missing or invalid image file", 324)
    if len(source.data) > PHOTO_LIMIT:
        return error(400, f"(#100) The photo is {len(source.data):,} bytes; photos may be at "
                     f"most {PHOTO_LIMIT:,} bytes (10 MB)", 100)
    message = form.get("message") or form.get("caption") or ""
    refused = _too_long(message) if published else None
    if refused is not None:
        return refused
    with state.lock:
        photo = state.add_upload(Upload(PLATFORM, account,
                                        str(_PHOTO_ID_BASE + state.next_number()), kind,
                                        len(source.data)))
        if not published:
            return json_reply(200, {"id": photo.id})
        photo.used = True
        post_id = f"{page_id}_{state.next_number()}"
        state.add_post(Post(PLATFORM, account, post_id, message, now(),
                            url=f"{req.base}/{post_id}",
                            extra={"page_id": page_id, "photo_ids": [photo.id]},
                            media=[photo.summary()]))
    return json_reply(200, {"id": photo.id, "post_id": post_id})


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

    messages = [m for m in state.inbox_raw(account) if m["kind"] != "dm"]  # Messenger's
    own = {p.id: p for p in state.live_posts(PLATFORM, account)
           if "parent" not in p.extra and "dm_to" not in p.extra}
    asked = re.search(r"comments\.limit\((\d+)\)", req.arg("fields"))
    per_post = min(int(asked.group(1)), 100) if asked else 25
    items: list[tuple[datetime, dict[str, Any]]] = []
    for post in own.values():
        comments = _comment_list(messages, post.id, newer)
        if newer(post.created) or comments:
            first = comments[:per_post]
            listing: dict[str, Any] = {"data": first}
            if len(comments) > per_post:
                listing["paging"] = _paging(req, f"{post.id}/comments", _cursor(per_post))
            items.append((post.created, dict(_post_json(post), comments=listing)))
    for m in messages:
        if m["in_reply_to"] in own or not newer(m["created_at"]):
            continue
        items.append((m["created_at"], {
            "id": f"{page_id}_{m['id']}", "message": m["text"],
            "created_time": _time(m["created_at"]),
            "from": {"name": m["author_name"], "id": m["author"]},
            **({"attachments": {"data": [_photo_of(m)]}} if m["image"] else {}),
            "comments": {"data": []}}))
    items.sort(key=lambda item: item[0], reverse=True)
    return _listed(req, [item for _, item in items], f"{page_id}/feed")


def _comments_page(req: Request, state: State, account: str, post_id: str) -> Reply:
    """GET /{post-id}/comments: the public's comments on one of the page's posts, oldest
    first as Graph lists them, a page at a time."""
    since = _since(req)
    comments = _comment_list([m for m in state.inbox_raw(account) if m["kind"] != "dm"],
                             post_id,
                             lambda moment: since is None or moment.timestamp() > since)
    return _listed(req, comments, f"{post_id}/comments")


def _chat_messages(state: State, account: str, psid: str) -> list[dict[str, Any]]:
    """One person's Messenger conversation with the page, newest first: their messages
    (inbox messages added with "kind": "dm", the author their page-scoped id) and the
    page's answers."""
    theirs = [(m["created_at"], {"id": f"m_{m['id']}", "message": m["text"],
                                 "created_time": _time(m["created_at"]),
                                 "from": {"name": m["author_name"], "id": m["author"]},
                                 **({"attachments": {"data": [_photo_of(m)]}}
                                    if m["image"] else {})})
              for m in state.inbox_raw(account) if m["kind"] == "dm" and m["author"] == psid]
    ours = [(p.created, {"id": p.id, "message": p.text, "created_time": _time(p.created),
                         "from": {"name": account, "id": p.extra.get("page_id", account)}})
            for p in state.live_posts(PLATFORM, account) if p.extra.get("dm_to") == psid]
    return [m for _, m in sorted(theirs + ours, key=lambda pair: pair[0], reverse=True)]


def _conversations(req: Request, state: State, account: str, page_id: str) -> Reply:
    """GET /{page-id}/conversations: one per person who wrote, most recently active first,
    each with its newest messages (as many as fields= asks, messages.limit(N), else 25)."""
    people = dict.fromkeys(m["author"] for m in state.inbox_raw(account)
                           if m["kind"] == "dm")
    asked = re.search(r"messages\.limit\((\d+)\)", req.arg("fields"))
    per_chat = min(int(asked.group(1)), 100) if asked else 25
    chats = []
    for psid in people:
        messages = _chat_messages(state, account, psid)
        listing: dict[str, Any] = {"data": messages[:per_chat]}
        if len(messages) > per_chat:
            listing["paging"] = _paging(req, f"t_{psid}/messages", _cursor(per_chat))
        chats.append({"id": f"t_{psid}", "updated_time": messages[0]["created_time"],
                      "messages": listing})
    chats.sort(key=lambda c: c["updated_time"], reverse=True)
    return _listed(req, chats, f"{page_id}/conversations")


def _chat_page(req: Request, state: State, account: str, chat_id: str) -> Reply:
    """GET /t_{psid}/messages: further pages of one conversation, newest first."""
    messages = _chat_messages(state, account, chat_id.removeprefix("t_"))
    return _listed(req, messages, f"{chat_id}/messages")


def _send_message(req: Request, state: State, account: str, page_id: str) -> Reply:
    """POST /{page-id}/messages (the Send API): an answer to someone who wrote to the
    page, within 24 hours of their last message, as Facebook allows."""
    body = req.form()
    recipient, message = body.get("recipient"), body.get("message")
    for name, value in (("recipient", recipient), ("message", message)):
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        if name == "recipient":
            recipient = value
        else:
            message = value
    psid = recipient.get("id") if isinstance(recipient, dict) else None
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(psid, str) or not isinstance(text, str) or not text.strip():
        return error(400, "(#100) The parameter recipient and message[text] are required",
                     100)
    with state.lock:
        last = max((m["created_at"] for m in state.inbox_raw(account)
                    if m["kind"] == "dm" and m["author"] == psid), default=None)
        if last is None:
            return error(400, "(#100) No matching user found", 100, subcode=2018001)
        if (now() - last).total_seconds() > 24 * 3600:
            return error(400, "(#10) This message is sent outside of allowed window.", 10,
                         kind="OAuthException", subcode=2018278)
        message_id = f"m_page{state.next_number()}"
        state.add_post(Post(PLATFORM, account, message_id, text, now(),
                            extra={"dm_to": psid}))
    return json_reply(200, {"recipient_id": psid, "message_id": message_id})


# Lists and the Send API: (method, path, the kind of request faults see, handler).
_ROUTES: tuple[tuple[str, str, str, Callable[[Request, State, str, str], Reply]], ...] = (
    ("GET", r"/([^/]+)/conversations", "read", _conversations),
    ("GET", r"/(t_[^/]+)/messages", "read", _chat_page),
    ("POST", r"/([^/]+)/messages", "post", _send_message),
    ("GET", r"/([^/]+)/comments", "read", _comments_page),
)


def _comment_list(messages: list[dict[str, Any]], post_id: str,
                  newer: Callable[[datetime], bool]) -> list[dict[str, Any]]:
    return [{"id": f"{post_id}_{m['id']}", "message": m["text"],
             "created_time": _time(m["created_at"]),
             "from": {"name": m["author_name"], "id": m["author"]},
             **({"attachment": _photo_of(m)} if m["image"] else {})}
            for m in messages if m["in_reply_to"] == post_id and newer(m["created_at"])]


def _photo_of(m: dict[str, Any]) -> dict[str, Any]:
    """A photo the person sent, as Graph describes an attachment."""
    return {"type": "photo", "description": m["image"],
            "media": {"image": {"src": f"https://scontent.example/{m['id']}.jpg"}}}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"@{offset}".encode()).decode()


def _listed(req: Request, items: list[dict[str, Any]], path: str) -> Reply:
    """A page of a Graph list (25 by default, 100 at most), with its paging when more
    follows."""
    page, after = paged(items, req, limit="limit", token="after", default=25, maximum=100)
    body: dict[str, Any] = {"data": page}
    if after:
        body["paging"] = _paging(req, path, after)
    return json_reply(200, body)


def _paging(req: Request, path: str, after: str) -> dict[str, Any]:
    """Graph's paging object: the cursor, and the whole URL of the next page."""
    return {"cursors": {"after": after},
            "next": f"{req.base}/v21.0/{path}?after={after}"}
