"""Where messages from the public are kept: one file per site. Kept apart from the
fetching (oncall.inbox) so that what only counts them, the dashboard every few seconds,
does not load the HTTP stack. No UI here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from oncall.model import Record
from oncall.owners import is_live
from oncall.store import Repository, Store, cached_all

if TYPE_CHECKING:
    from oncall.session import Session


class ItemState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    FORWARDED = "forwarded"
    CLOSED = "closed"


@dataclass
class InboxItem(Record):
    """One message from the public, as kept. `text`, `author` and `author_name` are
    theirs: shown literally, never as markup."""

    id: str                  # "<site id>:<the network's id>"
    site: str
    platform: str
    remote_id: str
    kind: str                # mention | reply | comment | dm
    author: str
    author_name: str
    text: str
    sent_at: datetime
    fetched_at: datetime
    in_reply_to: str = ""
    url: str = ""
    has_media: bool = False
    incident: str = ""       # the incident whose post it answers, or that it was linked to
    post: str = ""           # that post
    state: str = ItemState.NEW.value
    needs_action: bool = False
    reasons: list[str] = field(default_factory=list)
    emergency: bool = False
    ref: dict[str, str] = field(default_factory=dict)  # what a reply needs (ReplyTo.ref)
    # The acknowledgement, sent once by one officer (see oncall.replies).
    ack_state: str = ""      # "" | sending | sent | failed | unknown (see AckState)
    ack_key: str = ""        # kept across tries: a network that takes one sees a repeat
    ack_owner: str = ""      # the live work sending it (see oncall.owners)
    ack_by: str = ""
    ack_template: str = ""
    ack_text: str = ""       # exactly as sent
    ack_at: datetime | None = None
    ack_id: str = ""         # the reply's id on the network
    ack_url: str = ""
    ack_problem: str = ""    # why the last try failed, one line naming the site
    # Each time it was forwarded to staff, oldest first (see oncall.forwarding.Forward).
    forwards: list[dict[str, str]] = field(default_factory=list)

    @property
    def time_to_ack(self) -> timedelta | None:
        """From the message's arrival to its acknowledgement going out."""
        return self.ack_at - self.sent_at if self.ack_at is not None else None


class AckState(StrEnum):
    NONE = ""
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"    # the request may have reached the network: the officer checks


class InboxRepository(Repository[InboxItem]):
    """Messages kept one file per site."""

    kind = "inbox"
    record = InboxItem

    def _partition(self, obj: InboxItem | None = None) -> str | None:
        return obj.site if obj is not None else None


# A message that needs action should be acknowledged within this long (the procedure
# says immediately; 15 minutes is the force's target unless configured otherwise).
ACK_TARGET = timedelta(minutes=15)


def ack_target(session: Session) -> timedelta:
    """How long a message needing action may wait for its acknowledgement in this home
    ([inbox] acknowledge_minutes)."""
    return timedelta(minutes=session.settings.inbox.acknowledge_minutes)


def incident_waiting(session: Session, incident: str, now: datetime) -> Waiting:
    """What waits in the inbox about one incident (the incident screen's line)."""
    return waiting(session.store, [s.id for s in session.sites.all()], now,
                   ack_target(session), incident)


def undecided(item: InboxItem) -> bool:
    """An acknowledgement whose outcome nobody knows (a request that may have reached the
    network, or a sender that stopped mid-request): the officer must look at the site."""
    return item.ack_state == AckState.UNKNOWN.value or (
        item.ack_state == AckState.SENDING.value and not is_live(item.ack_owner))


def forwarded_to(item: InboxItem, login: str) -> bool:
    """Whether `item` was forwarded to `login` (themselves, or a role they held then)."""
    return any(login in f.get("logins", "").split(",") for f in item.forwards)


def awaiting_ack(item: InboxItem) -> bool:
    """`item` needs action and nobody has acknowledged it yet (forwarding it is not
    acknowledging it: the procedure asks for both), nor closed it."""
    return item.needs_action and item.state != ItemState.CLOSED.value \
        and item.ack_state != AckState.SENT.value


def overdue(item: InboxItem, now: datetime, target: timedelta = ACK_TARGET) -> bool:
    """True when `item` awaits acknowledgement and arrived longer ago than `target`."""
    return awaiting_ack(item) and now - item.sent_at > target


@dataclass(frozen=True)
class Waiting:
    """What the inbox holds for the officer, as the dashboard counts it."""

    todo: int = 0         # need action, not acknowledged yet
    emergencies: int = 0  # read as an emergency, not closed
    overdue: int = 0      # of `todo`, past the acknowledgement target
    for_me: int = 0       # forwarded to the officer asking, not closed


def waiting(store: Store, sites: Iterable[str], now: datetime,
            target: timedelta = ACK_TARGET, incident: str | None = None,
            login: str = "") -> Waiting:
    """The counts across `sites` (of one incident's messages, if given; forwarded to
    `login`, if given); each site's file re-read only when it changed (see cached_all)."""
    repo = InboxRepository(store)
    todo = emergencies = late = mine = 0
    for site in sites:
        for item in cached_all(repo, site):
            if incident is not None and item.incident != incident:
                continue
            if login and item.state != ItemState.CLOSED.value and forwarded_to(item, login):
                mine += 1
            if item.emergency and item.state != ItemState.CLOSED.value:
                emergencies += 1
            elif awaiting_ack(item):
                todo += 1
                late += overdue(item, now, target)
    return Waiting(todo, emergencies, late, mine)


__all__ = ["ACK_TARGET", "AckState", "InboxItem", "InboxRepository", "ItemState", "Waiting",
           "ack_target", "awaiting_ack", "forwarded_to", "incident_waiting", "overdue",
           "undecided",
           "waiting"]
