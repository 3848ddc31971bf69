"""Make text from outside (inbox messages, API errors, files) safe to show literally.

Terminal control sequences could move the cursor, retitle the window or hide
text; they are replaced by visible placeholders. Markup is the UI's concern:
it must always wrap such text in a plain `Text` and never parse it as markup.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 range (which includes CSI 0x9b);
# the bidi embedding, override and isolate controls and marks, which can make text read
# backwards or hide where it ends; and the line and paragraph separators.
CONTROL_CHARS = _CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      r"\u2066-\u2069\u2028\u2029]")


def printable(text: str, *, single_line: bool = False) -> str:
    """`text` with control characters shown as visible escapes (ESC becomes '␛')."""

    def show(match: re.Match[str]) -> str:
        ch = match.group(0)
        if ch == "\x1b":
            return "␛"
        if ord(ch) > 0xFF:
            return f"<U+{ord(ch):04X}>"
        return f"\\x{ord(ch):02x}"

    out = _CONTROL.sub(show, text)
    if single_line:
        out = out.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ").replace("\t", " ")
    return out


def has_controls(text: str) -> bool:
    """True if `text` holds a character `printable` would have to make visible."""
    return _CONTROL.search(text) is not None


def without_controls(text: str) -> str:
    """`text` with those characters removed (tab and newline kept): for text typed or
    pasted into a post, where they can only do harm."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
