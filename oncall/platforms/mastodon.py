"""Mastodon through its REST API, on the site's own instance.

publish: POST /api/v1/statuses {"status", "visibility": "public", "spoiler_text"?}
with Authorization: Bearer and Idempotency-Key: <rendition.key> -> 200 Status
{"id", "url", "uri", ...}. The server remembers an Idempotency-Key (for about an
hour) and answers a repeat with the status it already made, so `idempotent` is True.
retract: DELETE /api/v1/statuses/{id}. Errors: {"error": "..."} (422 for validation,
401 bad token, 429 rate limited with X-RateLimit-Reset as an ISO-8601 time).
`instance_limit()` reads the server's own post length limit.

Photos (up to 4): each is uploaded first, POST /api/v2/media as multipart/form-data
(file=<the file>, description=<alt text>) -> 200 MediaAttachment {"id", "type":
"image", "url", ...}, or 202 with "url": null while the server is still processing
it, in which case GET /api/v1/media/{id} answers 206 until it is ready (200). The
status then carries "media_ids": [...]; the Idempotency-Key stays on the status, so
a repeat after an unknown outcome re-uploads (an unattached upload is deleted by
the server in time) but never posts twice. The size limit is the instance's own
(16 MB for images on current versions); the server says so if a photo is too big.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import quote

import httpx

from oncall import imagetype
from oncall.model import Site
from oncall.platforms import media
from oncall.platforms.adapter import HttpAdapter
from oncall.platforms.base import (
    INBOX_PAGES,
    Failure,
    InboxPage,
    PublishError,
    RemoteMessage,
    RemotePost,
    Rendition,
    TokenSource,
    as_dict,
    as_list,
    json_or_none,
    newer_cursor,
    no_id,
    one_line,
    parse_time,
    rate_limited,
    raw_of,
    redact,
    retry_after_header,
    send,
    server_error,
    site_label,
)
from oncall.platforms.htmltext import html_to_text
from oncall.timeutil import parse_iso, utcnow

# Mastodon's image types; 1,500 characters of description. No size limit here: each
# instance sets its own and says so in a 422.
PHOTO_LIMITS = media.Limits(
    count=4, alt=1500,
    types=frozenset({imagetype.JPEG, imagetype.PNG, imagetype.GIF, imagetype.WEBP,
                     imagetype.HEIC}))
# Notifications asked per page: Mastodon's most.
PAGE = 80
# How often, and how long apart, to ask whether an upload answered 202 is ready.
PROCESSING_CHECKS = 10
PROCESSING_INTERVAL = 1.0


def mastodon_retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Seconds until the limit resets: X-RateLimit-Reset (an ISO-8601 time), else
    Retry-After."""
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    if reset:
        try:
            return max(0.0, (parse_iso(reset) - now).total_seconds())
        except ValueError:
            pass
    return retry_after_header(response, now)


