"""YouTube through the Data API v3: videos only.

YouTube has no text or photo posts, so a rendition without a video is NOT_APPLICABLE
(the UI says so rather than failing); a video's photos are not sent. With
`video_path`, a resumable upload:
1. POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status with the
   video resource as JSON ({"snippet": {"title", "description", "categoryId"},
   "status": {"privacyStatus": "public"}}) and X-Upload-Content-Type/-Length
   -> 200 with the upload URL in Location;
2. PUT the file's bytes to that URL -> 200/201 with the video resource {"id", ...}.
retract: DELETE /youtube/v3/videos?id=<id> -> 204.
Errors: {"error": {"code", "message", "errors": [{"reason", "domain", "message"}]}}.
An upload cannot be repeated harmlessly: `idempotent` is False.

Category 25 is "News & Politics". Note: videos uploaded through an API project that
Google has not audited are locked private whatever privacyStatus says.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from oncall.platforms.adapter import HttpAdapter
from oncall.platforms.base import (
    Failure,
    InboxPage,
    PublishError,
    RemoteMessage,
    RemotePost,
    Rendition,
    ReplyTo,
    as_dict,
    as_list,
    json_or_none,
    made_id,
    one_line,
    parse_time,
    rate_limited,
    raw_of,
    read_back,
    redact,
    retry_after_header,
    send,
    server_error,
    site_label,
)

CATEGORY_NEWS = "25"
TITLE_LIMIT = 100
VIDEO_URL = "https://www.youtube.com/watch?v={id}"
CHUNK = 1 << 20
# The daily quota resets at midnight Pacific Time.
_QUOTA_ZONE = "America/Los_Angeles"
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_TOKEN_REASONS = frozenset({"authError", "unauthorized", "expired", "invalidCredentials"})


def video_title(rendition: Rendition) -> str:
    """The rendition's title, else its text's first line, cut to YouTube's 100 characters."""
    lines = rendition.text.strip().splitlines()
    title = " ".join((rendition.title or (lines[0] if lines else "")).split()) or "Video"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1].rstrip() + "…"


@cache
def _pacific() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(_QUOTA_ZONE)
    except Exception:  # ZoneInfoNotFoundError on a host without tzdata
        from dateutil import tz

        zone = tz.gettz(_QUOTA_ZONE)
        if zone is None:  # pragma: no cover - dateutil bundles zone data
            raise RuntimeError(f"no time zone data for {_QUOTA_ZONE}") from None
        return zone


