"""Mastodon's client API, as far as a press office uses it.

POST /api/v1/statuses (form or JSON: status, spoiler_text, visibility, sensitive,
  in_reply_to_id, language, media_ids; header Idempotency-Key) -> 200 the status. A
  key the account used before (for the sandbox's lifetime) returns the same status
  again without posting, as Mastodon does. At most 4 media ids, each an upload of
  the account not yet attached; with media the text may be blank.
POST /api/v2/media (multipart: file, description) -> 200 MediaAttachment {"id",
  "type": "image", "url", "description", ...}: JPEG, PNG, GIF, WebP or HEIC of at
  most 16 MB (Mastodon's default), description of at most 1,500 characters. Photos
  are processed at once, as Mastodon 4 does for images (never 202).
GET /api/v1/media/{id} -> 200 the attachment
DELETE /api/v1/statuses/{id} -> 200 the deleted status, with its source "text"
GET /api/v1/statuses/{id} -> the status (no token needed), 404 once deleted
GET /api/v2/instance, /api/v1/instance -> configuration.statuses.max_characters 500
GET /api/v1/accounts/verify_credentials -> the account
GET /api/v1/notifications[?min_id=|since_id=&limit=&types[]=mention] -> [notification, ...]
  newest first, 40 by default and 80 at most: after min_id the oldest newer ones (the
  next page forward), after since_id the newest;
  a message added with "kind": "dm" is a mention whose status has visibility "direct"
GET /@{account}/{id} -> a bare public page for the status (the status "url")

Errors are {"error": "..."}: 401 bad token, 404 unknown status, 422 validation.
Media uploads meet only "upload" and "any" faults; the status that uses them meets
"write" and "post" faults as any status does.
"""

from __future__ import annotations

import html
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from oncall import imagetype, textlength
from oncall.sandbox.state import Post, State, Upload, iso_z, now
from oncall.sandbox.wire import (
    Errors,
    Reply,
    Request,
    guarded,
    json_reply,
    post_page,
    token_account,
)

PLATFORM = "mastodon"
_ID_BASE = 112_000_000_000_000_000
VISIBILITIES = ("public", "unlisted", "private", "direct")
TOO_LONG = f"Validation failed: Text character limit of {textlength.MASTODON_LIMIT} exceeded"
PHOTO_LIMIT = 16 * 1024 * 1024
PHOTOS_PER_POST = 4
DESCRIPTION_LIMIT = 1500
PHOTO_TYPES = frozenset({imagetype.JPEG, imagetype.PNG, imagetype.GIF, imagetype.WEBP,
                         imagetype.HEIC})


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"error": message}, headers=headers)


def _rate_limited(retry_after: int) -> Reply:
    reset = datetime.now(UTC) + timedelta(seconds=retry_after)
    return error(429, "Too many requests", headers={
        "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": iso_z(reset), "Retry-After": str(retry_after)})


ERRORS = Errors(
    rate_limited=_rate_limited,
    server_error=lambda: error(500, "There was a temporary problem serving your request, "
                               "please try again"),
    duplicate=lambda: error(422, "Validation failed: Text is a duplicate of a recent post"),
)


def handle(req: Request, state: State) -> Reply:
    path, method = req.path, req.method
    status_path = re.fullmatch(r"/api/v1/statuses/(\d+)", path)
    page = re.fullmatch(r"/@[^/]+/(\d+)", path)
    if method == "GET":
        if page:
            return post_page(state.find_post(PLATFORM, page.group(1)))
        if path in ("/api/v2/instance", "/api/v1/instance"):
            return json_reply(200, _instance(req, v2=path.startswith("/api/v2")))
        if status_path:
            post = state.find_post(PLATFORM, status_path.group(1))
            if post is None or post.deleted:
                return error(404, "Record not found")
            return json_reply(200, _status(req, post))
    account = token_account(req.bearer() or req.arg("access_token"))
    if account is None:
        return error(401, "The access token is invalid")
    if path == "/api/v1/statuses" and method == "POST":
        return guarded(state, account, "post", ERRORS, lambda: _create(req, state, account))
    if path in ("/api/v2/media", "/api/v1/media") and method == "POST":
        return guarded(state, account, "upload", ERRORS, lambda: _upload(req, state, account))
    attachment = re.fullmatch(r"/api/v1/media/(\d+)", path)
    if attachment and method == "GET":
        photo = state.find_upload(PLATFORM, attachment.group(1))
        if photo is None or photo.account != account:
            return error(404, "Record not found")
        return guarded(state, account, "read", ERRORS,
                       lambda: json_reply(200, _attachment(req, photo)))
    if status_path and method == "DELETE":
        return guarded(state, account, "delete", ERRORS,
                       lambda: _delete(req, state, account, status_path.group(1)))
    if path == "/api/v1/accounts/verify_credentials" and method == "GET":
        return json_reply(200, _account(req, account))
    if path == "/api/v1/notifications" and method == "GET":
        return guarded(state, account, "read", ERRORS,
                       lambda: _notifications(req, state, account))
    return error(404, "Record not found")


