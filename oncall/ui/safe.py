"""Text from outside on screen: always literal, never markup, never a terminal escape.

Site names, incident titles, post text, network errors and URLs reach widgets only
through `shown`, as a `Text` (which Textual never parses as markup) with control and
bidi characters made visible (see oncall.textsafe).
"""

from __future__ import annotations

from rich.text import Text

from oncall.textsafe import printable


def shown(text: str, *, single_line: bool = False, style: str = "") -> Text:
    """`text` as a literal Text, safe for any widget, title or table cell."""
    return Text(printable(str(text), single_line=single_line), style=style)
