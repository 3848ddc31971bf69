"""Deliveries a crash, a dropped SSH session or an unclear reply left undecided.

Nothing here is sent by itself: the officer checks each site and says what
happened, or sends what never left, or cancels it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.model import Delivery, DeliveryState, Site
from oncall.postview import outbox_view
from oncall.sending import OnHold
from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, utcnow
from oncall.ui.callbacks import then
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.holdask import ask_through_hold

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp

S = DeliveryState
WHY = {S.UNKNOWN.value: "? UNKNOWN: may have posted",
       S.SENDING.value: "? INTERRUPTED while sending",
       S.QUEUED.value: "… never sent (interrupted)",
       S.WAITING.value: "… was waiting (interrupted)",
       S.HELD.value: "⏸ HELD by a crisis hold"}


class OutboxScreen(Screen[None]):
    """One row per undecided delivery; Enter to decide."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "decide", "Decide", id="outbox.decide",
                tooltip="Say what happened to the highlighted delivery"),
        Binding("escape", "back", "Back", id="outbox.back"),
    ]

    app: OncallApp

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Check each site, then say what you found. Nothing here is sent "
                          "again unless you choose to send it."), id="outbox-help")
        table: DataTable[Text] = DataTable(id="outbox-table", cursor_type="row")
        yield table
        yield Static("", id="outbox-text", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Outbox: deliveries to decide"
        table = self.query_one(DataTable)
        table.add_column("Site", width=24)
        table.add_column("State", width=28)
        table.add_column("Since", width=18)
        self.rows: list[Delivery] = []
        self.sender = self.app.send_path()
        self.load()

    @work(thread=True, exclusive=True, group="outbox-load")
    def load(self) -> None:
        view = outbox_view(self.app.session)
        self.app.call_from_thread(self.show, view.rows, view.sites)

    def show(self, rows: list[Delivery], names: dict[str, Site]) -> None:
        self.rows, self.sites = rows, names
        table = self.query_one(DataTable)
        table.clear()
        now = utcnow()
        for d in rows:
            site = names.get(d.site)
            label = f"{site.name} ({site.platform_label})" if site else d.site
            table.add_row(Text(printable(label), no_wrap=True, overflow="ellipsis"),
                          Text(WHY.get(d.state, d.state)),
                          Text(fmt_datetime(d.updated_at, now) if d.updated_at else ""),
                          key=d.id)
        if not rows:
            self.query_one("#outbox-text", Static).update("Nothing to decide.")
        else:
            self._show_text()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_text()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_decide()  # Enter on a row: the table takes the key, so act here

    def _current(self) -> Delivery | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _show_text(self) -> None:
        d = self._current()
        if d is not None:
            text = Text(printable(d.text))
            if d.reason:
                text.append(f"\n{printable(d.reason)}", style="bold")
            self.query_one("#outbox-text", Static).update(text)

    def action_decide(self) -> None:
        d = self._current()
        if d is None:
            return
        site = self.sites.get(d.site)
        name = site.name if site else d.site
        options = []
        if d.state not in (S.QUEUED.value, S.HELD.value):
            options += [("posted", f"It IS on {name}: mark it sent"),
                        ("not-posted", f"It is NOT on {name}: send it now")]
        else:
            options += [("send", f"Send it to {name} now")]
        options += [("cancel", "Do not send it: cancel")]
        self.app.push_screen(ChooseDialog(f"{name}: what now?", options),
                             then(lambda choice: self._act(d, choice)))

    @work(group="outbox-act")
    async def _act(self, delivery: Delivery, choice: str, hold: str = "") -> None:
        site = self.sites.get(delivery.site)
        try:
            if choice == "posted":
                await self.sender.decide(delivery, posted=True)
            elif choice == "cancel":
                await self.sender.cancel(delivery, "cancelled from the outbox")
            elif site is not None:
                result = await self.sender.resend(delivery, hold=hold)
                self.notify(printable(f"{site.name}: {result.state}"
                                      + (f" ({result.reason})" if result.reason else ""),
                                      single_line=True))
        except OnHold as exc:  # asks, naming the hold; nothing was sent
            ask_through_hold(self.app, exc, lambda hold: self._act(delivery, choice, hold))
        finally:
            self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
