"""Ask for a reason (or a short note) before an action that must be justified in the log."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from oncall.ui.callbacks import after_queued
from oncall.ui.safe import shown
from oncall.ui.widgets.safeinput import SafeInput


class ReasonDialog(ModalScreen[str | None]):
    """Returns the typed reason, or None if cancelled. An empty reason is refused when required."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("escape", "cancel", "Cancel", id="reason.cancel", priority=True),
        Binding("enter", "submit", "Confirm", id="reason.submit", priority=True, show=False),
    ]

    def __init__(self, title: str, explanation: str, *, placeholder: str = "",
                 required: bool = True) -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._placeholder = placeholder
        self._required = required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = shown(self._title, single_line=True)
            yield Static(shown(self._explanation))
            yield SafeInput(placeholder=self._placeholder, id="reason-input", classes="compact")
            yield Static("Enter: confirm · Esc: cancel", id="reason-hint", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self._required and not value:
            self.query_one("#reason-hint", Static).update(
                Text("A reason is required: it goes in the action log.", style="bold"))
            return
        self.dismiss(value)

    def action_submit(self) -> None:
        """Enter, from any field: as submitting the focused field would, once the fields
        have taken the keys typed before it."""
        field = self.focused if isinstance(self.focused, Input) else self.query_one(Input)
        after_queued(list(self.query(Input)),
                     lambda: self.on_input_submitted(Input.Submitted(field, field.value)))

    def action_cancel(self) -> None:
        self.dismiss(None)
