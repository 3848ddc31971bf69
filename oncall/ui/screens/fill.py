"""Fill a template's fields, see each checked as you type, and the message as it will read."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Select, Static

from oncall.model import Draft, Incident, Template
from oncall.policy import Finding
from oncall.postview import corporate_text_sites
from oncall.sending import Outgoing
from oncall.templates import Filled, approval, fill
from oncall.textsafe import printable
from oncall.timeutil import local, utcnow
from oncall.ui.screens.policymarks import PolicyMarks
from oncall.ui.widgets.findings import FindingsList
from oncall.ui.widgets.safeinput import SafeInput

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp


class FillScreen(PolicyMarks, Screen[None]):
    """One input per field; errors and read-back times under each; preview below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,f2", "save", "Save draft", id="fill.save", key_display="^S/F2"),
        Binding("f6", "compose", "Compose", id="fill.compose",
                tooltip="Save the draft and open it for sending"),
        Binding("ctrl+o,f3", "override", "Override", id="fill.override", key_display="^O/F3",
                tooltip="Override a blocking check (Corporate Communications, with a reason)"),
        Binding("ctrl+g,f4", "acknowledge", "Note warnings", id="fill.acknowledge",
                key_display="^G/F4", tooltip="Acknowledge the warnings shown (logged)"),
        Binding("escape", "back", "Back", id="fill.back"),
        # Priority: focus moves the moment Enter is read, so keys after it in a burst
        # go to the next field, not the one being left.
        Binding("enter", "next_field", "Next field", show=False, priority=True,
                id="fill.next_field"),
    ]

    app: OncallApp

    def __init__(self, incident: Incident, template: Template) -> None:
        super().__init__()
        self.incident = incident
        self.template = template
        self.filled: Filled | None = None
        self.findings: list[Finding] = []
        self.override_reasons: dict[str, str] = {}
        self.override_notes: dict[str, str] = {}
        self._check_sites: list[str] | None = None
        # rule -> hash of the text it was given for: an edit makes the officer look again.
        self.overrides: dict[str, str] = {}
        self.acks: dict[str, str] = {}
        self._then_compose = False
        self.draft_id = f"{incident.id}-{secrets.token_hex(3)}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="fill-approval")
        with VerticalScroll(id="fill-form"):
            for spec in self.template.fields:
                with Horizontal(classes="field-row-tight"):
                    mark = "*" if spec.required else " "
                    yield Label(Text(printable(f"{spec.label}{mark}")), classes="fill-label")
                    if spec.choices:
                        # Choices are often whole agreed sentences: pick, don't type.
                        yield Select([(Text(printable(c)), c) for c in spec.choices],
                                     prompt="choose… (Enter)", compact=True,
                                     id=f"f-{spec.name}", classes="fill-choice")
                    else:
                        yield SafeInput(placeholder=printable(spec.help or spec.kind),
                                    id=f"f-{spec.name}", classes="compact")
                yield Static("", id=f"m-{spec.name}", classes="field-message")
        yield FindingsList("", id="fill-findings", classes="panel")
        yield Static("", id="fill-preview", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = printable(self.template.title)
        self.query_one("#fill-preview").border_title = "Message as it will read"
        self.query_one("#fill-findings").border_title = "Checks against the procedure"
        if self.incident.reference and self.template.field("incident_number"):
            self.query_one("#f-incident_number", Input).value = self.incident.reference
        self.focus_next()
        self.refresh_fill()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_fill()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return isinstance(self.focused, Input)
        return True

    def action_next_field(self) -> None:
        self.focus_next()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refresh_fill()

    def _value(self, name: str) -> str:
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, Select):
            return "" if widget.is_blank() else str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def _values(self) -> dict[str, str]:
        return {spec.name: self._value(spec.name) for spec in self.template.fields}

    def refresh_fill(self) -> None:
        """Re-check every field and re-render; pure computation, fast enough per keystroke."""
        now = utcnow()
        filled = fill(self.template, self._values(), self.app.session.settings.force, now)
        self.filled = filled
        for spec in self.template.fields:
            result = filled.results[spec.name]
            message = self.query_one(f"#m-{spec.name}", Static)
            typed = bool(self._value(spec.name).strip())
            text = Text()
            if result.error and typed:
                text.append(f"✗ {printable(result.error)}", style="bold")
            elif result.echo:
                text.append(f"✓ {printable(result.echo)}")
            if result.warning:
                text.append(f"\n! {printable(result.warning)}", style="bold")
            message.update(text)
            message.display = bool(text.plain)
        state = approval(self.template, local(now).date())
        line = Text()
        if state.needs_override and not self.override_reason:
            line.append("✗ " + state.message, style="bold")
        elif state.needs_override:
            line.append(f"! Overridden: {printable(self.override_reason)}", style="bold")
        else:
            line.append(("! " if state.state == "review_soon" else "✓ ") + state.message)
        missing = len(filled.errors)
        line.append(f"\n{missing} field(s) to complete" if missing else "\nAll fields complete",
                    style="bold" if missing else "")
        self.query_one("#fill-approval", Static).update(line)
        preview = Text(printable(filled.body))
        if self.template.short:
            preview.append("\n\nShort version (X, Bluesky):\n", style="bold")
            preview.append(printable(filled.short))
        self.query_one("#fill-preview", Static).update(preview)
        self.check_policy(filled)

    @work(thread=True, exclusive=True, group="fill-findings")
    def check_policy(self, filled: Filled) -> None:
        """Check the body on the corporate Facebook-style sites and the short text on X and
        Bluesky, off the event loop; the compose screen checks the officer's real choice."""
        if self._check_sites is None:  # read once, not on every keystroke
            self._check_sites = corporate_text_sites(self.app.session)
        # The send path's own judgement, on the sites a first post usually goes to.
        judged = self.app.send_path().judge(Outgoing(
            self.incident.id, filled.body, tuple(self._check_sites), short=filled.short,
            template=self.template.id))
        findings = [f for f in judged.findings if not f.rule.startswith("template.")]
        self.app.call_from_thread(self._findings_ready, findings)

    def _findings_ready(self, findings: list[Finding]) -> None:
        self.findings = findings
        self._show_findings()

    def _show_findings(self) -> None:
        self.query_one(FindingsList).show(self.findings,
                                          overridden=self._current(self.overrides),
                                          acknowledged=self._current(self.acks))

    def action_save(self) -> None:
        if self.filled is None:
            return
        if not self.filled.ok:
            first = next(iter(self.filled.errors.values()))
            self.notify(f"Not saved: {first}", severity="error")
            return
        state = approval(self.template, local(utcnow()).date())
        if state.needs_override and not self.override_reason:
            self.notify("Not saved: this template needs a Corporate Communications override "
                        "(Ctrl+O / F3).", severity="error")
            return
        self._save(self.filled, self._values())

    def action_compose(self) -> None:
        self._then_compose = True
        self.action_save()

    @work(thread=True, exclusive=True, group="fill-save")
    def _save(self, filled: Filled, values: dict[str, str]) -> None:
        now = utcnow()
        draft = Draft(id=self.draft_id, incident=self.incident.id,
                      created_by=self.app.session.user.login, created_at=now, updated_at=now,
                      template=self.template.id, values=values,
                      body=filled.body, short=filled.short,
                      override_reason=self.override_reason, overrides=dict(self.overrides),
                      acknowledged=dict(self.acks), override_notes=dict(self.override_notes))
        draft = self.app.incidents.save_draft(draft)  # as stored: compose edits from it
        self.app.session.record("template.filled", incident=self.incident.id,
                                subject=self.template.title,
                                details={"template": self.template.id, "draft": draft.id})
        self.app.call_from_thread(self._saved, draft)

    def _saved(self, draft: Draft) -> None:
        self.notify(f"Draft saved ({draft.id}).")
        if self._then_compose:
            from oncall.ui.screens.compose import ComposeScreen

            self._then_compose = False
            self.app.switch_screen(ComposeScreen(self.incident, draft))

    # --- PolicyMarks hooks ---------------------------------------------------------------

    def _marked_text(self) -> str:
        filled = self.filled
        return f"{filled.body}\n\n{filled.short}" if filled else ""

    def _template_body(self) -> str:
        return self.template.body

    def _subject(self) -> str | None:
        return self.template.id

    def _extra_blocks(self) -> list[tuple[str, str]]:
        state = approval(self.template, local(utcnow()).date())
        if state.needs_override:
            return [(f"template.{state.state}", f"template: {state.message}")]
        return []

    def _marks_changed(self) -> None:
        self.refresh_fill()

    @property
    def override_reason(self) -> str:
        """The reason given for using this template despite its approval state, if any."""
        standing = self._current(self.overrides)
        return next((self.override_reasons[r] for r in standing
                     if r.startswith("template.") and r in self.override_reasons), "")

    def action_back(self) -> None:
        self.app.pop_screen()

