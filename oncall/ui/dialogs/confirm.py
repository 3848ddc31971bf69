"""Ask once before an action that reaches the public: says exactly what will happen."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from oncall.ui.safe import shown


class ConfirmDialog(ModalScreen[bool]):
    """Only `y` confirms; Esc and Enter cancel. Every use reaches the public or takes
    something down, so a stray Enter (the key a half-asleep officer presses to get past
    a dialog) must never be the one that does it. The body is shown literally."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("y", "confirm", "Yes", id="confirm.yes", priority=True),
        Binding("escape,enter", "cancel", "No", id="confirm.no", priority=True),
    ]

    def __init__(self, title: str, body: str, *, yes: str = "Yes") -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = shown(self._title, single_line=True)
            with VerticalScroll(id="confirm-body"):
                yield Static(shown(self._body))
            yield Static(Text(f"y: {self._yes}    Esc / Enter: cancel", style="bold"),
                         classes="hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
