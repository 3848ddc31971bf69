"""Bluesky through XRPC on the account's PDS (bsky.social's entryway by default).

Sign in: POST /xrpc/com.atproto.server.createSession {"identifier": site.username,
"password": <app password>} -> {"accessJwt", "refreshJwt", "did", "handle"}; the
session is kept for the adapter's life, and an expired one (400/401 ExpiredToken)
is replaced once and the request repeated.

publish: POST /xrpc/com.atproto.repo.createRecord {"repo": did, "collection":
"app.bsky.feed.post", "rkey", "record": {"$type", "text", "createdAt", "facets"}}
-> {"uri": "at://did/app.bsky.feed.post/<rkey>", "cid"}. The record key is derived
from the delivery's key, so a repeat of one delivery names the same record and can
never make a second post: `idempotent` is True. A repeat whose first attempt did
land is answered "already exists" (or, by the reference PDS, with a bare 500; the
adapter then looks the record up), and counts as sent.

Links are only links on Bluesky if the record says so: each URL in the text gets a
link facet whose index is in UTF-8 bytes, not characters.

Photos (up to 4; JPEG or PNG of at most 1,000,000 bytes each, the limit in
app.bsky.embed.images): each file's bytes go to POST /xrpc/com.atproto.repo.uploadBlob
with its Content-Type -> {"blob": {"$type": "blob", "ref": {"$link": <cid>},
"mimeType", "size"}}, and the record gets "embed": {"$type": "app.bsky.embed.images",
"images": [{"alt", "image": <blob>}, ...]}. A photo too big is refused, not resized:
the officer decides what to cut. A blob no record uses is dropped by the PDS later.

retract: POST /xrpc/com.atproto.repo.deleteRecord {"repo", "collection", "rkey"}.
Errors: {"error": "<Name>", "message": "..."}; 429 carries RateLimit-Reset (Unix
seconds).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from oncall import imagetype
from oncall.model import Site
from oncall.platforms import media
from oncall.platforms.adapter import HttpAdapter
from oncall.platforms.base import (
    Failure,
    InboxPage,
    PublishError,
    RemoteMessage,
    RemotePost,
    Rendition,
    ReplyTo,
    TokenSource,
    as_dict,
    as_list,
    epoch_seconds_until,
    json_or_none,
    oldest,
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
from oncall.textlength import ROOT_ZONE, find_urls
from oncall.timeutil import utcnow

COLLECTION = "app.bsky.feed.post"
LINK_FEATURE = "app.bsky.richtext.facet#link"
POST_URL = "https://bsky.app/profile/{handle}/post/{rkey}"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_EXPIRED = frozenset({"ExpiredToken", "InvalidToken"})
_EXISTS = frozenset({"RecordAlreadyExists", "AlreadyExists"})
IMAGES_EMBED = "app.bsky.embed.images"
PHOTO_LIMITS = media.Limits(count=4, size=1_000_000,
                            size_words="1,000,000 bytes (about 976 KB)",
                            types=frozenset({imagetype.JPEG, imagetype.PNG}))


def record_key(key: str) -> str:
    """A record key for a delivery key: the same key always gives the same record key.

    It has the syntax of a TID (13 characters of base32-sortable, top bit clear),
    the key type app.bsky.feed.post's Lexicon declares, so PDSes that check the type
    take it. Its bits come from a hash of the key, not the clock, so the time a
    reader might decode from it means nothing (the spec says not to trust it)."""
    number = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    number &= (1 << 63) - 1
    return "".join(_TID_ALPHABET[(number >> shift) & 31] for shift in range(60, -1, -5))


def link_facets(text: str) -> list[dict[str, object]]:
    """A link facet for every URL in `text`, indexed by UTF-8 byte offsets. A URL
    written without a scheme ("police.uk/appeal") links to https://."""
    facets: list[dict[str, object]] = []
    for start, end in find_urls(text, ROOT_ZONE):
        url = text[start:end]
        byte_start = len(text[:start].encode("utf-8"))
        facets.append({
            "index": {"byteStart": byte_start, "byteEnd": byte_start + len(url.encode("utf-8"))},
            "features": [{"$type": LINK_FEATURE,
                          "uri": url if _SCHEME.match(url) else f"https://{url}"}],
        })
    return facets


