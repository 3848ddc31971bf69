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
from oncall.ui.callbacks import then
from oncall.ui.dialogs.reason import ReasonDialog
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
        Binding("ctrl+n", "reopen", "Reopen", id="history.reopen", key_display="^N",
                tooltip="Open the highlighted closed incident again, saying why"),
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
        self.said = ""  # how the last action went, under the counts

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
        status = Text(f"{len(self.rows)} of {len(self.incidents)} incidents ({closed} "
                      "closed) · Enter: its record")
        if self.said:
            status.append("\n" + printable(self.said, single_line=True), style="bold")
        self.query_one("#history-status", Static).update(status)

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if self.rows:
            table.move_cursor(row=max(0, min(len(self.rows) - 1,
                                             (table.cursor_row or 0) + step)))

    def action_open_record(self) -> None:
        from oncall.ui.screens.record import RecordScreen

        incident = self._highlighted()
        if incident is not None:
            self.app.push_screen(RecordScreen(incident.id))

    def action_reopen(self) -> None:
        incident = self._highlighted()
        if incident is None:
            return
        if incident.is_open:
            self._say(f"{incident.id} is open already: it is on the dashboard.")
            return
        self.app.push_screen(
            ReasonDialog(f"Reopen {printable(incident.title, single_line=True)}?",
                         "Why is it reopened? (It goes in the action log.)",
                         placeholder="e.g. closed in error / a second sighting"),
            then(lambda reason: self._reopen(incident.id, str(reason))))

    @work(thread=True, group="history-reopen")
    def _reopen(self, incident_id: str, reason: str) -> None:
        """The core decides (a reason, and not Professional Standards); IncidentError
        is shown as one line."""
        from oncall.incidents import IncidentError, Incidents

        try:
            Incidents(self.app.session).reopen(incident_id, reason)
        except IncidentError as exc:
            self.app.call_from_thread(self._say, f"Not reopened: {exc}")
            return
        self.app.call_from_thread(self._say, f"Reopened {incident_id}: it is on the "
                                  "dashboard again.")
        self.load()

    def _highlighted(self) -> Incident | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _say(self, line: str) -> None:
        self.said = line
        self.show()

    def action_back(self) -> None:
        self.app.pop_screen()
