"""What is out of date on the force's sites (the procedure: regularly update and remove
out-of-date content), most urgent first: appeals still up for a resolved incident,
posts past their review time, sites with no post for a long time. F8 takes the
highlighted post down everywhere, with a reason, through the one send path; Enter
opens its incident's record at the post. What is listed is the core's
(oncall.freshness); every text is shown literally."""

from __future__ import annotations

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
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.widgets.tables import with_columns

if TYPE_CHECKING:
    from oncall.freshness import Stale
    from oncall.model import PostRecord
    from oncall.ui.app import OncallApp

# Each kind in words, never by colour alone.
KINDS = {"resolved": "RESOLVED", "review": "REVIEW", "quiet": "quiet site"}


class FreshnessScreen(Screen[None]):
    """Out-of-date content, to update or take down."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8", "retract", "Retract all", id="freshness.retract",
                tooltip="Take the highlighted post down from every site, saying why"),
        Binding("enter", "open_record", "Record", id="freshness.open", show=False,
                tooltip="Open the incident's record at this post"),
        Binding("r", "refresh", "Refresh", id="freshness.refresh",
                tooltip="Look again"),
        Binding("escape", "back", "Back", id="freshness.back"),
    ]

    app: OncallApp

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Stale] = []
        self.said = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Looking through every incident's posts…", id="freshness-status")
        yield DataTable[Text](id="freshness-table", cursor_type="row")
        yield Static("", id="freshness-detail", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Out of date: update or take down"
        with_columns(self.query_one(DataTable), [("Why", 10), ("Since", 19), ("What", 45)])
        self.query_one(DataTable).focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="freshness-load")
    def load(self) -> None:
        """Read through the app's history index (kept between looks)."""
        from oncall.freshness import freshness

        found = freshness(self.app.session, self.app.library.templates, utcnow(),
                          self.app.history_index())
        self.app.call_from_thread(self.show, found)

    def show(self, found: list[Stale]) -> None:
        self.rows = found
        table = self.query_one(DataTable)
        row = table.cursor_row or 0
        table.clear()
        now = utcnow()
        for n, stale in enumerate(found):
            table.add_row(Text(KINDS.get(stale.kind, stale.kind), no_wrap=True),
                          Text(fmt_datetime(stale.since, now) if stale.since else "—",
                               no_wrap=True, overflow="ellipsis"),
                          Text(printable(stale.why, single_line=True), no_wrap=True,
                               overflow="ellipsis"), key=str(n))
        if found:
            table.move_cursor(row=min(row, len(found) - 1))
        posts = sum(1 for s in found if s.post)
        status = Text(f"{posts} post(s) to update or take down, {len(found) - posts} "
                      "quiet site(s) · F8: take down everywhere · Enter: record")
        if self.said:
            status.append("\n" + printable(self.said, single_line=True), style="bold")
        self.query_one("#freshness-status", Static).update(status)
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _current(self) -> Stale | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _show_detail(self) -> None:
        stale = self._current()
        panel = self.query_one("#freshness-detail", Static)
        if stale is None:
            panel.update(Text("Nothing is out of date."))
            return
        panel.update(Text(printable(stale.why)))
        if stale.post:
            self._post_text(stale)

    @work(thread=True, exclusive=True, group="freshness-post")
    def _post_text(self, stale: Stale) -> None:
        from oncall.postview import post_of

        post = post_of(self.app.session, stale.incident, stale.post)
        if post is not None:
            self.app.call_from_thread(self._with_post, stale, post)

    def _with_post(self, stale: Stale, post: PostRecord) -> None:
        if self._current() is not stale:
            return  # moved on meanwhile
        text = Text(printable(stale.why), style="bold")
        text.append("\n" + printable(post.body))
        self.query_one("#freshness-detail", Static).update(text)

    def action_open_record(self) -> None:
        from oncall.ui.screens.record import RecordScreen

        stale = self._current()
        if stale is None or not stale.incident:
            return
        self.app.push_screen(RecordScreen(stale.incident))

    def action_retract(self) -> None:
        stale = self._current()
        if stale is None or not stale.post:
            self._say("Highlight a post to take down (a quiet site has nothing to take "
                      "down: post an update on it).")
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.push_screen(
                    ReasonDialog("Why is it taken down?", "The reason goes in the action "
                                 "log.", placeholder="e.g. found safe and well 06:05"),
                    then(lambda reason: self._retract(stale, str(reason))))

        self.app.push_screen(ConfirmDialog(
            "Take it down everywhere?", printable(stale.why) + "\n\nEvery copy still up "
            "is deleted from its site.", yes="retract"), confirmed)

    @work(group="freshness-retract")
    async def _retract(self, stale: Stale, reason: str) -> None:
        """Through the core's send path: it checks the officer's right on every site and
        logs each deletion; a refusal is said in one line."""
        from oncall.model import DeliveryState
        from oncall.sending import SendRefused

        try:
            results = await self.app.send_path().retract_everywhere(
                stale.incident, stale.post, reason)
        except SendRefused as exc:
            self._say(f"Not taken down: {exc}")
            return
        done = sum(d.state == DeliveryState.RETRACTED for d in results)
        failed = [d.site for d in results if d.state != DeliveryState.RETRACTED]
        self._say(f"Taken down from {done} of {len(results)} site(s)"
                  + (f"; NOT from {', '.join(failed)}: try F8 again" if failed else "."))
        self.load()

    def _say(self, line: str) -> None:
        self.said = line
        self.show(self.rows)

    def action_back(self) -> None:
        self.app.pop_screen()
