"""Pick one item from a short list with the arrow keys and Enter."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from oncall.textsafe import printable
from oncall.ui.callbacks import after_queued
from oncall.ui.safe import shown


class ChooseDialog(ModalScreen[str | None]):
    """Returns the chosen option's id, or None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("escape", "cancel", "Cancel", id="choose.cancel", priority=True),
        Binding("enter", "choose", "Choose", id="choose.choose", priority=True, show=False),
    ]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = shown(self._title, single_line=True)
            yield OptionList(*[Option(Text(printable(label)), id=key)
                               for key, label in self._options], id="choose-list")
            yield Static("↑/↓ then Enter · Esc: cancel", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self) -> None:
        """Enter: the highlighted option, once the arrow keys typed before it have moved
        the highlight."""
        options = self.query_one(OptionList)

        def choose() -> None:
            if options.highlighted is not None:
                self.dismiss(options.get_option_at_index(options.highlighted).id)

        after_queued([options], choose)

    def action_cancel(self) -> None:
        self.dismiss(None)
