"""Forwarding a message from the public to the member of staff who should act on it:
a person from the directory, or a role (the investigating officer, the family liaison
lead). No UI here.

A forward is recorded on the message first, a compare-and-set against the forwards the
officer saw (two officers forwarding the same message at the same moment: the second
is told of the first and decides again), and logged; the message then shows in each
recipient's own inbox view. When the force has a mail relay, it is also mailed to them
with the message attached: the mail is claimed (pending -> sending) before it is
handed to the relay, so two consoles retrying never both send it, and a mail the relay
does not take stays pending, saying why, to be tried again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from oncall import mailer
from oncall.config import MailSettings
from oncall.faults import describe
from oncall.inboxrecords import InboxItem, InboxRepository, ItemState
from oncall.model import Person, Role
from oncall.oversight import require_writer
from oncall.owners import is_live, new_owner, release
from oncall.store import Conflict, StoreError, cached_all
from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, parse_iso, utcnow

if TYPE_CHECKING:
    from oncall.secret import Secret
    from oncall.session import Session

# The roles a message is most often forwarded to, offered first.
ROLES = (Role.INVESTIGATING_OFFICER, Role.FAMILY_LIAISON_LEAD)


class Mail(StrEnum):
    OFF = "off"              # no relay configured: recorded and shown, not mailed
    PENDING = "pending"      # to be mailed (or the relay did not take it: `problem` says)
    SENDING = "sending"      # claimed by a console handing it to the relay now
    SENT = "sent"


class ForwardRefused(Exception):
    """Nothing was recorded. `current` is the message as it now is, if it changed."""

    def __init__(self, message: str, current: InboxItem | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.current = current


@dataclass(frozen=True)
class Recipient:
    """Someone a message can be forwarded to: a person, or everyone holding a role."""

    key: str                        # "person:<login>" or "role:<role>"
    label: str
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Forward:
    """One forward of a message, as kept in InboxItem.forwards."""

    id: str
    to: str                         # the Recipient key
    to_label: str
    logins: tuple[str, ...]
    note: str
    by: str
    at: datetime
    mail: str = Mail.OFF.value
    mail_owner: str = ""
    problem: str = ""

    def as_record(self) -> dict[str, str]:
        return {"id": self.id, "to": self.to, "to_label": self.to_label,
                "logins": ",".join(self.logins), "note": self.note, "by": self.by,
                "at": self.at.isoformat(), "mail": self.mail, "mail_owner": self.mail_owner,
                "problem": self.problem}

    @classmethod
    def of(cls, data: dict[str, str]) -> Forward:
        return cls(data.get("id", ""), data.get("to", ""), data.get("to_label", ""),
                   tuple(x for x in data.get("logins", "").split(",") if x),
                   data.get("note", ""), data.get("by", ""), parse_iso(data["at"]),
                   data.get("mail", Mail.OFF.value), data.get("mail_owner", ""),
                   data.get("problem", ""))


def forwards(item: InboxItem) -> list[Forward]:
    """`item`'s forwards, oldest first."""
    return [Forward.of(f) for f in item.forwards]


def mail_pending(item: InboxItem) -> list[Forward]:
    """Forwards still to be mailed (a claim whose console stopped counts again)."""
    return [f for f in forwards(item) if f.mail == Mail.PENDING.value or (
        f.mail == Mail.SENDING.value and not is_live(f.mail_owner))]


def with_mail_pending(session: Session) -> list[InboxItem]:
    """The messages with a forward still to mail, across the sites (what the poller
    retries each round): each site's file re-read only when it changed."""
    repo = InboxRepository(session.store)
    return [i for s in session.sites.all() for i in cached_all(repo, s.id)
            if mail_pending(i)]


def recipients(people: dict[str, Person]) -> list[Recipient]:
    """Who can be chosen: the forwarding roles that someone holds, then every person."""
    out = []
    for role in ROLES:
        holders = tuple(p for p in people.values() if p.has(role))
        if holders:
            names = ", ".join(p.name for p in holders)
            out.append(Recipient(f"role:{role.value}", f"{role.label} ({names})", holders))
    for person in sorted(people.values(), key=lambda p: p.name):
        title = f", {person.title}" if person.title else ""
        out.append(Recipient(f"person:{person.login}", f"{person.name}{title}", (person,)))
    return out


