"""Scheduling a post from the compose screen, and sending through a crisis hold.

Scheduling asks for a time in the same safe entry as elsewhere (oncall.timeparse: a
time that does not exist is refused, the doubled hour asked about), reads it back with
its zone, and hands the post to the core's schedule, which judges it now and again at
its time. A send refused because a crisis hold is in force asks, naming the hold,
whether to send anyway; only then does the post go, and the core logs that it did.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work

from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, utcnow
from oncall.ui.asktime import ask_when
from oncall.ui.callbacks import then
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.holdask import ask_through_hold

if TYPE_CHECKING:
    from oncall.model import Draft
    from oncall.sending import OnHold, Outgoing, SendPath
    from oncall.ui.app import OncallApp


class Scheduling:
    """Mixin for the compose screen. It provides `_scheduled_out` (the post as it would
    be sent, or None after saying why not), `_send` and `sender`; DraftSaving provides
    the draft, its version and the lock its saves take."""

    app: OncallApp
    sender: SendPath
    draft: Draft
    sub_title: str | None
    editing_scheduled: bool
    _version: int
    _save_lock: threading.Lock
    _title_base: str | None

    def _scheduled_out(self) -> Outgoing | None:
        raise NotImplementedError

    def _send(self, out: Outgoing) -> object:
        raise NotImplementedError

    def _base_subtitle(self) -> str:
        raise NotImplementedError

    def check_coediting(self) -> object:
        raise NotImplementedError

    def action_schedule(self) -> None:
        """Ask when; read it back with its zone; schedule it through the core."""
        out = self._scheduled_out()
        if out is None:
            return
        due = self.draft.due_at
        if self.editing_scheduled and due is not None and due > utcnow():
            at = fmt_datetime(due)
            self.app.push_screen(
                ChooseDialog("Keep your changes", [("keep", f"Keep its time, {at}"),
                                                   ("other", "At another time…")]),
                then(lambda choice: self._schedule(out, due, at) if choice == "keep"
                     else self._ask_when(out)))
            return
        self._ask_when(out)

    def _ask_when(self, out: Outgoing) -> None:
        ask_when(self.app, "Post it at?",
                 lambda echo: f"Schedule this post for {echo}, to {len(out.site_ids)} "
                              "site(s)?", "schedule",
                 lambda utc, echo: self._schedule(out, utc, echo))

    @work(thread=True, group="compose-schedule")
    def _schedule(self, out: Outgoing, due: datetime, echo: str) -> None:
        """The core judges it now (a block is said at once) and keeps it; its own
        refusals (a time passed meanwhile, a post already sent) are one line."""
        from oncall.schedule import Schedule, ScheduleError

        # Under the draft's save lock: an autosave on its way must not land after this.
        # (Nothing waits on the UI thread while it is held: the UI thread takes it too.)
        with self._save_lock:
            try:
                draft = Schedule(self.app.session, self.sender).schedule(
                    out, due, self._version if self.editing_scheduled else None)
            except ScheduleError as exc:
                refused: ScheduleError | None = exc
            else:
                refused = None
                self._version = draft.version
        if refused is not None:
            self.app.call_from_thread(self.app.notify, printable(str(refused), single_line=True),
                                      severity="error", timeout=12)
            return
        self.app.call_from_thread(self._scheduled, draft, echo)

    def _scheduled(self, draft: Draft, echo: str) -> None:
        """From now on this screen edits a scheduled post: F10 keeps changes."""
        self.draft, self.editing_scheduled = draft, True
        self._title_base = None  # the co-editing mark is put back on the new subtitle
        self.sub_title = self._base_subtitle()
        self.check_coediting()
        self.app.notify(f"Scheduled for {echo} ({draft.id}); `oncall schedule` lists it. "
                        "It is checked again when it goes.", timeout=10)

    def _through_hold(self, out: Outgoing, refused: OnHold) -> None:
        """A crisis hold refused the post: ask, naming it, whether to send anyway."""
        ask_through_hold(self.app, refused, lambda hold: self._send(replace(out, hold=hold)))
