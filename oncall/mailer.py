"""Mail through the force's SMTP relay (stdlib smtplib): a forwarded message from the
public, with the officer's note, to the member of staff it is for. No UI here.

The connection is encrypted before anything is said (STARTTLS, the certificate checked)
unless the force's config says the relay cannot do it; a relay that offers no STARTTLS
is refused rather than sent to in clear. Every failure is a MailError with one line
for the officer, never the password.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from oncall.config import MailSettings
from oncall.secret import Secret
from oncall.textsafe import printable
from oncall.timeutil import utcnow


class MailError(Exception):
    """The mail was not accepted by the relay; the message says why, in one line."""


@dataclass(frozen=True)
class Letter:
    """What to mail: to whom, the subject, the body, and one text attachment."""

    to: tuple[tuple[str, str], ...]     # (name, address)
    subject: str
    body: str
    attachment_name: str
    attachment: str
    message_id: str                      # stable per forward: a resend is the same mail


def configured(settings: MailSettings) -> bool:
    """Whether a relay is set up at all."""
    return bool(settings.host.strip() and settings.sender.strip())


def build(settings: MailSettings, letter: Letter) -> EmailMessage:
    """The message as it goes. Every header is one printable line: text from outside (a
    name, a site) can never add a header."""
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = ", ".join(formataddr((printable(n, single_line=True), a))
                           for n, a in letter.to)
    mail["Subject"] = printable(letter.subject, single_line=True)[:200]
    mail["Message-ID"] = letter.message_id
    mail["Date"] = format_datetime(utcnow())
    mail.set_content(letter.body)
    mail.add_attachment(letter.attachment.encode("utf-8"), maintype="text",
                        subtype="plain", filename=letter.attachment_name,
                        params={"charset": "utf-8"})
    return mail


def send(settings: MailSettings, letter: Letter, password: Secret | None) -> list[str]:
    """Hand `letter` to the relay; the addresses it refused while taking the mail for the
    others (sent: not to be sent again). Raises MailError when nobody got it. Blocking:
    call from a worker thread."""
    if not configured(settings):
        raise MailError("no mail relay is configured ([mail] host and sender in config)")
    message = build(settings, letter)
    label = f"the mail relay {settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port,
                          timeout=settings.timeout_seconds) as smtp:
            smtp.ehlo()
            if settings.starttls:
                if not smtp.has_extn("starttls"):
                    raise MailError(f"{label} does not offer STARTTLS, so nothing was sent "
                                    "(set [mail] starttls = false only for a relay on this "
                                    "host)")
                context = ssl.create_default_context(cafile=settings.cafile or None)
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                if password is None:
                    raise MailError(f"no password for {label} in the vault (`oncall vault "
                                    "mail-password`)")
                smtp.login(settings.username, password.reveal())
            refused = smtp.send_message(message)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"{label} refused the login ({exc.smtp_code}); ask Web "
                        "Communications to check its password") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"{label} refused every recipient: "
                        f"{', '.join(map(str, exc.recipients))}") from None
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        raise MailError(f"{label} answered {exc.smtp_code}: "
                        f"{printable(said, single_line=True)[:160]}") from None
    except ssl.SSLError as exc:
        raise MailError(f"{label}: the encrypted connection failed "
                        f"({exc.reason or type(exc).__name__})") from None
    except TimeoutError:
        raise MailError(f"{label} did not answer in {settings.timeout_seconds} s") from None
    except (smtplib.SMTPException, OSError) as exc:
        said = printable(str(exc) or type(exc).__name__, single_line=True)[:160]
        raise MailError(f"{label}: {said}") from None
    except (UnicodeError, ValueError):
        # smtplib sends the login in ASCII: never let its error (or the crash report's
        # view of its variables) show the password.
        raise MailError(f"{label}: the login or an address holds characters the relay "
                        "cannot take; ask Web Communications to check [mail] and the "
                        "relay's password") from None
    return sorted(refused)


def addresses(people: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Those of (name, address) that have an address."""
    return tuple((n, a) for n, a in people if a.strip())


__all__ = ["Letter", "MailError", "addresses", "build", "configured", "send"]
