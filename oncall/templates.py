"""Fill a template's blanks, checking each by its kind, and say whether it may be used.

An officer types field values; each is checked (a time is read and echoed back,
a URL must be a web address, a choice one of its options) and the message is
rendered per variant. Approval is checked against today's date: an unapproved
or out-of-review template needs a Corporate Communications override.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from oncall.config import ForceSettings
from oncall.model import FieldKind, Template, TemplateField
from oncall.playbooks import BUILTINS, placeholders
from oncall.textsafe import printable
from oncall.timeutil import local

# A template whose review date is this close is flagged, so it is renewed before it lapses.
REVIEW_SOON = timedelta(days=14)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FieldResult:
    """One checked field: the text that goes into the message, or why it can't."""

    value: str = ""
    error: str | None = None
    echo: str | None = None
    warning: str | None = None
    moment: datetime | None = None


@dataclass(frozen=True)
class Approval:
    """Whether a template may be used today without an override."""

    state: str  # approved | review_soon | out_of_review | unapproved
    message: str

    @property
    def needs_override(self) -> bool:
        return self.state in ("out_of_review", "unapproved")


@dataclass
class Filled:
    """A template with its checked values and the rendered message."""

    template: Template
    results: dict[str, FieldResult] = field(default_factory=dict)
    body: str = ""
    short: str = ""

    @property
    def errors(self) -> dict[str, str]:
        return {name: r.error for name, r in self.results.items() if r.error}

    @property
    def ok(self) -> bool:
        return not self.errors


def public_time(moment: datetime) -> str:
    """A time as a post should say it: '21:00 on Wednesday 25 November'."""
    here = local(moment)
    return f"{here:%H:%M} on {here:%A} {here.day} {here:%B}"


def check_field(spec: TemplateField, raw: str, now: datetime) -> FieldResult:
    """Check one typed value against its field's kind; never raises for bad input."""
    text = _CONTROL.sub("", raw).strip()
    if not text:
        return FieldResult(error=f"{spec.label} is required") if spec.required else FieldResult()
    if spec.max_length and len(text) > spec.max_length:
        return FieldResult(error=f"{spec.label} is too long ({len(text)} > {spec.max_length})")
    if "{" in text or "}" in text:
        return FieldResult(error=f"{spec.label} cannot contain {{ or }}")
    kind = spec.kind
    if kind == FieldKind.TIME:
        from oncall.timeparse import TimeParseError, parse_when

        try:
            parsed = parse_when(text, now, spec.direction)  # type: ignore[arg-type]
        except TimeParseError as exc:
            return FieldResult(error=str(exc))
        return FieldResult(public_time(parsed.utc), echo=parsed.echo, warning=parsed.warning,
                           moment=parsed.utc)
    if kind == FieldKind.URL:
        candidate = text if "://" in text else f"https://{text}"
        try:
            parts = urlsplit(candidate)
        except ValueError:  # e.g. an unclosed "[" reads as a broken IPv6 address
            parts = urlsplit("")
        # "@" in the address part: an email ("press@force.uk" became https://press@force.uk)
        # or a link that hides its real host behind user:password@.
        if (parts.scheme not in ("http", "https") or "." not in (parts.hostname or "")
                or "@" in parts.netloc or " " in text):
            return FieldResult(error=f"{spec.label}: {printable(text)!r} is not a web address")
        return FieldResult(candidate, echo=candidate if candidate != text else None)
    if kind == FieldKind.CHOICE:
        for choice in spec.choices:
            if choice.lower() == text.lower():
                return FieldResult(choice)
        return FieldResult(error=f"{spec.label} must be one of: {', '.join(spec.choices)}")
    if kind == FieldKind.LOCATION and len(text) < 3:
        return FieldResult(error=f"{spec.label}: give a place a reader would recognise")
    return FieldResult(text)


def builtins(force: ForceSettings) -> dict[str, str]:
    """Values of the placeholders every template may use."""
    return {"force_name": force.name, "force_website": force.website,
            "force_phone": force.phone, "disclaimer": force.disclaimer}


def render(text: str, values: dict[str, str]) -> str:
    """Substitute `{name}` placeholders; `{{`/`}}` become literal braces."""
    out, last = [], 0
    for name, offset in placeholders(text):
        out.append(text[last:offset].replace("{{", "{").replace("}}", "}"))
        out.append(values.get(name, ""))
        last = text.index("}", offset) + 1  # "{ name }" may have spaces inside
    out.append(text[last:].replace("{{", "{").replace("}}", "}"))
    return "".join(out)


def fill(template: Template, raw: dict[str, str], force: ForceSettings,
         now: datetime) -> Filled:
    """Check every field and render both variants (the short one falls back to the body)."""
    filled = Filled(template)
    values = builtins(force)
    for spec in template.fields:
        result = check_field(spec, raw.get(spec.name, ""), now)
        filled.results[spec.name] = result
        # A blank still to fill shows as ‹Label› so the preview reads as a sentence.
        values[spec.name] = f"‹{spec.label}›" if result.error else result.value
    filled.body = render(template.body, values)
    filled.short = render(template.short, values) if template.short else filled.body
    return filled


def approval(template: Template, today: date) -> Approval:
    """Whether `template` is approved and within its review date on `today`."""
    if not template.approved_by or template.approved_on is None:
        return Approval("unapproved", "NOT APPROVED: needs Corporate Communications approval "
                        "or an override with a reason")
    who = f"approved by {template.approved_by} on {template.approved_on:%d %b %Y}"
    if template.review_by is None:
        return Approval("approved", f"{who}; no review date")
    if today > template.review_by:
        return Approval("out_of_review", f"OUT OF REVIEW since {template.review_by:%d %b %Y} "
                        f"({who}): needs a Corporate Communications override")
    if template.review_by - today <= REVIEW_SOON:
        return Approval("review_soon", f"{who}; review due {template.review_by:%d %b %Y}")
    return Approval("approved", f"{who}; review by {template.review_by:%d %b %Y}")


__all__ = ["BUILTINS", "Approval", "FieldResult", "Filled", "approval", "check_field", "fill",
           "public_time", "render"]
