"""Posts scheduled for later: road reopening notices, reminders, planned events. No UI.

A scheduled post is a draft with status "scheduled", its sites and its time (`due_at`).
It goes through the one send path at its time, judged again then (the incident may
have become proceedings active, a name protected, the sender may have left the rota),
and is claimed by the same compare-and-set as any draft: scheduled -> sending, for
exactly the time it was found due. So `oncall run-due` from cron on two hosts at once,
a long-running `oncall scheduler` and an officer pressing "send now" can never send it
twice. A post found more than the grace period late is not sent late silently: it is
marked "missed" for an officer to send, move or cancel. One refused at its time is
marked "blocked", with the reason. Each change is logged.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall.incidents import DraftRepository
from oncall.model import Draft
from oncall.oversight import require_writer
from oncall.sending import AlreadySent, OnHold, Outgoing, SendRefused
from oncall.store import Conflict, cached_all
from oncall.timeutil import fmt_echo, fmt_time, utcnow

if TYPE_CHECKING:
    from oncall.sending import SendPath, SendResult
    from oncall.session import Session

#: How late a post may still go at its run (cron every minute, a host that was down).
GRACE = timedelta(minutes=10)
# What an officer may still change: not once it is sending or sent.
CHANGEABLE = ("scheduled", "missed", "blocked", "held")


class ScheduleError(ValueError):
    """A schedule that cannot be: a time in the past, a post already sent. Says why."""


@dataclass(frozen=True)
class RunOutcome:
    """What one run did with one due post."""

    draft: Draft
    result: str                 # "sent" | "missed" | "blocked" | "failed" | "taken" | "held"
    detail: str = ""            # the post id, or why
    sent: SendResult | None = None


def outgoing_of(draft: Draft, due: datetime | None = None) -> Outgoing:
    """A scheduled draft as the send path takes it (`due`: the scheduler's claim)."""
    return Outgoing(draft.incident, draft.body, tuple(draft.sites), short=draft.short,
                    template=draft.template, draft=draft.id, overrides=dict(draft.overrides),
                    acknowledged=dict(draft.acknowledged),
                    override_notes=dict(draft.override_notes),
                    attachments=list(draft.attachments), due=due)


class Schedule:
    """Scheduling, moving and cancelling posts, and sending those due."""

    def __init__(self, session: Session, sender: SendPath | None = None,
                 clock: Callable[[], datetime] = utcnow, grace: timedelta = GRACE) -> None:
        self.session = session
        self.sender = sender
        self.clock = clock
        self.grace = grace
        self.drafts = DraftRepository(session.store)

    # --- an officer's side -----------------------------------------------------------

    def schedule(self, out: Outgoing, due: datetime, expected: int | None = None) -> Draft:
        """Schedule `out` for `due` (aware). It is judged now, so a post the procedure
        would block is refused at once, not found blocked at its time. Editing a post
        already scheduled, `expected` is the version the officer opened: if anyone has
        changed it since, nothing is kept (ScheduleError says who and when). Raises
        ScheduleError, SendRefused, or Conflict if its draft was sent meanwhile."""
        require_writer(self.session, "scheduling a post")
        now = self.clock()
        if due <= now:
            raise ScheduleError(f"{fmt_echo(due, now)} has passed: choose a later time")
        if not out.body.strip() or not out.site_ids:
            raise ScheduleError("a scheduled post needs its text and at least one site")
        if self.sender is not None:
            self.sender.enforce(self.sender.judge(out))
        draft_id = out.draft or f"sched-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        login = self.session.user.login

        def update(current: Draft | None) -> Draft:
            if current is not None and current.status not in ("draft", *CHANGEABLE):
                raise Conflict(f"already {current.status}", current)
            if expected is not None and current is not None and current.version != expected:
                who = self.session.directory.people.get(current.updated_by)
                raise ScheduleError(
                    f"not kept: {who.name if who else current.updated_by or 'someone'} "
                    f"changed this post at {fmt_time(current.updated_at)} since you "
                    f"opened it (it is {current.status} now); open it again from S")
            base = current or Draft(id=draft_id, incident=out.incident, created_by=login,
                                    created_at=now, updated_at=now)
            return replace(base, status="scheduled", body=out.body, short=out.short,
                           template=out.template, sites=list(out.site_ids), due_at=due,
                           overrides=dict(out.overrides), acknowledged=dict(out.acknowledged),
                           override_notes=dict(out.override_notes),
                           attachments=list(out.attachments), scheduled_by=login,
                           problem="", updated_at=now, updated_by=login)

        draft = self.drafts.swap(draft_id, update, out.incident)
        self.session.record("post.scheduled", incident=out.incident, subject=draft.id,
                            details={"due": due.isoformat(), "sites": list(out.site_ids)})
        return draft

    def move(self, incident: str, draft_id: str, due: datetime) -> Draft:
        """Move a scheduled, missed or blocked post to `due`. Raises ScheduleError."""
        require_writer(self.session, "moving a scheduled post")
        now = self.clock()
        if due <= now:
            raise ScheduleError(f"{fmt_echo(due, now)} has passed: choose a later time")
        draft = self._change(incident, draft_id, lambda d: replace(
            d, status="scheduled", due_at=due, problem="", updated_at=now,
            updated_by=self.session.user.login))
        self.session.record("post.rescheduled", incident=incident, subject=draft_id,
                            details={"due": due.isoformat()})
        return draft

    def cancel(self, incident: str, draft_id: str, reason: str = "") -> Draft:
        """Cancel a scheduled, missed or blocked post. Raises ScheduleError."""
        require_writer(self.session, "cancelling a scheduled post")
        now = self.clock()
        draft = self._change(incident, draft_id, lambda d: replace(
            d, status="cancelled", problem=reason.strip(), updated_at=now,
            updated_by=self.session.user.login))
        self.session.record("post.schedule_cancelled", incident=incident, subject=draft_id,
                            details={"reason": reason.strip()})
        return draft

    def _change(self, incident: str, draft_id: str,
                change: Callable[[Draft], Draft]) -> Draft:
        def update(current: Draft | None) -> Draft:
            if current is None:
                raise Conflict("no such scheduled post", None)
            if current.status not in CHANGEABLE:
                raise Conflict(f"it is {current.status}", current)
            return change(current)

        try:
            return self.drafts.swap(draft_id, update, incident)
        except Conflict as exc:
            raise ScheduleError(f"cannot change {draft_id}: {exc}") from None

    def get(self, incident: str, draft_id: str) -> Draft | None:
        """One post as stored now, whatever its state."""
        return self.drafts.get(draft_id, incident)

    def pending(self) -> list[Draft]:
        """Every post scheduled, missed, blocked or held, soonest first. (Each incident's
        drafts file is re-read only when it changed: the dashboard asks every few
        seconds. The drafts returned are shared: replace them, never change them.)"""
        found = [d for incident in self.session.store.partitions("drafts")
                 for d in cached_all(self.drafts, incident) if d.status in CHANGEABLE]
        return sorted(found, key=lambda d: (d.due_at or d.updated_at, d.id))

    # --- the runner's side -----------------------------------------------------------

    async def run_due(self) -> list[RunOutcome]:
        """Send every post due now, once; mark those too late as missed. Safe to run
        from several processes at once: each post is claimed before it is sent."""
        assert self.sender is not None, "run_due needs the send path"
        now = self.clock()
        due = [d for d in await asyncio.to_thread(self.pending)
               if d.status == "scheduled" and d.due_at is not None and d.due_at <= now]
        return [await self._one(d, now) for d in due]

    async def _one(self, draft: Draft, now: datetime) -> RunOutcome:
        assert self.sender is not None and draft.due_at is not None
        hold = await asyncio.to_thread(self._hold_over, draft)
        if hold is not None:  # waits, however late, for the officer who lifts the hold
            return RunOutcome(draft, "held", hold)
        gone = await asyncio.to_thread(self._scheduler_gone, draft)
        if gone:
            return await asyncio.to_thread(self._mark, draft, "blocked", gone)
        if now - draft.due_at > self.grace:
            why = f"not sent: found {int((now - draft.due_at).total_seconds() // 60)} min " \
                  "late (was the scheduler running?)"
            return await asyncio.to_thread(self._mark, draft, "missed", why)
        try:
            result = await self.sender.send(outgoing_of(draft, due=draft.due_at))
        except AlreadySent:
            return RunOutcome(draft, "taken", "sent, moved or cancelled by someone else")
        except OnHold as exc:  # a hold set since it was looked at: it waits too
            return RunOutcome(draft, "held", exc.message)
        except SendRefused as exc:
            return await asyncio.to_thread(self._mark, draft, "blocked", str(exc))
        except Exception as exc:  # a storage fault: nothing sent; tried again next run
            return RunOutcome(draft, "failed", str(exc) or type(exc).__name__)
        return RunOutcome(draft, "sent", result.post, result)

    def _scheduler_gone(self, draft: Draft) -> str:
        """Why the officer who scheduled it may no longer post it ("" if they may): the
        post goes at its time only if they could send it themselves then."""
        from oncall.access import may_post

        person = self.session.directory.people.get(draft.scheduled_by)
        if person is None:
            return f"{draft.scheduled_by}, who scheduled it, is no longer in the staff " \
                   "directory"
        sites = self.session.sites.all()
        for site in (s for s in sites if s.id in draft.sites):
            right = may_post(person, site, sites, self.session.settings.rights.post_anywhere)
            if not right.allowed:
                return f"{person.name}, who scheduled it, may no longer post on " \
                       f"{site.name}: {right.explanation}"
        return ""

    def _hold_over(self, draft: Draft) -> str | None:
        from oncall.hold import Holds

        sites = {s.id: s for s in self.session.sites.all()}
        holds = Holds(self.session)
        hold = holds.covering(draft.incident, [sites[s] for s in draft.sites if s in sites])
        return holds.line(hold) if hold is not None else None

    def _mark(self, draft: Draft, status: str, why: str) -> RunOutcome:
        """scheduled -> missed/blocked, only if still scheduled for that time; logged."""
        def update(current: Draft | None) -> Draft:
            if current is None or current.status != "scheduled" or \
                    current.due_at != draft.due_at:
                raise Conflict("changed", current)
            return replace(current, status=status, problem=why, updated_at=self.clock())

        try:
            marked = self.drafts.swap(draft.id, update, draft.incident)
        except Conflict:
            return RunOutcome(draft, "taken", "changed by someone else meanwhile")
        self.session.record(f"post.schedule_{status}", incident=draft.incident,
                            subject=draft.id, details={"reason": why,
                                                       "due": str(draft.due_at)})
        return RunOutcome(marked, status, why)


__all__ = ["CHANGEABLE", "GRACE", "RunOutcome", "Schedule", "ScheduleError", "outgoing_of"]
