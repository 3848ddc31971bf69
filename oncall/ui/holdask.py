"""Asking an officer to send through a crisis hold: every screen that sends (compose,
its retry, the outbox, a scheduled post sent now, a lifted hold's list) asks the same
question, naming the hold in the core's own words, and acts only on a yes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oncall.textsafe import printable
from oncall.ui.callbacks import then
from oncall.ui.dialogs.confirm import ConfirmDialog

if TYPE_CHECKING:
    from textual.app import App

    from oncall.sending import OnHold


def ask_through_hold(app: App[Any], refused: OnHold, again: Callable[[str], object],
                     verb: str = "send") -> None:
    """Show the hold that refused a send and ask whether to `verb` anyway; on yes, call
    `again` with the hold's id (which the core checks and logs)."""
    named = refused.hold
    app.push_screen(
        ConfirmDialog(f"{verb.capitalize()} during the crisis hold?",
                      printable(refused.message) + f"\n\n{verb.capitalize()} anyway? "
                      "(Logged.)", yes=verb),
        then(lambda _: again(named)))
