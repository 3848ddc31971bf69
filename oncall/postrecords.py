"""Where posts and their deliveries are kept: one file of each per incident.

Kept apart from the posting engine so that what only reads them (the dashboard's
update cadence, views) does not load the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oncall.model import Delivery, DeliveryState, Incident, PostRecord
from oncall.owners import is_live
from oncall.store import Repository

if TYPE_CHECKING:
    from oncall.session import Session

S = DeliveryState
# In flight: someone's process holds them, or held them when it stopped.
OPEN_STATES = {S.QUEUED.value, S.SENDING.value, S.WAITING.value}
# Sent or not, nobody knows: the officer must look and decide.
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


__all__ = ["DECIDE_STATES", "OPEN_STATES", "DeliveryRepository", "PostRepository", "unresolved"]
