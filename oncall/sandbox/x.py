"""X API v2, as far as a press office uses it.

POST /2/tweets {"text", "media"?: {"media_ids": [...]}} -> 201 {"data": {"id", "text",
  "edit_history_tweet_ids"}}; 1 to 4 media ids of the account's uploads; with "reply":
  {"in_reply_to_tweet_id"} a reply to a live post or to a message the account was sent
  (403 otherwise). The same text twice from one account is refused as a duplicate,
  unless it answers a different post.
POST /2/media/upload (multipart: media=<file>, media_category=tweet_image, media_type)
  -> 200 {"data": {"id", "media_key", "size", "expires_after_secs", "image"}}: JPEG,
  PNG, WebP, BMP or TIFF of at most 5 MB
POST /2/media/metadata {"id", "metadata": {"alt_text": {"text"}}} -> 200 {"data":
  {"id", "associated_metadata": {...}}}; alt text of at most 1,000 characters
DELETE /2/tweets/{id} -> 200 {"data": {"deleted": true}}
GET /2/tweets/{id} -> {"data": {...}} or 200 {"errors": [...]} when gone, as X does
GET /2/users/me -> {"data": {"id", "name", "username"}}; the user id is the account
GET /2/users/{id}/mentions[?since_id=&max_results=&pagination_token=] -> {"data": [...],
  "includes": {"users"}, "meta": {"newest_id", "oldest_id", "next_token"?}}: newest first,
  max_results 10 by default and 100 at most, next_token for the page after
GET /2/dm_events[?max_results=&pagination_token=] -> {"data": [{"id", "event_type":
  "MessageCreate", "text", "created_at", "sender_id", "dm_conversation_id"}], "includes":
  {"users"}, "meta"}: the account's direct messages, received (inbox messages added with
  "kind": "dm", which are not mentions) and sent, newest first
POST /2/dm_conversations/with/{participant_id}/messages {"text"} -> 201 {"data":
  {"dm_conversation_id", "dm_event_id"}}: only to someone who has messaged the account
GET /{handle}/status/{id} -> a bare public page for the post

Errors are problem+json: {"title", "detail", "type", "status"}. X's own rules are
kept: the weighted 280 limit, and no tweet with the same text as a live one of
the same account (403 duplicate content). The media endpoints meet only "upload"
and "any" faults, so a "write" fault hits the post that uses the photos.
"""

from __future__ import annotations

import re
import time
import zlib
from typing import Any

from oncall import imagetype, textlength
from oncall.sandbox.state import Post, State, Upload, iso_z, now
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

PLATFORM = "x"
_ID_BASE = 1_790_000_000_000_000_000
DM_LIMIT = 10_000
_MEDIA_ID_BASE = 1_880_000_000_000_000_000
PHOTO_LIMIT = 5 * 1024 * 1024
PHOTOS_PER_POST = 4
ALT_LIMIT = 1000
PHOTO_TYPES = frozenset({imagetype.JPEG, imagetype.PNG, imagetype.WEBP, imagetype.BMP,
                         imagetype.TIFF})
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


def _invalid(message: str, text: object, parameter: str = "text") -> Reply:
    return problem(400, "Invalid Request", "One or more parameters to your request was "
                   "invalid.", kind=INVALID_REQUEST,
                   errors=[{"parameters": {parameter: [text]}, "message": message}])


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
    if path == "/2/media/upload" and method == "POST":
        return guarded(state, account, "upload", ERRORS, lambda: _upload(req, state, account))
    if path == "/2/media/metadata" and method == "POST":
        return guarded(state, account, "upload", ERRORS,
                       lambda: _metadata(req, state, account))
    tweet = re.fullmatch(r"/2/tweets/(\d+)", path)
    if tweet and method == "DELETE":
        return guarded(state, account, "delete", ERRORS,
                       lambda: _delete(state, account, tweet.group(1)))
    if tweet and method == "GET":
        return guarded(state, account, "read", ERRORS, lambda: _lookup(state, tweet.group(1)))
    if path == "/2/users/me" and method == "GET":
        return json_reply(200, {"data": _user(account)})
    if path == "/2/dm_events" and method == "GET":
        return guarded(state, account, "read", ERRORS, lambda: _dm_events(req, state, account))
    conversation = re.fullmatch(r"/2/dm_conversations/with/([^/]+)/messages", path)
    if conversation and method == "POST":
        return guarded(state, account, "post", ERRORS,
                       lambda: _send_dm(req, state, account, conversation.group(1)))
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
    text = body.get("text", "")
    photos = _attachments(state, account, body.get("media"))
    if isinstance(photos, Reply):
        return photos
    if not isinstance(text, str) or not (text.strip() or photos):
        return _invalid("Tweet text must not be empty.", text)
    if textlength.length(text, "x") > textlength.X_LIMIT:
        return _invalid(TOO_LONG, text)
    reply = body.get("reply")
    parent = str(reply.get("in_reply_to_tweet_id") or "") if isinstance(reply, dict) else ""
    with state.lock:
        if reply is not None and not _visible(state, account, parent):
            return problem(403, "Forbidden", "You attempted to reply to a Tweet that is "
                           "deleted or not visible to you.")
        # X refuses the same text twice from one account; the same acknowledgement to two
        # different people is two different replies.
        if text.strip() and any(p.text == text and p.extra.get("in_reply_to", "") == parent
                                and "dm_to" not in p.extra
                                for p in state.live_posts(PLATFORM, account)):
            return ERRORS.duplicate()
        tweet_id = str(_ID_BASE + state.next_number())
        state.add_post(Post(PLATFORM, account, tweet_id, text, now(),
                            url=f"{req.base}/{account}/status/{tweet_id}",
                            extra={"in_reply_to": parent} if parent else {},
                            media=[p.summary() for p in photos]))
    return json_reply(201, {"data": {"id": tweet_id, "text": text,
                                      "edit_history_tweet_ids": [tweet_id]}})


