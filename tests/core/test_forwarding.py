"""Forwarding a message from the public to staff, no screen: recorded once on the message
(two officers at once: the second is told), shown to the recipient, and mailed through a
real local SMTP server (aiosmtpd) over STARTTLS with a login, the message attached; a
relay that is down or refuses keeps the mail pending, saying why (issue 13)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from oncall.config import MailSettings
from oncall.forwarding import (
    Forwarder,
    ForwardRefused,
    forwards,
    mail_pending,
    with_mail_pending,
)
from oncall.inboxrecords import InboxItem, InboxRepository, forwarded_to
from oncall.secret import Secret
from oncall.session import Session, open_session

T0 = dt.datetime(2026, 12, 4, 19, 10, tzinfo=dt.UTC)
PASSWORD = "relay-pw-SENTINEL-41"
HOSTILE = "[b]dashcam[/b] \x1b[2J footage\r\nBcc: everyone@example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: the relay's, and the CA file to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oncall test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("relay")
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Inbox:
    """What the relay accepted, and over what."""

    mails: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.encrypted.append(session.ssl is not None)
        self.mails.append(email.message_from_bytes(  # type: ignore[arg-type]
            envelope.original_content, policy=email.policy.default))
        return "250 OK"


def login_check(server: Any, session: Any, envelope: Any, mechanism: str,
                data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"press" \
        and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@dataclass
class Relay:
    port: int
    inbox: Inbox
    cafile: Path
    controller: Controller | None = None

    def settings(self, **changes: Any) -> MailSettings:
        return MailSettings(**{"host": "127.0.0.1", "port": self.port,
                               "sender": "press-office@merciavale.police.example",
                               "username": "press", "cafile": str(self.cafile),
                               "timeout_seconds": 5, **changes})

    def start(self, *, tls: bool = True) -> None:
        cert_file, key_file = self.cafile, self.cafile.with_suffix(".key")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        extra: dict[str, Any] = {"tls_context": context, "require_starttls": True} \
            if tls else {"auth_require_tls": False}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                     authenticator=login_check, auth_required=True, **extra)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def relay(certificate: tuple[Path, Path]) -> Iterator[Relay]:
    box = Relay(free_port(), Inbox(), certificate[0])
    box.start()
    yield box
    box.stop()


@pytest.fixture
def message(demo_session: Session) -> InboxItem:
    item = InboxItem(id="corp-x:181", site="corp-x", platform="x", remote_id="181",
                     kind="reply", author="@w1tness", author_name="Bcc: x\r\n[red]Wit[/red]",
                     text=HOSTILE, sent_at=T0, fetched_at=T0, needs_action=True,
                     reasons=["information offered"], url="https://x.com/w1tness/status/181")
    InboxRepository(demo_session.store).put_many([item])
    return item


def forwarder(session: Session, relay: Relay | None = None, password: Any = None,
              **mail: Any) -> Forwarder:
    return Forwarder(session, clock=lambda: T0,
                     password=password or (lambda: Secret(PASSWORD)),
                     mail=relay.settings(**mail) if relay else MailSettings())


def test_a_forward_to_a_role_is_recorded_and_mailed_with_the_message_attached(
        demo_session: Session, relay: Relay, message: InboxItem) -> None:
    sender = forwarder(demo_session, relay)
    item, entry = sender.forward(message, "role:investigating_officer",
                                 "Witness with dashcam footage of the A34 collision")
    assert item.state == "forwarded" and entry.logins == ("hmarsh",)
    assert entry.mail == "pending" and forwarded_to(item, "hmarsh")
    done = sender.deliver(item, entry.id)
    assert done.mail == "sent" and done.problem == ""
    (mail,) = relay.inbox.mails
    assert relay.inbox.encrypted == [True]  # STARTTLS before the login and the message
    assert relay.inbox.envelopes[0].rcpt_tos == ["helen.marsh@merciavale.police.example"]
    assert "\n" not in str(mail["Subject"]) and mail["Bcc"] is None
    assert "Witness with dashcam footage" in mail.get_body().get_content()  # type: ignore[union-attr]
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == "message-from-the-public.txt"
    text = attached.get_content()
    assert "[b]dashcam[/b]" in text and "\x1b" not in text
    kept = InboxRepository(demo_session.store).get(item.id, item.site)
    assert kept is not None and forwards(kept)[0].mail == "sent"
    actions = [e.action for e in demo_session.log.entries() if e.subject == item.id]
    assert actions == ["inbox.forwarded", "inbox.forward_mailed"]
    home = demo_session.paths.home
    assert not any(PASSWORD in p.read_text(errors="replace")
                   for p in home.rglob("*") if p.is_file())


def test_a_relay_that_is_down_keeps_the_mail_pending_then_sends_it_once(
        demo_session: Session, relay: Relay, message: InboxItem) -> None:
    relay.stop()
    sender = forwarder(demo_session, relay)
    item, entry = sender.forward(message, "person:treid", "The family asked to be told")
    failed = sender.deliver(item, entry.id)
    assert failed.mail == "pending" and "mail relay 127.0.0.1" in failed.problem
    (kept,) = with_mail_pending(demo_session)  # what the poller retries
    assert [f.id for f in mail_pending(kept)] == [entry.id]
    relay.start()
    again = sender.deliver_pending([kept])
    assert [f.mail for f in again] == ["sent"] and len(relay.inbox.mails) == 1
    assert with_mail_pending(demo_session) == []
    assert sender.deliver_pending([InboxRepository(demo_session.store).get(
        item.id, item.site)]) == []  # type: ignore[list-item]
    with pytest.raises(ForwardRefused):
        sender.deliver(item, entry.id)
    assert len(relay.inbox.mails) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_relay_without_starttls_or_with_a_wrong_password_is_not_used(
        demo_session: Session, relay: Relay, message: InboxItem) -> None:
    relay.stop()
    relay.start(tls=False)
    sender = forwarder(demo_session, relay)
    item, entry = sender.forward(message, "person:hmarsh", "Dashcam")
    plain = sender.deliver(item, entry.id)
    assert plain.mail == "pending" and "STARTTLS" in plain.problem
    relay.stop()
    relay.start()
    refused = forwarder(demo_session, relay, lambda: Secret("nope")).deliver(item, entry.id)
    assert refused.mail == "pending" and "refused the login" in refused.problem
    assert "nope" not in refused.problem and relay.inbox.mails == []


def test_two_officers_forwarding_at_once_are_told_of_each_other(
        demo_session: Session, message: InboxItem) -> None:
    other = open_session(demo_session.paths.home, "dpritchard")
    forwarder(demo_session).forward(message, "person:hmarsh", "Dashcam")
    with pytest.raises(ForwardRefused, match="sokafor forwarded it to Helen Marsh"):
        forwarder(other).forward(message, "role:investigating_officer", "Dashcam too")
    kept = InboxRepository(demo_session.store).get(message.id, message.site)
    assert kept is not None and len(kept.forwards) == 1


def test_without_a_relay_the_forward_is_recorded_for_the_recipient_not_mailed(
        demo_session: Session, message: InboxItem) -> None:
    item, entry = forwarder(demo_session).forward(message, "role:family_liaison_lead",
                                                  "For the family")
    assert entry.mail == "off" and mail_pending(item) == []
    assert forwarded_to(item, "treid") and not forwarded_to(item, "hmarsh")


def test_nothing_is_recorded_for_a_closed_message_an_empty_note_or_nobody(
        demo_session: Session, message: InboxItem) -> None:
    from oncall.inbox import Inbox

    sender = forwarder(demo_session)
    with pytest.raises(ForwardRefused, match="why"):
        sender.forward(message, "person:hmarsh", "  ")
    with pytest.raises(ForwardRefused, match="directory"):
        sender.forward(message, "person:nobody", "x")
    closed = Inbox(demo_session).close(message)
    with pytest.raises(ForwardRefused, match="closed"):
        sender.forward(closed, "person:hmarsh", "x")
    kept = InboxRepository(demo_session.store).get(message.id, message.site)
    assert kept is not None and kept.forwards == []


def test_a_locked_vault_or_an_odd_password_keeps_the_mail_pending_saying_why(
        demo_session: Session, relay: Relay, message: InboxItem) -> None:
    class Locked(Exception):
        pass

    def locked() -> Secret:
        raise Locked("the vault is locked: unlock it with its passphrase first")

    sender = forwarder(demo_session, relay, locked)
    item, entry = sender.forward(message, "person:hmarsh", "Dashcam")
    done = sender.deliver(item, entry.id)
    assert done.mail == "pending" and "vault is locked" in done.problem
    again = forwarder(demo_session, relay, lambda: Secret("pw£-SECRET")).deliver(item,
                                                                                 entry.id)
    assert again.mail == "pending" and "characters the relay cannot take" in again.problem
    assert "SECRET" not in again.problem and relay.inbox.mails == []


def test_a_mail_taken_for_some_recipients_is_sent_not_sent_again(
        demo_session: Session, relay: Relay) -> None:
    from oncall.mailer import Letter, send

    relay.inbox.refuse = {"gone@force.example"}
    letter = Letter((("Helen", "helen.marsh@merciavale.police.example"),
                     ("Gone", "gone@force.example")), "s", "b", "m.txt", "m", "<x@oncall>")
    refused = send(relay.settings(), letter, Secret(PASSWORD))
    assert refused == ["gone@force.example"] and len(relay.inbox.mails) == 1


def test_a_colleagues_mail_going_out_does_not_refuse_a_new_forward(
        demo_session: Session, relay: Relay, message: InboxItem) -> None:
    sender = forwarder(demo_session, relay)
    item, entry = sender.forward(message, "person:hmarsh", "Dashcam")
    sender.deliver(item, entry.id)  # the mail state changes; who has it does not
    again, second = sender.forward(item, "person:treid", "And the family")
    assert [f["id"] for f in again.forwards] == [entry.id, second.id]
