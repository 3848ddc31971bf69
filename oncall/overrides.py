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
                    incident: str | None = None, subject: str | None = None,
                    given_by: str = "") -> str:
    """Log an override of `rule` for `text`; returns the text hash. Raises OverrideRefused.

    With `given_by` (a login), the override was given by that person (who must hold an
    override role) and is recorded by the current user on their behalf, e.g. an
    approval by phone at night; `reason` then says how and when it was given."""
    roles = frozenset(session.settings.policy.override_roles)
    names = ", ".join(p.name for p in who_can_override(session, roles)) or \
        "Corporate Communications"
    details: dict[str, object] = {"rule": rule}
    if given_by:
        giver = session.directory.people.get(given_by)
        if giver is None or not can_override(giver, roles):
            raise OverrideRefused(f"{given_by} cannot give this override: only {names} can")
        if not (can_override(session.user, roles) or
                any(session.user.has(r) for r in session.settings.rights.record_approvals)):
            raise OverrideRefused("only a press officer can record an approval given by "
                                  "Corporate Communications")
        details["given_by"] = given_by
    elif not can_override(session.user, roles):
        raise OverrideRefused(f"only Corporate Communications can override this ({names}); "
                              "a press officer can record an approval they gave by phone")
    if not reason.strip():
        raise OverrideRefused("an override needs a reason")
    digest = text_hash(text)
    details.update(reason=reason.strip(), text_sha256=digest)
    session.record("policy.overridden", incident=incident, subject=subject, details=details)
    return digest


def override_note(session: Session, reason: str, given_by: str = "") -> str:
    """How an override is shown with its post: who gave it, how, and who recorded it."""
    people = session.directory.people
    me = session.user.name
    if not given_by:
        return f"overridden by {me}: {reason.strip()}"
    giver = people[given_by].name if given_by in people else given_by
    return f"approved by {giver} (Corporate Communications), {reason.strip()}; " \
        f"recorded by {me}"


def still_valid(marks: dict[str, str], text: str, template_body: str = "") -> set[str]:
    """The rules in `marks` (rule -> hash at the time) that still apply: those given for
    exactly this text, and template-approval overrides given for exactly this template's
    wording (they are about the template, not the post)."""
    digest = text_hash(text)
    template_digest = text_hash(template_body) if template_body else ""
    return {rule for rule, h in marks.items()
            if h == digest or (rule.startswith("template.") and template_digest
                               and h == template_digest)}
