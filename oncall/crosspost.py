"""Cross-posting: one message to many sites, each delivery recorded before and after it is sent.

The path of a post: the policy gate (the caller passes only a post that may
send) -> one delivery per site recorded as `queued` -> a concurrent fan-out,
bounded, so the whole takes about as long as the slowest site -> each delivery
recorded as `sending` before its request and `sent`, `failed` or `unknown`
after. `unknown` means the request may have reached the network (a timeout
after sending, a dropped connection): it is never retried on a network without
idempotency; the officer checks the site and decides. Every transition is in
the action log. No UI here: screens watch through the `on_change` callback.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from oncall.model import Delivery, DeliveryState, Incident, PostRecord, Site
from oncall.platforms.base import (
    Adapter,
    Failure,
    Image,
    PublishError,
    Rendition,
    TokenSource,
)
from oncall.session import Session
from oncall.store import Repository
from oncall.timeutil import fmt_time, utcnow

S = DeliveryState
# A 429 asking us to wait longer than this is reported as failed rather than waited out.
MAX_RATE_LIMIT_WAIT = timedelta(minutes=20)
SERVER_RETRIES = 3
# Enough for a force-wide cross-post at once (the slowest site sets the pace), but bounded
# so a mistake in a site list cannot open hundreds of connections.
CONCURRENCY = 32
OPEN_STATES = {S.QUEUED.value, S.SENDING.value, S.WAITING.value}
DECIDE_STATES = {S.UNKNOWN.value}


class PostRepository(Repository[PostRecord]):
    kind = "posts"
    record = PostRecord

    def _partition(self, obj: PostRecord | None = None) -> str | None:
        return obj.incident if obj else None


class DeliveryRepository(Repository[Delivery]):
    kind = "deliveries"
    record = Delivery

    def _partition(self, obj: Delivery | None = None) -> str | None:
        return obj.incident if obj else None


def this_process() -> str:
    """host:pid of this process, recorded on deliveries it is working on."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_live(owner: str) -> bool:
    """True if `owner` (host:pid) is a process still running on this host.

    A delivery owned by another host is assumed live: we cannot see its processes."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return bool(owner)
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another officer's process on the same host: it exists
        return True
    return True


AdapterFor = Callable[[Site, httpx.AsyncClient, TokenSource], Adapter]


class CrossPoster:
    """Sends posts and keeps their deliveries, for one session."""

    def __init__(self, session: Session, client: httpx.AsyncClient, tokens: TokenSource,
                 adapter_for: AdapterFor, *, on_change: Callable[[Delivery], None] | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], object] = asyncio.sleep,
                 concurrency: int = CONCURRENCY) -> None:
        self.session = session
        self.client = client
        self.tokens = tokens
        self.adapter_for = adapter_for
        self.on_change = on_change
        self.clock = clock
        self.sleep = sleep
        self.posts = PostRepository(session.store)
        self.deliveries = DeliveryRepository(session.store)
        self._limit = asyncio.Semaphore(concurrency)
        self._adapters: dict[str, Adapter] = {}
        self._sites: dict[str, Site] = {}
        self._posts: dict[str, PostRecord] = {}
        self._owner = this_process()

    # --- recording --------------------------------------------------------------------

    async def _save(self, delivery: Delivery, **changes: object) -> Delivery:
        """Persist a delivery's new state (off the event loop) and tell the watcher."""
        updated = replace(delivery, **changes, updated_at=self.clock(),  # type: ignore[arg-type]
                          updated_by=self.session.user.login)
        await asyncio.to_thread(self.deliveries.put, updated)
        if self.on_change is not None:
            self.on_change(updated)
        return updated

    async def _log(self, action: str, delivery: Delivery, **details: object) -> None:
        site = self._site(delivery.site)
        await asyncio.to_thread(
            self.session.record, action, incident=delivery.incident,
            subject=site.name if site else delivery.site,
            details={"post": delivery.post, "site": delivery.site, **details})

    def _site(self, site_id: str) -> Site | None:
        return self._sites.get(site_id)

    def _adapter(self, site: Site) -> Adapter:
        if site.id not in self._adapters:
            self._adapters[site.id] = self.adapter_for(site, self.client, self.tokens)
        return self._adapters[site.id]

    # --- sending ----------------------------------------------------------------------

    async def send(self, incident: str, body: str, sites: list[Site], *,
                   renditions: dict[str, str] | None = None, short: str = "",
                   template: str = "", draft: str = "", review_at: datetime | None = None,
                   overrides: dict[str, str] | None = None,
                   acknowledged: dict[str, str] | None = None,
                   attachments: list[dict[str, object]] | None = None) -> list[Delivery]:
        """Record a post and one queued delivery per site, then publish them all."""
        renditions = renditions or {}
        now = self.clock()
        post = PostRecord(id=f"{incident}-{now:%H%M%S}-{secrets.token_hex(2)}",
                          incident=incident, author=self.session.user.login, created_at=now,
                          body=body, short=short, template=template, draft=draft,
                          sites=[s.id for s in sites], review_at=review_at,
                          overrides=dict(overrides or {}), acknowledged=dict(acknowledged or {}),
                          attachments=list(attachments or []))
        self._posts[post.id] = post
        queued = [Delivery(id=f"{post.id}.{site.id}", post=post.id, incident=incident,
                           site=site.id, platform=site.platform,
                           text=renditions.get(site.id, body),
                           key=secrets.token_hex(12), updated_at=now, owner=self._owner,
                           updated_by=self.session.user.login) for site in sites]
        await asyncio.to_thread(self.posts.put, post)
        await asyncio.to_thread(self.deliveries.put_many, queued)
        await asyncio.to_thread(self.session.record, "post.queued", incident=incident,
                                subject=template or "free text",
                                details={"post": post.id, "sites": post.sites})
        return await self.run(queued, sites)

    async def run(self, deliveries: Iterable[Delivery], sites: Iterable[Site]) -> list[Delivery]:
        """Publish deliveries concurrently; returns them in their final states."""
        self._sites.update({s.id: s for s in sites})
        results = await asyncio.gather(*(self._deliver(d) for d in deliveries))
        return list(results)

    async def _deliver(self, delivery: Delivery) -> Delivery:
        site = self._sites[delivery.site]
        adapter = self._adapter(site)
        server_failures = 0
        while True:
            async with self._limit:
                delivery = await self._save(delivery, state=S.SENDING.value, reason="",
                                            attempts=delivery.attempts + 1, owner=self._owner,
                                            retry_at=None)
                await self._log("post.sending", delivery, attempt=delivery.attempts)
                try:
                    rendition = await self._rendition(site, delivery)
                    remote = await adapter.publish(rendition)
                except PublishError as exc:
                    error = exc
                else:
                    delivery = await self._save(delivery, state=S.SENT.value,
                                                remote_id=remote.id, url=remote.url, owner="")
                    await self._log("post.sent", delivery, url=remote.url)
                    return delivery
            # Decide outside the concurrency slot, so a wait does not hold up other sites.
            if error.kind == Failure.RATE_LIMITED and error.retry_after is not None and \
                    timedelta(seconds=error.retry_after) <= MAX_RATE_LIMIT_WAIT:
                retry_at = self.clock() + timedelta(seconds=error.retry_after)
                delivery = await self._save(
                    delivery, state=S.WAITING.value, retry_at=retry_at, raw=error.raw,
                    reason=f"{error.reason.rstrip('.')}; oncall sends it again at "
                           f"{fmt_time(retry_at)}.")
                await self._log("post.waiting", delivery, retry_at=retry_at.isoformat())
                await self.sleep(error.retry_after)
                continue
            if error.kind == Failure.SERVER and server_failures + 1 < SERVER_RETRIES and (
                    adapter.idempotent or error.status in (502, 503, 504)):
                server_failures += 1
                await self.sleep(2.0 ** server_failures)
                continue
            if error.kind == Failure.UNKNOWN and adapter.idempotent and \
                    delivery.attempts < SERVER_RETRIES:
                await self.sleep(1.0)
                continue  # the same key makes a repeat harmless on this network
            state = {Failure.UNKNOWN: S.UNKNOWN, Failure.NOT_APPLICABLE: S.NOT_APPLICABLE}.get(
                error.kind, S.FAILED)
            delivery = await self._save(delivery, state=state.value, reason=error.reason,
                                        raw=error.raw, owner="")
            action = {S.UNKNOWN: "post.unknown", S.NOT_APPLICABLE: "post.not_applicable"}.get(
                state, "post.failed")
            await self._log(action, delivery, reason=error.reason, kind=error.kind.value,
                            status=error.status)
            return delivery

    async def _rendition(self, site: Site, delivery: Delivery) -> Rendition:
        """The request's content: the delivery's text and its post's photos or video."""
        post = self._posts.get(delivery.post)
        if post is None:
            post = await asyncio.to_thread(self.posts.get, delivery.post, delivery.incident)
            if post is not None:
                self._posts[post.id] = post
        media = post.attachments if post else []
        images = tuple(Image(str(a["path"]), str(a.get("alt", ""))) for a in media
                       if a.get("kind") == "photo")
        video = next((str(a["path"]) for a in media if a.get("kind") == "video"), "")
        title = delivery.text.strip().splitlines()[0][:100] if video and delivery.text.strip() \
            else ""
        return Rendition(site, delivery.text, delivery.key, images=images, video_path=video,
                         title=title)

    # --- after the fan-out --------------------------------------------------------------

    def for_post(self, incident: str, post_id: str) -> list[Delivery]:
        """The deliveries of one post (reads the store: call from a worker thread)."""
        return [d for d in self.deliveries.all(incident) if d.post == post_id]

    async def retry_failed(self, incident: str, post_id: str, sites: list[Site]) -> list[Delivery]:
        """Send again only the deliveries that failed; sent and unknown ones are left alone."""
        failed = [d for d in await asyncio.to_thread(self.for_post, incident, post_id)
                  if d.state == S.FAILED.value]
        if not failed:
            return []
        await asyncio.to_thread(self.session.record, "post.retry", incident=incident,
                                details={"post": post_id, "sites": [d.site for d in failed]})
        return await self.run(failed, sites)

    async def decide(self, delivery: Delivery, posted: bool, note: str = "") -> Delivery:
        """The officer's decision on an unknown or interrupted delivery: it did go out
        (now `sent`), or it did not (now `failed`, so Retry failed may send it)."""
        state = S.SENT if posted else S.FAILED
        updated = await self._save(delivery, state=state.value, owner="",
                                   reason=note or ("confirmed posted by the officer" if posted
                                                   else "confirmed not posted by the officer"))
        await self._log("post.confirmed_posted" if posted else "post.confirmed_not_posted",
                        updated, note=note)
        return updated

    async def cancel(self, delivery: Delivery, note: str = "") -> Delivery:
        """Do not send a queued or interrupted delivery after all."""
        updated = await self._save(delivery, state=S.CANCELLED.value, owner="", reason=note)
        await self._log("post.cancelled", updated, note=note)
        return updated

    async def retract_everywhere(self, incident: str, post_id: str, sites: list[Site],
                                 reason: str) -> list[Delivery]:
        """Delete every sent copy of a post, site by site, reporting each."""
        self._sites.update({s.id: s for s in sites})
        live = [d for d in await asyncio.to_thread(self.for_post, incident, post_id)
                if d.state in (S.SENT.value, S.RETRACT_FAILED.value) and d.remote_id]
        await asyncio.to_thread(self.session.record, "post.retract_requested",
                                incident=incident, details={"post": post_id, "reason": reason,
                                                            "sites": [d.site for d in live]})
        results = await asyncio.gather(*(self._retract(d) for d in live))
        post = await asyncio.to_thread(self.posts.get, post_id, incident)
        if post is not None and all(r.state == S.RETRACTED.value for r in results):
            await asyncio.to_thread(self.posts.put, replace(post, retracted_at=self.clock()))
        return list(results)

    async def _retract(self, delivery: Delivery) -> Delivery:
        site = self._sites[delivery.site]
        async with self._limit:
            delivery = await self._save(delivery, state=S.RETRACTING.value, owner=self._owner)
            try:
                await self._adapter(site).retract(delivery.remote_id)
            except PublishError as exc:
                delivery = await self._save(delivery, state=S.RETRACT_FAILED.value,
                                            reason=exc.reason, raw=exc.raw, owner="")
                await self._log("post.retract_failed", delivery, reason=exc.reason)
                return delivery
            delivery = await self._save(delivery, state=S.RETRACTED.value, owner="",
                                        reason="")
            await self._log("post.retracted", delivery, url=delivery.url)
            return delivery


def unresolved(session: Session, incidents: list[Incident] | None = None) -> list[Delivery]:
    """Deliveries a crash or a dropped session left undecided, across open incidents
    (pass them if already read): queued/sending/waiting with no live owner, and every
    `unknown`. Shown at start so nothing is re-sent without the officer's say."""
    repo = DeliveryRepository(session.store)
    out = []
    for incident in session.incidents.open_incidents() if incidents is None else incidents:
        for d in repo.all(incident.id):
            if d.state in DECIDE_STATES or (d.state in OPEN_STATES and not is_live(d.owner)):
                out.append(d)
    return out
