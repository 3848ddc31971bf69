"""Update cadence kept or missed: which of an incident's update slots passed without a
post, and which is due next. No UI here.

A slot at time T is kept by any post recorded after the slot before it (or the
incident's opening) and no later than T plus a few minutes' grace. A slot whose
grace has run out with no such post is MISSED. The dashboard and the incident show a
missed slot until a post answers it; each missed slot is logged once, whoever's
process sees it first (a compare-and-set on the incident's record of missed slots).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oncall.cadence import UpdateSlots
from oncall.model import Incident, Record
from oncall.postrecords import PostRepository
from oncall.session import Session
from oncall.store import Conflict, Repository

# A post this soon after its slot still counts as that slot's update.
GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class UpdateState:
    """Where an incident stands against its update cadence at one moment."""

    next_due: datetime | None
    missed: tuple[datetime, ...]      # slots missed and not answered by a post since
    due_soon: bool                    # the next slot is within the warning time

    @property
    def urgent(self) -> bool:
        return bool(self.missed) or self.due_soon


def update_state(incident: Incident, posted: list[datetime], now: datetime,
                 warning: timedelta) -> UpdateState:
    """The incident's cadence against the times its posts were made.

    Only the slots since the last post can still be unanswered, so only they are
    looked at (found by arithmetic, see UpdateSlots): the cost follows the time since
    the last post, not the incident's age or its number of posts."""
    if not incident.cadence or not incident.is_open:
        return UpdateState(None, (), False)
    slots = UpdateSlots(incident.cadence)
    times = sorted(posted)
    last_post = times[-1] if times else None
    # The slot the last post answered (or the opening): every slot after it is open.
    previous = incident.opened_at
    if last_post is not None:
        previous = max(previous, slots.before(last_post) or previous)
    missed: list[datetime] = []
    for slot in slots.between(previous, now - GRACE):
        if slot <= previous:
            continue
        first_after = bisect_right(times, previous)
        if first_after == len(times) or times[first_after] > slot + GRACE:
            missed.append(slot)
        previous = slot
    unanswered = tuple(m for m in missed if last_post is None or last_post <= m)
    next_due = slots.after(now, inc=True)
    return UpdateState(next_due, unanswered,
                       next_due is not None and next_due - now <= warning)


@dataclass
class MissedUpdates(Record):
    """The slots of one incident already found missed (so each is logged once)."""

    id: str
    slots: list[str] = field(default_factory=list)


class MissedRepository(Repository[MissedUpdates]):
    kind = "missed_updates"
    record = MissedUpdates


def updates_for(session: Session, incidents: list[Incident],
                now: datetime) -> dict[str, UpdateState]:
    """Each open incident's update state; newly missed slots are logged, once."""
    warning = timedelta(minutes=session.settings.ui.update_warning_minutes)
    posts = PostRepository(session.store)
    out: dict[str, UpdateState] = {}
    for incident in incidents:
        if not incident.cadence or not incident.is_open:
            continue
        state = update_state(incident, [p.created_at for p in posts.all(incident.id)],
                             now, warning)
        out[incident.id] = state
        if state.missed:
            record_missed(session, incident, state.missed)
    return out


def record_missed(session: Session, incident: Incident, slots: tuple[datetime, ...]) -> None:
    """Log each slot not logged before, under a compare-and-set, so two officers' screens
    noticing the same missed slot log it once."""
    wanted = [s.isoformat() for s in slots]
    new: list[str] = []

    def add(current: MissedUpdates | None) -> MissedUpdates:
        known = current.slots if current else []
        new.extend(s for s in wanted if s not in known)
        if not new:
            raise Conflict("nothing new", current)
        return MissedUpdates(incident.id, [*known, *new])

    try:
        MissedRepository(session.store).swap(incident.id, add)
    except Conflict:
        return
    for slot in new:
        session.record("update.missed", incident=incident.id, subject=incident.title,
                       details={"slot": slot})
