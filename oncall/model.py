"""Plain dataclasses of the domain. No I/O and no UI here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
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
    # Not press office roles: people a message from the public may be forwarded to.
    INVESTIGATING_OFFICER = "investigating_officer"
    FAMILY_LIAISON_LEAD = "family_liaison_lead"

    @property
    def label(self) -> str:
        return {
            "press_officer": "Press Officer",
            "web_comms": "Web Communications",
            "local_comms": "Local Communications",
            "corporate_comms": "Corporate Communications",
            "professional_standards": "Professional Standards",
            "site_owner": "Site owner",
            "investigating_officer": "Investigating Officer",
            "family_liaison_lead": "Family Liaison Lead",
        }[self.value]


# Roles that act on the sites or incidents; anyone holding none of them but Professional
# Standards is read-only (see Person.read_only).
ACTING_ROLES = ("press_officer", "web_comms", "local_comms", "corporate_comms", "site_owner")


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
    email: str = ""   # where forwarded messages from the public are mailed, if a relay is set
    # Public signing keys ("ed25519:...") pinned for this person: the only ones the log
    # accepts as theirs. Empty: their first signed entry introduces their key.
    signing_keys: list[str] = field(default_factory=list)

    def has(self, role: Role | str) -> bool:
        return str(role) in self.roles

    @property
    def read_only(self) -> bool:
        """Professional Standards and nothing that acts: they monitor every site and
        incident, read-only (the procedure); the core refuses them every change."""
        return self.has(Role.PROFESSIONAL_STANDARDS) and not any(
            self.has(r) for r in ACTING_ROLES)

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
    # Pages whose posts must carry the agreed disclaimer (how to report crime).
    requires_disclaimer: bool = False

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
    # The update cadence as RFC 5545 rules, fixed when the incident opens so that a
    # later edit to the playbook does not move a live incident's deadlines.
    cadence: list[str] = field(default_factory=list)
    cadence_label: str = ""
    closed_by: str = ""
    # Names that must never be published for this incident (e.g. a victim of a sexual
    # offence, who has anonymity for life). Kept in the store, never in the log.
    protected_names: list[str] = field(default_factory=list)
    # Why names are protected: "sexual_offence" or "child_proceedings" ("" if neither).
    protection: str = ""

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED.value

    @property
    def status_label(self) -> str:
        return {"open": "open", "proceedings_active": "PROCEEDINGS ACTIVE",
                "closed": "closed"}.get(self.status, self.status)


@dataclass
class StepTick(Record):
    """A checklist step marked done on one incident."""

    id: str
    incident: str
    done_at: datetime
    done_by: str


@dataclass
class Draft(Record):
    """A message being prepared for an incident: saved as it is typed, kept until sent."""

    id: str
    incident: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    template: str = ""
    values: dict[str, str] = field(default_factory=dict)
    body: str = ""
    short: str = ""
    status: str = "draft"
    override_reason: str = ""
    # rule -> SHA-256 of the text when it was overridden or acknowledged (see overrides.py)
    overrides: dict[str, str] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)
    attachments: list[dict[str, object]] = field(default_factory=list)
    override_notes: dict[str, str] = field(default_factory=dict)
    # Set when sending claims the draft, so a second officer is told who sent it.
    post: str = ""
    sent_by: str = ""
    sent_at: datetime | None = None
    owner: str = ""
    # A scheduled post (status "scheduled"): the sites it goes to and when; who set it.
    # "missed" (not sent within the grace period), "blocked" (refused at its time),
    # "held" (its time passed under a crisis hold since lifted) and "cancelled" are what
    # an officer sees and decides on; `problem` says why.
    sites: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    scheduled_by: str = ""
    problem: str = ""
    # Raised by one on every stored change (DraftRepository.swap), so a save can say
    # which version it was editing, and one made over a newer version is asked about.
    version: int = 0
    updated_by: str = ""


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


class FieldKind(StrEnum):
    TEXT = "text"
    TIME = "time"
    LOCATION = "location"
    URL = "url"
    CHOICE = "choice"


@dataclass(frozen=True)
class TemplateField:
    """One blank in a template, declared so it can be checked before anything is posted."""

    name: str
    label: str
    kind: str = FieldKind.TEXT.value
    required: bool = True
    help: str = ""
    choices: tuple[str, ...] = ()
    direction: str = "past"  # for times: "past" (last seen), "future" (reopens), "any"
    max_length: int = 0


@dataclass(frozen=True)
class Template:
    """Pre-approved wording with blanks, and who approved it until when."""

    id: str
    title: str
    body: str
    source: str
    purpose: str = "update"
    short: str = ""
    platforms: tuple[str, ...] = ()
    fields: tuple[TemplateField, ...] = ()
    approved_by: str = ""
    approved_on: date | None = None
    review_by: date | None = None
    review_after: str = ""

    def field(self, name: str) -> TemplateField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Step:
    """One line of a playbook's checklist, due at an offset from the incident's opening."""

    id: str
    title: str
    detail: str = ""
    owner: str = Role.PRESS_OFFICER.value
    due: str = ""
    templates: tuple[str, ...] = ()
    stand_down: bool = False


@dataclass(frozen=True)
class CadencePhase:
    every: str
    for_: str = ""


@dataclass(frozen=True)
class Playbook:
    """A timed checklist for one kind of incident, with the templates it uses."""

    id: str
    title: str
    when: str
    source: str
    kind: str = ""
    steps: tuple[Step, ...] = ()
    cadence: tuple[CadencePhase, ...] = ()
    templates: tuple[str, ...] = ()

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


class DeliveryState(StrEnum):
    """Where one site's copy of a post is. Each state is also shown as a word."""

    QUEUED = "queued"            # recorded, nothing sent yet
    SENDING = "sending"          # recorded just before the request went out
    WAITING = "waiting"          # rate limited; will try again at retry_at
    HELD = "held"                # paused by a crisis hold: sent or cancelled once lifted
    SENT = "sent"
    FAILED = "failed"            # the network said no, or nothing reached it: safe to retry
    UNKNOWN = "unknown"          # may have posted: the officer checks and decides
    NOT_APPLICABLE = "not_applicable"  # e.g. text to YouTube
    CANCELLED = "cancelled"      # the officer decided not to send
    RETRACTING = "retracting"
    RETRACTED = "retracted"
    RETRACT_FAILED = "retract_failed"


