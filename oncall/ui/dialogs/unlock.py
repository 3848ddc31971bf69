"""Unlock the encrypted credential file with its passphrase, typed into a hidden field."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from oncall.secret import Secret
from oncall.ui.callbacks import after_queued


class UnlockDialog(ModalScreen[Secret | None]):
    """Returns the passphrase as a Secret (never as plain text), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("escape", "cancel", "Cancel", id="unlock.cancel", priority=True),
        Binding("enter", "submit", "Confirm", id="unlock.submit", priority=True, show=False),
    ]

    def __init__(self, message: str = "") -> None:
        super().__init__()
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Unlock the credential vault"
            yield Static(Text(self._message or "The site passwords are kept in an encrypted "
                              "file on this host. Type its passphrase (it is not shown)."))
            yield Input(password=True, id="unlock-input", classes="compact")
            yield Static("Enter: unlock · Esc: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value
        event.input.value = ""  # do not leave the passphrase in the widget
        if value:
            self.dismiss(Secret(value))

    def action_submit(self) -> None:
        """Enter, from any field: as submitting the focused field would, once the fields
        have taken the keys typed before it."""
        field = self.focused if isinstance(self.focused, Input) else self.query_one(Input)
        after_queued(list(self.query(Input)),
                     lambda: self.on_input_submitted(Input.Submitted(field, field.value)))

    def action_cancel(self) -> None:
        self.dismiss(None)