def created_at(moment: datetime) -> str:
    """'2025-11-26T02:47:05.123Z': the datetime form atproto records use."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def bluesky_retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Seconds until the limit resets: RateLimit-Reset (Unix seconds), else Retry-After."""
    wait = epoch_seconds_until(response.headers.get("ratelimit-reset"), now)
    return wait if wait is not None else retry_after_header(response, now)


@dataclass(frozen=True)
class _Session:
    access: str
    refresh: str
    did: str
    handle: str


class BlueskyAdapter(HttpAdapter):
    platform = "bluesky"
    idempotent = True

    def __init__(self, site: Site, client: httpx.AsyncClient, tokens: TokenSource, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(site, client, tokens, clock=clock)
        self._session: _Session | None = None
        self._lock = asyncio.Lock()

    # --- session ----------------------------------------------------------------------

    def _secrets(self) -> tuple[str, ...]:
        s = self._session
        return (s.access, s.refresh) if s else ()

    async def _signed_in(self, stale: _Session | None = None) -> _Session:
        """The current session; a new one if there is none or it is `stale` (refused)."""
        async with self._lock:
            if self._session is not None and self._session is not stale:
                return self._session
            self._session = None
            password = (await self.tokens.token_for(self.site)).reveal()
            body = {"identifier": self.site.username, "password": password}
            response = await send(self.site, lambda: self.client.post(
                f"{self.base}/xrpc/com.atproto.server.createSession", json=body), password)
            raw = raw_of(response, password)
            if not response.is_success:
                if response.status_code == 401:
                    raise PublishError(
                        Failure.REJECTED, f"{site_label(self.site)}: Bluesky did not accept "
                        f"the app password for {self.site.username}; ask Web Communications "
                        "to check it.", status=401, raw=raw)
                raise self._error(response, raw, "sign in", password)
            data = json_or_none(response)
            data = data if isinstance(data, dict) else {}
            fields = [data.get(k) for k in ("accessJwt", "refreshJwt", "did")]
            if not all(isinstance(v, str) and v for v in fields):
                raise PublishError(Failure.SERVER, f"{site_label(self.site)}: Bluesky's sign-in "
                                   "reply had no session; try again shortly.",
                                   status=response.status_code,
                                   raw=redact(raw, *(v for v in fields if isinstance(v, str))))
            handle = data.get("handle")
            self._session = _Session(
                str(fields[0]), str(fields[1]), str(fields[2]),
                handle if isinstance(handle, str) and handle else
                self.site.handle.lstrip("@") or self.site.username)
            return self._session

    @staticmethod
    def _name(response: httpx.Response) -> str:
        body = json_or_none(response)
        name = body.get("error") if isinstance(body, dict) else None
        return name if isinstance(name, str) else ""

    def _expired(self, response: httpx.Response) -> bool:
        return response.status_code == 401 or (
            response.status_code == 400 and self._name(response) in _EXPIRED)

    async def _call(self, method: str, nsid: str, *, json: dict[str, object] | None = None,
                    params: dict[str, str] | None = None, content: bytes | None = None,
                    content_type: str = "") -> tuple[_Session, httpx.Response]:
        """One authenticated XRPC call (a JSON body, or raw `content` of `content_type`);
        on an expired session, sign in again and repeat it once (the refused request
        changed nothing)."""
        session = await self._signed_in()
        url = f"{self.base}/xrpc/{nsid}"
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {session.access}"}
            if content_type:
                headers["Content-Type"] = content_type
            response = await send(self.site, functools.partial(
                self.client.request, method, url, json=json, params=params, content=content,
                headers=headers), *self._secrets())
            if attempt == 1 and self._expired(response):
                session = await self._signed_in(stale=session)
                continue
            break
        return session, response

    # --- posts --------------------------------------------------------------------------

    def _remote(self, session: _Session, rkey: str) -> RemotePost:
        return RemotePost(f"at://{session.did}/{COLLECTION}/{rkey}",
                          POST_URL.format(handle=session.handle, rkey=rkey))

    async def publish(self, rendition: Rendition) -> RemotePost:
        photos = await media.load_photos(self.site, rendition.images, PHOTO_LIMITS)
        rkey = record_key(rendition.key)
        record: dict[str, object] = {"$type": COLLECTION, "text": rendition.text,
                                     "createdAt": created_at(self.clock())}
        facets = link_facets(rendition.text)
        if facets:
            record["facets"] = facets
        if rendition.reply_to is not None:
            record["reply"] = self._thread(rendition.reply_to)
        session = await self._signed_in()
        if photos:
            record["embed"] = {"$type": IMAGES_EMBED, "images": [
                {"alt": photo.alt, "image": await self._upload_blob(photo)}
                for photo in photos]}
        session, response = await self._call(
            "POST", "com.atproto.repo.createRecord",
            json={"repo": session.did, "collection": COLLECTION, "rkey": rkey,
                  "record": record})
        if response.is_success:
            return self._remote(session, rkey)
        if self._already_exists(response):
            return self._remote(session, rkey)  # an earlier try of this delivery landed
        if response.status_code >= 500 and await self._exists(session, rkey):
            return self._remote(session, rkey)
        raise self._error(response, raw_of(response, *self._secrets()), "take the post")

    def _thread(self, to: ReplyTo) -> dict[str, object]:
        """A reply's place in its thread: the message it answers (parent) and the post
        the thread began with (root), each a strong reference, uri and cid."""
        cid = to.ref.get("cid", "")
        if not cid:
            raise PublishError(Failure.REJECTED, f"{site_label(self.site)}: the message has "
                               "no content id to reply to; reply on Bluesky itself.")
        parent = {"uri": to.remote_id, "cid": cid}
        root = {"uri": to.ref["root_uri"], "cid": to.ref["root_cid"]} \
            if to.ref.get("root_uri") and to.ref.get("root_cid") else parent
        return {"root": root, "parent": parent}

    async def _upload_blob(self, photo: media.Photo) -> dict[str, object]:
        """Upload one photo's bytes; the blob reference the record embeds."""
        try:
            _, response = await self._call("POST", "com.atproto.repo.uploadBlob",
                                           content=photo.data, content_type=photo.mime)
            raw = raw_of(response, *self._secrets())
            if not response.is_success:
                raise self._error(response, raw, f"take the photo {photo.name}")
        except PublishError as exc:
            raise media.before_the_post(self.site, exc, photo) from None
        body = json_or_none(response)
        blob = body.get("blob") if isinstance(body, dict) else None
        if not isinstance(blob, dict) or not isinstance(blob.get("ref"), dict):
            raise PublishError(Failure.SERVER, f"{site_label(self.site)}: Bluesky took the "
                               f"photo {photo.name} but gave no reference to it; the post "
                               "itself was not sent. Try again.",
                               status=response.status_code, raw=raw)
        return blob

    def _already_exists(self, response: httpx.Response) -> bool:
        if response.status_code == 409 or self._name(response) in _EXISTS:
            return True
        body = json_or_none(response)
        message = body.get("message") if isinstance(body, dict) else None
        return 400 <= response.status_code < 500 and isinstance(message, str) and \
            "already exists" in message.lower()

    async def _exists(self, session: _Session, rkey: str) -> bool:
        """True if this account has a post under `rkey` (com.atproto.repo.getRecord)."""
        try:
            _, response = await self._call(
                "GET", "com.atproto.repo.getRecord",
                params={"repo": session.did, "collection": COLLECTION, "rkey": rkey})
        except PublishError:
            return False
        return response.status_code == 200

    async def retract(self, remote_id: str) -> None:
        session = await self._signed_in()
        repo, collection, rkey = session.did, COLLECTION, remote_id
        if remote_id.startswith("at://"):
            parts = remote_id.removeprefix("at://").split("/")
            if len(parts) != 3 or not all(parts):
                raise PublishError(Failure.REJECTED, f"{site_label(self.site)}: "
                                   f"{one_line(remote_id, 120)} is not a Bluesky post address.")
            repo, collection, rkey = parts
        _, response = await self._call(
            "POST", "com.atproto.repo.deleteRecord",
            json={"repo": repo, "collection": collection, "rkey": rkey})
        if not response.is_success:
            raise self._error(response, raw_of(response, *self._secrets()), "delete the post")

    async def fetch_inbox(self, since: str | None) -> InboxPage:
        """Replies, mentions and quotes since `since` (a time):
        GET app.bsky.notification.listNotifications, newest first, page after page
        (its `cursor`) back to `since`."""
        async def page(cursor: str | None) -> tuple[list[RemoteMessage], str | None,
                                                    datetime | None]:
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            _, response = await self._call(
                "GET", "app.bsky.notification.listNotifications", params=params)
            if not response.is_success:
                raise self._error(response, raw_of(response, *self._secrets()),
                                  "list the notifications")
            body = as_dict(json_or_none(response))
            listed = [as_dict(n).get("indexedAt") for n in as_list(body.get("notifications"))]
            return (self._notifications(body), str(body.get("cursor") or "") or None,
                    oldest(listed))

        return await read_back(since, page)

    def _notifications(self, body: dict[str, Any]) -> list[RemoteMessage]:
        """One page's replies, mentions and quotes as messages (likes and follows are
        not messages)."""
        messages = []
        for item in as_list(body.get("notifications")):
            note = as_dict(item)
            if note.get("reason") not in ("reply", "mention", "quote") or not note.get("uri"):
                continue
            author, record = as_dict(note.get("author")), as_dict(note.get("record"))
            parent = as_dict(as_dict(record.get("reply")).get("parent"))
            root = as_dict(as_dict(record.get("reply")).get("root"))
            ref = {"cid": str(note.get("cid") or "")}
            if root.get("uri") and root.get("cid"):
                ref.update(root_uri=str(root["uri"]), root_cid=str(root["cid"]))
            handle = str(author.get("handle") or author.get("did") or "")
            uri = str(note["uri"])
            messages.append(RemoteMessage(
                id=uri, kind="reply" if parent else "mention", author=f"@{handle}",
                author_name=str(author.get("displayName") or handle),
                text=str(record.get("text") or ""),
                sent_at=parse_time(note.get("indexedAt") or record.get("createdAt")),
                in_reply_to=str(parent.get("uri") or ""),
                url=POST_URL.format(handle=handle, rkey=uri.rsplit("/", 1)[-1]),
                has_media=bool(record.get("embed")), ref=ref))
        return messages

    # --- errors -------------------------------------------------------------------------

    def _error(self, response: httpx.Response, raw: str, action: str,
               *secrets: str) -> PublishError:
        label = site_label(self.site)
        status = response.status_code
        name = self._name(response)
        body = json_or_none(response)
        text = body.get("message") if isinstance(body, dict) else None
        message = one_line(redact(str(text or ""), *secrets, *self._secrets()), 160)
        if status == 429 or name == "RateLimitExceeded":
            now = self.clock()
            return rate_limited(self.site, bluesky_retry_after(response, now), now,
                                status=status, raw=raw)
        if status >= 500:
            return server_error(self.site, response, raw, message)
        if status == 401 or name in _EXPIRED:
            return PublishError(Failure.REJECTED, f"{label}: Bluesky refused a fresh sign-in "
                                f"session ({name or 'HTTP 401'}); ask Web Communications to "
                                "check the site's app password.", status=status, raw=raw)
        said = ": ".join(p for p in (name, message) if p)
        said = f" ({said})" if said else f" (HTTP {status})"
        return PublishError(Failure.REJECTED, f"{label}: Bluesky would not {action}{said}.",
                            status=status, raw=raw)
