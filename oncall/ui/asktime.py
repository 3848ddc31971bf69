"""Asking an officer for a time to post at: one way on every screen that schedules.

The time is typed as anywhere else (`23:00`, `tomorrow 06:30`, `in 2 hours`), read by
oncall.timeparse as London time (a time the clocks skip is refused; the doubled hour of
the night they go back is said), and read back with its zone in a confirmation before
anything is kept. Only a yes calls on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from oncall.textsafe import printable
from oncall.timeparse import TimeParseError, parse_when
from oncall.timeutil import utcnow
from oncall.ui.callbacks import then
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog

if TYPE_CHECKING:
    from textual.app import App


def ask_when(app: App[Any], title: str, question: Callable[[str], str], yes: str,
             done: Callable[[datetime, str], object],
             refused: Callable[[str], object] | None = None) -> None:
    """Ask for a time; confirm `question(echo)` (the time said back with its zone); on
    yes call `done(utc, echo)`. A time that cannot be read goes to `refused` (a line on
    the screen), or is notified as an error."""
    def read(typed: object) -> None:
        try:
            when = parse_when(str(typed), utcnow(), "future")
        except TimeParseError as exc:
            if refused is not None:
                refused(str(exc))
            else:
                app.notify(printable(str(exc), single_line=True), severity="error",
                           timeout=12)
            return
        body = question(when.echo) + (f"\n\n{when.warning}" if when.warning else "")
        app.push_screen(ConfirmDialog(title, printable(body), yes=yes),
                        then(lambda _: done(when.utc, when.echo)))

    app.push_screen(ReasonDialog(title, "A time, read as London time and said back with its "
                                 "zone before anything is kept.",
                                 placeholder="e.g. 23:00, tomorrow 06:30, in 2 hours"),
                    then(read))
