"""What the public sends the force's sites: fetched, kept once each, triaged, linked to
the incident whose post it answers. No UI here.

A fetch asks a site's network for what came after the site's cursor, keeps each new
message (an insert that leaves a message already kept as it is, with its handling),
and only then moves the cursor on: a crash between the two fetches the same messages
again and keeps none of them twice; a cursor moved first could lose them. Two
processes fetching one site at once are serialised by the store's lock on each write
and both come out right: each message kept once, the cursor the newer of theirs. A
site whose network fails waits longer before each next try (or as long as the network
asks), and says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall.actionlog import Pending
from oncall.inboxrecords import InboxItem, InboxRepository, ItemState
from oncall.model import Record, Site
from oncall.platforms.base import Adapter, PublishError, RemoteMessage, newer_cursor
from oncall.postrecords import DeliveryRepository
from oncall.store import Conflict, Repository
from oncall.timeutil import utcnow
from oncall.triage import CONFIGURED, Rule, rules_with, triage

if TYPE_CHECKING:
    from oncall.session import Session

# How long a failing site waits at most (how often a site is asked is [inbox]
# poll_seconds, oncall.config.InboxSettings).
MAX_BACKOFF = timedelta(hours=1)
# Replies are tied to the posts of incidents open, or closed this recently.
LINK_WINDOW = timedelta(days=7)


@dataclass
class InboxCursor(Record):
    """Where a site's inbox was read up to, and how its last tries went."""

    id: str                           # the site id
    cursor: str = ""
    fetched_at: datetime | None = None
    failures: int = 0
    retry_at: datetime | None = None
    problem: str = ""                 # the last failure, one line naming the site


class CursorRepository(Repository[InboxCursor]):
    kind = "inbox_cursors"
    record = InboxCursor


@dataclass(frozen=True)
class Fetched:
    """One site's fetch: the messages kept for the first time, or why there were none."""

    site: str
    new: tuple[InboxItem, ...] = ()
    problem: str = ""
    skipped: bool = False     # still waiting after a failure: not asked this time


