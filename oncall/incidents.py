"""Open, update and close incidents; tick their playbook steps; know when the next update is due.

Every change is written to the action log by the officer who made it. Records
live in the shared home, so officers on one host see each other's ticks.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from oncall.cadence import Cadence, UpdateSlots, parse_duration
from oncall.model import (
    Draft,
    Incident,
    IncidentStatus,
    LogEntry,
    Playbook,
    Step,
    StepTick,
)
from oncall.oversight import require_writer
from oncall.session import Session
from oncall.store import Conflict, Repository
from oncall.timeutil import fmt_time, local, utcnow


class IncidentError(Exception):
    """An incident action that cannot be done, in words for the officer."""


PROTECTIONS = {"sexual_offence": "a sexual offence: the victim has anonymity for life",
               "child_proceedings": "a child in proceedings, who must not be identified"}


class OthersTick(IncidentError):
    """The step was ticked by someone else: ask the officer before undoing it."""

    def __init__(self, tick: StepTick, name: str) -> None:
        super().__init__(f"{name} ticked this step at {fmt_time(tick.done_at)}")
        self.tick = tick
        self.name = name


class DraftSent(IncidentError):
    """The draft was sent (or is being sent) and can no longer be edited."""

    def __init__(self, draft: Draft) -> None:
        super().__init__(f"this draft was sent by {draft.sent_by or 'someone'}"
                         f"{' at ' + fmt_time(draft.sent_at) if draft.sent_at else ''}: "
                         "start a new post to change the wording")
        self.draft = draft


class NewerDraft(IncidentError):
    """Someone saved the draft after the version being edited: saving now would lose
    their words. `draft` is theirs, as stored."""

    def __init__(self, draft: Draft, names: dict[str, str] | None = None) -> None:
        who = (names or {}).get(draft.updated_by, draft.updated_by) or "another officer"
        super().__init__(f"{who} saved a newer version of this draft at "
                         f"{fmt_time(draft.updated_at)}")
        self.draft = draft


class TickRepository(Repository[StepTick]):
    kind = "ticks"
    record = StepTick

    def _partition(self, obj: StepTick | None = None) -> str | None:
        return obj.incident if obj else None


class DraftRepository(Repository[Draft]):
    kind = "drafts"
    record = Draft

    def _partition(self, obj: Draft | None = None) -> str | None:
        return obj.incident if obj else None

    def swap(self, key: str, update: Callable[[Draft | None], Draft],
             partition: str | None = None) -> Draft:
        """As Repository.swap, raising the draft's version by one."""
        def versioned(current: Draft | None) -> Draft:
            return replace(update(current), version=(current.version if current else 0) + 1)

        return super().swap(key, versioned, partition)


@dataclass(frozen=True)
class StepState:
    """A checklist line as the officer sees it."""

    step: Step
    due_at: datetime | None
    tick: StepTick | None

    def state(self, now: datetime) -> str:
        """done, OVERDUE, due (within 10 minutes), open, or stand-down."""
        if self.tick:
            return "done"
        if self.step.stand_down:
            return "stand-down"
        if self.due_at is None:
            return "open"
        if now >= self.due_at:
            return "OVERDUE"
        if self.due_at - now <= timedelta(minutes=10):
            return "due soon"
        return "open"


def _new_id(existing: list[Incident], now: datetime) -> str:
    day = f"{local(now):%Y%m%d}"  # the officer's date: 00:30 BST is tomorrow, not today
    used = [int(i.id.rsplit("-", 1)[1]) for i in existing
            if i.id.startswith(day + "-") and i.id.rsplit("-", 1)[1].isdigit()]
    return f"{day}-{max(used, default=0) + 1:02d}"


