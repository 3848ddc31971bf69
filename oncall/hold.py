"""Crisis hold: when a situation turns (a death, a firearms incident, a commander's
instruction) every scheduled post pauses at once, on every site or only an incident's
or an area's, until the hold is lifted. No UI here.

A hold is a record in the shared store, so every officer's console and every scheduler
sees it at its next read. Only press officers and Corporate Communications may set or
lift one, with a reason; both are logged. While a hold covers a post:
- the scheduler does not send it (oncall.schedule asks `covering`);
- a delivery queued or waiting (a rate limit) is paused, `held`, before its next
  request, in whichever process is sending it (oncall.crosspost);
- the send path refuses a new post, a retry or a resend unless the officer confirms
  it naming the hold (`Outgoing.hold`), and logs that they did.
Lifting returns the held scheduled posts and deliveries, for the officer to send, move
or cancel each.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from oncall.model import Record, Role, Site
from oncall.oversight import require_writer
from oncall.store import Conflict, Repository, cached_all
from oncall.timeutil import fmt_datetime, utcnow

if TYPE_CHECKING:
    from oncall.model import Delivery, Draft
    from oncall.session import Session

#: Who may set or lift a hold (the procedure: the press office runs the sites during an
#: incident; Corporate Communications own them).
HOLD_ROLES = (Role.PRESS_OFFICER.value, Role.CORPORATE_COMMS.value)


class HoldRefused(Exception):
    """The officer may not set or lift a hold, or gave no reason. Logged."""


@dataclass
class Hold(Record):
    """One crisis hold: what it covers, why, who set it and when; lifted or not."""

    id: str
    scope: str               # "all", "incident:<id>" or "area:<name>"
    reason: str
    set_by: str
    set_at: datetime
    lifted_at: datetime | None = None
    lifted_by: str = ""
    lift_reason: str = ""

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def covers(self, incident: str, sites: Iterable[Site]) -> bool:
        """Whether a post of `incident` to `sites` is held by this hold."""
        if not self.active:
            return False
        kind, _, what = self.scope.partition(":")
        if kind == "all":
            return True
        if kind == "incident":
            return what == incident
        return kind == "area" and any(s.area == what for s in sites)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """One line: what is held, why, by whom (`names`: login -> name), since when."""
        kind, _, what = self.scope.partition(":")
        where = {"all": "every site", "incident": f"incident {what}",
                 "area": f"the {what} area"}.get(kind, self.scope)
        who = (names or {}).get(self.set_by, self.set_by)
        return f"CRISIS HOLD on {where} since {fmt_datetime(self.set_at)} by {who}: " \
               f"{self.reason}"


@dataclass(frozen=True)
class Lifted:
    """A hold just lifted, and what it was holding: scheduled posts (to send, move or
    cancel) and paused deliveries (to send or cancel), soonest first."""

    hold: Hold
    posts: list[Draft]
    deliveries: list[Delivery]


class HoldRepository(Repository[Hold]):
    kind = "holds"
    record = Hold


class Holds:
    """Setting, lifting and asking about crisis holds."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock
        self.repo = HoldRepository(session.store)

    def line(self, hold: Hold) -> str:
        """The hold in one line, with the name of who set it (the staff directory)."""
        person = self.session.directory.people.get(hold.set_by)
        return hold.describe({hold.set_by: person.name} if person else None)

    def active(self) -> list[Hold]:
        """The holds in force, oldest first."""
        return sorted((h for h in cached_all(self.repo) if h.active), key=lambda h: h.set_at)

    def covering(self, incident: str, sites: Iterable[Site]) -> Hold | None:
        """The oldest hold in force over a post of `incident` to `sites`, if any."""
        chosen = list(sites)
        return next((h for h in self.active() if h.covers(incident, chosen)), None)

    def unconfirmed(self, incident: str, sites: Iterable[Site], through: str = "",
                    active: list[Hold] | None = None) -> list[Hold]:
        """The holds in force over a post of `incident` to `sites` that its officer has
        not confirmed sending through, oldest first. Confirming a hold (`through`, by
        id) confirms every hold in force when it was confirmed: the question named them
        all, and asked of the newest; a hold set after it still pauses the post."""
        chosen = list(sites)
        over = [h for h in (self.active() if active is None else active)
                if h.covers(incident, chosen)]
        if not through or not over:
            return over
        confirmed = next((h for h in over if h.id == through), None) or \
            self.repo.get(through)
        if confirmed is None:
            return over
        return [h for h in over if h.id != through and h.set_at > confirmed.set_at]

    def _allowed(self, what: str) -> None:
        require_writer(self.session, what)
        user = self.session.user
        if not any(user.has(r) for r in HOLD_ROLES):
            self.session.record("hold.refused", details={"what": what,
                                                         "role": user.role_label})
            raise HoldRefused(f"Only press officers and Corporate Communications may "
                              f"{what}; you are {user.role_label}.")

    def set(self, reason: str, scope: str = "all") -> Hold:
        """Hold every scheduled post in `scope` ("all", "incident:ID", "area:NAME")."""
        self._allowed("set a crisis hold")
        if not reason.strip():
            raise HoldRefused("Say why (e.g. 'silver commander: death confirmed'): it is "
                              "shown on every officer's screen and logged.")
        if scope != "all" and scope.partition(":")[0] not in ("incident", "area"):
            raise HoldRefused(f"A hold covers all, incident:ID or area:NAME, not {scope!r}.")
        hold = Hold(id=f"hold-{self.clock():%Y%m%d%H%M%S}-{secrets.token_hex(2)}",
                    scope=scope, reason=reason.strip(), set_by=self.session.user.login,
                    set_at=self.clock())
        self.repo.put(hold)
        self.session.record("hold.set", subject=hold.id,
                            details={"scope": scope, "reason": hold.reason})
        return hold

    def lift(self, hold_id: str, reason: str = "") -> Lifted:
        """Lift a hold (compare-and-set: once, whoever asks first); return it and what
        it was holding, for the officer to decide on each.

        A scheduled post whose time passed under the hold is first marked "held", so no
        scheduler sends it the moment the hold goes: the officer sends, moves or cancels
        it. (Marked before the hold is lifted: a scheduler between the two sees either
        the hold or the mark. Two officers lifting at once mark the same posts.)"""
        self._allowed("lift a crisis hold")
        now = self.clock()
        current = self.repo.get(hold_id)
        if current is not None and current.active:
            self._mark_overdue(current, now)

        def update(current: Hold | None) -> Hold:
            if current is None or not current.active:
                raise Conflict("not in force", current)
            return replace(current, lifted_at=now, lifted_by=self.session.user.login,
                           lift_reason=reason.strip())

        try:
            lifted = self.repo.swap(hold_id, update)
        except Conflict:
            raise HoldRefused(f"{hold_id} is not in force (lifted already?)") from None
        self.session.record("hold.lifted", subject=hold_id,
                            details={"scope": lifted.scope, "reason": reason.strip()})
        return Lifted(lifted, self.held_by(lifted), self.paused_by(lifted))

    def _mark_overdue(self, hold: Hold, now: datetime) -> None:
        from oncall.incidents import DraftRepository

        drafts = DraftRepository(self.session.store)
        why = f"its time passed during the crisis hold ({hold.reason}), lifted " \
              f"{fmt_datetime(now)}: send, move or cancel it"
        for draft in self.held_by(hold):
            if draft.status != "scheduled" or draft.due_at is None or draft.due_at > now:
                continue

            def mark(current: Draft | None, was: Draft = draft) -> Draft:
                if current is None or current.status != "scheduled" or \
                        current.due_at != was.due_at:
                    raise Conflict("changed", current)
                return replace(current, status="held", problem=why, updated_at=now)

            try:
                drafts.swap(draft.id, mark, draft.incident)
            except Conflict:
                continue  # sent, moved or cancelled meanwhile: nothing to decide
            self.session.record("post.schedule_held", incident=draft.incident,
                                subject=draft.id, details={"hold": hold.id,
                                                           "due": str(draft.due_at)})

    def held_by(self, hold: Hold) -> list[Draft]:
        """The scheduled posts `hold` covers (or covered), soonest first: still
        scheduled, or marked held when it was lifted."""
        from oncall.schedule import Schedule

        sites = {s.id: s for s in self.session.sites.all()}
        probe = replace(hold, lifted_at=None)
        return [d for d in Schedule(self.session).pending()
                if d.status in ("scheduled", "held")
                and probe.covers(d.incident, [sites[s] for s in d.sites if s in sites])]

    def paused_by(self, hold: Hold) -> list[Delivery]:
        """The deliveries paused (`held`) on open incidents that `hold` covers (or
        covered), oldest first. Ones another hold paused, still in force, are left to
        that hold's lifting."""
        from oncall.model import DeliveryState
        from oncall.postrecords import DeliveryRepository

        sites = {s.id: s for s in self.session.sites.all()}
        probe = replace(hold, lifted_at=None)
        others = [h for h in self.active() if h.id != hold.id]
        repo = DeliveryRepository(self.session.store)
        found = []
        for incident in self.session.incidents.open_incidents():
            for d in repo.all(incident.id):
                where = [sites[d.site]] if d.site in sites else []
                if d.state == DeliveryState.HELD.value and probe.covers(d.incident, where) \
                        and not any(h.covers(d.incident, where) for h in others):
                    found.append(d)
        return sorted(found, key=lambda d: (d.updated_at or hold.set_at, d.id))


__all__ = ["HOLD_ROLES", "Hold", "HoldRefused", "HoldRepository", "Holds", "Lifted"]
