"""Plain dataclasses of the domain. No I/O and no UI here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Self


class Platform(StrEnum):
    FACEBOOK = "facebook"
    X = "x"
    YOUTUBE = "youtube"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"

    @property
    def label(self) -> str:
        return {"facebook": "Facebook", "x": "X", "youtube": "YouTube",
                "mastodon": "Mastodon", "bluesky": "Bluesky"}[self.value]


class Tier(StrEnum):
    """The procedure's three kinds of site, which decide who holds credentials."""

    CORPORATE = "corporate"
    COUNCIL = "council"
    LOCAL = "local"


class Role(StrEnum):
    PRESS_OFFICER = "press_officer"
    WEB_COMMS = "web_comms"
    LOCAL_COMMS = "local_comms"
    CORPORATE_COMMS = "corporate_comms"
    PROFESSIONAL_STANDARDS = "professional_standards"
    SITE_OWNER = "site_owner"

    @property
    def label(self) -> str:
        return {
            "press_officer": "Press Officer",
            "web_comms": "Web Communications",
            "local_comms": "Local Communications",
            "corporate_comms": "Corporate Communications",
            "professional_standards": "Professional Standards",
            "site_owner": "Site owner",
        }[self.value]


class IncidentStatus(StrEnum):
    OPEN = "open"
    PROCEEDINGS_ACTIVE = "proceedings_active"
    CLOSED = "closed"


class Record:
    """Mixin: round-trip a dataclass through plain JSON-able dicts."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)  # type: ignore[call-overload]
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Build from a stored dict, ignoring keys this version does not know."""
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            if known[key].type in ("datetime", "datetime | None") and isinstance(value, str):
                value = datetime.fromisoformat(value)
            values[key] = value
        return cls(**values)


@dataclass
class Person(Record):
    """Someone in the staff directory, found by Unix login."""

    login: str
    name: str
    roles: list[str] = field(default_factory=list)
    title: str = ""
    collar: str = ""
    nicknames: list[str] = field(default_factory=list)
    sensitive_role: bool = False
    phone: str = ""

    def has(self, role: Role | str) -> bool:
        return str(role) in self.roles

    @property
    def role_label(self) -> str:
        """The person's main role, for display and the log."""
        return Role(self.roles[0]).label if self.roles else "No role"


@dataclass
class Site(Record):
    """One social media account the force runs. Holds no secret, only where it is kept."""

    id: str
    platform: str
    name: str
    handle: str
    tier: str
    area: str = ""
    owner: str = ""
    local_comms: str = ""
    username: str = ""
    keyring_key: str = ""
    url: str = ""
    api_base: str = ""
    requires_disclaimer: bool = True

    @property
    def platform_label(self) -> str:
        return Platform(self.platform).label


@dataclass
class Incident(Record):
    """A live or past incident the press office is working."""

    id: str
    title: str
    kind: str
    opened_at: datetime
    opened_by: str
    location: str = ""
    playbook: str = ""
    status: str = IncidentStatus.OPEN.value
    reference: str = ""
    closed_at: datetime | None = None
    next_update_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED.value


@dataclass
class LogEntry(Record):
    """One line of the action log, as written (hash-chained)."""

    seq: int
    at: str
    actor: str
    role: str
    action: str
    incident: str | None
    subject: str | None
    details: dict[str, Any]
    prev: str
    hash: str
