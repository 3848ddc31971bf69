"""Overriding a blocking check: who may, and how it is recorded.

The procedure puts Corporate Communications in charge of content and appeals,
so by default only they may override a block (`[policy] override_roles` in
config.toml changes who), and always with a reason that goes into the action
log together with a hash of the exact text overridden.
"""

from __future__ import annotations

import hashlib

from oncall.model import Person, Role
from oncall.session import Session

OVERRIDE_ROLES = frozenset({Role.CORPORATE_COMMS.value})


class OverrideRefused(Exception):
    """The person may not override, or gave no reason."""


def text_hash(text: str) -> str:
    """SHA-256 of the text as it was when the override was given."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def can_override(person: Person, roles: frozenset[str] = OVERRIDE_ROLES) -> bool:
    """True if `person` holds a role allowed to override blocks."""
    return any(person.has(r) for r in roles)


def who_can_override(session: Session, roles: frozenset[str] = OVERRIDE_ROLES) -> list[Person]:
    """The people in the directory who could give an override."""
    return [p for p in session.directory.people.values() if can_override(p, roles)]


def record_override(session: Session, rule: str, reason: str, text: str, *,
                    incident: str | None = None, subject: str | None = None) -> str:
    """Log an override of `rule` for `text`; returns the text hash. Raises OverrideRefused."""
    roles = frozenset(session.settings.policy.override_roles)
    if not can_override(session.user, roles):
        names = ", ".join(p.name for p in who_can_override(session, roles)) or \
            "Corporate Communications"
        raise OverrideRefused(f"only Corporate Communications can override this ({names})")
    if not reason.strip():
        raise OverrideRefused("an override needs a reason")
    digest = text_hash(text)
    session.record("policy.overridden", incident=incident, subject=subject,
                   details={"rule": rule, "reason": reason.strip(), "text_sha256": digest})
    return digest


def still_valid(marks: dict[str, str], text: str, template_body: str = "") -> set[str]:
    """The rules in `marks` (rule -> hash at the time) that still apply: those given for
    exactly this text, and template-approval overrides given for exactly this template's
    wording (they are about the template, not the post)."""
    digest = text_hash(text)
    template_digest = text_hash(template_body) if template_body else ""
    return {rule for rule, h in marks.items()
            if h == digest or (rule.startswith("template.") and template_digest
                               and h == template_digest)}
