"""The last few action-log entries, one line each, shown literally."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual import events
from textual.widgets import Static

from oncall.model import LogEntry
from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, parse_iso


def entry_line(entry: LogEntry, now: datetime, names: Mapping[str, str] | None = None,
               *, show_incident: bool = True) -> Text:
    """One log entry as a single line: time, actor (by name where known), action, subject."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{fmt_datetime(parse_iso(entry.at), now):>13} ", style="dim")
    actor = (names or {}).get(entry.actor, entry.actor)
    line.append(printable(actor, single_line=True), style="bold")
    line.append(f" {printable(entry.action, single_line=True)}")
    if entry.subject:
        line.append(f" {printable(entry.subject, single_line=True)}")
    if entry.incident and show_incident:
        line.append(f" [{printable(entry.incident, single_line=True)}]")
    return line


class LogTail(Static):
    """Shows a list of log entries, newest last. When the panel has fewer lines than
    entries, the oldest give way: the newest is always in sight."""

    _shown: tuple[list[LogEntry], datetime, Mapping[str, str] | None, bool] | None = None

    def show(self, entries: list[LogEntry], now: datetime,
             names: Mapping[str, str] | None = None, *, show_incident: bool = True) -> None:
        """Replace the lines shown with `entries`, one line each."""
        self._shown = (entries, now, names, show_incident)
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None:
            self._draw()

    def _draw(self) -> None:
        assert self._shown is not None
        entries, now, names, show_incident = self._shown
        if not entries:
            self.update("The action log is empty.")
            return
        room = self.content_size.height
        if room > 0:
            entries = entries[-room:]
        text = Text("\n").join(entry_line(e, now, names, show_incident=show_incident)
                               for e in entries)
        text.no_wrap, text.overflow = True, "ellipsis"
        self.update(text)
