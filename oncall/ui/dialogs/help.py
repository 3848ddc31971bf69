"""F1 / ? help: every key of the current screen and the app, generated from the bindings."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

_KEY_NAMES = {"question_mark": "?", "exclamation_mark": "!", "escape": "Esc",
              "space": "Space", "enter": "Enter", "ctrl+p": "Ctrl+P", "f1": "F1", "tab": "Tab",
              "shift+tab": "Shift+Tab"}


def _one_key(key: str) -> str:
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("f") and key[1:].isdigit():
        return key.upper()
    if key.startswith("ctrl+"):
        return "Ctrl+" + _one_key(key[5:]).upper()
    return key


def key_label(key: str) -> str:
    """A binding's key as printed on a keyboard: 'Ctrl+S, F5'."""
    return ", ".join(_one_key(k) for k in key.split(","))


class HelpDialog(ModalScreen[None]):
    """Lists the keys of the screen underneath and of the whole app."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # F1 and ? toggle help: the same key opens and closes it.
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("escape,f1,question_mark", "dismiss", "Help", id="help.close", priority=True,
                tooltip="Close this help"),
    ]

    def __init__(self, screen: Screen[object], about: str = "") -> None:
        super().__init__()
        self._under = screen
        self._about = about

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        seen: set[str] = set()
        for source, title in ((self._under, self._under.__class__.__name__.removesuffix("Screen")),
                              (self.app, "Everywhere")):
            rows = []
            for binding in source.BINDINGS:
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                label = key_label(binding.key)
                if label in seen:
                    continue
                seen.add(label)
                rows.append((label, binding.tooltip or binding.description))
            if rows:
                table.add_row(Text(title, style="underline"), "")
                for label, description in rows:
                    table.add_row(label, description)
        table.add_row("Ctrl+P", "Command palette: every action by name")
        with VerticalScroll() as scroll:
            scroll.border_title = "Help: keys (Esc to close)"
            if self._about:
                yield Static(Text(self._about))
            yield Static(table)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
