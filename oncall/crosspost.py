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
import functools
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from oncall.actionlog import Pending
from oncall.faults import describe
from oncall.groupcommit import GroupCommit
from oncall.hold import Hold, Holds
from oncall.model import Delivery, DeliveryState, LogEntry, PostRecord, Site
from oncall.owners import is_live, new_owner, release
from oncall.platforms.base import (
    Adapter,
    Failure,
    Image,
    PublishError,
    Rendition,
    TokenSource,
)
from oncall.platforms.registry import prepare_adapters
from oncall.postrecords import DECIDE_STATES, DeliveryRepository, PostRepository
from oncall.session import Session
from oncall.store import Conflict, StoreError
from oncall.timeutil import fmt_time, utcnow

S = DeliveryState
# A compare-and-set asked of the store: the delivery as last seen, what it must still be,
# and what to change.
_SwapAsk = tuple[Delivery, Callable[[Delivery], bool], dict[str, object]]
# Rate limits are waited out up to this much in all, and this many times; then the delivery
# fails and is handed to the officer, so a site that keeps answering 429 cannot hold a
# fan-out for ever.
MAX_RATE_LIMIT_WAIT = timedelta(minutes=20)
RATE_LIMIT_RETRIES = 5
SERVER_RETRIES = 3
# Enough for a force-wide cross-post at once (the slowest site sets the pace), but bounded
# so a mistake in a site list cannot open hundreds of connections.
CONCURRENCY = 32
# Sending may claim these at any time: nothing of them reached the network.
CLAIMABLE = {S.FAILED.value}
# ... and these once no live work owns them (a crash between queue and request), or a
# crisis hold paused them before their next try.
IDLE_STATES = {S.QUEUED.value, S.WAITING.value, S.HELD.value}


def may_resend(delivery: Delivery, mine: set[str] | frozenset[str] = frozenset()) -> bool:
    """Nothing of this delivery can have reached the network and nobody is working on
    it (`mine`: owner tokens of work this caller itself queued), so it may be claimed and
    sent (again)."""
    return delivery.state in CLAIMABLE or (delivery.state in IDLE_STATES and (
        not is_live(delivery.owner) or delivery.owner in mine))


class DeliveryConflict(Exception):
    """Someone else (another officer, or another task) changed the delivery first."""

    def __init__(self, current: Delivery | None) -> None:
        who = f" by {current.updated_by}" if current and current.updated_by else ""
        state = current.state if current else "gone"
        super().__init__(f"already changed{who}: now {state}")
        self.current = current


class StorageFault(Exception):
    """A record could not be written (disk full, read-only, home gone): says what is safe.
    `recorded` is True when the post itself was recorded (it waits in the outbox)."""

    def __init__(self, message: str, *, recorded: bool = False) -> None:
        super().__init__(message)
        self.recorded = recorded


AdapterFor = Callable[[Site, httpx.AsyncClient, TokenSource], Adapter]