def _instance(req: Request, *, v2: bool) -> dict[str, Any]:
    statuses = {"max_characters": textlength.MASTODON_LIMIT, "max_media_attachments": 4,
                "characters_reserved_per_url": textlength.MASTODON_URL_LENGTH}
    info: dict[str, Any] = {"title": "oncall sandbox", "version": "4.2.0 (sandbox)",
                            "configuration": {"statuses": statuses}}
    host = req.root.split("://", 1)[-1]
    if v2:
        info["domain"] = host
    else:
        info["uri"] = host
        info["max_toot_chars"] = textlength.MASTODON_LIMIT
    return info


def _account(req: Request, account: str, *, name: str = "") -> dict[str, Any]:
    return {"id": str(zlib.crc32(account.encode())), "username": account.split("@")[0],
            "acct": account,
            "display_name": name or account, "url": f"{req.base}/@{account}"}


def _html(text: str) -> str:
    paragraphs = [html.escape(p).replace("\n", "<br />") for p in text.split("\n\n")]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _status(req: Request, post: Post, *, source: bool = False) -> dict[str, Any]:
    extra = post.extra
    status = {
        "id": post.id, "created_at": iso_z(post.created),
        "in_reply_to_id": extra.get("in_reply_to_id"), "in_reply_to_account_id": None,
        "sensitive": bool(extra.get("sensitive")), "spoiler_text": extra.get("spoiler_text", ""),
        "visibility": extra.get("visibility", "public"), "language": extra.get("language"),
        "uri": f"{req.base}/users/{post.account}/statuses/{post.id}", "url": post.url,
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
        "content": _html(post.text), "reblog": None, "account": _account(req, post.account),
        "media_attachments": list(extra.get("media_attachments", [])), "mentions": [],
        "tags": [], "emojis": [], "card": None,
        "poll": None,
    }
    if source:
        status["text"] = post.text
    return status


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "on"))


def _attachment(req: Request, photo: Upload) -> dict[str, Any]:
    """A MediaAttachment for an uploaded photo."""
    files = f"{req.base}/system/media_attachments/files/{photo.id}"
    return {"id": photo.id, "type": "image", "url": f"{files}/original/{photo.id}",
            "preview_url": f"{files}/small/{photo.id}", "remote_url": None,
            "text_url": None, "meta": {}, "description": photo.alt or None,
            "blurhash": None}


def _upload(req: Request, state: State, account: str) -> Reply:
    file, form = req.file("file"), req.form()
    if file is None:
        return error(422, "Validation failed: File can't be blank")
    kind = imagetype.sniff(file.data)
    if kind not in PHOTO_TYPES:
        return error(422, "Validation failed: File content type is invalid")
    if len(file.data) > PHOTO_LIMIT:
        return error(422, "Validation failed: File file size must be less than 16 MB")
    description = form.get("description") or ""
    if not isinstance(description, str) or len(description) > DESCRIPTION_LIMIT:
        return error(422, f"Validation failed: Description is too long (maximum is "
                     f"{DESCRIPTION_LIMIT} characters)")
    photo = state.add_upload(Upload(PLATFORM, account, str(_ID_BASE + state.next_number()),
                                    kind, len(file.data), alt=description))
    return json_reply(200, _attachment(req, photo))


def _media_ids(req: Request, form: dict[str, Any]) -> list[object]:
    """media_ids from a JSON body, or the media_ids[] fields of a form."""
    if "json" in req.header("Content-Type").lower():
        ids = form.get("media_ids") or []
        return ids if isinstance(ids, list) else [ids]
    return [*req.query.get("media_ids[]", []),
            *parse_qs(req.body.decode("utf-8", "replace")).get("media_ids[]", [])]


