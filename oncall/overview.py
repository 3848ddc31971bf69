"""What the dashboard shows, computed without any UI so it can be tested and benchmarked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from oncall.actionlog import LogCorrupt, VerifyResult
from oncall.inboxrecords import Waiting, ack_target, waiting
from oncall.model import Incident, LogEntry, Person
from oncall.playbooks import Library
from oncall.session import Session
from oncall.staff import Shift
from oncall.store import StoreError
from oncall.timeutil import utcnow

if TYPE_CHECKING:
    from oncall.presence import Here
    from oncall.updates import UpdateState


@dataclass
class Overview:
    """A snapshot of the home for the dashboard."""

    now: datetime
    on_call: list[tuple[Person, Shift]]
    incidents: list[Incident]
    next_updates: dict[str, datetime]
    site_count: int
    sites_by_tier: dict[str, int]
    log_tail: list[LogEntry]
    problems: list[str] = field(default_factory=list)
    # incident id -> (steps done, steps in the playbook, steps overdue)
    progress: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    undecided: int = 0  # deliveries a crash or an unclear reply left for the officer
    # incident id -> its update cadence now: MISSED slots, next due, due soon
    updates: dict[str, UpdateState] = field(default_factory=dict)
    inbox: Waiting = field(default_factory=Waiting)  # what the public's messages wait for
    holds: list[str] = field(default_factory=list)  # each crisis hold in force, in words
    others: list[Here] = field(default_factory=list)  # other officers working now
    scheduled: int = 0      # posts waiting for their time
    to_decide: int = 0      # scheduled posts missed, blocked or held: an officer decides


def check_log(session: Session) -> VerifyResult:
    """Verify the log as the console does: pinned keys, the anchors it can read, and
    this account's checkpoint (so only what is new since its last check is walked)."""
    from oncall.anchors import verify_with_anchors

    return verify_with_anchors(session.log, session.directory.pins(),
                               session.settings.log.anchor_read, session.paths.home)


def build_overview(session: Session, *, tail: int | None = None,
                   now: datetime | None = None, library: Library | None = None) -> Overview:
    """Read incidents, sites and the log tail (the log's check is `check_log`, apart).

    Problems reading any part are collected, not raised, so the dashboard always opens.
    """
    now = now or utcnow()
    problems: list[str] = []
    on_call = [(session.directory.people[s.login], s) for s in session.directory.rota
               if s.start <= now < s.end and s.login in session.directory.people]
    incidents: list[Incident] = []
    tiers: Counter[str] = Counter()
    inbox = Waiting()
    try:
        incidents = session.incidents.open_incidents()
        sites = session.sites.all()
        for site in sites:
            tiers[site.tier] += 1
        inbox = waiting(session.store, [s.id for s in sites], now, ack_target(session),
                        login=session.user.login)
    except StoreError as exc:
        problems.append(str(exc))
    entries: list[LogEntry] = []
    try:
        entries = session.log.tail(tail or session.settings.ui.log_tail)
    except (LogCorrupt, ValueError, OSError) as exc:
        problems.append(f"action log: {exc}")
    from oncall.incidents import Incidents
    from oncall.updates import updates_for  # the cadence's rrule on first use, not at start

    updates: dict[str, UpdateState] = {}
    try:
        updates = updates_for(session, incidents, now)
    except (StoreError, OSError) as exc:
        problems.append(f"update cadence: {exc}")
    due = {i: u.next_due for i, u in updates.items() if u.next_due is not None}
    incidents = sorted(incidents, key=lambda i: urgency(i, updates.get(i.id), now))
    progress: dict[str, tuple[int, int, int]] = {}
    if library is not None:
        service = Incidents(session)
        for incident in incidents:
            playbook = library.playbooks.get(incident.playbook)
            if playbook is None:
                continue
            states = [s.state(now) for s in service.checklist(incident, playbook)]
            progress[incident.id] = (states.count("done"), len(states),
                                     states.count("OVERDUE"))
    from oncall.hold import Holds
    from oncall.postrecords import unresolved

    names = {p.login: p.name for p in session.directory.people.values()}
    holds = [h.describe(names) for h in Holds(session).active()]
    from oncall.presence import Presence
    from oncall.schedule import Schedule

    pending = Schedule(session).pending()
    on_time = sum(1 for d in pending if d.status == "scheduled")
    return Overview(now, on_call, incidents, due, sum(tiers.values()), dict(tiers), entries,
                    problems, progress, len(unresolved(session, incidents)), updates, inbox,
                    holds, Presence(session).others(now), on_time, len(pending) - on_time)


def urgency(incident: Incident, update: UpdateState | None,
            now: datetime) -> tuple[int, float, float]:
    """Sort key, most urgent first: a missed update, then the soonest update due, then
    the most recently opened."""
    missed = 0 if update is not None and update.missed else 1
    due = (update.next_due - now).total_seconds() if update and update.next_due else 1e12
    return missed, due, -incident.opened_at.timestamp()
