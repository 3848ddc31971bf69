"""A one-line input that never holds a terminal control character.

Textual draws an Input's value as it is: a pasted ESC would reach the terminal as a
live escape sequence. Every value, typed, pasted or set from a record, passes
through `validate_value` (Textual's hook for a reactive), which removes them.
"""

from __future__ import annotations

from textual.widgets import Input

from oncall.textsafe import without_controls


class SafeInput(Input):
    """An Input whose value has no control, escape or bidi override character."""

    def validate_value(self, value: str) -> str:
        return " ".join(without_controls(value).split("\n")).replace("\t", " ")