@dataclass
class PostRecord(Record):
    """One message sent from one screen to many sites."""

    id: str
    incident: str
    author: str
    created_at: datetime
    body: str
    short: str = ""
    template: str = ""
    draft: str = ""
    sites: list[str] = field(default_factory=list)
    review_at: datetime | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)
    retracted_at: datetime | None = None
    # Photos and videos: kind, path, alt, third_party, source, permission, purpose,
    # key_message (what the procedure needs recorded about each).
    attachments: list[dict[str, object]] = field(default_factory=list)
    # rule -> who overrode it and how, e.g. approval given by phone and recorded by the
    # press officer, shown with the post.
    override_notes: dict[str, str] = field(default_factory=dict)
    # The crisis hold the officer confirmed sending through, by id: its retries go on
    # through that hold (and no other).
    through_hold: str = ""


@dataclass
class Delivery(Record):
    """One post on one site: the durable outbox entry the fan-out works through."""

    id: str
    post: str
    incident: str
    site: str
    platform: str
    text: str
    key: str
    state: str = DeliveryState.QUEUED.value
    attempts: int = 0
    remote_id: str = ""
    url: str = ""
    reason: str = ""
    raw: str = ""
    retry_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: str = ""
    # host:pid#token of the work on it, so another process can tell a live send
    # from one that a crash or a dropped SSH session left behind.
    owner: str = ""
    # Set only on an in-memory copy: its latest state could not be written to the store.
    unrecorded: bool = False