class Forwarder:
    """Forward messages, and mail the forwards, for one session."""

    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow,
                 password: Callable[[], Secret | None] | None = None,
                 mail: MailSettings | None = None) -> None:
        self.session = session
        self.clock = clock
        self.items = InboxRepository(session.store)
        self.mail = mail or session.settings.mail
        # The relay's password, read from the vault only when a mail needs it.
        self._password = password or (lambda: None)

    def forward(self, item: InboxItem, to: str, note: str) -> tuple[InboxItem, Forward]:
        """Record a forward of `item` (as the officer saw it) to the recipient keyed `to`
        with `note`. Raises ForwardRefused, with nothing recorded, for an unknown
        recipient, an empty note, a closed message, or one forwarded or changed by
        someone else since it was read. Blocking: call from a worker thread."""
        require_writer(self.session, "forwarding a message")
        chosen = next((r for r in recipients(self.session.directory.people) if r.key == to),
                      None)
        if chosen is None:
            raise ForwardRefused(f"Nobody in the staff directory is {to!r}.")
        if not note.strip():
            raise ForwardRefused("Say in a few words why it is forwarded: the note goes "
                                 "with the message.")
        mailed = mailer.configured(self.mail)
        reachable = any(p.email.strip() for p in chosen.people)
        entry = Forward(secrets.token_hex(6), chosen.key, chosen.label,
                        tuple(p.login for p in chosen.people), note.strip(),
                        self.session.user.login, self.clock(),
                        Mail.PENDING.value if mailed and reachable else Mail.OFF.value,
                        problem="" if reachable or not mailed else
                        "not mailed: no e-mail address in the staff directory")

        def update(current: InboxItem | None) -> InboxItem:
            # Expected state in: the forwards the officer saw (a mail going out since
            # changes a forward's mail state, not who has it).
            if current is None or current.state == ItemState.CLOSED.value \
                    or [f.get("id") for f in current.forwards] != \
                    [f.get("id") for f in item.forwards]:
                raise Conflict("changed", current)
            return replace(current, forwards=[*current.forwards, entry.as_record()],
                           state=ItemState.FORWARDED.value)

        try:
            done = self.items.swap(item.id, update, item.site)
        except Conflict as exc:
            current = exc.current if isinstance(exc.current, InboxItem) else None
            raise ForwardRefused(_changed(current), current) from None
        except (StoreError, OSError) as exc:
            raise ForwardRefused(f"The forward could not be recorded ({describe(exc)}), so "
                                 "it was not made.") from None
        self.session.record("inbox.forwarded", incident=done.incident or None,
                            subject=done.id, details={"to": chosen.key, "forward": entry.id,
                                                      "mail": entry.mail})
        return done, entry

    def deliver(self, item: InboxItem, forward_id: str) -> Forward:
        """Mail one pending forward of `item`; the forward as it ends (sent, or pending
        with the reason). Raises ForwardRefused if it is not pending (another console
        has it, or it went). Blocking: call from a worker thread."""
        owner = new_owner()
        try:
            claimed = self._set_mail(item, forward_id, owner, claim=True)
            current = self.items.get(item.id, item.site) or item
            try:
                refused = mailer.send(self.mail, self._letter(current, claimed),
                                      self._password_for())
            except mailer.MailError as exc:
                result = self._set_mail(item, forward_id, owner, problem=str(exc))
                self.session.record("inbox.forward_not_mailed", incident=item.incident or None,
                                    subject=item.id, details={"forward": forward_id,
                                                             "reason": str(exc)})
                return result
            # Taken for some: sent, never again (they would get it twice); the rest named.
            result = self._set_mail(item, forward_id, owner, sent_but=(
                f"the relay refused {', '.join(refused)}" if refused else ""))
            self.session.record("inbox.forward_mailed", incident=item.incident or None,
                                subject=item.id, details={"forward": forward_id,
                                                         "to": claimed.to})
            return result
        finally:
            release(owner)

    def deliver_pending(self, items: list[InboxItem]) -> list[Forward]:
        """Try every pending mail of `items` once (the console's poller does this each
        round); what each ended as."""
        out = []
        for item in items:
            for entry in mail_pending(item):
                try:
                    out.append(self.deliver(item, entry.id))
                except ForwardRefused:
                    continue  # another console has it
        return out

    def _password_for(self) -> Secret | None:
        if not self.mail.username:
            return None
        try:
            return self._password()
        except mailer.MailError:
            raise
        except Exception as exc:  # the vault's: locked, unavailable, too slow to answer
            raise mailer.MailError(f"the mail relay's password could not be read from the "
                                   f"vault ({printable(str(exc), single_line=True)[:120]})"
                                   ) from None

    def _set_mail(self, item: InboxItem, forward_id: str, owner: str, *, claim: bool = False,
                  problem: str | None = None, sent_but: str = "") -> Forward:
        """pending -> sending (claim), or sending (ours) -> sent / pending with a problem."""
        found: list[Forward] = []

        def update(current: InboxItem | None) -> InboxItem:
            if current is None:
                raise Conflict("gone", current)
            records = []
            for data in current.forwards:
                entry = Forward.of(data)
                if entry.id == forward_id:
                    if claim:
                        if entry not in mail_pending(current):
                            raise Conflict("not pending", current)
                        entry = replace(entry, mail=Mail.SENDING.value, mail_owner=owner)
                    else:
                        if entry.mail_owner != owner:
                            raise Conflict("not ours", current)
                        entry = replace(entry, mail_owner="",
                                        problem=problem if problem is not None else sent_but,
                                        mail=Mail.PENDING.value if problem is not None
                                        else Mail.SENT.value)
                    found.append(entry)
                records.append(entry.as_record())
            if not found:
                raise Conflict("no such forward", current)
            return replace(current, forwards=records)

        try:
            self.items.swap(item.id, update, item.site)
        except Conflict as exc:
            current = exc.current if isinstance(exc.current, InboxItem) else None
            raise ForwardRefused("That forward is being mailed by another console, or "
                                 "went already.", current) from None
        return found[-1]

    def _letter(self, item: InboxItem, entry: Forward) -> mailer.Letter:
        people = self.session.directory.people
        to = mailer.addresses([(people[login].name, people[login].email)
                               for login in entry.logins if login in people])
        by = people.get(entry.by)
        sender = by.name if by else entry.by
        about = f" about incident {item.incident}" if item.incident else ""
        subject = f"Message from the public for you{about}: {item.kind} on {item.site}"
        body = printable("\n".join([
            f"{sender} forwarded this message from the public to you "
            f"({entry.to_label}) with the note:",
            "",
            entry.note,
            "",
            f"From: {item.author_name} ({item.author}) on {item.site}, "
            f"{fmt_datetime(item.sent_at, entry.at)}",
            f"Open it on the network: {item.url}" if item.url else "",
            "",
            "The message itself is attached, exactly as it was sent.",
            "Do not reply to this mail to answer the member of the public.",
        ]))
        attachment = "\n".join([
            f"Site: {item.site} ({item.platform})", f"Kind: {item.kind}",
            f"From: {item.author_name} ({item.author})", f"Sent: {item.sent_at.isoformat()}",
            f"Address: {item.url}", f"Needs action: {', '.join(item.reasons) or 'no'}", "",
            printable(item.text)])
        return mailer.Letter(to, subject, body, "message-from-the-public.txt", attachment,
                             f"<forward.{entry.id}@oncall.invalid>")


def _changed(current: InboxItem | None) -> str:
    if current is None:
        return "That message is no longer in the inbox."
    if current.state == ItemState.CLOSED.value:
        return "That message was closed just now: nothing was forwarded."
    latest = forwards(current)
    if latest:
        last = latest[-1]
        return (f"{last.by} forwarded it to {last.to_label} just now: look again before "
                "forwarding it too.")
    return "Someone changed that message just now: look again."


__all__ = ["ROLES", "Forward", "ForwardRefused", "Forwarder", "Mail", "Recipient",
           "forwards", "mail_pending", "recipients", "with_mail_pending"]