class MastodonAdapter(HttpAdapter):
    platform = "mastodon"
    idempotent = True

    def __init__(self, site: Site, client: httpx.AsyncClient, tokens: TokenSource, *,
                 clock: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        super().__init__(site, client, tokens, clock=clock)
        self.sleep = sleep

    async def publish(self, rendition: Rendition) -> RemotePost:
        photos = await media.load_photos(self.site, rendition.images, PHOTO_LIMITS)
        token = (await self.tokens.token_for(self.site)).reveal()
        body: dict[str, object] = {"status": rendition.text, "visibility": "public"}
        if rendition.reply_to is not None:
            # A direct message is answered directly, so it stays between the two; the
            # text begins with their @handle (see addressed), or they are not told.
            body["in_reply_to_id"] = rendition.reply_to.remote_id
            if rendition.reply_to.kind == "dm":
                body["visibility"] = "direct"
        if rendition.spoiler:
            body["spoiler_text"] = rendition.spoiler
        if photos:
            body["media_ids"] = [await self._upload(photo, token) for photo in photos]
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": rendition.key}
        response = await send(self.site, lambda: self.client.post(
            f"{self.base}/api/v1/statuses", json=body, headers=headers), token)
        raw = raw_of(response, token)
        if not response.is_success:
            raise self._error(response, raw, token, "take the post")
        data = json_or_none(response)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str | int) \
                or data["id"] == "":
            raise no_id(self.site, response, raw)
        # `url` is the page people open; `uri` the ActivityPub id, a fallback.
        return RemotePost(str(data["id"]), str(data.get("url") or data.get("uri") or ""))

    async def _upload(self, photo: media.Photo, token: str) -> str:
        """Upload one photo with its description; its attachment id once it is ready."""
        headers = {"Authorization": f"Bearer {token}"}
        form = {"description": photo.alt} if photo.alt else {}
        try:
            response = await send(self.site, lambda: self.client.post(
                f"{self.base}/api/v2/media", data=form, headers=headers,
                files={"file": (photo.name, photo.data, photo.mime)}), token)
            raw = raw_of(response, token)
            if not response.is_success:
                raise self._error(response, raw, token, f"take the photo {photo.name}")
            data = json_or_none(response)
            media_id = data.get("id") if isinstance(data, dict) else None
            if not isinstance(media_id, str | int) or isinstance(media_id, bool) \
                    or media_id == "":
                raise PublishError(Failure.SERVER, f"{site_label(self.site)}: the instance "
                                   f"took the photo {photo.name} but gave no id for it; "
                                   "the post itself was not sent. Try again.",
                                   status=response.status_code, raw=raw)
            if response.status_code == 202:
                await self._until_processed(str(media_id), photo, headers, token)
        except PublishError as exc:
            raise media.before_the_post(self.site, exc, photo) from None
        return str(media_id)

    async def _until_processed(self, media_id: str, photo: media.Photo,
                               headers: dict[str, str], token: str) -> None:
        """Wait for an upload the server is still processing (202): GET /api/v1/media/{id}
        answers 206 until the attachment is ready, then 200."""
        url = f"{self.base}/api/v1/media/{quote(media_id, safe='')}"
        for _ in range(PROCESSING_CHECKS):
            await self.sleep(PROCESSING_INTERVAL)
            response = await send(self.site, lambda: self.client.get(url, headers=headers),
                                  token)
            if response.status_code == 200:
                return
            if response.status_code != 206:
                raise self._error(response, raw_of(response, token), token,
                                  f"take the photo {photo.name}")
        raise PublishError(Failure.SERVER, f"{site_label(self.site)}: the instance was still "
                           f"processing the photo {photo.name} after "
                           f"{PROCESSING_CHECKS * PROCESSING_INTERVAL:.0f} seconds; the post "
                           "itself was not sent. Try again shortly.")

    async def retract(self, remote_id: str) -> None:
        token = (await self.tokens.token_for(self.site)).reveal()
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{self.base}/api/v1/statuses/{quote(remote_id, safe='')}"
        response = await send(self.site, lambda: self.client.delete(url, headers=headers),
                              token)
        if response.status_code == 404:
            return  # already gone, which is what a retraction wants
        if not response.is_success:
            raise self._error(response, raw_of(response, token), token, "delete the post")

    async def instance_limit(self) -> int | None:
        """The instance's maximum post length (configuration.statuses.max_characters),
        or None if the server does not say. Asks /api/v2/instance, then the older
        /api/v1/instance (servers before 4.0). Needs no token."""
        for path in ("/api/v2/instance", "/api/v1/instance"):
            try:
                response = await send(self.site, functools.partial(
                    self.client.get, f"{self.base}{path}"))
            except PublishError:
                return None
            if response.status_code == 404:
                continue
            if not response.is_success:
                return None
            data = json_or_none(response)
            try:
                limit = data["configuration"]["statuses"]["max_characters"]  # type: ignore[index]
            except (KeyError, TypeError):
                return None
            return limit if isinstance(limit, int) and not isinstance(limit, bool) \
                and limit > 0 else None
        return None

    async def fetch_inbox(self, since: str | None) -> InboxPage:
        """Mentions and replies newer than `since` (a notification id), direct messages
        among them (a mention with visibility "direct"): GET /api/v1/notifications
        ?types[]=mention&min_id=, page after page forward from `since` (min_id gives the
        page just after it), so a backlog is read oldest first and none is skipped."""
        token = (await self.tokens.token_for(self.site)).reveal()
        messages: list[RemoteMessage] = []
        newest = since
        for _ in range(INBOX_PAGES):
            # The first time, from the beginning ("0"): without min_id the server would
            # give the newest page and the older ones would never be asked for.
            # include_filtered: Mastodon 4.3 holds back, by default, private mentions
            # from accounts the site does not follow: a member of the public's DM.
            params: dict[str, str] = {"types[]": "mention", "limit": str(PAGE),
                                      "min_id": newest or "0", "include_filtered": "true"}
            page, last, full = await self._notifications(params, token)
            messages.extend(page)
            newest = newer_cursor(newest, last)
            if not full:
                break
        return InboxPage(tuple(messages), newest)

    async def _notifications(self, params: dict[str, str],
                             token: str) -> tuple[list[RemoteMessage], str | None, bool]:
        """One page: its messages, the newest notification id on it (None: empty), and
        whether it was full (so another may follow)."""
        response = await send(self.site, lambda: self.client.get(
            f"{self.base}/api/v1/notifications", params=params,
            headers={"Authorization": f"Bearer {token}"}), token)
        if not response.is_success:
            raise self._error(response, raw_of(response, token), token, "list the mentions")
        messages: list[RemoteMessage] = []
        newest: str | None = None
        items = as_list(json_or_none(response))
        for item in items:
            note, status = as_dict(item), as_dict(as_dict(item).get("status"))
            if not note.get("id") or not status.get("id"):
                continue
            newest = newer_cursor(newest, str(note["id"]))
            account = as_dict(note.get("account") or status.get("account"))
            handle = str(account.get("acct") or account.get("username") or "")
            reply_to = str(status.get("in_reply_to_id") or "")
            kind = "dm" if status.get("visibility") == "direct" else \
                "reply" if reply_to else "mention"
            messages.append(RemoteMessage(
                id=str(status["id"]), kind=kind, author=f"@{handle}",
                author_name=str(account.get("display_name") or handle),
                text=html_to_text(str(status.get("content") or "")),
                sent_at=parse_time(status.get("created_at")), in_reply_to=reply_to,
                url=str(status.get("url") or ""),
                has_media=bool(as_list(status.get("media_attachments")))))
        return messages, newest, len(items) >= PAGE

    def _error(self, response: httpx.Response, raw: str, token: str,
               action: str) -> PublishError:
        label = site_label(self.site)
        status = response.status_code
        body = json_or_none(response)
        text = body.get("error", "") if isinstance(body, dict) else ""
        message = one_line(redact(str(text), token), 160)
        if status == 429:
            now = self.clock()
            return rate_limited(self.site, mastodon_retry_after(response, now), now,
                                status=status, raw=raw)
        if status == 401:
            return PublishError(Failure.REJECTED, f"{label}: the instance did not accept the "
                                "stored token (HTTP 401); ask Web Communications to renew the "
                                "site's access.", status=status, raw=raw)
        if status >= 500:
            return server_error(self.site, response, raw, message)
        said = f": {message}" if message else ""
        return PublishError(Failure.REJECTED, f"{label}: Mastodon would not {action} "
                            f"(HTTP {status}){said}.", status=status, raw=raw)
