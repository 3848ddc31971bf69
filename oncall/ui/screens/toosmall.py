"""Shown instead of a cramped, misleading screen when the terminal is below the minimum."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

# Below this the incident list, the next update and the outbox warning cannot all show.
MIN_WIDTH, MIN_HEIGHT = 60, 20


def too_small(width: int, height: int) -> bool:
    """Whether a terminal of this size is below what every screen is built for."""
    return width < MIN_WIDTH or height < MIN_HEIGHT


def message(width: int, height: int) -> str:
    """What to tell the officer: the size now, the size needed, and how to get it."""
    return (f"Terminal too small: {width}x{height}.\n"
            f"oncall needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\n"
            "Enlarge the window or make the font smaller;\n"
            "everything comes back as it was.\n"
            "q quits.")


class TooSmallScreen(Screen[None]):
    """Covers everything while the terminal is too small; keys other than q do nothing,
    so nothing is done on a screen the officer cannot see."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Tab would otherwise move focus on the screen underneath's widgets once back.
        Binding("tab,shift+tab", "nothing", show=False, priority=True),
    ]

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(message(*self.app.size), id="too-small")

    def show_size(self, width: int, height: int) -> None:
        """Say the new size as the officer resizes."""
        self.query_one("#too-small", Static).update(message(width, height))

    def on_screen_resume(self) -> None:
        # Back on top after a dialog (q's question) while the terminal grew: not needed.
        width, height = self.app.size
        if not too_small(width, height):
            self.dismiss()

    def action_nothing(self) -> None:
        """Swallow a key while too small to show anything."""