class CrossPoster:
    """Sends posts and keeps their deliveries, for one session.

    Every change of a delivery is a compare-and-set (`_swap`): the expected state and
    owner in, the new state out, under the deliveries file's lock. Sending first claims
    a delivery (queued or failed -> sending, with an owner token of its own), so two
    processes, or two tasks of one, never send the same delivery twice."""

    def __init__(self, session: Session, client: httpx.AsyncClient, tokens: TokenSource,
                 adapter_for: AdapterFor, *, on_change: Callable[[Delivery], None] | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
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
        # Owner tokens of posts this poster has queued and is about to send.
        self._mine: set[str] = set()
        # post id -> the crisis hold its sender confirmed sending through, if any.
        self._through: dict[str, str] = {}
        # What the sites' tasks write at the same moment goes to disk as one batch.
        self._swaps: GroupCommit[_SwapAsk, Delivery] = GroupCommit(self._swap_batch)
        self._logs: GroupCommit[Pending, LogEntry] = GroupCommit(self._log_batch)

    # --- recording --------------------------------------------------------------------

    def _swap_batch(self, items: Sequence[_SwapAsk]) -> list[Delivery | BaseException]:
        """Compare-and-set each delivery asked for, one write per post file (see
        oncall.groupcommit); each gets its new state or its own DeliveryConflict."""
        results: dict[int, Delivery | BaseException] = {}
        by_file: dict[str, list[int]] = {}
        for n, (delivery, _, _) in enumerate(items):
            by_file.setdefault(self.deliveries.where(delivery), []).append(n)
        for partition, numbers in by_file.items():
            updates = [(items[n][0].id, self._updater(items[n][1], items[n][2]))
                       for n in numbers]
            try:
                done = self.deliveries.swap_many(updates, partition)
            except (StoreError, OSError) as exc:
                for n in numbers:
                    results[n] = StorageFault(_fault(exc))
                continue
            for n, outcome in zip(numbers, done, strict=True):
                results[n] = (DeliveryConflict(outcome.current)  # type: ignore[arg-type]
                              if isinstance(outcome, Conflict) else outcome)
        return [results[n] for n in range(len(items))]

    def _updater(self, expect: Callable[[Delivery], bool],
                 changes: dict[str, object]) -> Callable[[Delivery | None], Delivery]:
        def update(current: Delivery | None) -> Delivery:
            if current is None or not expect(current):
                raise Conflict("delivery changed", current)
            return replace(current, **changes, updated_at=self.clock(),  # type: ignore[arg-type]
                           updated_by=self.session.user.login)
        return update

    def _log_batch(self, items: Sequence[Pending]) -> list[LogEntry | BaseException]:
        return list(self.session.record_many(items))

    async def _swap(self, delivery: Delivery, expect: Callable[[Delivery], bool] | None = None,
                    **changes: object) -> Delivery:
        """Change a delivery only if it is still as we last saw it (state and owner), or
        as `expect` says; tell the watcher. Raises DeliveryConflict or StorageFault."""
        if expect is None:
            def expect(d: Delivery) -> bool:
                return d.state == delivery.state and d.owner == delivery.owner
        updated = await self._swaps.submit((delivery, expect, changes))
        self._changed(updated)
        return updated

    def _changed(self, delivery: Delivery) -> None:
        if self.on_change is not None:
            self.on_change(delivery)

    async def _log(self, action: str, delivery: Delivery, **details: object) -> None:
        site = self._site(delivery.site)
        await self._logs.submit(Pending(
            "", "", action, delivery.incident, site.name if site else delivery.site,
            {"post": delivery.post, "site": delivery.site, **details}))

    def _site(self, site_id: str) -> Site | None:
        return self._sites.get(site_id)

    def adapter(self, site: Site) -> Adapter:
        """The adapter for `site`, made once per poster (it holds the network's session)."""
        if site.id not in self._adapters:
            self._adapters[site.id] = self.adapter_for(site, self.client, self.tokens)
        return self._adapters[site.id]

    # --- sending ----------------------------------------------------------------------

    def new_post_id(self, incident: str) -> str:
        """A post id that no other process will choose."""
        return f"{incident}-{self.clock():%H%M%S}-{secrets.token_hex(3)}"

    async def send(self, incident: str, body: str, sites: list[Site], *,
                   renditions: dict[str, str] | None = None, short: str = "",
                   template: str = "", draft: str = "", review_at: datetime | None = None,
                   overrides: dict[str, str] | None = None,
                   acknowledged: dict[str, str] | None = None,
                   attachments: list[dict[str, object]] | None = None,
                   post_id: str | None = None,
                   override_notes: dict[str, str] | None = None,
                   through_hold: str = "") -> list[Delivery]:
        """Record a post and one queued delivery per site, then publish them all.

        Callers other than the send path (oncall.sending) should not call this: it checks
        nothing. Raises StorageFault, with nothing sent, if the queued records cannot be
        written."""
        renditions = renditions or {}
        now = self.clock()
        post = PostRecord(id=post_id or self.new_post_id(incident),
                          incident=incident, author=self.session.user.login, created_at=now,
                          body=body, short=short, template=template, draft=draft,
                          sites=[s.id for s in sites], review_at=review_at,
                          overrides=dict(overrides or {}), acknowledged=dict(acknowledged or {}),
                          attachments=list(attachments or []),
                          override_notes=dict(override_notes or {}),
                          through_hold=through_hold)
        self._posts[post.id] = post
        queue_owner = new_owner()  # until each delivery is claimed, nobody else takes it
        self._mine.add(queue_owner)
        queued = [Delivery(id=f"{post.id}.{site.id}", post=post.id, incident=incident,
                           site=site.id, platform=site.platform,
                           text=renditions.get(site.id, body),
                           key=secrets.token_hex(12), updated_at=now, owner=queue_owner,
                           updated_by=self.session.user.login) for site in sites]
        try:
            try:
                await asyncio.to_thread(self.posts.put, post)
                await asyncio.to_thread(self.deliveries.put_many, queued)
            except (StoreError, OSError) as exc:
                raise StorageFault(f"{_fault(exc)}: nothing was sent.") from None
            try:
                await asyncio.to_thread(self.session.record, "post.queued", incident=incident,
                                        subject=template or "free text",
                                        details={"post": post.id, "sites": post.sites})
            except OSError as exc:
                # Recorded but not logged: it must not go out unlogged. It waits in the
                # outbox (queued, never sent) for an officer once space returns.
                raise StorageFault(f"{_fault(exc)}: the post was not sent; it waits in the "
                                   "outbox.", recorded=True) from None
            return await self.run(queued, sites)
        finally:
            self._mine.discard(queue_owner)
            release(queue_owner)

    async def run(self, deliveries: Iterable[Delivery], sites: Iterable[Site],
                  through_hold: str = "") -> list[Delivery]:
        """Publish deliveries concurrently; returns them in their final states. A delivery
        someone else has claimed meanwhile is returned as it now is, not sent. One a
        crisis hold covers (other than `through_hold`, which the officer confirmed) is
        paused, `held`, not sent."""
        self._sites.update({s.id: s for s in sites})
        deliveries = list(deliveries)
        if through_hold:
            self._through.update({d.post: through_hold for d in deliveries})
        # What a first fan-out in a process would otherwise do mid-flight: a CPU-bound
        # half second there stalled the loop and ran other sites' read timeouts down.
        await asyncio.to_thread(prepare_adapters, {
            self._sites[d.site].platform for d in deliveries if d.site in self._sites})
        holds = await asyncio.to_thread(self._holds_over, deliveries)
        results = await asyncio.gather(*(
            self._owned(d, functools.partial(self._pause, hold=holds[d.id]))
            if d.id in holds else self._deliver(d) for d in deliveries))
        return list(results)

    # --- crisis holds -----------------------------------------------------------------

    def _holds_over(self, deliveries: Sequence[Delivery]) -> dict[str, Hold]:
        """The hold in force over each delivery a hold covers (one read of the holds; a
        post's own record only when one does). Reads the store: call from a thread."""
        holds = Holds(self.session)
        active = holds.active()
        found: dict[str, Hold] = {}
        for d in deliveries if active else ():
            site = self._sites.get(d.site)
            where = [site] if site else []
            if holds.unconfirmed(d.incident, where, active=active):
                over = holds.unconfirmed(d.incident, where, self._through_of(d), active)
                if over:
                    found[d.id] = over[-1]
        return found

    def _through_of(self, delivery: Delivery) -> str:
        if delivery.post not in self._through:
            post = self._posts.get(delivery.post) or \
                self.posts.get(delivery.post, delivery.incident)
            self._through[delivery.post] = post.through_hold if post else ""
        return self._through[delivery.post]

    async def _pause(self, delivery: Delivery, owner: str, *, hold: Hold) -> Delivery:
        """queued/waiting -> held: a crisis hold came between its queueing (or its last
        try) and its next request. Nothing is sent; it waits for the officer who lifts
        the hold to send or cancel it."""
        def claimable(d: Delivery) -> bool:
            return may_resend(d, self._mine)

        # Not yet ours (from the queue): claimed as a send claims it; ours (between tries):
        # still as we left it.
        delivery = await self._swap(delivery, claimable if delivery.owner != owner else None,
                                    state=S.HELD.value, owner="",
                                    retry_at=None,
                                    reason=f"{Holds(self.session).line(hold)}. Not sent: "
                                           "it waits for the hold to be lifted.")
        await self._log_quietly("post.held", delivery, hold=hold.id)
        return delivery

    async def _claim(self, delivery: Delivery, owner: str) -> Delivery:
        return await self._swap(delivery, lambda d: may_resend(d, self._mine),
                                state=S.SENDING.value, reason="",
                                attempts=delivery.attempts + 1, owner=owner, retry_at=None)

    async def _deliver(self, delivery: Delivery) -> Delivery:
        return await self._owned(delivery, self._deliver_owned)

    async def _owned(self, delivery: Delivery,
                     work: Callable[[Delivery, str], Awaitable[Delivery]]) -> Delivery:
        """Run one piece of work on a delivery under an owner token of its own. A claim
        lost to someone else returns the delivery as it now is; a storage fault returns
        it marked unrecorded: what is stored says what happened before the fault (a
        claim never written means nothing was sent; a result never written leaves it
        `sending` with a finished owner, which the outbox lists for a decision)."""
        owner = new_owner()
        try:
            return await work(delivery, owner)
        except DeliveryConflict as exc:
            current = exc.current or delivery
            self._changed(current)
            return current
        except StorageFault as exc:
            unrecorded = replace(delivery, reason=str(exc), unrecorded=True)
            self._changed(unrecorded)
            return unrecorded
        finally:
            release(owner)

    async def _deliver_owned(self, delivery: Delivery, owner: str) -> Delivery:
        site = self._sites[delivery.site]
        server_failures = rate_limits = 0
        waited = 0.0
        first = True
        while True:
            async with self._limit:
                if first:
                    delivery = await self._claim(delivery, owner)
                    first = False
                else:
                    # A hold set while it waited (a rate limit may last minutes) pauses it.
                    holds = await asyncio.to_thread(self._holds_over, [delivery])
                    if delivery.id in holds:
                        return await self._pause(delivery, owner, hold=holds[delivery.id])
                    delivery = await self._swap(delivery, state=S.SENDING.value, reason="",
                                                attempts=delivery.attempts + 1, retry_at=None)
                try:
                    await self._log("post.sending", delivery, attempt=delivery.attempts)
                except OSError as exc:
                    reason = f"Not sent: the action log could not be written ({_fault(exc)})."
                    return await self._end(delivery, S.FAILED, reason, "", log=False)
                try:
                    rendition = await self._rendition(site, delivery)
                    remote = await self.adapter(site).publish(rendition)
                except PublishError as exc:
                    error = exc
                except (asyncio.CancelledError, KeyboardInterrupt):
                    raise
                except Exception as exc:  # an adapter bug or odd input: this site only
                    error = _unexpected(site, exc)
                else:
                    delivery = await self._swap(delivery, state=S.SENT.value,
                                                remote_id=remote.id, url=remote.url, owner="")
                    await self._log_quietly("post.sent", delivery, url=remote.url)
                    return delivery
            # Decide outside the concurrency slot, so a wait does not hold up other sites.
            if error.kind == Failure.RATE_LIMITED and error.retry_after is not None:
                rate_limits += 1
                wait = max(float(error.retry_after), 0.0)
                if rate_limits <= RATE_LIMIT_RETRIES and \
                        timedelta(seconds=waited + wait) <= MAX_RATE_LIMIT_WAIT:
                    waited += wait
                    retry_at = self.clock() + timedelta(seconds=wait)
                    delivery = await self._swap(
                        delivery, state=S.WAITING.value, retry_at=retry_at, raw=error.raw,
                        reason=f"{error.reason.rstrip('.')}; oncall sends it again at "
                               f"{fmt_time(retry_at)}.")
                    await self._log_quietly("post.waiting", delivery,
                                            retry_at=retry_at.isoformat())
                    await self.sleep(wait)
                    continue
                if rate_limits > 1:
                    error = PublishError(
                        Failure.RATE_LIMITED,
                        f"{error.reason.rstrip('.')}; still limited after {rate_limits} tries "
                        f"over {_minutes(waited)}: oncall stopped. Retry later.",
                        status=error.status, raw=error.raw)
            if error.kind == Failure.SERVER and server_failures + 1 < SERVER_RETRIES and (
                    self.adapter(site).idempotent or error.status in (502, 503, 504)):
                server_failures += 1
                delivery = await self._swap(delivery, state=S.WAITING.value,
                                            reason=error.reason, raw=error.raw)
                await self.sleep(2.0 ** server_failures)
                continue
            if error.kind == Failure.UNKNOWN and self.adapter(site).idempotent and \
                    delivery.attempts < SERVER_RETRIES:
                delivery = await self._swap(delivery, state=S.WAITING.value,
                                            reason=error.reason, raw=error.raw)
                await self.sleep(1.0)
                continue  # the same key makes a repeat harmless on this network
            state = {Failure.UNKNOWN: S.UNKNOWN, Failure.NOT_APPLICABLE: S.NOT_APPLICABLE}.get(
                error.kind, S.FAILED)
            return await self._end(delivery, state, error.reason, error.raw,
                                   kind=error.kind.value, status=error.status)

    async def _end(self, delivery: Delivery, state: S, reason: str, raw: str, *,
                   log: bool = True, **details: object) -> Delivery:
        delivery = await self._swap(delivery, state=state.value, reason=reason, raw=raw,
                                    owner="")
        if log:
            action = {S.UNKNOWN: "post.unknown", S.NOT_APPLICABLE: "post.not_applicable"}.get(
                state, "post.failed")
            await self._log_quietly(action, delivery, reason=reason, **details)
        return delivery

    async def _log_quietly(self, action: str, delivery: Delivery, **details: object) -> None:
        """Log a result already recorded in the store. If the log cannot be written, the
        store still says what happened; the delivery's reason says the entry is missing."""
        try:
            await self._log(action, delivery, **details)
        except OSError as exc:
            note = f"{delivery.reason} (action log entry missing: {_fault(exc)})".strip()
            self._changed(replace(delivery, reason=note))

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
        return self.deliveries.for_post(incident, post_id)

    async def retry_failed(self, incident: str, post_id: str, sites: list[Site],
                           through_hold: str = "") -> list[Delivery]:
        """Send again only the deliveries that failed (or were never started); sent and
        unknown ones are left alone. Each is claimed first, so a second retry running at
        the same moment, here or in another process, sends none of them again."""
        failed = [d for d in await asyncio.to_thread(self.for_post, incident, post_id)
                  if may_resend(d)]
        if not failed:
            return []
        await asyncio.to_thread(self.session.record, "post.retry", incident=incident,
                                details={"post": post_id, "sites": [d.site for d in failed]})
        return await self.run(failed, sites, through_hold)

    async def decide(self, delivery: Delivery, posted: bool, note: str = "") -> Delivery:
        """The officer's decision on an unknown or interrupted delivery: it did go out
        (now `sent`), or it did not (now `failed`, so Retry failed may send it). Raises
        DeliveryConflict if it changed since the officer looked, or is being sent now."""
        state = S.SENT if posted else S.FAILED

        def undecided(d: Delivery) -> bool:
            return d.state == delivery.state and not is_live(d.owner) and \
                d.state in DECIDE_STATES | IDLE_STATES | {S.SENDING.value}

        updated = await self._swap(delivery, undecided, state=state.value, owner="",
                                   reason=note or ("confirmed posted by the officer" if posted
                                                   else "confirmed not posted by the officer"))
        await self._log("post.confirmed_posted" if posted else "post.confirmed_not_posted",
                        updated, note=note)
        return updated

    async def cancel(self, delivery: Delivery, note: str = "") -> Delivery:
        """Do not send a queued, failed or interrupted delivery after all."""
        def not_started(d: Delivery) -> bool:
            return d.state == delivery.state and not is_live(d.owner) and \
                d.state in DECIDE_STATES | IDLE_STATES | CLAIMABLE | {S.SENDING.value}

        updated = await self._swap(delivery, not_started, state=S.CANCELLED.value, owner="",
                                   reason=note)
        await self._log("post.cancelled", updated, note=note)
        return updated

    async def retract_everywhere(self, incident: str, post_id: str, sites: list[Site],
                                 reason: str) -> list[Delivery]:
        """Delete every sent copy of a post, site by site, reporting each. Each copy is
        claimed (sent -> retracting) first, so two retractions never both delete it."""
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
        return await self._owned(delivery, self._retract_owned)

    async def _retract_owned(self, delivery: Delivery, owner: str) -> Delivery:
        site = self._sites[delivery.site]
        async with self._limit:
            delivery = await self._swap(
                delivery, lambda d: d.state in (S.SENT.value, S.RETRACT_FAILED.value),
                state=S.RETRACTING.value, owner=owner)
            try:
                await self.adapter(site).retract(delivery.remote_id)
            except PublishError as exc:
                error = exc
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception as exc:
                error = _unexpected(site, exc)
            else:
                delivery = await self._swap(delivery, state=S.RETRACTED.value, owner="",
                                            reason="")
                await self._log_quietly("post.retracted", delivery, url=delivery.url)
                return delivery
            delivery = await self._swap(delivery, state=S.RETRACT_FAILED.value,
                                        reason=error.reason, raw=error.raw, owner="")
            await self._log_quietly("post.retract_failed", delivery, reason=error.reason)
            return delivery


def _fault(exc: BaseException) -> str:
    """One line for a storage failure, without a traceback: what could not be saved."""
    return describe(exc)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _unexpected(site: Site, exc: Exception) -> PublishError:
    """Any other exception while sending to one site, as that site's failure. Never the
    exception's text: it may quote a token. An encoding error happens before the request
    leaves, so nothing was posted; anything else might have happened after it left."""
    if isinstance(exc, UnicodeError):
        return PublishError(Failure.REJECTED, f"{site.name}: its token or address holds a "
                            "character that cannot be sent in a request; store it again "
                            "(oncall vault set). Nothing was posted.")
    return PublishError(Failure.UNKNOWN, f"{site.name}: oncall failed while sending "
                        f"({type(exc).__name__}); it may have posted: check the site.")


