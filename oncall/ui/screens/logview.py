"""The action log itself, newest first, each entry openable in full with its sequence
number and hash, and its verification on one key: what Professional Standards read to
check what was done and that nobody has changed the record since. Read-only; every text
is shown literally."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, parse_iso, utcnow
from oncall.ui.widgets.tables import with_columns

if TYPE_CHECKING:
    from oncall.logverify import VerifyResult
    from oncall.model import LogEntry
    from oncall.session import Session
    from oncall.ui.app import OncallApp

# The newest entries listed; older ones are a record's export or `oncall log` away.
SHOWN = 2000


def verdict(check: VerifyResult) -> str:
    """The verification in one line, in words."""
    if check.ok:
        anchors = f", {check.anchors_matched} anchor(s) matched" if check.anchors_read else ""
        return (f"Log: ✓ VERIFIED: {check.count:,} entries, the chain unbroken, "
                f"{check.signed:,} signed{anchors}")
    where = f"{check.file.name if check.file else '?'}:{check.line or 'end'}"
    return f"Log: ✗ BROKEN at {where}: {check.reason}"


def checked(session: Session) -> tuple[VerifyResult | None, str]:
    """Verify the log as the console does (call it in a worker): the result, and the
    line to show; None and why when the log could not be read."""
    from oncall.overview import check_log

    try:
        result = check_log(session)
    except OSError as exc:
        return None, f"Log: NOT VERIFIED: could not read it ({exc.strerror or exc})"
    return result, verdict(result)


class LogScreen(Screen[None]):
    """The whole action log, newest first, and its verification."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("V", "verify", "Verify", id="log.verify",
                tooltip="Check the log's chain, signatures and anchors now"),
        Binding("escape", "back", "Back", id="log.back"),
    ]

    app: OncallApp

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[LogEntry] = []
        self.check = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the log…", id="log-status")
        yield DataTable[Text](id="log-table", cursor_type="row")
        yield Static("", id="log-detail", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Action log"
        with_columns(self.query_one(DataTable),
                     [("#", 6), ("When", 19), ("Who", 14), ("What", 33)])
        self.query_one(DataTable).focus()
        last = self.app.log_check
        self.check = verdict(last) if last is not None else "Log: not verified yet (V)"
        self.load()

    @work(thread=True, exclusive=True, group="log-load")
    def load(self) -> None:
        entries = self.app.session.log.tail(SHOWN)
        self.app.call_from_thread(self.show, list(reversed(entries)))

    def show(self, entries: list[LogEntry]) -> None:
        self.entries = entries
        names = {p.login: p.name for p in self.app.session.directory.people.values()}
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for entry in entries:
            what = entry.action + (f" {entry.incident}" if entry.incident else "") + \
                (f": {entry.subject}" if entry.subject else "")
            table.add_row(Text(str(entry.seq), no_wrap=True),
                          Text(fmt_datetime(parse_iso(entry.at), now), no_wrap=True,
                               overflow="ellipsis"),
                          Text(printable(names.get(entry.actor, entry.actor),
                                         single_line=True), no_wrap=True, overflow="ellipsis"),
                          Text(printable(what, single_line=True), no_wrap=True,
                               overflow="ellipsis"), key=str(entry.seq))
        self._status()
        self._show_detail()

    def _status(self) -> None:
        older = " (older: `oncall log tail -n N`, or a record's export)" \
            if len(self.entries) >= SHOWN else ""
        self.query_one("#log-status", Static).update(Text(printable(
            f"{self.check}\nThe newest {len(self.entries):,} entries, newest first{older}",
            single_line=False)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        table = self.query_one(DataTable)
        panel = self.query_one("#log-detail", Static)
        if not self.entries or table.cursor_row is None:
            panel.update(Text("The action log is empty."))
            return
        entry = self.entries[min(table.cursor_row, len(self.entries) - 1)]
        text = Text(printable(f"#{entry.seq} {entry.action} by {entry.actor} "
                              f"({entry.role}) at {entry.at}", single_line=True),
                    style="bold")
        for key, value in sorted(entry.details.items()):
            text.append("\n" + printable(f"{key}: {value}", single_line=True))
        text.append(f"\nhash {entry.hash}", style="dim")
        panel.update(text)

    def action_verify(self) -> None:
        self.check = "Log: verifying…"
        self._status()
        self._verify()

    @work(thread=True, exclusive=True, group="log-verify")
    def _verify(self) -> None:
        self.app.call_from_thread(self._verified, *checked(self.app.session))

    def _verified(self, result: VerifyResult | None, line: str) -> None:
        if result is not None:
            self.app.log_check = result
        self.check = line
        self._status()

    def action_back(self) -> None:
        self.app.pop_screen()
