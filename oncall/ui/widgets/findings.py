"""The policy findings for a post: each as a symbol, a word and a plain sentence."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from oncall.policy import Finding
from oncall.textsafe import printable

# Status is never colour alone: each severity has its symbol and its word.
MARKS = {"block": ("✗", "BLOCK"), "warn": ("!", "WARN"), "info": ("i", "INFO")}


def finding_line(finding: Finding, *, overridden: bool = False,
                 acknowledged: bool = False) -> Text:
    """One finding as one line an officer can act on."""
    symbol, word = MARKS[finding.severity]
    if overridden:
        symbol, word = "~", "OVERRIDDEN"
    elif acknowledged:
        symbol, word = "✓", "NOTED"
    line = Text()
    line.append(f"{symbol} {word:<5} ", style="bold" if finding.severity == "block" else "")
    line.append(printable(finding.message, single_line=True))
    return line


class FindingsList(Static):
    """Shows findings, blocks first; says so plainly when there are none."""

    def show(self, findings: Sequence[Finding], *, overridden: set[str] = frozenset(),  # type: ignore[assignment]
             acknowledged: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Replace the findings shown."""
        if not findings:
            self.update(Text("✓ No problems found against the procedure."))
            return
        # The same finding from two renditions (body and short text) is shown once.
        unique = list({(f.rule, f.message): f for f in reversed(findings)}.values())[::-1]
        lines = [finding_line(f, overridden=f.rule in overridden and f.overridable,
                              acknowledged=f.rule in acknowledged) for f in unique]
        text = Text("\n").join(lines)
        text.no_wrap = True
        self.update(text)
