"""An incident's record: everything that happened in it, in order, for the officer who
reviews it and for a debrief or a disclosure. No UI here.

Assembled from the store (each post with its text, checks and per-site results; each
message from the public with its handling) and the action log (every action about the
incident, with its sequence number and hash, so an export can be checked against
`oncall log verify`). Every text is kept as written; whoever shows it escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from oncall.inboxrecords import AckState, InboxItem, InboxRepository
from oncall.incidents import Incidents
from oncall.model import Delivery, Incident, LogEntry, PostRecord
from oncall.postrecords import DeliveryRepository, PostRepository
from oncall.timeutil import parse_iso

if TYPE_CHECKING:
    from oncall.session import Session


@dataclass(frozen=True)
class Entry:
    """One line of the record, openable in full."""

    at: datetime
    who: str                  # the person's name (their login if not in the directory)
    action: str               # the log's action, or "post" / "message" from the store
    summary: str              # one line
    detail: str = ""          # the whole of it
    seq: int | None = None    # the log's sequence number and hash, where it came from
    hash: str = ""
    post: str = ""            # the post's id, for an entry that is a post


@dataclass
class IncidentRecord:
    """An incident and everything recorded about it."""

    incident: Incident
    entries: list[Entry]
    posts: list[PostRecord] = field(default_factory=list)
    deliveries: dict[str, list[Delivery]] = field(default_factory=dict)
    messages: list[InboxItem] = field(default_factory=list)


class UnknownIncident(LookupError):
    """No incident has that id."""


def build_record(session: Session, incident_id: str) -> IncidentRecord:
    """The record of `incident_id`, oldest first. Raises UnknownIncident."""
    incident = session.incidents.get(incident_id)
    if incident is None:
        raise UnknownIncident(f"There is no incident {incident_id}.")
    names = {p.login: p.name for p in session.directory.people.values()}
    posts = sorted(PostRepository(session.store).all(incident.id),
                   key=lambda p: (p.created_at, p.id))
    by_post: dict[str, list[Delivery]] = {}
    for delivery in DeliveryRepository(session.store).all(incident.id):
        by_post.setdefault(delivery.post, []).append(delivery)
    items = InboxRepository(session.store)
    messages = sorted((m for s in session.sites.all() for m in items.all(s.id)
                       if m.incident == incident.id), key=lambda m: (m.sent_at, m.id))
    entries = [from_log(e, names) for e in Incidents(session).timeline(incident)]
    entries += [from_post(p, by_post.get(p.id, []), names) for p in posts]
    entries += [from_message(m, names) for m in messages]
    entries.sort(key=lambda e: (e.at, e.seq if e.seq is not None else -1))
    return IncidentRecord(incident, entries, posts, by_post, messages)


# --- the log's entries, in words --------------------------------------------------------

# What each action says, given its subject; the details follow in full when opened.
_WORDS: dict[str, str] = {
    "incident.opened": "Opened the incident",
    "incident.updated": "Changed the incident's details",
    "incident.closed": "Closed the incident",
    "incident.reopened": "Reopened the incident",
    "incident.proceedings_active": "Marked proceedings active",
    "incident.protected_name_added": "Protected a name",
    "incident.protect_refused": "Was refused protecting a name",
    "playbook.step.done": "Ticked",
    "playbook.step.undone": "Unticked",
    "template.filled": "Filled the template",
    "policy.overridden": "Overrode a check",
    "policy.acknowledged": "Noted a warning",
    "update.missed": "An update slot passed without a post",
    "post.queued": "Queued a post",
    "post.sending": "Sending",
    "post.sent": "Sent",
    "post.waiting": "Waiting (rate limited)",
    "post.failed": "FAILED",
    "post.unknown": "Outcome UNKNOWN",
    "post.not_applicable": "Did not apply",
    "post.retry": "Retried the failed sites",
    "post.confirmed_posted": "Confirmed it is on the site",
    "post.confirmed_not_posted": "Confirmed it is not on the site",
    "post.cancelled": "Cancelled",
    "post.retract_requested": "Asked to retract everywhere",
    "post.retracted": "Retracted",
    "post.retract_failed": "Retraction FAILED",
    "inbox.received": "A message came in",
    "inbox.linked": "Linked a message to the incident",
    "inbox.closed": "Closed a message",
    "inbox.acknowledged": "Acknowledged a message",
    "inbox.ack_failed": "An acknowledgement FAILED",
    "inbox.ack_unknown": "An acknowledgement's outcome is UNKNOWN",
    "inbox.ack_decided": "Said how an acknowledgement ended",
    "inbox.forwarded": "Forwarded a message",
    "inbox.forward_mailed": "Mailed a forward",
    "inbox.forward_not_mailed": "A forward could not be mailed",
    "credential.copied": "Copied a site's password",
    "credential.revealed": "Revealed a site's password",
    "credential.code_copied": "Copied a site's two-factor code",
    "credential.refused": "Was refused a site's credential",
    "access.refused": "Was refused a change (read-only)",
}

# Details worth a place on the one line, in this order.
_SHOWN = ("site", "to", "reason", "rule", "note", "url", "kind")


def from_log(entry: LogEntry, names: dict[str, str]) -> Entry:
    """A log entry as a line of the record."""
    words = _WORDS.get(entry.action, entry.action)
    subject = f": {entry.subject}" if entry.subject else ""
    extras = [f"{k} {entry.details[k]}" for k in _SHOWN
              if entry.details.get(k) not in (None, "", [], {})]
    summary = words + subject + (f" ({', '.join(map(str, extras))})" if extras else "")
    detail = "\n".join(f"{k}: {_plain(v)}" for k, v in sorted(entry.details.items()))
    return Entry(parse_iso(entry.at), names.get(entry.actor, entry.actor), entry.action,
                 summary, detail, entry.seq, entry.hash)


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


# --- the store's ------------------------------------------------------------------------

def from_post(post: PostRecord, deliveries: list[Delivery], names: dict[str, str]) -> Entry:
    """A post: its text, its checks and marks, and how each site ended."""
    lines = [post.body]
    if post.short and post.short != post.body:
        lines += ["", f"Short version: {post.short}"]
    # How each site ended first: it is what a reviewer asks after the text.
    lines.append("")
    for d in sorted(deliveries, key=lambda d: d.site):
        result = d.url or d.reason or ""
        lines.append(f"{d.site}: {d.state}" + (f" {result}" if result else ""))
    lines += ["", f"Template: {post.template or 'none (free text)'}"]
    for rule in sorted(post.overrides):
        note = post.override_notes.get(rule, "")
        lines.append(f"Override of {rule}" + (f": {note}" if note else ""))
    for rule in sorted(post.acknowledged):
        lines.append(f"Warning noted: {rule}")
    for attachment in post.attachments:
        lines.append(f"Attached {attachment.get('kind', 'file')}: "
                     f"{attachment.get('alt') or attachment.get('path', '')}")
    if post.review_at:
        lines.append(f"Review by {post.review_at.isoformat()}")
    if post.retracted_at:
        lines.append(f"Retracted {post.retracted_at.isoformat()}")
    sent = sum(1 for d in deliveries if d.state == "sent")
    first = post.body.strip().splitlines()[0] if post.body.strip() else ""
    summary = (f"Post {post.id} to {len(deliveries)} site(s), {sent} sent: "
               f"{first[:80]}")
    return Entry(post.created_at, names.get(post.author, post.author), "post", summary,
                 "\n".join(lines), post=post.id)


def from_message(item: InboxItem, names: dict[str, str]) -> Entry:
    """A message from the public about the incident, and its handling."""
    lines = [item.text, "", f"{item.kind} on {item.site} from {item.author_name} "
             f"({item.author}), {item.sent_at.isoformat()}"]
    if item.url:
        lines.append(item.url)
    lines += [f"Needs action: {r}" for r in item.reasons]
    if item.ack_state == AckState.SENT.value and item.ack_at:
        lines.append(f"Acknowledged by {names.get(item.ack_by, item.ack_by)} at "
                     f"{item.ack_at.isoformat()} ({item.ack_template}): {item.ack_text}")
    elif item.ack_state:
        lines.append(f"Acknowledgement {item.ack_state}: {item.ack_problem}")
    for forward in item.forwards:
        lines.append(f"Forwarded by {names.get(forward.get('by', ''), forward.get('by', ''))}"
                     f" to {forward.get('to_label', '')}: {forward.get('note', '')}")
    lines.append(f"State: {item.state}")
    first = item.text.strip().splitlines()[0] if item.text.strip() else ""
    return Entry(item.sent_at, item.author_name or item.author, "message",
                 f"Message on {item.site} from {item.author_name}: {first[:80]}",
                 "\n".join(lines))


__all__ = ["Entry", "IncidentRecord", "UnknownIncident", "build_record", "from_log",
           "from_message", "from_post"]
