"""The read-only console: what Professional Standards see instead of the dashboard.

Every site with the posts still up on it and its last post (Enter lists the site's
posts, through the history search), every incident (H: the history, records and
exports) and the whole action log with its verification (L). Nothing here changes
anything: there is no key to compose, tick or reveal a credential, and the core refuses
them anyway (oncall.oversight), logging the refusal."""

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
from oncall.ui.screens.logview import checked
from oncall.ui.widgets.tables import with_columns

if TYPE_CHECKING:
    from oncall.logverify import VerifyResult
    from oncall.model import Site
    from oncall.ui.app import OncallApp

ABOUT = ("Read-only console ({role}): every incident, every site's posts, the whole "
         "log and its verification, exports. Any change is refused, and logged.")


class OversightScreen(Screen[None]):
    """Every site and its posts, for monitoring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "site_posts", "Posts", id="oversight.posts", show=False,
                tooltip="Every post that went to the highlighted site"),
        Binding("H", "history", "History", id="oversight.history",
                tooltip="Every incident, closed ones too: search, records, export"),
        Binding("L", "log", "Log", id="oversight.log",
                tooltip="The whole action log, and its verification"),
        Binding("r", "refresh", "Refresh", id="oversight.refresh",
                tooltip="Look again"),
    ]

    app: OncallApp

    def __init__(self) -> None:
        super().__init__()
        self.sites: list[Site] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="oversight-about")
        yield Static("Log: checking…", id="oversight-log")
        yield DataTable[Text](id="oversight-sites", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Oversight (read-only)"
        self.query_one("#oversight-about", Static).update(Text(printable(
            ABOUT.format(role=self.app.session.user.role_label))))
        with_columns(self.query_one(DataTable),
                     [("Site", 30), ("Network", 10), ("Up", 5), ("Last post", 20)])
        self.query_one(DataTable).focus()
        self.load()
        self._verify()

    def action_refresh(self) -> None:
        self.load()
        self._verify()

    @work(thread=True, exclusive=True, group="oversight-load")
    def load(self) -> None:
        """Each site's posts still up and its last post, from the history index."""
        from oncall.freshness import site_activity
        from oncall.postview import sites_in_order

        up, last = site_activity(self.app.history_index().facts())
        self.app.call_from_thread(self.show, sites_in_order(self.app.session), up, last)

    def show(self, sites: list[Site], up: dict[str, int], last: dict[str, datetime]) -> None:
        self.sites = sites
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for site in sites:
            table.add_row(Text(printable(site.name, single_line=True), no_wrap=True,
                               overflow="ellipsis"),
                          Text(printable(site.platform_label, single_line=True),
                               no_wrap=True, overflow="ellipsis"),
                          Text(str(up.get(site.id, 0)), no_wrap=True),
                          Text(fmt_datetime(last[site.id], now) if site.id in last
                               else "none yet", no_wrap=True, overflow="ellipsis"),
                          key=site.id)

    @work(thread=True, exclusive=True, group="oversight-verify")
    def _verify(self) -> None:
        self.app.call_from_thread(self._verified, *checked(self.app.session))

    def _verified(self, result: VerifyResult | None, line: str) -> None:
        if result is not None:
            self.app.log_check = result  # what the log screen shows until verified again
        self.query_one("#oversight-log", Static).update(Text(printable(line)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_site_posts()

    def action_site_posts(self) -> None:
        from oncall.ui.screens.history import HistoryScreen

        table = self.query_one(DataTable)
        if not self.sites or table.cursor_row is None:
            return
        site = self.sites[min(table.cursor_row, len(self.sites) - 1)]
        self.app.push_screen(HistoryScreen(query=f"site:{site.id}"))

    def action_history(self) -> None:
        from oncall.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def action_log(self) -> None:
        from oncall.ui.screens.logview import LogScreen

        self.app.push_screen(LogScreen())
