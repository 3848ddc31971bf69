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
    """`y` or Enter confirms, `n` or Esc cancels. The body is shown literally."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "confirm", "Yes", id="confirm.yes"),
        Binding("n,escape", "cancel", "No", id="confirm.no"),
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
            yield Static(Text(f"y / Enter: {self._yes}    n / Esc: cancel", style="bold"),
                         classes="hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
