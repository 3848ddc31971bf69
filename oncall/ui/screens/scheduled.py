"""Scheduled posts: what goes later, and what an officer must decide on (missed: found
too late to go; blocked: refused at its time, with why). F5 sends one now, F10 moves it
to another time (read back with its zone), Del cancels it with a reason. Every change
goes through the core (oncall.schedule and the send path), by compare-and-set: a post
the scheduler took meanwhile is said to have gone, never sent twice. Text is literal."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, utcnow
from oncall.ui.asktime import ask_when
from oncall.ui.callbacks import then
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.holdask import ask_through_hold
from oncall.ui.widgets.tables import with_columns

if TYPE_CHECKING:
    from oncall.model import Draft
    from oncall.ui.app import HomeChanged, OncallApp

STATES = {"scheduled": "scheduled", "missed": "! MISSED", "blocked": "! BLOCKED",
          "held": "! HELD"}


class ScheduledScreen(Screen[None]):
    """Every post scheduled, missed or blocked, soonest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "send_now", "Send…", id="scheduled.send", key_display="F5",
                tooltip="Send the highlighted post now (checked again first)"),
        Binding("f10", "move", "Schedule…", id="scheduled.move", key_display="F10",
                tooltip="Move it to another time"),
        Binding("e", "edit", "Edit", id="scheduled.edit",
                tooltip="Change its text or sites (F10 there keeps the changes)"),
        Binding("delete", "cancel_post", "Cancel post", id="scheduled.cancel",
                key_display="Del", tooltip="Cancel it, saying why (logged)"),
        Binding("escape", "back", "Back", id="scheduled.back"),
    ]

    app: OncallApp

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Draft] = []
        self.said = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the schedule…", id="scheduled-status")
        yield DataTable[Text](id="scheduled-table", cursor_type="row")
        yield Static("", id="scheduled-detail", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Scheduled posts"
        with_columns(self.query_one(DataTable),
                     [("State", 11), ("When", 19), ("Incident", 12), ("What", 32)])
        self.query_one(DataTable).focus()
        self.load()

    def on_home_changed(self, event: HomeChanged) -> None:
        if "drafts" in event.kinds or "holds" in event.kinds:
            self.load()

    @work(thread=True, exclusive=True, group="scheduled-load")
    def load(self) -> None:
        from oncall.schedule import Schedule

        self.app.call_from_thread(self.show, Schedule(self.app.session).pending())

    def show(self, rows: list[Draft]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        row = table.cursor_row or 0
        table.clear()
        now = utcnow()
        for n, d in enumerate(rows):
            first = d.body.strip().splitlines()[0] if d.body.strip() else ""
            table.add_row(Text(STATES.get(d.status, d.status), no_wrap=True),
                          Text(fmt_datetime(d.due_at, now) if d.due_at else "—",
                               no_wrap=True, overflow="ellipsis"),
                          Text(printable(d.incident, single_line=True), no_wrap=True,
                               overflow="ellipsis"),
                          Text(printable(first, single_line=True), no_wrap=True,
                               overflow="ellipsis"), key=str(n))
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        todo = sum(1 for d in rows if d.status != "scheduled")
        status = Text(f"{len(rows) - todo} scheduled, {todo} to decide (missed, "
                      "blocked or held) · F5 send now · F10 move · e edit · Del cancel")
        if self.said:
            status.append("\n" + printable(self.said, single_line=True), style="bold")
        self.query_one("#scheduled-status", Static).update(status)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _current(self) -> Draft | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _show_detail(self) -> None:
        d = self._current()
        panel = self.query_one("#scheduled-detail", Static)
        if d is None:
            panel.update(Text("Nothing is scheduled."))
            return
        people = self.app.session.directory.people
        who = people[d.scheduled_by].name if d.scheduled_by in people else d.scheduled_by
        head = f"{STATES.get(d.status, d.status)}: to {', '.join(d.sites)}; scheduled by {who}"
        text = Text(printable(head, single_line=True), style="bold")
        if d.problem:
            text.append("\n" + printable(d.problem, single_line=True), style="bold")
        text.append("\n" + printable(d.body))
        panel.update(text)

    def _say(self, line: str) -> None:
        self.said = line
        self.load()

    # --- send now -------------------------------------------------------------------

    def action_send_now(self) -> None:
        d = self._current()
        if d is None:
            return
        self.app.push_screen(ConfirmDialog(
            "Send now?", printable(f"Send it now to {len(d.sites)} site(s), instead of "
                                   "at its time? It is checked again first."), yes="send"),
            then(lambda _: self._send_now(d)))

    @work(group="scheduled-send")
    async def _send_now(self, d: Draft, hold: str = "") -> None:
        """Through the send path; a crisis hold asks, naming it; any other refusal (a
        block) is one line."""
        from dataclasses import replace

        from oncall.schedule import outgoing_of
        from oncall.sending import AlreadySent, OnHold, SendRefused

        try:
            result = await self.app.send_path().send(replace(outgoing_of(d), hold=hold))
        except OnHold as exc:
            ask_through_hold(self.app, exc, lambda named: self._send_now(d, named))
            return
        except AlreadySent:
            self._say("It has gone already (the scheduler, or another officer, sent it).")
            return
        except SendRefused as exc:
            self._say(f"Not sent: {exc.message}")
            return
        sent = sum(1 for x in result.deliveries if x.state == "sent")
        self._say(f"Sent to {sent} of {len(result.deliveries)} site(s).")

    # --- edit, move and cancel ------------------------------------------------------

    def action_edit(self) -> None:
        d = self._current()
        if d is not None:
            self._open_compose(d)

    @work(thread=True, group="scheduled-edit")
    def _open_compose(self, d: Draft) -> None:
        """Compose, on the post as stored now (its version is what F10 there checks)."""
        from oncall.incidents import IncidentError
        from oncall.schedule import Schedule
        from oncall.ui.screens.compose import ComposeScreen

        try:
            incident = self.app.incidents.get(d.incident)
        except IncidentError as exc:
            self.app.call_from_thread(self._say, str(exc))
            return
        current = Schedule(self.app.session).get(d.incident, d.id)
        if current is None or current.status not in STATES:
            self.app.call_from_thread(self._say, "It has gone, or was cancelled, meanwhile.")
            return
        self.app.call_from_thread(self.app.push_screen, ComposeScreen(incident, current))

    def action_move(self) -> None:
        d = self._current()
        if d is None:
            return
        ask_when(self.app, "Post it at?", lambda echo: f"Move it to {echo}?", "move",
                 lambda utc, echo: self._move(d, utc, echo), refused=self._say)

    @work(thread=True, group="scheduled-change")
    def _move(self, d: Draft, due: datetime, echo: str) -> None:
        from oncall.schedule import Schedule, ScheduleError

        try:
            Schedule(self.app.session).move(d.incident, d.id, due)
        except ScheduleError as exc:
            self.app.call_from_thread(self._say, str(exc))
            return
        self.app.call_from_thread(self._say, f"Moved to {echo}.")

    def action_cancel_post(self) -> None:
        d = self._current()
        if d is None:
            return
        self.app.push_screen(
            ReasonDialog("Cancel this post?", "Why? (It goes in the action log.)",
                         placeholder="e.g. road still closed"),
            then(lambda reason: self._cancel(d, str(reason))))

    @work(thread=True, group="scheduled-change")
    def _cancel(self, d: Draft, reason: str) -> None:
        from oncall.schedule import Schedule, ScheduleError

        try:
            Schedule(self.app.session).cancel(d.incident, d.id, reason)
        except ScheduleError as exc:
            self.app.call_from_thread(self._say, str(exc))
            return
        self.app.call_from_thread(self._say, "Cancelled: it will not go.")

    def action_back(self) -> None:
        self.app.pop_screen()
