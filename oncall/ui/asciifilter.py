"""A terminal that cannot show UTF-8 (LANG=C, an old console) still gets every symbol
as a character it can show, so no state is lost to '_' or '?'.

Applied to every line Textual draws, as a line filter: each character outside ASCII
becomes one ASCII character of the same width (borders become + - |, ☑ becomes x,
✗ becomes x, ✓ becomes +, and so on), so layouts keep their columns. A wide character
(an emoji) becomes two.
"""

from __future__ import annotations

import codecs
import os
import sys
import unicodedata
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# Symbols oncall shows, and Textual's own: one cell in, one cell out.
_ASCII = {
    "☑": "x", "☐": "_", "✓": "+", "✗": "x", "⏸": "=", "…": ".", "»": ">", "«": "<",
    "⌫": "<", "–": "-", "—": "-", "◦": "o", "·": ".", "•": "*", "␛": "^", "⏎": "/",
    "▐": "[", "▌": "]", "▏": "|", "▎": "|", "▍": "|", "▁": "_", "▂": "_", "▃": "_",
    "▄": "_", "▅": "#", "▆": "#", "▇": "#", "█": "#", "⭘": "o", "“": '"', "”": '"',
    "‘": "'", "’": "'", "‹": "<", "›": ">", "→": ">", "←": "<", "↑": "^", "↓": "v",
}


@lru_cache(maxsize=4096)
def ascii_char(ch: str) -> str:
    """One character as ASCII of the same width on screen."""
    if ch.isascii():
        return ch
    if ch in _ASCII:
        return _ASCII[ch]
    name = unicodedata.name(ch, "")
    if name.startswith("BOX DRAWINGS"):
        if "VERTICAL AND" in name or "DOWN AND" in name or "UP AND" in name or "ARC" in name:
            return "+"
        return "|" if "VERTICAL" in name else "-"
    base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    width = cell_len(ch)
    if base and len(base) == width:
        return base
    return "?" * max(width, 0)


def to_ascii(text: str) -> str:
    """`text` with every character made ASCII, column for column."""
    return text if text.isascii() else "".join(ascii_char(c) for c in text)


class AsciiFilter(LineFilter):
    """Turns everything drawn into ASCII, for a terminal that is not UTF-8."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [seg if seg.control or seg.text.isascii()
                else Segment(to_ascii(seg.text), seg.style) for seg in segments]


def terminal_is_utf8() -> bool:
    """Whether the terminal is expected to show UTF-8: the locale says so (LC_ALL, then
    LC_CTYPE, then LANG, as the C library reads them), or failing any, the output
    stream's encoding does. ONCALL_ASCII=1 forces ASCII."""
    if os.environ.get("ONCALL_ASCII", "") not in ("", "0"):
        return False
    env = dict(os.environ)
    # Python itself sets LC_CTYPE=C.UTF-8 when started in the C locale (PEP 538); that
    # says nothing about the terminal, so it does not count.
    if env.get("LC_CTYPE") == "C.UTF-8" and env.get("LANG", "C") in ("C", "POSIX"):
        env.pop("LC_CTYPE")
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return "utf-8" in value.lower() or "utf8" in value.lower()
    encoding = getattr(sys.__stdout__, "encoding", None) or "ascii"
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False
