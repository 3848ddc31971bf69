"""Crisis hold: when a situation turns (a death, a firearms incident, a commander's
instruction) every scheduled post pauses at once, on every site or only an incident's
or an area's, until the hold is lifted. No UI here.

A hold is a record in the shared store, so every officer's console and every scheduler
sees it at its next read. Only press officers and Corporate Communications may set or
lift one, with a reason; both are logged. While a hold covers a post:
- the scheduler does not send it (oncall.schedule asks `covering`);
- the send path refuses a new post unless the officer confirms it naming the hold
  (`Outgoing.hold`), and logs that they did.
Lifting returns the held scheduled posts for the officer to send, move or cancel.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from oncall.model import Record, Role, Site
from oncall.oversight import require_writer
from oncall.store import Conflict, Repository
from oncall.timeutil import fmt_datetime, utcnow

if TYPE_CHECKING:
    from oncall.model import Draft
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


class HoldRepository(Repository[Hold]):
    kind = "holds"
    record = Hold


class Holds:
    """Setting, lifting and asking about crisis holds."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock
        self.repo = HoldRepository(session.store)

    def active(self) -> list[Hold]:
        """The holds in force, oldest first."""
        return sorted((h for h in self.repo.all() if h.active), key=lambda h: h.set_at)

    def covering(self, incident: str, sites: Iterable[Site]) -> Hold | None:
        """The oldest hold in force over a post of `incident` to `sites`, if any."""
        chosen = list(sites)
        return next((h for h in self.active() if h.covers(incident, chosen)), None)

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

    def lift(self, hold_id: str, reason: str = "") -> tuple[Hold, list[Draft]]:
        """Lift a hold (compare-and-set: once, whoever asks first); return it and the
        scheduled posts it was holding, for the officer to send, move or cancel."""
        self._allowed("lift a crisis hold")
        now = self.clock()

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
        return lifted, self.held_by(lifted)

    def held_by(self, hold: Hold) -> list[Draft]:
        """The scheduled posts `hold` covers (or covered), soonest first."""
        from oncall.schedule import Schedule

        sites = {s.id: s for s in self.session.sites.all()}
        probe = replace(hold, lifted_at=None)
        return [d for d in Schedule(self.session).pending()
                if d.status == "scheduled"
                and probe.covers(d.incident, [sites[s] for s in d.sites if s in sites])]


__all__ = ["HOLD_ROLES", "Hold", "HoldRefused", "HoldRepository", "Holds"]
