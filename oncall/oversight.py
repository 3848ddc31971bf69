"""Read-only oversight: Professional Standards monitor every site and incident and may
change nothing (the procedure). No UI here.

The guarantee is kept below every caller: a read-only officer's session opens the store
with `refuse_writes`, so any write of any record, from a screen, the shell or a
scheduler, is refused before its file is touched, and the refusal is logged. The
entry points that an officer reaches by name (tick a step, send, retract, acknowledge)
also ask `require_writer` first, so the refusal names what was tried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from oncall.store import ReadOnly

if TYPE_CHECKING:
    from oncall.model import LogEntry, Person
    from oncall.session import Session

RULE = "refused.professional_standards"
ACTION = "access.refused"


def refusal(person: Person, what: str, record: Callable[..., LogEntry]) -> ReadOnly:
    """Log that `person` was refused `what`, and return the error to raise."""
    line = (f"{person.role_label} monitor read-only: {what} was refused and nothing was "
            "changed (the refusal is in the action log)")
    try:
        record(ACTION, details={"what": what, "rule": RULE})
    except OSError as exc:  # the refusal stands; say that it could not be logged
        line = f"{line[:line.index(' (the refusal')]} (the refusal could not be logged: " \
               f"{exc.strerror or exc})"
    return ReadOnly(line)


def store_refuser(person: Person, record: Callable[..., LogEntry]
                  ) -> Callable[[str], ReadOnly]:
    """What a read-only session's store calls on any write (see Store.refuse_writes)."""
    return lambda kind: refusal(person, f"changing the {kind} records", record)


def require_writer(session: Session, what: str) -> None:
    """Raise ReadOnly (logged) if this session's officer may change nothing."""
    if session.user.read_only:
        raise refusal(session.user, what, session.record)


__all__ = ["ACTION", "RULE", "ReadOnly", "refusal", "require_writer", "store_refuser"]
