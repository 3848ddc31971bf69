"""An incident's record: every action in order, one line each, the highlighted one in
full below; ^E writes it out (Markdown, HTML or JSON) for a debrief or a disclosure.
What it shows is the core's (oncall.record); every text is shown literally."""

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
from oncall.ui.callbacks import then
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.widgets.tables import with_columns

if TYPE_CHECKING:
    from oncall.record import Entry, IncidentRecord
    from oncall.ui.app import OncallApp

EXPORTS = [("html", "HTML: one page, for reading and printing"),
           ("md", "Markdown"),
           ("json", "JSON, with the log's numbers and hashes")]


class RecordScreen(Screen[None]):
    """The record of one incident."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+e", "export", "Export", id="record.export", key_display="^E",
                tooltip="Write the record to a file: HTML, Markdown or JSON"),
        Binding("f8", "retract", "Retract all", id="record.retract",
                tooltip="Take the highlighted post down from every site, saying why"),
        Binding("escape", "back", "Back", id="record.back"),
    ]

    app: OncallApp

    def __init__(self, incident_id: str, near: datetime | None = None,
                 kind: str = "") -> None:
        """`near` and `kind` (e.g. a search hit's post): the entry to start on."""
        super().__init__()
        self.incident_id = incident_id
        self.near, self.kind = near, kind
        self.record: IncidentRecord | None = None
        self.said = ""  # how the last action went, kept under the counts

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the record…", id="record-status")
        yield DataTable[Text](id="record-table", cursor_type="row")
        yield Static("", id="record-detail", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Record: {self.incident_id}"
        with_columns(self.query_one(DataTable), [("When", 19), ("Who", 14), ("What", 39)])
        self.load()

    @work(thread=True, exclusive=True, group="record-load")
    def load(self) -> None:
        from oncall.record import UnknownIncident, build_record

        try:
            record = build_record(self.app.session, self.incident_id)
        except UnknownIncident as exc:
            self.app.call_from_thread(self._status, str(exc))
            return
        self.app.call_from_thread(self.show, record)

    def _status(self, line: str) -> None:
        self.query_one("#record-status", Static).update(Text("\n".join(
            printable(part, single_line=True) for part in line.split("\n"))))

    def show(self, record: IncidentRecord) -> None:
        self.record = record
        inc = record.incident
        self.sub_title = f"Record: {printable(inc.title, single_line=True)}"
        self._status(f"{inc.id} · {inc.status_label} · {len(record.entries)} entries, "
                     f"{len(record.posts)} posts, {len(record.messages)} messages · "
                     "^E export" + (f"\n{self.said}" if self.said else ""))
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for n, entry in enumerate(record.entries):
            table.add_row(Text(fmt_datetime(entry.at, now), no_wrap=True, overflow="ellipsis"),
                          Text(printable(entry.who, single_line=True), no_wrap=True,
                               overflow="ellipsis"),
                          Text(printable(entry.summary, single_line=True), no_wrap=True,
                               overflow="ellipsis"), key=str(n))
        if self.near is not None:
            table.move_cursor(row=start_row(record.entries, self.near, self.kind))
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _current(self) -> Entry | None:
        table = self.query_one(DataTable)
        if self.record is None or not self.record.entries or table.cursor_row is None:
            return None
        return self.record.entries[min(table.cursor_row, len(self.record.entries) - 1)]

    def _show_detail(self) -> None:
        entry = self._current()
        panel = self.query_one("#record-detail", Static)
        if entry is None:
            panel.update(Text("Nothing recorded."))
            return
        text = Text(printable(entry.summary), style="bold")
        seq = f" · log #{entry.seq}" if entry.seq is not None else ""
        text.append(f"\n{fmt_datetime(entry.at, utcnow())} · {printable(entry.who)}{seq}",
                    style="dim")
        if entry.detail.strip():
            text.append("\n" + printable(entry.detail))
        panel.update(text)

    def action_export(self) -> None:
        if self.record is None:
            return
        self.app.push_screen(ChooseDialog("Export the record as?", EXPORTS),
                             then(lambda fmt: self._export(str(fmt))))

    @work(thread=True, exclusive=True, group="record-export")
    def _export(self, fmt: str) -> None:
        """Write it through the core (written whole or not at all, and logged)."""
        from oncall.export import write_export

        assert self.record is not None
        try:
            path = write_export(self.app.session, self.record, fmt)
        except OSError as exc:
            self.app.call_from_thread(self._status, f"! NOT EXPORTED: {exc.strerror or exc}")
            return
        self.app.call_from_thread(self._status, f"Exported to {path}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only officers get no key to take a post down (the core would refuse it).
        return not (action == "retract" and self.app.session.user.read_only)

    def action_retract(self) -> None:
        """Take the highlighted post down everywhere: the press office, or Corporate
        Communications removing material from any site; the core checks the right on
        every site and logs the reason."""
        entry = self._current()
        if entry is None or not entry.post:
            self._status("Highlight a post (a line that starts 'Post') to take it down.")
            return
        post = entry.post

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.push_screen(
                    ReasonDialog("Why is it taken down?", "The reason goes in the action "
                                 "log.", placeholder="e.g. not approved wording"),
                    then(lambda reason: self._retract(post, str(reason))))

        self.app.push_screen(ConfirmDialog(
            "Take it down everywhere?", printable(entry.summary) + "\n\nEvery copy still "
            "up is deleted from its site.", yes="retract"), confirmed)

    @work(group="record-retract")
    async def _retract(self, post: str, reason: str) -> None:
        from oncall.model import DeliveryState
        from oncall.sending import SendRefused

        try:
            results = await self.app.send_path().retract_everywhere(self.incident_id, post,
                                                                   reason)
        except SendRefused as exc:
            self.said = f"Not taken down: {exc}"
        else:
            done = sum(d.state == DeliveryState.RETRACTED for d in results)
            self.said = f"Taken down from {done} of {len(results)} site(s)."
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


def start_row(entries: list[Entry], near: datetime, kind: str) -> int:
    """The entry at `near` of `kind` ("post", "message"), else the first at or after it."""
    exact = [n for n, e in enumerate(entries) if e.at == near and e.action == kind]
    if exact:
        return exact[0]
    return next((n for n, e in enumerate(entries) if e.at >= near), 0)