def _attachments(state: State, account: str, media: object) -> list[Upload] | Reply:
    """The uploads a post's "media" names, or the refusal."""
    if media is None:
        return []
    ids = media.get("media_ids") if isinstance(media, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return _invalid("$.media.media_ids: must be a list of strings", ids, "media.media_ids")
    if not 1 <= len(ids) <= PHOTOS_PER_POST:
        return _invalid(f"$.media.media_ids: size must be between 1 and {PHOTOS_PER_POST}",
                        ids, "media.media_ids")
    photos = [state.find_upload(PLATFORM, i) for i in ids]
    found = [p for p in photos if p is not None and p.account == account]
    if len(found) != len(ids):
        return _invalid("Your media IDs are invalid.", ids, "media.media_ids")
    return found


def _upload(req: Request, state: State, account: str) -> Reply:
    """The one-shot photo upload: the file in `media`, the use in media_category."""
    media, form = req.file("media"), req.form()
    if media is None:
        return _invalid("A media file is required (multipart form field 'media').", None,
                        "media")
    category = form.get("media_category") or "tweet_image"
    if category != "tweet_image":
        return _invalid(f"The sandbox only takes photos (media_category tweet_image), not "
                        f"{category}.", category, "media_category")
    kind = imagetype.sniff(media.data)
    if kind not in PHOTO_TYPES:
        return _invalid("Unsupported media type: send a JPEG, PNG, WebP, BMP or TIFF image.",
                        media.content_type, "media")
    if len(media.data) > PHOTO_LIMIT:
        return _invalid(f"File size exceeds {PHOTO_LIMIT} bytes.", len(media.data), "media")
    photo = state.add_upload(Upload(PLATFORM, account,
                                    str(_MEDIA_ID_BASE + state.next_number()), kind,
                                    len(media.data)))
    return json_reply(200, {"data": {
        "id": photo.id, "media_key": f"3_{photo.id}", "size": photo.size,
        "expires_after_secs": 86400, "image": {"image_type": kind}}})


def _metadata(req: Request, state: State, account: str) -> Reply:
    """Alt text for an upload: {"id", "metadata": {"alt_text": {"text"}}}."""
    body = req.json()
    media_id = body.get("id") if isinstance(body, dict) else None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    alt = metadata.get("alt_text") if isinstance(metadata, dict) else None
    text = alt.get("text") if isinstance(alt, dict) else None
    if not isinstance(text, str):
        return _invalid("$.metadata.alt_text.text is required", text, "metadata")
    if len(text) > ALT_LIMIT:
        return _invalid(f"$.metadata.alt_text.text: length must be at most {ALT_LIMIT}",
                        text, "metadata")
    photo = state.find_upload(PLATFORM, media_id) if isinstance(media_id, str) else None
    if photo is None or photo.account != account:
        return _invalid("Your media IDs are invalid.", media_id, "id")
    photo.alt = text
    return json_reply(200, {"data": {"id": photo.id,
                                     "associated_metadata": {"alt_text": {"text": text}}}})


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


def _visible(state: State, account: str, tweet_id: str) -> bool:
    """A post that may be replied to: a live post, or a message the account was sent."""
    post = state.find_post(PLATFORM, tweet_id)
    return (post is not None and not post.deleted) or \
        any(m["id"] == tweet_id for m in state.inbox_raw(account))


def _lookup(state: State, tweet_id: str) -> Reply:
    post = state.find_post(PLATFORM, tweet_id)
    if post is None or post.deleted:
        return json_reply(200, {"errors": [_not_found(tweet_id)]})
    return json_reply(200, {"data": {"id": post.id, "text": post.text,
                                     "author_id": post.account,
                                     "created_at": iso_z(post.created),
                                     "edit_history_tweet_ids": [post.id]}})


def _user_id(author: str) -> str:
    """A member of the public's user id, stable for their handle."""
    return str(zlib.crc32(author.encode()))


def _dm_events(req: Request, state: State, account: str) -> Reply:
    """The account's direct messages, received and sent, newest first."""
    events = [{"id": m["id"], "event_type": "MessageCreate", "text": m["text"],
               "created_at": iso_z(m["created_at"]), "sender_id": _user_id(m["author"]),
               "dm_conversation_id": f"{_user_id(m['author'])}-{account}",
               **({"attachments": {"media_keys": [f"3_{m['id']}"]}} if m["image"] else {}),
               "_when": m["created_at"], "_author": m}
              for m in state.inbox_raw(account) if m["kind"] == "dm"]
    events += [{"id": p.id, "event_type": "MessageCreate", "text": p.text,
                "created_at": iso_z(p.created), "sender_id": account,
                "dm_conversation_id": f"{p.extra['dm_to']}-{account}", "_when": p.created,
                "_author": None}
               for p in state.live_posts(PLATFORM, account) if "dm_to" in p.extra]
    events.sort(key=lambda e: e["_when"], reverse=True)
    page, next_token = paged(events, req, limit="max_results", token="pagination_token",
                             default=100, maximum=100)
    users = {}
    for event in page:
        author = event.pop("_author")
        event.pop("_when")
        if author is not None:
            users[event["sender_id"]] = {"id": event["sender_id"],
                                         "name": author["author_name"],
                                         "username": author["author"].lstrip("@")}
        else:
            users[account] = _user(account)
    return _listing(page, users, next_token, {})


def _send_dm(req: Request, state: State, account: str, participant: str) -> Reply:
    body = req.json()
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return _invalid("DM text must not be empty.", text or "")
    if len(text) > DM_LIMIT:
        return _invalid(f"DM text must be at most {DM_LIMIT} characters.", text)
    with state.lock:
        if not any(m["kind"] == "dm" and _user_id(m["author"]) == participant
                   for m in state.inbox_raw(account)):
            return problem(403, "Forbidden", "You cannot send messages to this user.")
        event_id = str(_ID_BASE + state.next_number())
        state.add_post(Post(PLATFORM, account, event_id, text, now(),
                            extra={"dm_to": participant}))
    return json_reply(201, {"data": {"dm_conversation_id": f"{participant}-{account}",
                                     "dm_event_id": event_id}})


def _mentions(req: Request, state: State, user_id: str) -> Reply:
    since = req.arg("since_id")
    newer = [m for m in reversed(state.inbox_raw(user_id))  # newest first, as X lists them
             if m["kind"] != "dm"  # direct messages are read as DM events
             and not (since.isdigit() and m["id"].isdigit() and int(m["id"]) <= int(since))]
    page, next_token = paged(newer, req, limit="max_results", token="pagination_token",
                             default=10, maximum=100)
    data, users = [], {}
    for m in page:
        tweet_id = m["id"]
        author_id = _user_id(m["author"])
        users[author_id] = {"id": author_id, "name": m["author_name"],
                            "username": m["author"].lstrip("@")}
        tweet = {"id": tweet_id, "text": m["text"], "author_id": author_id,
                 "created_at": iso_z(m["created_at"]), "conversation_id": tweet_id,
                 "edit_history_tweet_ids": [tweet_id]}
        if m["image"]:
            tweet["attachments"] = {"media_keys": [f"3_{tweet_id}"]}
        if m["in_reply_to"]:
            tweet["conversation_id"] = m["in_reply_to"]
            tweet["in_reply_to_user_id"] = user_id
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": m["in_reply_to"]}]
        data.append(tweet)
    ends = {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"]} if data else {}
    return _listing(data, users, next_token, ends)


def _listing(data: list[dict[str, Any]], users: dict[str, Any], next_token: str,
             meta: dict[str, Any]) -> Reply:
    """A page of a list as X answers it: data, the users it names, and its meta."""
    out: dict[str, Any] = {"meta": {"result_count": len(data), **meta,
                                    **({"next_token": next_token} if next_token else {})}}
    if data:
        out["data"] = data
        out["includes"] = {"users": list(users.values())}
    return json_reply(200, out)