def seconds_to_quota_reset(now: datetime) -> float:
    """Seconds until the next midnight in California, when the daily quota resets."""
    here = now.astimezone(_pacific())
    midnight = (here + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    # Subtract in UTC: between two times in one zone Python ignores a DST change.
    return max(1.0, (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds())


async def _file_chunks(path: str) -> AsyncIterator[bytes]:
    """The file's bytes, read in a worker thread so a large video never blocks the loop."""
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


class YouTubeAdapter(HttpAdapter):
    platform = "youtube"
    idempotent = False


    async def publish(self, rendition: Rendition) -> RemotePost:
        label = site_label(self.site)
        if rendition.reply_to is not None:
            return await self._comment(rendition, rendition.reply_to)
        if not rendition.video_path:
            kind = "photo" if rendition.images else "text"
            raise PublishError(Failure.NOT_APPLICABLE, f"{label}: YouTube takes videos only; "
                               f"a {kind} post does not apply there")
        path = rendition.video_path
        try:
            size = (await asyncio.to_thread(os.stat, path)).st_size
        except OSError as exc:
            raise PublishError(Failure.REJECTED, f"{label}: cannot read the video file "
                               f"{Path(path).name} ({exc.strerror or type(exc).__name__}); "
                               "nothing was sent.") from None
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        token = (await self.tokens.token_for(self.site)).reveal()
        auth = {"Authorization": f"Bearer {token}"}
        metadata = {
            "snippet": {"title": video_title(rendition), "description": rendition.text,
                        "categoryId": CATEGORY_NEWS},
            "status": {"privacyStatus": "public"},
        }
        # 1. Open the upload session: nothing is published yet.
        response = await send(self.site, lambda: self.client.post(
            f"{self.base}/upload/youtube/v3/videos",
            params={"uploadType": "resumable", "part": "snippet,status"}, json=metadata,
            headers={**auth, "X-Upload-Content-Type": content_type,
                     "X-Upload-Content-Length": str(size)}), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "start the upload")
        location = response.headers.get("location", "")
        if not location:
            raise PublishError(Failure.SERVER, f"{label}: YouTube opened no upload session "
                               "(no Location); nothing was published. Try again shortly.",
                               status=response.status_code, raw=raw)
        upload_url = urljoin(f"{self.base}/", location)
        # 2. Send the bytes. The upload URL itself authorises the upload; the token goes
        # with it only to the API's own origin, never to a host a reply named.
        headers = {"Content-Type": content_type, "Content-Length": str(size)}
        if _origin(upload_url) == _origin(self.base):
            headers.update(auth)
        response = await send(self.site, lambda: self.client.put(
            upload_url, content=_file_chunks(path), headers=headers), token)
        raw = raw_of(response, token)
        if response.status_code == 308:
            raise PublishError(Failure.SERVER, f"{label}: YouTube received only part of the "
                               "video; nothing was published. Try again.",
                               status=308, raw=raw)
        if not response.is_success:
            raise self._error(response, raw, token, "take the video")
        video_id = made_id(self.site, response, raw, "id")
        return RemotePost(video_id, VIDEO_URL.format(id=video_id))

    async def retract(self, remote_id: str) -> None:
        token = (await self.tokens.token_for(self.site)).reveal()
        response = await send(self.site, lambda: self.client.delete(
            f"{self.base}/youtube/v3/videos", params={"id": remote_id},
            headers={"Authorization": f"Bearer {token}"}), token)
        if response.status_code == 404:
            return  # already gone, which is what a retraction wants
        if not response.is_success:
            raise self._error(response, raw_of(response, token), token, "delete the video")

    async def fetch_inbox(self, since: str | None) -> InboxPage:
        """Comments on the channel's videos since `since` (a time): the channel from
        GET channels?mine=true, then GET commentThreads?allThreadsRelatedToChannelId=
        &order=time (newest first)."""
        token = (await self.tokens.token_for(self.site)).reveal()
        headers = {"Authorization": f"Bearer {token}"}
        channels = await self._get("channels", {"part": "id", "mine": "true"}, headers, token)
        channel = as_dict(next(iter(as_list(channels.get("items"))), None)).get("id")
        if not isinstance(channel, str) or not channel:
            raise PublishError(Failure.SERVER, f"{site_label(self.site)}: YouTube did not say "
                               "which channel the token is for; the comments were not read.")
        async def page(after: str | None) -> tuple[list[RemoteMessage], str | None,
                                                   datetime | None]:
            params = {"part": "snippet", "allThreadsRelatedToChannelId": channel,
                      "order": "time", "maxResults": "100", "textFormat": "plainText",
                      **({"pageToken": after} if after else {})}
            threads = await self._get("commentThreads", params, headers, token)
            found = self._threads(threads)
            return (found, str(threads.get("nextPageToken") or "") or None,
                    min((m.sent_at for m in found), default=None))

        return await read_back(since, page)

    @staticmethod
    def _threads(threads: dict[str, Any]) -> list[RemoteMessage]:
        """One page of comment threads: each top-level comment as a message."""
        messages = []
        for item in as_list(threads.get("items")):
            top = as_dict(as_dict(as_dict(item).get("snippet")).get("topLevelComment"))
            snippet = as_dict(top.get("snippet"))
            if not top.get("id"):
                continue
            video = str(snippet.get("videoId") or "")
            author = as_dict(snippet.get("authorChannelId")).get("value") or ""
            messages.append(RemoteMessage(
                id=str(top["id"]), kind="comment", author=str(author),
                author_name=str(snippet.get("authorDisplayName") or author),
                text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
                sent_at=parse_time(snippet.get("publishedAt")), in_reply_to=video,
                url=f"{VIDEO_URL.format(id=video)}&lc={top['id']}" if video else "",
                ref={"video": video} if video else {}))
        return messages

    async def _comment(self, rendition: Rendition, to: ReplyTo) -> RemotePost:
        """A reply in a comment's thread: POST comments?part=snippet {"snippet":
        {"parentId": <the top-level comment>, "textOriginal"}} -> the comment."""
        token = (await self.tokens.token_for(self.site)).reveal()
        body = {"snippet": {"parentId": to.remote_id, "textOriginal": rendition.text}}
        response = await send(self.site, lambda: self.client.post(
            f"{self.base}/youtube/v3/comments", params={"part": "snippet"}, json=body,
            headers={"Authorization": f"Bearer {token}"}), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the reply")
        comment_id = made_id(self.site, response, raw, "id")
        video = to.ref.get("video", "")
        return RemotePost(comment_id,
                          f"{VIDEO_URL.format(id=video)}&lc={comment_id}" if video else "")

    async def _get(self, resource: str, params: dict[str, str], headers: dict[str, str],
                   token: str) -> dict[str, Any]:
        response = await send(self.site, lambda: self.client.get(
            f"{self.base}/youtube/v3/{resource}", params=params, headers=headers), token)
        if not response.is_success:
            raise self._error(response, raw_of(response, token), token, "read the comments")
        return as_dict(json_or_none(response))

    def _error(self, response: httpx.Response, raw: str, token: str,
               action: str) -> PublishError:
        label = site_label(self.site)
        status = response.status_code
        body = json_or_none(response)
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        errors = error.get("errors")
        first = errors[0] if isinstance(errors, list) and errors and \
            isinstance(errors[0], dict) else {}
        reason = str(first.get("reason") or "")
        message = one_line(redact(str(error.get("message") or ""), token), 160)
        now = self.clock()
        if reason == "quotaExceeded":
            return rate_limited(self.site, seconds_to_quota_reset(now), now, status=status,
                                raw=raw, what="the channel's daily API quota is used up")
        if status == 429 or reason in _RATE_REASONS:
            return rate_limited(self.site, retry_after_header(response, now), now,
                                status=status, raw=raw)
        if status == 401 or reason in _TOKEN_REASONS:
            return PublishError(Failure.REJECTED, f"{label}: YouTube did not accept the stored "
                                "token (expired or revoked); ask Web Communications to renew "
                                "the site's access.", status=status, raw=raw)
        if reason == "uploadLimitExceeded":
            return PublishError(Failure.REJECTED, f"{label}: the channel has reached YouTube's "
                                "limit on uploads for now; try later or upload by hand.",
                                status=status, raw=raw)
        if status >= 500:
            return server_error(self.site, response, raw, message)
        said = ": ".join(p for p in (reason, message) if p)
        said = f" ({said})" if said else f" (HTTP {status})"
        return PublishError(Failure.REJECTED, f"{label}: YouTube would not {action}{said}.",
                            status=status, raw=raw)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