class Inbox:
    """The inbox of one home, read and kept through the core's store and log."""

    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow,
                 rules: Sequence[Rule] | None = None) -> None:
        self.session = session
        self.clock = clock
        settings = session.settings.inbox
        self.rules = tuple(rules) if rules is not None else rules_with({
            name: getattr(settings, name) for name in CONFIGURED})
        self.poll_seconds = settings.poll_seconds
        self.items = InboxRepository(session.store)
        self.cursors = CursorRepository(session.store)

    def all(self, site: str | None = None) -> list[InboxItem]:
        """Kept messages of one site, or of every site, oldest first."""
        sites = [site] if site else [s.id for s in self.session.sites.all()]
        found = [item for s in sites for item in self.items.all(s)]
        return sorted(found, key=lambda i: (i.sent_at, i.id))

    def problems(self) -> list[str]:
        """Why sites could not be read on their last try, one line each naming the site
        (a site read successfully since has none)."""
        return [c.problem for c in self.cursors.all() if c.problem]

    async def fetch(self, site: Site, adapter: Adapter) -> Fetched:
        """Ask `site`'s network for what is new and keep it (see the module's note)."""
        now = self.clock()
        kept = await asyncio.to_thread(self.cursors.get, site.id)
        if kept is not None and kept.retry_at is not None and now < kept.retry_at:
            return Fetched(site.id, problem=kept.problem, skipped=True)
        try:
            page = await adapter.fetch_inbox(kept.cursor if kept and kept.cursor else None)
        except PublishError as exc:
            await asyncio.to_thread(self._failed, site.id, exc, now)
            return Fetched(site.id, problem=exc.reason)
        items = [self._item(site, m, now) for m in page.messages]
        new = await asyncio.to_thread(self._keep, site, items)
        await asyncio.to_thread(self._advance, site.id, page.cursor, now, page.problem)
        if new:
            await asyncio.to_thread(self._log, site, new)
        return Fetched(site.id, tuple(new), problem=page.problem)

    def close(self, item: InboxItem, reason: str = "") -> InboxItem:
        """Mark `item` handled with nothing more to do (spam, abuse, thanks). Raises
        Conflict if someone else changed it since it was read (the caller shows theirs)."""
        return self._change(item, "inbox.closed", {"reason": reason} if reason else {},
                            state=ItemState.CLOSED.value)

    def link(self, item: InboxItem, incident: str) -> InboxItem:
        """Tie `item` to `incident` (an officer's judgement: it is about it). Raises
        Conflict as `close` does, and KeyError for an unknown incident."""
        if self.session.incidents.get(incident) is None:
            raise KeyError(incident)
        return self._change(item, "inbox.linked", {"to": incident}, incident=incident)

    def _change(self, item: InboxItem, action: str, details: dict[str, str],
                **changes: object) -> InboxItem:
        def update(current: InboxItem | None) -> InboxItem:
            if current is None or (current.state, current.incident) != (item.state,
                                                                        item.incident):
                raise Conflict("changed by someone else", current)
            return replace(current, **changes)  # type: ignore[arg-type]

        changed = self.items.swap(item.id, update, item.site)
        self.session.record(action, incident=changed.incident or None, subject=item.id,
                            details=details)
        return changed

    def _item(self, site: Site, message: RemoteMessage, now: datetime) -> InboxItem:
        verdict = triage(message.text, message.kind, self.rules)
        return InboxItem(
            id=f"{site.id}:{message.id}", site=site.id, platform=site.platform,
            remote_id=message.id, kind=message.kind, author=message.author,
            author_name=message.author_name, text=message.text, sent_at=message.sent_at,
            fetched_at=now, in_reply_to=message.in_reply_to, url=message.url,
            has_media=message.has_media, ref=dict(message.ref),
            needs_action=verdict.needs_action,
            reasons=list(verdict.reasons), emergency=verdict.emergency)

    def _keep(self, site: Site, items: list[InboxItem]) -> list[InboxItem]:
        """Insert the messages not kept yet; a kept one stays as it is (its handling)."""
        if not items:
            return []
        self._link(site, items)

        def insert(item: InboxItem) -> Callable[[InboxItem | None], InboxItem]:
            def update(current: InboxItem | None) -> InboxItem:
                if current is not None:
                    raise Conflict("kept already", current)
                return item
            return update

        unique = list({i.id: i for i in items}.values())
        done = self.items.swap_many([(i.id, insert(i)) for i in unique], site.id)
        return [r for r in done if isinstance(r, InboxItem)]

    def _link(self, site: Site, items: list[InboxItem]) -> None:
        """Tie replies to the post they answer, and so to its incident: the posts of
        incidents open or closed within LINK_WINDOW (an answer to an older one is linked
        by the officer), so the cost follows the live work, not a year of history."""
        wanted = {i.in_reply_to for i in items if i.in_reply_to}
        if not wanted:
            return
        deliveries = DeliveryRepository(self.session.store)
        found: dict[str, tuple[str, str]] = {}
        since = self.clock() - LINK_WINDOW
        for incident in self.session.incidents.all():
            if incident.closed_at is not None and incident.closed_at < since:
                continue
            for d in deliveries.all(incident.id):
                if d.site == site.id and d.remote_id in wanted:
                    found[d.remote_id] = (d.incident, d.post)
        for item in items:
            if item.in_reply_to in found:
                item.incident, item.post = found[item.in_reply_to]

    def _advance(self, site: str, cursor: str | None, now: datetime,
                 problem: str = "") -> None:
        def update(current: InboxCursor | None) -> InboxCursor:
            old = current.cursor if current else ""
            return InboxCursor(site, newer_cursor(old or None, cursor) or "", now,
                               problem=problem)
        self.cursors.swap(site, update)

    def _failed(self, site: str, exc: PublishError, now: datetime) -> None:
        def update(current: InboxCursor | None) -> InboxCursor:
            current = current or InboxCursor(site)
            failures = current.failures + 1
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else \
                min(MAX_BACKOFF, timedelta(seconds=self.poll_seconds * 2 ** (failures - 1)))
            return InboxCursor(site, current.cursor, current.fetched_at, failures,
                               now + wait, exc.reason)
        self.cursors.swap(site, update)

    def _log(self, site: Site, new: list[InboxItem]) -> None:
        """One entry per message kept, in one append: what came, not what it says (the
        text stays in the store, with the message)."""
        self.session.record_many([  # actor and role: this officer's (see record_many)
            Pending("", "", "inbox.received", item.incident or None, site.id,
                    {"item": item.id, "kind": item.kind, "needs_action": item.needs_action,
                     "emergency": item.emergency}) for item in new])


__all__ = ["Fetched", "Inbox", "InboxCursor", "InboxItem", "ItemState"]
