"""Every incident, open and closed, newest first, and a search across all of them.

Typing searches every incident's details, posts (text, author, sites, how each ended)
and linked messages from the public, with an optional time phrase at either end
("appeal Hanley last month", "since 08:00 failed"), read back with its zone. The
search is the core's (oncall.search) and runs in a worker; Enter opens the record at
what was found. Every text is shown literally."""

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
    from oncall.search import Found, Hit
    from oncall.ui.app import OncallApp

PLACEHOLDER = "Search: words, site, person, and a time (last 2 hours, since 08:00)"


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

    def __init__(self, query: str = "") -> None:
        """`query`: a search to start with (e.g. a site's id, for its posts)."""
        super().__init__()
        self.start_query = query
        self.incidents: list[Incident] = []
        self.titles: dict[str, str] = {}
        self.rows: list[Hit] = []
        self.found: Found | None = None   # the last search's answer; None: no search typed
        self.said = ""  # how the last action went, under the counts

    def compose(self) -> ComposeResult:
        yield Header()
        yield SafeInput(placeholder=PLACEHOLDER, id="history-search", classes="compact")
        yield Static("", id="history-status")
        yield DataTable[Text](id="history-table", cursor_type="row")
        yield Static("", id="history-detail", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "History: every incident"
        with_columns(self.query_one(DataTable),
                     [("When", 19), ("Incident", 23), ("What", 32)])
        field = self.query_one(Input)
        field.value = self.start_query  # searched by the Changed event it sends
        field.focus()
        self._status("Reading every incident's history…")
        if not self.start_query:
            self.search("")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only officers get no key to reopen (the core would refuse it, logged).
        return not (action == "reopen" and self.app.session.user.read_only)

    @work(thread=True, exclusive=True, group="history-search")
    def search(self, query: str) -> None:
        """Search in a worker (a year of history is read once, then kept); only the
        answer to the latest query is shown."""
        from textual.worker import get_current_worker

        index = self.app.history_index()
        found = index.search(query, utcnow())
        incidents, _ = index.everything()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._got, query, found, incidents)

    def _got(self, query: str, found: Found, incidents: list[Incident]) -> None:
        if query != self.query_one(Input).value:
            return  # typed on since: a newer search is on its way
        self.incidents = incidents
        self.titles = {i.id: i.title for i in incidents}
        self.found = found if query.strip() else None
        self.show()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def show(self) -> None:
        """The incidents (nothing typed) or what the search found, newest first."""
        from oncall.search import incident_hit

        if self.found is None:
            names = {p.login: p.name
                     for p in self.app.session.directory.people.values()}
            self.rows = sorted((incident_hit(i, names) for i in self.incidents),
                               key=lambda h: h.at, reverse=True)
        else:
            self.rows = list(self.found.hits)
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for n, hit in enumerate(self.rows):
            title = self.titles.get(hit.incident, hit.incident)
            what = hit.snippet(self.found.words, 32) if self.found is not None else \
                f"{self._status_of(hit.incident)} · {hit.incident}"
            table.add_row(Text(fmt_datetime(hit.at, now), no_wrap=True, overflow="ellipsis"),
                          Text(printable(title, single_line=True), no_wrap=True,
                               overflow="ellipsis"),
                          Text(printable(what, single_line=True), no_wrap=True,
                               overflow="ellipsis"), key=str(n))
        self._status(self._summary())
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted row in full: the incident, and the whole of what was found."""
        hit = self._hit()
        panel = self.query_one("#history-detail", Static)
        if hit is None:
            panel.update(Text("Nothing found." if self.found is not None else
                              "No incidents yet."))
            return
        incident = next((i for i in self.incidents if i.id == hit.incident), None)
        head = Text(printable(f"{self.titles.get(hit.incident, hit.incident)} "
                              f"({hit.incident}, {incident.status_label if incident else ''})",
                              single_line=True), style="bold")
        head.append("\n" + printable(f"{fmt_datetime(hit.at, utcnow())} · {hit.who} · "
                                      f"{hit.line}"))
        panel.update(head)

    def _status_of(self, incident_id: str) -> str:
        incident = next((i for i in self.incidents if i.id == incident_id), None)
        return incident.status_label if incident else ""

    def _summary(self) -> str:
        if self.found is None:
            closed = sum(1 for i in self.incidents if not i.is_open)
            count = f"{len(self.incidents)} incident{'' if len(self.incidents) == 1 else 's'}"
            return f"{count} ({closed} closed) · type to search them all · Enter: the record"
        found = self.found
        shown = f" (the newest {len(found.hits)} shown)" if found.total > len(found.hits) \
            else ""
        line = f"{found.total} found{shown}"
        if found.words:
            line += f" for '{found.words}'"
        if found.span is not None:
            line += f" · {found.span.echo}"
        if found.problem:
            line += f" · NOT READ AS A TIME: {found.problem}"
        return line + " · Enter: the record"

    def _status(self, line: str) -> None:
        status = Text(printable(line, single_line=True))
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

        hit = self._hit()
        if hit is not None:
            self.app.push_screen(RecordScreen(hit.incident, hit.at, hit.kind)
                                 if self.found is not None else RecordScreen(hit.incident))

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
        self.app.call_from_thread(lambda: self.search(self.query_one(Input).value))

    def _hit(self) -> Hit | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _highlighted(self) -> Incident | None:
        hit = self._hit()
        return next((i for i in self.incidents if hit and i.id == hit.incident), None)

    def _say(self, line: str) -> None:
        self.said = line
        self._status(self._summary())

    def action_back(self) -> None:
        self.app.pop_screen()