class Incidents:
    """The incident workflow for one session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = session.incidents
        self.ticks = TickRepository(session.store)
        self.drafts = DraftRepository(session.store)
        # Why the last close could not be anchored ("" when it was): for the screen to say.
        self.anchor_problem = ""

    def open(self, playbook: Playbook, title: str, *, location: str = "", reference: str = "",
             now: datetime | None = None) -> Incident:
        """Open an incident worked from `playbook`; logged as incident.opened."""
        require_writer(self.session, "opening an incident")
        title = title.strip()
        if not title:
            raise IncidentError("give the incident a title, e.g. 'Missing girl, 14, Brackenford'")
        now = now or utcnow()
        cadence = Cadence([(p.every, p.for_ or None) for p in playbook.cadence])
        # The id is chosen and saved under one lock so two officers never get the same one.
        with self.session.store.table(self.repo.kind, write=True) as table:
            existing = [Incident.from_dict(dict(d)) for d in table.all()]
            incident = Incident(
                id=_new_id(existing, now), title=title, kind=playbook.kind or playbook.id,
                opened_at=now, opened_by=self.session.user.login, location=location.strip(),
                playbook=playbook.id, reference=reference.strip(),
                cadence=cadence.to_rrule_strings(now) if playbook.cadence else [],
                cadence_label=cadence.describe() if playbook.cadence else "")
            table.insert(incident.to_dict())
        self.session.record("incident.opened", incident=incident.id, subject=incident.title,
                            details={"playbook": playbook.id, "location": incident.location,
                                     "reference": incident.reference})
        return incident

    def save_draft(self, draft: Draft, expected: int | None = None) -> Draft:
        """Save a draft being edited, unless it has been sent meanwhile (by anyone):
        then raise DraftSent naming who, and leave what was sent as it is. With
        `expected` (the version the editor started from, 0 for a new one), raise
        NewerDraft if someone saved it since, and write nothing."""
        require_writer(self.session, "saving a draft")
        login = self.session.user.login

        def update(current: Draft | None) -> Draft:
            if current is not None and current.status != "draft":
                raise Conflict("draft sent", current)
            if expected is not None and current is not None and \
                    current.version != expected:
                raise Conflict("newer", current)
            return replace(draft, updated_by=login)

        try:
            return self.drafts.swap(draft.id, update, draft.incident)
        except Conflict as exc:
            current = exc.current
            assert isinstance(current, Draft)
            if current.status != "draft":
                raise DraftSent(current) from None
            raise NewerDraft(current, {p.login: p.name for p in
                                       self.session.directory.people.values()}) from None

    def keep_draft(self, draft: Draft, expected: int | None) -> Draft:
        """Save what an officer was writing as they leave (quitting): over their own
        version, or, if someone saved a newer one meanwhile, as a copy beside it, so
        neither's words are lost. Raises DraftSent if it was sent meanwhile."""
        try:
            return self.save_draft(draft, expected)
        except NewerDraft:
            copy = replace(draft, id=f"{draft.id}-copy-{secrets.token_hex(2)}", version=0)
            return self.save_draft(copy, 0)

    def _change(self, incident_id: str, apply: Callable[[Incident], None]) -> Incident:
        try:
            return self.repo.change(incident_id, apply)
        except KeyError:
            raise IncidentError(f"no incident {incident_id}") from None

    def get(self, incident_id: str) -> Incident:
        incident = self.repo.get(incident_id)
        if incident is None:
            raise IncidentError(f"no incident {incident_id}")
        return incident

    def update(self, incident_id: str, **changes: str) -> Incident:
        """Change title, location or reference; logged with what changed."""
        require_writer(self.session, "changing an incident")
        allowed = {"title", "location", "reference"}
        bad = set(changes) - allowed
        if bad:
            raise IncidentError(f"cannot change {', '.join(sorted(bad))}")
        if "title" in changes and not changes["title"].strip():
            raise IncidentError("the title cannot be blank")

        def apply(inc: Incident) -> None:
            for key, value in changes.items():
                setattr(inc, key, value.strip())

        incident = self._change(incident_id, apply)
        self.session.record("incident.updated", incident=incident_id,
                            details={k: v.strip() for k, v in changes.items()})
        return incident

    def set_proceedings_active(self, incident_id: str, active: bool, reason: str) -> Incident:
        """Mark that someone is charged (or no longer): prejudicial wording then blocks."""
        require_writer(self.session, "marking proceedings active")
        if not reason.strip():
            raise IncidentError("say why (e.g. 'man charged, court tomorrow')")
        status = IncidentStatus.PROCEEDINGS_ACTIVE if active else IncidentStatus.OPEN

        def apply(inc: Incident) -> None:
            if not inc.is_open:
                raise IncidentError("the incident is closed")
            inc.status = status.value

        incident = self._change(incident_id, apply)
        self.session.record("incident.proceedings_active" if active
                            else "incident.proceedings_ended",
                            incident=incident_id, details={"reason": reason.strip()})
        return incident

    def protect(self, incident_id: str, *, kind: str = "", name: str = "") -> Incident:
        """Mark the incident as involving a sexual offence or a child in proceedings,
        and/or add a name that must never be published for it. Press officers and
        Corporate Communications only. The log records that a name was added, never
        the name itself."""
        require_writer(self.session, "protecting a name")
        if not any(self.session.user.has(r)
                   for r in self.session.settings.rights.protect_names):
            self.session.record("incident.protect_refused", incident=incident_id)
            raise IncidentError("only a press officer or Corporate Communications can "
                                "record protected names")
        if kind and kind not in PROTECTIONS:
            raise IncidentError(f"unknown protection {kind!r}; choose "
                                f"{' or '.join(PROTECTIONS)}")
        name = " ".join(name.split())
        if name and not any(len(part) >= 2 for part in name.split()):
            raise IncidentError("give the name as it could appear, e.g. 'Jane Doe'")
        if not (kind or name):
            raise IncidentError("give a protection or a name")
        added = False

        def apply(inc: Incident) -> None:
            nonlocal added
            if not inc.is_open:
                raise IncidentError("the incident is closed")
            if kind:
                inc.protection = kind
            if name and name.casefold() not in {n.casefold() for n in inc.protected_names}:
                inc.protected_names = [*inc.protected_names, name]
                added = True

        incident = self._change(incident_id, apply)
        details: dict[str, object] = {"protected_names": len(incident.protected_names)}
        if kind:
            details["protection"] = kind
        self.session.record("incident.protected_name_added" if added
                            else "incident.protection_set", incident=incident_id,
                            details=details)
        return incident

    def close(self, incident_id: str, note: str = "", now: datetime | None = None) -> Incident:
        """Close (stand down) the incident; logged."""
        require_writer(self.session, "closing an incident")
        now = now or utcnow()

        def apply(inc: Incident) -> None:
            if not inc.is_open:
                raise IncidentError("the incident is already closed")
            inc.status, inc.closed_at, inc.closed_by = "closed", now, self.session.user.login

        incident = self._change(incident_id, apply)
        self.session.record("incident.closed", incident=incident_id,
                            details={"note": note.strip()} if note.strip() else {})
        from oncall.anchors import anchor_quietly  # the witness keeps the closed record

        self.anchor_problem = anchor_quietly(self.session, now)
        return incident

    def reopen(self, incident_id: str, reason: str) -> Incident:
        """Open a closed incident again (it was closed in error, or it has flared up),
        with the reason; logged. Its checklist, posts and record carry on. Professional
        Standards monitor read-only and may not."""
        require_writer(self.session, "reopening an incident")
        if not reason.strip():
            raise IncidentError("say why it is reopened (e.g. 'closed in error', 'a second "
                                "sighting')")

        def apply(inc: Incident) -> None:
            if inc.is_open:
                raise IncidentError("the incident is open already")
            inc.status, inc.closed_at, inc.closed_by = IncidentStatus.OPEN.value, None, ""

        incident = self._change(incident_id, apply)
        self.session.record("incident.reopened", incident=incident_id,
                            details={"reason": reason.strip()})
        return incident

    def checklist(self, incident: Incident, playbook: Playbook) -> list[StepState]:
        """Each step with its due time and who ticked it."""
        ticks = {t.id: t for t in self.ticks.all(incident.id)}
        return [StepState(step, incident.opened_at + parse_duration(step.due) if step.due
                          else None, ticks.get(step.id)) for step in playbook.steps]

    def _name(self, login: str) -> str:
        person = self.session.directory.people.get(login)
        return person.name if person else login

    def tick(self, incident: Incident, step: Step, now: datetime | None = None) -> StepTick:
        """Mark a step done; logged as playbook.step.done. A step a colleague ticked a
        moment ago keeps their tick: IncidentError names them."""
        require_writer(self.session, "ticking a step")
        tick = StepTick(id=step.id, incident=incident.id, done_at=now or utcnow(),
                        done_by=self.session.user.login)

        def claim(current: StepTick | None) -> StepTick:
            if current is not None:
                raise Conflict("already ticked", current)
            return tick

        try:
            self.ticks.swap(step.id, claim, incident.id)
        except Conflict as exc:
            done: StepTick = exc.current  # type: ignore[assignment]
            raise IncidentError(f"{self._name(done.done_by)} ticked this step at "
                                f"{fmt_time(done.done_at)}") from None
        self.session.record("playbook.step.done", incident=incident.id, subject=step.title,
                            details={"step": step.id})
        return tick

    def untick(self, incident: Incident, step: Step, expected: StepTick | None = None, *,
               others: bool = False) -> None:
        """Undo a tick made in error; logged as playbook.step.undone with who had ticked
        it and when, so their name stays on the step's history.

        `expected` is the tick the officer saw: if the step was ticked again since,
        nothing changes (IncidentError). Another officer's tick is undone only with
        `others=True`, after the officer was asked (OthersTick otherwise)."""
        require_writer(self.session, "unticking a step")
        me = self.session.user.login

        def as_seen(current: StepTick) -> bool:
            if expected is not None and (current.done_by, current.done_at) != (
                    expected.done_by, expected.done_at):
                return False
            if current.done_by != me and not others:
                raise OthersTick(current, self._name(current.done_by))
            return True

        try:
            removed = self.ticks.delete_if(step.id, as_seen, incident.id)
        except Conflict as exc:
            now: StepTick = exc.current  # type: ignore[assignment]
            raise IncidentError(f"{self._name(now.done_by)} ticked this step again at "
                                f"{fmt_time(now.done_at)}; look again") from None
        if removed is not None:
            self.session.record("playbook.step.undone", incident=incident.id,
                                subject=step.title,
                                details={"step": step.id, "ticked_by": removed.done_by,
                                         "ticked_at": removed.done_at.isoformat()})

    def timeline(self, incident: Incident) -> list[LogEntry]:
        """Every log entry about this incident, oldest first: from the log's index (a few
        seeks, however long the incident has run), or by a scan from the month it opened
        where the index cannot be kept (a read-only home)."""
        from oncall.logindex import LogIndex

        try:
            return LogIndex(self.session.log.dir).entries(incident.id)
        except OSError:
            since = f"{incident.opened_at:%Y-%m}"
            return [e for e in self.session.log.entries(since_month=since)
                    if e.incident == incident.id]


def next_update(incident: Incident, now: datetime | None = None) -> datetime | None:
    """When the next scheduled update is due, per the cadence fixed at opening."""
    if not incident.cadence or not incident.is_open:
        return None
    return UpdateSlots(incident.cadence).after(now or utcnow(), inc=True)


def last_update_overdue(incident: Incident, last_post: datetime | None,
                        now: datetime | None = None) -> bool:
    """True when a cadence slot has passed since the last post (or since opening)."""
    if not incident.cadence or not incident.is_open:
        return False
    now = now or utcnow()
    since = last_post or incident.opened_at
    slot = UpdateSlots(incident.cadence).after(since, inc=False)
    return slot is not None and slot <= now


