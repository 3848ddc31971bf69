"""Correct an incident's title, place or reference; the change is logged."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from oncall.model import Incident
from oncall.ui.callbacks import after_queued
from oncall.ui.widgets.safeinput import SafeInput

FIELDS = (("title", "Title"), ("location", "Where"), ("reference", "Reference"))


class EditIncidentDialog(ModalScreen[dict[str, str] | None]):
    """Returns only the fields that changed, or None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("escape", "cancel", "Cancel", id="edit_incident.cancel", priority=True),
        Binding("enter", "submit", "Confirm", id="edit_incident.submit", priority=True, show=False),
    ]

    def __init__(self, incident: Incident) -> None:
        super().__init__()
        self.incident = incident

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Edit incident"
            for name, label in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(f"{label}:", classes="field-label")
                    yield SafeInput(getattr(self.incident, name), id=f"ei-{name}",
                                classes="compact")
            yield Static("Enter: save · Tab: next field · Esc: cancel", id="ei-hint",
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#ei-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        values = {name: self.query_one(f"#ei-{name}", Input).value.strip()
                  for name, _ in FIELDS}
        if not values["title"]:
            self.query_one("#ei-hint", Static).update(
                Text("The incident needs a title.", style="bold"))
            return
        self.dismiss({k: v for k, v in values.items() if v != getattr(self.incident, k)})

    def action_submit(self) -> None:
        """Enter, from any field: as submitting the focused field would, once the fields
        have taken the keys typed before it."""
        field = self.focused if isinstance(self.focused, Input) else self.query_one(Input)
        after_queued(list(self.query(Input)),
                     lambda: self.on_input_submitted(Input.Submitted(field, field.value)))

    def action_cancel(self) -> None:
        self.dismiss(None)
