"""The text box for a post: it never holds a terminal control character.

A TextArea draws what it holds as it is, so an ESC pasted from an e-mail (or loaded
from a draft written by another tool) would reach the terminal as a live escape
sequence, e.g. an OSC 52 clipboard write. Such characters are removed as text comes
in, by typing, pasting or loading; the checks block any that arrive another way.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location

from oncall.textsafe import without_controls


class PostTextArea(TextArea):
    """A TextArea for post text: control, escape and bidi override characters removed."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(without_controls(text), **kwargs)

    def load_text(self, text: str) -> None:
        super().load_text(without_controls(text))

    def _replace_via_keyboard(self, insert: str, start: Location,
                              end: Location) -> EditResult | None:
        # Every keystroke and paste comes through here.
        return super()._replace_via_keyboard(without_controls(insert), start, end)
