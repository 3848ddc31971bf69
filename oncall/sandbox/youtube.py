"""YouTube Data API v3: a resumable video upload, its deletion, and comments.

POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status
  JSON {"snippet": {"title", "description", ...}, "status": {"privacyStatus"}}
  -> 200, empty body, Location: {base}/upload/youtube/v3/videos?uploadType=resumable
     &upload_id=<id>
PUT <Location> with the video's bytes -> 200 the video resource {"id", "snippet",
  "status", ...}; a repeated PUT of a finished upload returns the same video.
DELETE /youtube/v3/videos?id=<id> -> 204
GET /youtube/v3/channels?mine=true -> {"items": [{"id": "UC<site id>", ...}]}
GET /youtube/v3/commentThreads[?videoId=&maxResults=&pageToken=] -> {"items":
  [commentThread, ...], "nextPageToken"?}: newest first, 20 by default, 100 at most
POST /youtube/v3/comments?part=snippet {"snippet": {"parentId", "textOriginal"}} -> 200
  the comment {"kind": "youtube#comment", "id", "snippet"}: the channel's reply in the
  thread of a comment it was sent (404 commentNotFound otherwise)
GET /watch?v=<id> -> a bare public page for the video

The upload's first request meets latency, rate_limit, server_error and duplicate
faults; its PUT meets timeout and drop (the video is stored, then the reply is late
or never comes). Errors: {"error": {"code", "message", "errors": [{"message",
"domain", "reason"}], "status"}}.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from oncall import textlength
from oncall.sandbox.state import Post, State, now
from oncall.sandbox.wire import (
    Errors,
    Reply,
    Request,
    empty_reply,
    guarded,
    json_reply,
    paged,
    post_page,
    token_account,
)

PLATFORM = "youtube"
UPLOAD_PATH = "/upload/youtube/v3/videos"
_BEFORE_UPLOAD = frozenset({"latency", "rate_limit", "server_error", "duplicate"})
_AFTER_UPLOAD = frozenset({"timeout", "drop"})
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 422: "FAILED_PRECONDITION", 500: "INTERNAL"}


def error(code: int, message: str, reason: str, domain: str = "global", *,
          item_message: str = "", **detail: str) -> Reply:
    item = {"message": item_message or message, "domain": domain, "reason": reason, **detail}
    return json_reply(code, {"error": {"code": code, "message": message, "errors": [item],
                                       "status": _STATUS.get(code, "UNKNOWN")}})


ERRORS = Errors(
    rate_limited=lambda _retry_after: error(403, "Rate Limit Exceeded", "rateLimitExceeded",
                                            "usageLimits"),
    server_error=lambda: error(500, "Backend Error", "backendError"),
    duplicate=lambda: error(422, "The video is a duplicate of one already uploaded.",
                            "duplicate", "youtube.video"),
)

UNAUTHORIZED = ("Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.")


def _unauthorized() -> Reply:
    return error(401, UNAUTHORIZED, "authError", item_message="Invalid Credentials",
                 location="Authorization", locationType="header")


def channel_id(account: str) -> str:
    return f"UC{account}"


def video_id(account: str, number: int) -> str:
    digest = hashlib.sha256(f"{account}/{number}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:11]


def handle(req: Request, state: State) -> Reply:
    path, method = req.path, req.method
    if path == "/watch" and method == "GET":
        return post_page(state.find_post(PLATFORM, req.arg("v")))
    if path == UPLOAD_PATH and method == "PUT":
        return _upload(req, state)
    account = token_account(req.bearer())
    if account is None:
        return _unauthorized()
    if path == UPLOAD_PATH and method == "POST":
        return guarded(state, account, "post", ERRORS, lambda: _start(req, state, account),
                       kinds=_BEFORE_UPLOAD)
    if path == "/youtube/v3/videos" and method == "DELETE":
        return guarded(state, account, "delete", ERRORS,
                       lambda: _delete(state, account, req.arg("id")))
    if path == "/youtube/v3/channels" and method == "GET":
        return json_reply(200, {"kind": "youtube#channelListResponse", "items": [
            {"kind": "youtube#channel", "id": channel_id(account),
             "snippet": {"title": account}}]})
    if path == "/youtube/v3/comments" and method == "POST":
        return guarded(state, account, "post", ERRORS, lambda: _reply(req, state, account))
    if path == "/youtube/v3/commentThreads" and method == "GET":
        return guarded(state, account, "read", ERRORS, lambda: _comments(req, state, account))
    return error(404, "Not Found", "notFound")


def _reply(req: Request, state: State, account: str) -> Reply:
    if not req.arg("part"):
        return error(400, "Required parameter: part", "required", location="part",
                     locationType="parameter")
    body = req.json()
    snippet = body.get("snippet") if isinstance(body, dict) else None
    snippet = snippet if isinstance(snippet, dict) else {}
    parent, text = snippet.get("parentId"), snippet.get("textOriginal")
    if not isinstance(text, str) or not text.strip():
        return error(400, "The comment text is empty.", "commentTextRequired",
                     "youtube.comment")
    if textlength.length(text, PLATFORM, field="comment") > textlength.YOUTUBE_COMMENT_LIMIT:
        return error(400, "The comment text is too long.", "commentTextTooLong",
                     "youtube.comment")
    with state.lock:
        if not isinstance(parent, str) or \
                not any(m["id"] == parent for m in state.inbox_raw(account)):
            return error(404, "The comment identified by the parentId cannot be found.",
                         "commentNotFound", "youtube.comment", location="parentId",
                         locationType="parameter")
        comment_id = f"Ug{secrets.token_hex(10)}.{state.next_number()}"
        state.add_post(Post(PLATFORM, account, comment_id, text, now(),
                            extra={"parent": parent}))
    return json_reply(200, {"kind": "youtube#comment", "id": comment_id, "snippet": {
        "parentId": parent, "textOriginal": text, "textDisplay": text,
        "authorChannelId": {"value": channel_id(account)}}})


def _start(req: Request, state: State, account: str) -> Reply:
    if req.arg("uploadType") != "resumable":
        return error(400, "The sandbox only takes resumable uploads (uploadType=resumable).",
                     "badRequest")
    if not req.arg("part"):
        return error(400, "Required parameter: part", "required", location="part",
                     locationType="parameter")
    meta = req.json()
    snippet = meta.get("snippet") if isinstance(meta, dict) else None
    if not isinstance(snippet, dict):
        return error(400, "The request metadata must include a snippet.", "invalidMetadata",
                     "youtube.video")
    title, description = snippet.get("title"), snippet.get("description", "")
    if not isinstance(title, str) or not title.strip() or "<" in title or ">" in title \
            or textlength.length(title, PLATFORM, field="title") \
            > textlength.YOUTUBE_TITLE_LIMIT:
        return error(400, "The request metadata specifies an invalid or empty video title.",
                     "invalidTitle", "youtube.video")
    if not isinstance(description, str) or "<" in description or ">" in description \
            or textlength.length(description, PLATFORM, field="description") \
            > textlength.YOUTUBE_DESCRIPTION_LIMIT:
        return error(400, "The request metadata specifies an invalid video description.",
                     "invalidDescription", "youtube.video")
    upload_id = secrets.token_urlsafe(16)
    with state.lock:
        state.uploads[upload_id] = {"account": account, "meta": meta, "video": None}
    location = f"{req.base}{UPLOAD_PATH}?uploadType=resumable&upload_id={upload_id}"
    return empty_reply(200, {"Location": location, "X-GUploader-UploadID": upload_id})


def _upload(req: Request, state: State) -> Reply:
    with state.lock:
        upload = state.uploads.get(req.arg("upload_id"))
    if upload is None:
        return error(404, "Upload session not found or expired.", "notFound")
    account = upload["account"]
    if req.bearer() and token_account(req.bearer()) != account:
        return _unauthorized()

    def store() -> Reply:
        with state.lock:
            if upload["video"] is not None:  # a finished upload answers with its video
                return json_reply(200, upload["video"])
            if not req.body:
                return error(400, "Media content is required.", "mediaBodyRequired")
            number = state.next_number()
            vid = video_id(account, number)
            video = _video(upload["meta"], vid, account, len(req.body))
            upload["video"] = video
            snippet = video["snippet"]
            state.add_post(Post(PLATFORM, account, vid, snippet["description"], now(),
                                url=f"{req.base}/watch?v={vid}", title=snippet["title"],
                                extra={"privacyStatus": video["status"]["privacyStatus"],
                                       "bytes": len(req.body)}))
        return json_reply(200, video)

    return guarded(state, account, "post", ERRORS, store, kinds=_AFTER_UPLOAD)


def _video(meta: dict[str, Any], vid: str, account: str, size: int) -> dict[str, Any]:
    snippet = dict(meta.get("snippet") or {})
    status = dict(meta.get("status") or {})
    snippet.setdefault("description", "")
    snippet.update(publishedAt=now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                   channelId=channel_id(account), channelTitle=account,
                   thumbnails={}, liveBroadcastContent="none")
    status.setdefault("privacyStatus", "public")
    status.update(uploadStatus="uploaded", license="youtube", embeddable=True,
                  publicStatsViewable=True)
    return {"kind": "youtube#video", "etag": secrets.token_urlsafe(12), "id": vid,
            "snippet": snippet, "status": status, "fileDetails": {"fileSize": str(size)}}


def _delete(state: State, account: str, vid: str) -> Reply:
    post = state.find_post(PLATFORM, vid) if vid else None
    if post is None or post.deleted:
        return error(404, "The video that you are trying to delete cannot be found.",
                     "videoNotFound", "youtube.video", location="id",
                     locationType="parameter")
    if post.account != account:
        return error(403, "The video that you are trying to delete cannot be deleted. The "
                     "request might not be properly authorized.", "forbidden", "youtube.video")
    state.delete_post(post)
    return empty_reply(204)


def _comments(req: Request, state: State, account: str) -> Reply:
    only = req.arg("videoId")
    wanted = [m for m in reversed(state.inbox_raw(account))
              if not only or m["in_reply_to"] == only]
    page, next_token = paged(wanted, req, limit="maxResults", token="pageToken",
                             default=20, maximum=100)
    items = []
    for m in page:
        published = m["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
        comment = {"kind": "youtube#comment", "id": m["id"], "snippet": {
            "videoId": m["in_reply_to"], "textDisplay": m["text"], "textOriginal": m["text"],
            "authorDisplayName": m["author_name"], "authorChannelId": {"value": m["author"]},
            "publishedAt": published, "updatedAt": published, "likeCount": 0}}
        items.append({"kind": "youtube#commentThread", "id": m["id"], "snippet": {
            "channelId": channel_id(account), "videoId": m["in_reply_to"],
            "topLevelComment": comment, "canReply": True, "totalReplyCount": 0,
            "isPublic": True}})
    reply: dict[str, Any] = {"kind": "youtube#commentThreadListResponse",
                             "pageInfo": {"totalResults": len(wanted),
                                          "resultsPerPage": len(items)}, "items": items}
    if next_token:
        reply["nextPageToken"] = next_token
    return json_reply(200, reply)
