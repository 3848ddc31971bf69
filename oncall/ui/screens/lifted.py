"""What a crisis hold was holding, when it is lifted: the officer decides on each.

A scheduled post whose time passed under the hold (marked held by the core) is sent,
moved or cancelled; one whose time is still to come may be left to go then; a delivery
the hold paused is sent or cancelled. Every decision goes through the core (the send
path and the schedule), by compare-and-set: a post another officer dealt with meanwhile
is said to be gone, never sent twice. What is not decided here stays listed on the
scheduled posts screen (S) and in the outbox (o). Text is literal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.model import Delivery, DeliveryState, Draft, Site
from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, utcnow
from oncall.ui.asktime import ask_when
from oncall.ui.callbacks import then
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.holdask import ask_through_hold
from oncall.ui.widgets.tables import with_columns

if TYPE_CHECKING:
    from oncall.hold import Lifted
    from oncall.ui.app import OncallApp


@dataclass
class Held:
    """One thing the hold was holding, and what the officer has done with it."""

    item: Draft | Delivery
    outcome: str = ""

    @property
    def key(self) -> str:
        return self.item.id

    @property
    def waiting(self) -> bool:
        """Still needs the officer: a post whose time passed, or a paused delivery."""
        if self.outcome:
            return False
        if isinstance(self.item, Draft):
            return self.item.status == "held"
        return self.item.state == DeliveryState.HELD.value


class LiftedScreen(Screen[None]):
    """One row per post or delivery the lifted hold was holding; Enter to decide."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "decide", "Decide", id="lifted.decide",
                tooltip="Send, move or cancel the highlighted post"),
        Binding("escape", "back", "Back", id="lifted.back"),
    ]

    app: OncallApp

    def __init__(self, lifted: Lifted) -> None:
        super().__init__()
        self.lifted = lifted
        self.rows = [Held(d) for d in lifted.posts] + [Held(d) for d in lifted.deliveries]
        self.said = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="lifted-status")
        yield DataTable[Text](id="lifted-table", cursor_type="row")
        yield Static("", id="lifted-detail", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Crisis hold lifted"
        with_columns(self.query_one(DataTable),
                     [("Now", 12), ("When", 17), ("Where", 18), ("What", 26)])
        self.sites: dict[str, Site] = {}
        self.query_one(DataTable).focus()
        self.show()
        self._read_sites()

    @work(thread=True, group="lifted-load")
    def _read_sites(self) -> None:
        from oncall.postview import sites_in_order

        sites = {s.id: s for s in sites_in_order(self.app.session)}
        self.app.call_from_thread(self._sites_read, sites)

    def _sites_read(self, sites: dict[str, Site]) -> None:
        self.sites = sites
        self.show()  # the sites' names in place of their ids

    def show(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row or 0
        table.clear()
        now = utcnow()
        for n, held in enumerate(self.rows):
            table.add_row(*(Text(printable(cell, single_line=True), no_wrap=True,
                                 overflow="ellipsis") for cell in self._cells(held, now)),
                          key=str(n))
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))
        names = {p.login: p.name for p in self.app.session.directory.people.values()}
        hold = self.lifted.hold
        waiting = sum(1 for h in self.rows if h.waiting)
        status = Text(printable("Lifted: " + hold.describe(names), single_line=True),
                      style="bold")
        status.append("\n" + (f"{waiting} held post(s) to decide: Enter on each to send, "
                              "move or cancel." if waiting else
                              "Nothing left to decide." if self.rows else
                              "It was holding nothing."))
        if self.said:
            status.append("\n" + printable(self.said, single_line=True), style="bold")
        self.query_one("#lifted-status", Static).update(status)
        self._show_detail()

    def _cells(self, held: Held, now: datetime) -> tuple[str, str, str, str]:
        item = held.item
        if isinstance(item, Draft):
            state = held.outcome or ("! HELD" if item.status == "held" else "scheduled")
            when = fmt_datetime(item.due_at, now) if item.due_at else "—"
            where = ", ".join(self._site_name(s) for s in item.sites)
            text = item.body
        else:
            state = held.outcome or "⏸ HELD"
            when = fmt_datetime(item.updated_at, now) if item.updated_at else "—"
            where = self._site_name(item.site)
            text = item.text
        first = text.strip().splitlines()[0] if text.strip() else ""
        return state, when, where, first

    def _site_name(self, site_id: str) -> str:
        site = self.sites.get(site_id)
        return site.name if site else site_id

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_decide()  # Enter on a row: the table takes the key, so act here

    def _current(self) -> Held | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _show_detail(self) -> None:
        held = self._current()
        panel = self.query_one("#lifted-detail", Static)
        if held is None:
            panel.update("")
            return
        item = held.item
        kind = "Scheduled post" if isinstance(item, Draft) else "Delivery paused"
        text = Text(f"{kind} of incident {printable(item.incident, single_line=True)}",
                    style="bold")
        why = item.problem if isinstance(item, Draft) else item.reason
        if why:
            text.append("\n" + printable(why, single_line=True))
        text.append("\n" + printable(item.body if isinstance(item, Draft) else item.text))
        panel.update(text)

    def _say(self, held: Held | None, outcome: str, line: str) -> None:
        if held is not None and outcome:
            held.outcome = outcome
        self.said = line
        self.show()

    # --- deciding -------------------------------------------------------------------

    def action_decide(self) -> None:
        held = self._current()
        if held is None:
            return
        if held.outcome:
            self._say(None, "", f"Decided already: {held.outcome}.")
            return
        item = held.item
        options = []
        if isinstance(item, Draft) and item.status == "scheduled":
            options.append(("leave", "Leave it to go at its time"))
        options.append(("send", "Send it now (checked again first)"))
        if isinstance(item, Draft):
            options.append(("move", "Move it to another time…"))
        options.append(("cancel", "Cancel it: it will not go…"))
        self.app.push_screen(ChooseDialog("What now?", options),
                             then(lambda choice: self._chosen(held, str(choice))))

    def _chosen(self, held: Held, choice: str) -> None:
        item = held.item
        if choice == "leave":
            self._say(held, "left", "Left to go at its time.")
        elif choice == "send":
            self._send(held)
        elif choice == "move" and isinstance(item, Draft):
            ask_when(self.app, "Post it at?", lambda echo: f"Move it to {echo}?", "move",
                     lambda utc, echo: self._move(held, utc, echo),
                     refused=lambda line: self._say(None, "", line))
        elif choice == "cancel":
            self.app.push_screen(
                ReasonDialog("Cancel it?", "Why? (It goes in the action log.)",
                             placeholder="e.g. overtaken by the death message"),
                then(lambda reason: self._cancel(held, str(reason))))

    @work(group="lifted-act")
    async def _send(self, held: Held, hold: str = "") -> None:
        """Through the send path; another hold still in force asks, naming it."""
        from oncall.schedule import outgoing_of
        from oncall.sending import AlreadySent, OnHold, SendRefused
        from oncall.store import StoreError

        sender = self.app.send_path()
        item = held.item
        try:
            if isinstance(item, Draft):
                result = await sender.send(replace(outgoing_of(item), hold=hold))
                sent = sum(1 for d in result.deliveries if d.state == "sent")
                self._say(held, f"✓ sent {sent}/{len(result.deliveries)}",
                          f"Sent to {sent} of {len(result.deliveries)} site(s).")
            else:
                delivery = await sender.resend(item, hold=hold)
                word = "✓ sent" if delivery.state == "sent" else delivery.state
                self._say(held, word, f"{self._site_name(item.site)}: {delivery.state}"
                          + (f" ({delivery.reason})" if delivery.reason else ""))
        except OnHold as exc:
            ask_through_hold(self.app, exc, lambda named: self._send(held, named))
        except AlreadySent:
            self._say(held, "gone", "It has gone already (another officer sent it).")
        except SendRefused as exc:
            self._say(None, "", f"Not sent: {exc.message}")
        except StoreError as exc:
            self._say(None, "", f"Not sent: {exc}")

    @work(thread=True, group="lifted-act")
    def _move(self, held: Held, due: datetime, echo: str) -> None:
        from oncall.schedule import Schedule, ScheduleError

        assert isinstance(held.item, Draft)
        try:
            Schedule(self.app.session).move(held.item.incident, held.item.id, due)
        except ScheduleError as exc:
            self.app.call_from_thread(self._say, None, "", str(exc))
            return
        self.app.call_from_thread(self._say, held, "moved", f"Moved to {echo}.")

    @work(group="lifted-act")
    async def _cancel(self, held: Held, reason: str) -> None:
        import asyncio

        from oncall.crosspost import DeliveryConflict
        from oncall.schedule import Schedule, ScheduleError

        item = held.item
        try:
            if isinstance(item, Draft):
                await asyncio.to_thread(Schedule(self.app.session).cancel, item.incident,
                                        item.id, reason)
            else:
                await self.app.send_path().cancel(item, reason)
        except (ScheduleError, DeliveryConflict) as exc:
            self._say(None, "", f"Not cancelled: {exc}")
            return
        self._say(held, "cancelled", "Cancelled: it will not go.")

    def action_back(self) -> None:
        waiting = sum(1 for h in self.rows if h.waiting)
        if waiting:
            self.app.notify(f"{waiting} held post(s) still to decide: Scheduled (S) lists "
                            "the posts, the outbox (o) the deliveries.", timeout=10)
        self.app.pop_screen()