def _photos(req: Request, state: State, account: str,
            form: dict[str, Any]) -> list[Upload] | Reply:
    """The uploads a status attaches, or the refusal."""
    ids = _media_ids(req, form)
    if len(ids) > PHOTOS_PER_POST:
        return error(422, f"Cannot attach more than {PHOTOS_PER_POST} files")
    photos = [state.find_upload(PLATFORM, str(i)) for i in ids]
    usable = [p for p in photos if p is not None and p.account == account and not p.used]
    if len(usable) != len(ids) or len({p.id for p in usable}) != len(usable):
        return error(422, "Validation failed: media_ids must be this account's uploads, "
                     "each not yet attached to a status")
    return usable


def _create(req: Request, state: State, account: str) -> Reply:
    form = req.form()
    key = req.header("Idempotency-Key")
    with state.lock:
        if key and (account, key) in state.idempotency:
            return Reply(200, state.idempotency[(account, key)])
        photos = _photos(req, state, account, form)
        if isinstance(photos, Reply):
            return photos
        text, spoiler = form.get("status", ""), form.get("spoiler_text", "")
        visibility = form.get("visibility") or "public"
        if not isinstance(text, str) or not isinstance(spoiler, str) \
                or not (text.strip() or photos):
            return error(422, "Validation failed: Text can't be blank")
        if visibility not in VISIBILITIES:
            return error(422, "Validation failed: Visibility is not included in the list")
        if textlength.length(text, PLATFORM, spoiler=spoiler) > textlength.MASTODON_LIMIT:
            return error(422, TOO_LONG)
        status_id = str(_ID_BASE + state.next_number())
        extra = {"visibility": visibility, "spoiler_text": spoiler,
                 "sensitive": _truthy(form.get("sensitive")) or bool(spoiler),
                 "in_reply_to_id": form.get("in_reply_to_id") or None,
                 "language": form.get("language") or None}
        if key:
            extra["idempotency_key"] = key
        if photos:
            extra["media_attachments"] = [_attachment(req, p) for p in photos]
        for photo in photos:
            photo.used = True
        post = state.add_post(Post(PLATFORM, account, status_id, text, now(),
                                   url=f"{req.base}/@{account}/{status_id}", extra=extra,
                                   media=[p.summary() for p in photos]))
        reply = json_reply(200, _status(req, post))
        if key:
            state.idempotency[(account, key)] = reply.body
    return reply


def _delete(req: Request, state: State, account: str, status_id: str) -> Reply:
    post = state.find_post(PLATFORM, status_id)
    if post is None or post.deleted or post.account != account:
        return error(404, "Record not found")
    state.delete_post(post)
    return json_reply(200, _status(req, post, source=True))


def _notifications(req: Request, state: State, account: str) -> Reply:
    since = req.arg("min_id") or req.arg("since_id")
    types = req.query.get("types[]") or req.query.get("types") or []
    out = []
    for m in reversed(state.inbox_raw(account)):
        kind = "mention"  # replies and mentions both arrive as "mention" notifications
        if types and kind not in types:
            continue
        if since.isdigit() and m["id"].isdigit() and int(m["id"]) <= int(since):
            continue
        author = _account(req, m["author"].lstrip("@"), name=m["author_name"])
        status = {"id": m["id"], "created_at": iso_z(m["created_at"]),
                  "in_reply_to_id": m["in_reply_to"] or None,
                  "in_reply_to_account_id": (_account(req, account)["id"]
                                             if m["in_reply_to"] else None),
                  # A message added with "kind": "dm" comes as a direct mention.
                  "visibility": "direct" if m["kind"] == "dm" else "public",
                  "content": _html(m["text"]),
                  "media_attachments": [{"id": f"{m['id']}1", "type": "image",
                                         "url": f"{req.base}/system/{m['id']}.jpg",
                                         "description": m["image"]}] if m["image"] else [],
                  "url": f"{req.base}/@{author['acct']}/{m['id']}", "account": author,
                  "mentions": [{"id": _account(req, account)["id"], "username": account,
                                "acct": account, "url": f"{req.base}/@{account}"}]}
        out.append({"id": m["id"], "type": kind, "created_at": iso_z(m["created_at"]),
                    "account": author, "status": status})
    limit = req.arg("limit")
    size = min(int(limit), 80) if limit.isdigit() and int(limit) > 0 else 40
    # Newest first either way; min_id gives the page just after it (the oldest newer
    # ones), since_id the newest, as Mastodon's pagination does.
    out = out[-size:] if req.arg("min_id") else out[:size]
    return json_reply(200, out)

