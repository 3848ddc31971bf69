"""Every incident, open and closed, newest first: type to narrow by title, id, kind,
place or reference; Enter opens its record. What it lists is the core's
(oncall.postview.all_incidents); every text is shown literally."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, utcnow
from oncall.ui.widgets.safeinput import SafeInput
from oncall.ui.widgets.tables import with_columns

if TYPE_CHECKING:
    from oncall.model import Incident
    from oncall.ui.app import OncallApp


def matches(incident: Incident, words: list[str]) -> bool:
    """Every typed word is in the incident's id, title, kind, place or reference."""
    hay = " ".join((incident.id, incident.title, incident.kind, incident.location,
                    incident.reference, incident.status_label)).casefold()
    return all(w in hay for w in words)


class HistoryScreen(Screen[None]):
    """Open and closed incidents, to find one and open its record."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_record", "Record", id="history.open", show=False,
                priority=True, tooltip="Open the highlighted incident's record"),
        Binding("escape", "back", "Back", id="history.back"),
        # The search field keeps the focus: the arrows move through the list meanwhile.
        Binding("down", "cursor(1)", "", show=False, priority=True),
        Binding("up", "cursor(-1)", "", show=False, priority=True),
    ]

    app: OncallApp

    def __init__(self) -> None:
        super().__init__()
        self.incidents: list[Incident] = []
        self.rows: list[Incident] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield SafeInput(placeholder="Type to narrow: title, id, place, reference, status",
                        id="history-search", classes="compact")
        yield Static("", id="history-status")
        yield DataTable[Text](id="history-table", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "History: every incident"
        with_columns(self.query_one(DataTable),
                     [("Opened", 18), ("Status", 12), ("Incident", 40)])
        self.query_one(Input).focus()
        self.load()

    @work(thread=True, exclusive=True, group="history-load")
    def load(self) -> None:
        from oncall.postview import all_incidents

        incidents = all_incidents(self.app.session)
        self.app.call_from_thread(self._got, incidents)

    def _got(self, incidents: list[Incident]) -> None:
        self.incidents = incidents
        self.show()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show()

    def show(self) -> None:
        words = self.query_one(Input).value.casefold().split()
        self.rows = [i for i in self.incidents if matches(i, words)]
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for incident in self.rows:
            table.add_row(Text(fmt_datetime(incident.opened_at, now), no_wrap=True,
                               overflow="ellipsis"),
                          Text(incident.status_label, no_wrap=True, overflow="ellipsis"),
                          Text(printable(f"{incident.title} ({incident.id})",
                                         single_line=True), no_wrap=True,
                               overflow="ellipsis"), key=incident.id)
        closed = sum(1 for i in self.incidents if not i.is_open)
        self.query_one("#history-status", Static).update(Text(
            f"{len(self.rows)} of {len(self.incidents)} incidents ({closed} closed) · "
            "Enter: its record"))

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if self.rows:
            table.move_cursor(row=max(0, min(len(self.rows) - 1,
                                             (table.cursor_row or 0) + step)))

    def action_open_record(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return
        from oncall.ui.screens.record import RecordScreen

        self.app.push_screen(RecordScreen(self.rows[min(table.cursor_row,
                                                        len(self.rows) - 1)].id))

    def action_back(self) -> None:
        self.app.pop_screen()
