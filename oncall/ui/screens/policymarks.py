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
    override_note,
    record_override,
    still_valid,
    text_hash,
    who_can_override,
)
from oncall.policy import Finding
from oncall.ui.callbacks import then
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
    override_notes: dict[str, str]  # rule -> who gave it and how, shown with the post

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
        session = self.app.session
        roles = frozenset(session.settings.policy.override_roles)
        givers = who_can_override(session, roles)
        on_behalf = not can_override(session.user, roles)
        if on_behalf and not any(session.user.has(r)
                                 for r in session.settings.rights.record_approvals):
            names = ", ".join(p.name for p in givers)
            self.notify(f"Only Corporate Communications can override ({names}).",  # type: ignore[attr-defined]
                        severity="error")
            return

        def reason_for(rule: str | None, given_by: str = "") -> None:
            if rule is None:
                return
            text = self._template_body() if rule.startswith("template.") else \
                self._marked_text()
            if given_by:
                title = "Record an approval given by Corporate Communications"
                ask = (f"{options[rule]}\nHow and when did they approve it, and why? "
                       "(logged as given by them, recorded by you)")
                hint = "e.g. by phone 02:55: appeal authorised, photo consent confirmed"
            else:
                title = "Override a blocking check"
                ask = f"{options[rule]}\nWhy may it go out as it is?"
                hint = "e.g. wording checked by me tonight; review booked"
            self.app.push_screen(ReasonDialog(title, ask, placeholder=hint),
                                 then(lambda reason: self._override(rule, reason, text,
                                                                    given_by)))

        def giver_for(rule: str | None) -> None:
            if rule is None:
                return
            if not givers:
                self.notify("Nobody in the staff directory can give this approval.",  # type: ignore[attr-defined]
                            severity="error")
                return
            self.app.push_screen(ChooseDialog(
                "Who in Corporate Communications approved it?",
                [(p.login, f"{p.name} ({p.title or 'Corporate Communications'})")
                 for p in givers]),
                lambda login: reason_for(rule, login) if login else None)

        # Corporate Communications override themselves; a press officer records the
        # approval they gave by phone, naming them first.
        start = giver_for if on_behalf else reason_for

        if len(options) == 1:
            start(next(iter(options)))
        else:
            self.app.push_screen(ChooseDialog("Override which check?", list(options.items())),
                                 start)

    @work(thread=True, group="policy-marks")
    def _override(self, rule: str, reason: str, text: str, given_by: str = "") -> None:
        try:
            digest = record_override(self.app.session, rule, reason, text,
                                     incident=self.incident.id, subject=self._subject(),
                                     given_by=given_by)
        except OverrideRefused as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")  # type: ignore[attr-defined]
            return
        note = override_note(self.app.session, reason, given_by)
        self.app.call_from_thread(self._overridden, rule, reason, digest, note)

    def _overridden(self, rule: str, reason: str, digest: str, note: str = "") -> None:
        self.overrides[rule] = digest
        self.override_reasons[rule] = reason
        self.override_notes[rule] = note
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

