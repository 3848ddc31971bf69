"""The dashboard: who is on call, open incidents, the sites, the log tail."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.overview import Overview, build_overview
from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, fmt_time
from oncall.ui.widgets.logtail import LogTail

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp

# How often the dashboard re-reads the shared home, so officers see one another's work.
REFRESH_SECONDS = 5.0


class DashboardScreen(Screen[None]):
    """The first screen an officer sees."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="dashboard.refresh"),
    ]

    app: OncallApp

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="dash-top"):
            yield Static("Loading…", id="dash-oncall", classes="panel")
            yield Static("Loading…", id="dash-sites", classes="panel")
        with Vertical(id="dash-incidents", classes="panel"):
            yield Static("Loading incidents…", id="dash-incidents-empty")
            table: DataTable[Text] = DataTable(id="dash-incidents-table", cursor_type="row",
                                               zebra_stripes=True)
            table.display = False
            yield table
        yield Static("", id="dash-problems", classes="panel problem")
        yield LogTail(id="dash-log", classes="panel")
        yield Static("", id="dash-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#dash-oncall").border_title = "On call"
        self.query_one("#dash-sites").border_title = "Sites"
        self.query_one("#dash-incidents").border_title = "Open incidents"
        self.query_one("#dash-log").border_title = "Action log"
        self.query_one("#dash-problems").border_title = "Problems"
        self.query_one("#dash-problems").display = False
        table = self.query_one("#dash-incidents-table", DataTable)
        table.add_columns("Ref", "Incident", "Status", "Opened", "Next update")
        self.load(verify=True)
        self.set_interval(REFRESH_SECONDS, self.load)

    def action_refresh(self) -> None:
        self.load(verify=True)

    @work(thread=True, exclusive=True, group="dashboard-load")
    def load(self, verify: bool = False) -> None:
        """Read the home off the event loop; the screen updates when it is done."""
        overview = build_overview(self.app.session, verify=verify)
        self.app.call_from_thread(self.show, overview)

    def show(self, ov: Overview) -> None:
        """Put an overview on screen."""
        me = self.app.session.user
        self.sub_title = f"{me.name} ({me.role_label})"
        oncall = Text()
        if not ov.on_call:
            oncall.append("Nobody is on the rota for now.", style="bold")
            oncall.append("\nCheck people.toml [[rota]] entries.")
        for i, (person, shift) in enumerate(ov.on_call):
            if i:
                oncall.append("\n")
            oncall.append(printable(person.name), style="bold")
            if person.login == me.login:
                oncall.append(" (you)")
            oncall.append(f"\n{printable(person.title)}" if person.title else "")
            oncall.append(f"\non call until {fmt_datetime(shift.end, ov.now)}")
        self.query_one("#dash-oncall", Static).update(oncall)

        sites = Text(f"{ov.site_count} sites\n")
        for tier in ("corporate", "council", "local"):
            sites.append(f"{tier.title():<10}{ov.sites_by_tier.get(tier, 0):>3}\n")
        sites.rstrip()
        self.query_one("#dash-sites", Static).update(sites)

        self._show_incidents(ov)
        names = {login: p.name for login, p in self.app.session.directory.people.items()}
        self.query_one(LogTail).show(ov.log_tail, ov.now, names)
        problems = self.query_one("#dash-problems", Static)
        problems.display = bool(ov.problems)
        problems.update(Text("\n".join(printable(p) for p in ov.problems)))
        if ov.log_check is not None:
            self.app.log_check = ov.log_check
        self._show_status(ov)

    def _show_incidents(self, ov: Overview) -> None:
        table = self.query_one("#dash-incidents-table", DataTable)
        empty = self.query_one("#dash-incidents-empty", Static)
        table.display = bool(ov.incidents)
        empty.display = not ov.incidents
        empty.update("No open incidents. All quiet." if not ov.incidents else "")
        table.clear()
        for inc in ov.incidents:
            due = fmt_time(inc.next_update_at) if inc.next_update_at else "—"
            table.add_row(Text(printable(inc.reference or inc.id)), Text(printable(inc.title)),
                          Text(inc.status.replace("_", " ")),
                          Text(fmt_datetime(inc.opened_at, ov.now)), Text(due), key=inc.id)

    def _show_status(self, ov: Overview) -> None:
        check = self.app.log_check
        text = Text(f"{fmt_time(ov.now)}  ")
        if check is None:
            text.append("Log: checking…")
        elif check.ok:
            text.append(f"Log: ✓ verified, {check.count} entries")
        else:
            text.append(f"Log: ✗ BROKEN at {check.file}:{check.line or 'end'}", style="bold")
        self.query_one("#dash-status", Static).update(text)

    def on_show(self) -> None:
        # Coming back from another screen: show fresh data at once.
        if self.is_mounted:
            self.load()

