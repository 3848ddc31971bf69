"""Overriding blocks and acknowledging warnings, shared by the fill and compose screens.

Both are tied to the text as it was when given (an edit asks again); an override of
a template's approval is tied to the template's wording instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from oncall.overrides import (
    OverrideRefused,
    can_override,
    record_override,
    still_valid,
    text_hash,
    who_can_override,
)
from oncall.policy import Finding
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.reason import ReasonDialog

if TYPE_CHECKING:
    from oncall.model import Incident
    from oncall.ui.app import OncallApp


class PolicyMarks:
    """Mixin for a Screen showing findings. The screen provides `_marked_text` (what the
    marks are tied to) and `_marks_changed` (re-render); it may add `_template_body`
    and `_extra_blocks` (blocks that are not findings, e.g. a template's approval)."""

    app: OncallApp
    incident: Incident
    findings: list[Finding]
    overrides: dict[str, str]  # rule -> hash of what it was given for
    acks: dict[str, str]
    override_reasons: dict[str, str]

    def _marked_text(self) -> str:
        raise NotImplementedError

    def _marks_changed(self) -> None:
        raise NotImplementedError

    def _template_body(self) -> str:
        return ""

    def _extra_blocks(self) -> list[tuple[str, str]]:
        return []

    def _subject(self) -> str | None:
        return None

    def _current(self, marks: dict[str, str]) -> set[str]:
        """Rules whose mark still applies to the text (and template) as they are now."""
        return still_valid(marks, self._marked_text(), self._template_body())

    def action_override(self) -> None:
        standing = self._current(self.overrides)
        options = dict(self._extra_blocks())
        for f in self.findings:
            if f.severity == "block" and f.overridable and f.rule not in standing:
                options.setdefault(f.rule, f"{f.rule}: {f.message}")
        options = {rule: label for rule, label in options.items() if rule not in standing}
        if not options:
            self.notify("Nothing here needs an override.")  # type: ignore[attr-defined]
            return
        roles = frozenset(self.app.session.settings.policy.override_roles)
        if not can_override(self.app.session.user, roles):
            names = ", ".join(p.name for p in who_can_override(self.app.session, roles))
            self.notify(f"Only Corporate Communications can override ({names}).",  # type: ignore[attr-defined]
                        severity="error")
            return

        def reason_for(rule: str | None) -> None:
            if rule is None:
                return
            text = self._template_body() if rule.startswith("template.") else \
                self._marked_text()
            self.app.push_screen(ReasonDialog(
                "Override a blocking check", f"{options[rule]}\nWhy may it go out as it is?",
                placeholder="e.g. wording checked by me tonight; review booked"),
                lambda reason: self._override(rule, reason, text) if reason else None)

        if len(options) == 1:
            reason_for(next(iter(options)))
        else:
            self.app.push_screen(ChooseDialog("Override which check?", list(options.items())),
                                 reason_for)

    @work(thread=True, group="policy-marks")
    def _override(self, rule: str, reason: str, text: str) -> None:
        try:
            digest = record_override(self.app.session, rule, reason, text,
                                     incident=self.incident.id, subject=self._subject())
        except OverrideRefused as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")  # type: ignore[attr-defined]
            return
        self.app.call_from_thread(self._overridden, rule, reason, digest)

    def _overridden(self, rule: str, reason: str, digest: str) -> None:
        self.overrides[rule] = digest
        self.override_reasons[rule] = reason
        self._marks_changed()

    def action_acknowledge(self) -> None:
        pending = sorted({f.rule for f in self.findings if f.severity == "warn"}
                         - self._current(self.acks))
        if not pending:
            self.notify("No warnings to acknowledge.")  # type: ignore[attr-defined]
            return
        self._acknowledge(pending, text_hash(self._marked_text()))

    @work(thread=True, group="policy-marks")
    def _acknowledge(self, rules: list[str], digest: str) -> None:
        self.app.session.record("policy.acknowledged", incident=self.incident.id,
                                subject=self._subject(),
                                details={"rules": rules, "text_sha256": digest})
        self.app.call_from_thread(self._acknowledged, rules, digest)

    def _acknowledged(self, rules: list[str], digest: str) -> None:
        for rule in rules:
            self.acks[rule] = digest
        self.notify(f"Acknowledged: {', '.join(rules)}")  # type: ignore[attr-defined]
        self._marks_changed()
