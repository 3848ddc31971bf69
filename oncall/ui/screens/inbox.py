"""What the public has sent the sites: emergencies pinned on top under a banner that
says what to do, then what needs action (the longest waiting first), then the rest.
Every message is shown as literal text, whatever it holds. `a` acknowledges the
highlighted message with pre-approved wording, after showing exactly what goes where;
the core decides whether it may (oncall.replies). `d` forwards it to a member of staff
or a role with a note (oncall.forwarding); `m` chooses which messages to show (by
state, or those forwarded to you) and ^F which site's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.forwarding import ForwardRefused, Mail, forwards, recipients
from oncall.inbox import Inbox, InboxItem, ItemState
from oncall.inboxrecords import (
    ACK_TARGET,
    AckState,
    ack_target,
    awaiting_ack,
    forwarded_to,
    overdue,
    undecided,
)
from oncall.postview import sites_in_order
from oncall.store import Conflict
from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, fmt_time, utcnow
from oncall.ui.callbacks import then
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.inboxpoll import InboxChanged

if TYPE_CHECKING:
    from oncall.model import Incident, Template, TemplateField
    from oncall.replies import Acknowledger
    from oncall.ui.app import OncallApp

EMERGENCY_BANNER = ("!! EMERGENCY? Tell them to call 999 now, and ring the control room "
                    "with what they said.")
HANDLED = {ItemState.CLOSED.value}
EVERY_SITE = "*"  # the site filter's "every site" (no site id is "*")
# What `m` offers: each view's name, and which messages it shows.
VIEWS: dict[str, tuple[str, Callable[[InboxItem, str], bool]]] = {
    "todo": ("to do: not closed", lambda i, _: i.state not in HANDLED),
    "unanswered": ("not acknowledged yet", lambda i, _: awaiting_ack(i)),
    "acknowledged": ("acknowledged", lambda i, _: i.ack_state == AckState.SENT.value),
    "forwarded": ("forwarded", lambda i, _: bool(i.forwards)),
    "closed": ("closed", lambda i, _: i.state == ItemState.CLOSED.value),
    "all": ("all", lambda i, _: True),
    "mine": ("forwarded to you", forwarded_to),
}


def order(items: list[InboxItem]) -> list[InboxItem]:
    """Emergencies not yet closed first; then what needs action, the longest waiting
    first; then the rest, newest first."""
    def rank(item: InboxItem) -> tuple[int, float]:
        open_ = item.state not in HANDLED
        if item.emergency and open_:
            return 0, item.sent_at.timestamp()
        if awaiting_ack(item):
            return 1, item.sent_at.timestamp()
        return 2, -item.sent_at.timestamp()
    return sorted(items, key=rank)


def mark(item: InboxItem) -> str:
    """The row's first column: what it is, in words as well as colour."""
    if item.state in HANDLED:
        return "--"
    if item.emergency:
        return "!!"
    return "!" if item.needs_action else ""


def minutes(seconds: float) -> str:
    """A wait as an officer says it: 40s, 4m, 2h05."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


def state_label(item: InboxItem, now: datetime, target: timedelta = ACK_TARGET) -> str:
    """The row's state column (8 characters): where its handling stands, in words."""
    if item.state == ItemState.CLOSED.value:
        return "closed"
    if undecided(item):
        return "ACK ?"          # may have gone: the officer looks at the site
    if item.ack_state == AckState.SENDING.value:
        return "sending"
    if item.ack_state == AckState.FAILED.value:
        return "ACK FAIL"
    if overdue(item, now, target):
        return "OVERDUE"
    if any(f.mail == Mail.PENDING.value and f.problem for f in forwards(item)):
        return "MAIL ?"          # forwarded, but the mail has not gone yet
    if item.ack_state == AckState.SENT.value and item.time_to_ack is not None:
        return f"ack {minutes(item.time_to_ack.total_seconds())}"
    return item.state


def handling(item: InboxItem) -> list[str]:
    """What has been done about `item`, one line each, for the message panel."""
    lines = []
    if item.ack_state == AckState.SENT.value and item.ack_at is not None:
        waited = minutes(item.time_to_ack.total_seconds()) if item.time_to_ack else "?"
        lines.append(f"Acknowledged by {item.ack_by} at {fmt_time(item.ack_at)}, {waited} "
                     f"after it came: {item.ack_text}")
    elif undecided(item):
        why = item.ack_problem or "its sender stopped mid-request"
        lines.append(f"! THE ACKNOWLEDGEMENT MAY HAVE GONE ({why}). Look on the site, "
                     "then a: say whether it is there.")
    elif item.ack_state == AckState.FAILED.value:
        lines.append(f"! NOT ACKNOWLEDGED: {item.ack_problem} (a: try again)")
    for entry in forwards(item):
        mailed = {Mail.SENT.value: "e-mailed", Mail.OFF.value: entry.problem or "not e-mailed "
                  "(no mail relay): in their inbox view", Mail.SENDING.value: "e-mailing",
                  }.get(entry.mail, f"! NOT E-MAILED YET: {entry.problem or 'waiting'}; "
                        "tried again each minute")
        lines.append(f"Forwarded by {entry.by} to {entry.to_label} at {fmt_time(entry.at)}: "
                     f"{entry.note} · {mailed}")
    return lines


class InboxScreen(Screen[None]):
    """The inbox of every site, or of one incident."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Acknowledge", id="inbox.acknowledge",
                tooltip="Reply to the highlighted message with the approved "
                        "acknowledgement (shown before it goes)"),
        Binding("d", "forward", "Forward", id="inbox.forward",
                tooltip="Send the highlighted message to a member of staff or a role, "
                        "with a note"),
        Binding("x", "close_item", "Close", id="inbox.close",
                tooltip="Nothing more to do for the highlighted message (spam, thanks)"),
        Binding("l", "link", "Link", id="inbox.link",
                tooltip="Say which incident the highlighted message is about"),
        Binding("w", "copy_link", "Web link", id="inbox.copy_link",
                tooltip="Copy the message's address on its network, to open it there"),
        # Off the footer (80 columns hold the others); in F1 help and the palette.
        Binding("ctrl+f", "find_site", "Find site", id="inbox.find_site", key_display="^F",
                show=False, tooltip="Show one site's messages only, or every site's again"),
        Binding("m", "next_view", "View", id="inbox.view",
                tooltip="Which messages: to do, not acknowledged, acknowledged, forwarded, "
                        "closed, all, or forwarded to you"),
        # Esc is Back on every screen: the footer keeps its room for this screen's keys.
        Binding("escape", "back", "Back", id="inbox.back", show=False),
    ]

    app: OncallApp
    shows_emergencies = True  # the banner: the poller need not say it again in a toast

    def __init__(self, incident: Incident | None = None) -> None:
        super().__init__()
        self.incident = incident
        self.rows: list[InboxItem] = []
        self.view = "todo"
        self.site = ""          # one site's messages only ("": every site's)
        self.sites: list[tuple[str, str]] = []  # (id, label) of the sites with messages
        self.outcome = ""       # how the last acknowledgement went, one line

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="inbox-banner", classes="banner")
        yield Static("", id="inbox-filter")
        yield DataTable[Text](id="inbox-table", cursor_type="row")
        yield Static("", id="inbox-text", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        title = printable(self.incident.title, single_line=True) if self.incident else ""
        self.sub_title = f"Inbox: {title}" if title else "Inbox: every site"
        self.query_one("#inbox-banner").display = False
        # The toast that sent the officer here would cover the message it is about.
        self.app.clear_notifications()
        table = self.query_one(DataTable)
        table.add_column("", width=2)
        table.add_column("When", width=9)
        table.add_column("Site", width=12)
        table.add_column("From", width=14)
        table.add_column("State", width=8)
        table.add_column("Message", width=20)
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def on_inbox_changed(self, message: InboxChanged) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="inbox-load")
    def load(self) -> None:
        inbox = Inbox(self.app.session)
        items = inbox.all()
        if self.incident is not None:
            items = [i for i in items if i.incident == self.incident.id]
        having = {i.site for i in items}
        sites = [(s.id, f"{s.id}  {s.name} ({s.platform_label})")
                 for s in sites_in_order(self.app.session) if s.id in having]
        self.app.call_from_thread(self._got_sites, sites)
        self.app.call_from_thread(self.show, items, inbox.problems())

    def _got_sites(self, sites: list[tuple[str, str]]) -> None:
        self.sites = sites

    def show(self, items: list[InboxItem], problems: Sequence[str]) -> None:
        """Put the messages on screen, keeping the highlighted one highlighted."""
        table = self.query_one(DataTable)
        current = self._current()
        login = self.app.session.user.login
        wanted = VIEWS[self.view][1]
        shown = order([i for i in items if (not self.site or i.site == self.site)
                       and wanted(i, login)])
        self.rows = shown
        table.clear()
        now = utcnow()
        for item in shown:
            table.add_row(
                Text(mark(item), style="bold"),
                Text(fmt_datetime(item.sent_at, now), no_wrap=True, overflow="ellipsis"),
                Text(printable(item.site, single_line=True), no_wrap=True, overflow="ellipsis"),
                Text(printable(item.author_name or item.author, single_line=True),
                     no_wrap=True, overflow="ellipsis"),
                Text(state_label(item, now, ack_target(self.app.session))),
                Text(printable(item.text, single_line=True),
                                       no_wrap=True, overflow="ellipsis"),
                key=item.id)
        if current is not None and current.id in {i.id for i in shown}:
            table.move_cursor(row=[i.id for i in shown].index(current.id))
        waiting = [i for i in items if i.emergency and i.state not in HANDLED]
        banner = self.query_one("#inbox-banner", Static)
        banner.display = bool(waiting)
        if waiting:
            first = waiting[0]
            banner.update(Text(f"{EMERGENCY_BANNER}\n{first.site}: "
                               f"{printable(first.text, single_line=True)}",
                               no_wrap=True, overflow="ellipsis"))
        todo = sum(1 for i in items if awaiting_ack(i))
        view = VIEWS[self.view][0] + " (m)" + (f" · {self.site} only (^F)" if self.site
                                                else "")
        status = Text(f"{len(shown)} shown, {todo} need action · {view}")
        if self.outcome:  # on the status line, not a toast over the list it is about
            status.append("\n" + printable(self.outcome, single_line=True), style="bold")
        elif problems:  # a network that fails says so, and why, on a line of its own
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            status.append("\n! NOT READ: " + printable(problems[0], single_line=True) + more,
                          style="bold")
        status.no_wrap, status.overflow = True, "ellipsis"
        self.query_one("#inbox-filter", Static).update(status)
        self._show_text()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_text()

    def _current(self) -> InboxItem | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _show_text(self) -> None:
        item = self._current()
        panel = self.query_one("#inbox-text", Static)
        if item is None:
            panel.update(Text("Nothing to do." if self.view == "todo" else
                              f"No messages: {VIEWS[self.view][0]}."))
            return
        text = Text(printable(item.text))
        about = [f"{item.kind} on {item.site} from {item.author_name} ({item.author})"]
        if item.incident:
            about.append(f"about {item.incident}")
        if item.has_media:
            about.append("has a photo or video: open it on the network")
        text.append("\n" + printable(" · ".join(about), single_line=True), style="dim")
        for reason in item.reasons:
            text.append("\n" + printable(f"needs action: {reason}", single_line=True),
                        style="bold")
        for line in handling(item):
            text.append("\n" + printable(line, single_line=True), style="bold")
        panel.update(text)

    def action_find_site(self) -> None:
        options = [(EVERY_SITE, "Every site"), *self.sites]
        self.app.push_screen(ChooseDialog("Show which site's messages?", options),
                             self._site_chosen)

    def _site_chosen(self, site: str | None) -> None:
        if site is None:  # cancelled: as it was
            return
        self.site = "" if site == EVERY_SITE else site
        self.load()

    def action_next_view(self) -> None:
        # The view shown now first, so Enter keeps it and Esc changes nothing.
        options = sorted(((key, name) for key, (name, _) in VIEWS.items()),
                         key=lambda option: option[0] != self.view)
        self.app.push_screen(ChooseDialog("Show which messages?", options),
                             then(self._view_chosen))

    def _view_chosen(self, view: object) -> None:
        self.view = str(view)
        self.load()

    def action_close_item(self) -> None:
        item = self._current()
        if item is not None and item.state not in HANDLED:
            self._change(item, None)

    def action_link(self) -> None:
        item = self._current()
        if item is None:
            return
        options = [(i.id, printable(f"{i.id}  {i.title}", single_line=True))
                   for i in self.app.session.incidents.open_incidents()]
        if not options:
            self.notify("No incident is open to link it to.")
            return
        self.app.push_screen(ChooseDialog("Which incident is it about?", options),
                             then(lambda chosen: self._change(item, chosen)))

    @work(thread=True, group="inbox-change")
    def _change(self, item: InboxItem, incident: str | None) -> None:
        """Close (no incident given) or link, in the core; a colleague's change first
        is reported, never overwritten."""
        inbox = Inbox(self.app.session)
        try:
            if incident is None:
                inbox.close(item)
            else:
                inbox.link(item, incident)
        except Conflict:
            self.app.call_from_thread(
                self.notify, "Someone else has just handled that message: shown as it is "
                "now.", severity="warning")
        except KeyError:
            self.app.call_from_thread(self.notify, "That incident is gone.",
                                      severity="warning")
        self.app.call_from_thread(self.load)

    # --- acknowledging ------------------------------------------------------------------
    # oncall.replies and oncall.sending are imported where used: they bring the HTTP
    # stack, which the console loads after its first paint (see OncallApp.warm_up).

    def action_acknowledge(self) -> None:
        item = self._current()
        if item is None:
            return
        if undecided(item):
            self.app.push_screen(ChooseDialog(
                f"Is the acknowledgement on {printable(item.site, single_line=True)}?",
                [("went", "It is there: mark the message acknowledged"),
                 ("lost", "It is not there: it may be sent again")]),
                then(lambda answer: self._decide(item, answer == "went")))
            return
        self._wordings(item)

    @work(thread=True, exclusive=True, group="inbox-ack")
    def _wordings(self, item: InboxItem) -> None:
        """The approved wordings that can answer `item`, asked of the core; the first
        (the acknowledgement) is highlighted, so Enter takes it."""
        from oncall.replies import Acknowledger
        from oncall.sending import SendRefused

        acks = Acknowledger(self.app.send_path())
        try:
            fitting = [(t, acks.blanks(item, t)) for t in acks.templates_for(item)]
        except SendRefused as exc:
            self.app.call_from_thread(self._said, exc.message)
            return
        if not fitting:
            self.app.call_from_thread(self._said, "No approved wording fits this message: "
                                      "reply on the network itself.")
            return
        if len(fitting) == 1:
            self.app.call_from_thread(self._fill, acks, item, *fitting[0], {})
            return
        blanks = {t.id: (t, b) for t, b in fitting}
        self.app.call_from_thread(
            self.app.push_screen,
            ChooseDialog("Answer with which approved wording?",
                         [(t.id, t.title) for t, _ in fitting]),
            then(lambda chosen: self._fill(acks, item, *blanks[str(chosen)], {})))

    def _fill(self, acks: Acknowledger, item: InboxItem, template: Template,
              blanks: list[TemplateField], values: dict[str, str]) -> None:
        """Ask for each blank the wording leaves to the officer, then show what goes."""
        if not blanks:
            self._prepare(acks, item, template.id, values)
            return
        spec, rest = blanks[0], blanks[1:]
        self.app.push_screen(
            ReasonDialog(f"{template.title}: {spec.label}", spec.help or spec.label),
            then(lambda value: self._fill(acks, item, template, rest,
                                          {**values, spec.name: str(value)})))

    @work(thread=True, exclusive=True, group="inbox-ack")
    def _prepare(self, acks: Acknowledger, item: InboxItem, template: str,
                 values: dict[str, str]) -> None:
        """Ask the core what would go where; show it and let the officer send it."""
        from oncall.sending import SendRefused

        try:
            plan = acks.plan(item, template, values)
        except SendRefused as exc:
            self.app.call_from_thread(self._said, exc.message)
            return
        where = f"{plan.site.name} ({plan.site.platform_label})"
        body = (f"As a {plan.how} on {where} to {item.author}:\n\n{plan.text}\n\n"
                f"({plan.template.title})")
        self.app.call_from_thread(
            self.app.push_screen,
            ConfirmDialog(f"Answer on {where}?", body, yes="Send it"),
            then(lambda _: self._acknowledge(acks, item, plan.template.id, values)))

    # Not exclusive: a press of `a` on another message must never cancel a reply that is
    # on its way (the core keeps each message's claim; the network's answer is recorded).
    @work(group="inbox-send")
    async def _acknowledge(self, acks: Acknowledger, item: InboxItem,
                           template: str, values: dict[str, str]) -> None:
        from oncall.sending import SendRefused

        self._said(f"Acknowledging on {item.site}...")
        try:
            done = await acks.acknowledge(item, template, values)
        except SendRefused as exc:
            self._said(exc.message)
            return
        if done.ack_state == AckState.SENT.value:
            self._said(f"Acknowledged on {done.site}.")
        elif undecided(done):
            self._said(f"! May have gone: {done.ack_problem} Look on the site, then a.")
        else:
            self._said(f"! NOT ACKNOWLEDGED: {done.ack_problem}")

    @work(group="inbox-send")
    async def _decide(self, item: InboxItem, went: bool) -> None:
        from oncall.replies import Acknowledger
        from oncall.sending import SendRefused

        acks = Acknowledger(await asyncio.to_thread(self.app.send_path))
        try:
            await acks.decide(item, went)
        except SendRefused as exc:
            self._said(exc.message)
            return
        self._said("Marked acknowledged." if went else "Marked not sent: a to send it again.")

    def _said(self, line: str) -> None:
        self.outcome = line
        self.load()

    # --- forwarding ---------------------------------------------------------------------

    def action_forward(self) -> None:
        item = self._current()
        if item is None:
            return
        options = [(r.key, r.label) for r in recipients(self.app.session.directory.people)]
        self.app.push_screen(ChooseDialog("Forward to whom?", options),
                             then(lambda to: self._ask_note(item, str(to))))

    def _ask_note(self, item: InboxItem, to: str) -> None:
        self.app.push_screen(
            ReasonDialog("Note for them", "Why it is forwarded and what you need from them "
                         "(it goes with the message, and into the record).",
                         placeholder="e.g. Witness with dashcam footage of the collision"),
            then(lambda note: self._forward(item, to, note)))

    @work(thread=True, exclusive=True, group="inbox-forward")
    def _forward(self, item: InboxItem, to: str, note: str) -> None:
        """Record the forward in the core, then mail it if a relay is set up."""
        forwarder = self.app.forwarder()
        try:
            done, entry = forwarder.forward(item, to, note)
        except ForwardRefused as exc:
            self.app.call_from_thread(self._said, exc.message)
            return
        outcome = f"Forwarded to {entry.to_label}"
        if entry.mail == Mail.PENDING.value:
            try:
                entry = forwarder.deliver(done, entry.id)
            except ForwardRefused as exc:
                outcome += f"; {exc.message}"
            else:
                outcome += ": e-mailed." if entry.mail == Mail.SENT.value else \
                    f", but NOT E-MAILED: {entry.problem} (tried again each minute)"
        else:
            outcome += f": {entry.problem or 'in their inbox view (no mail relay)'}."
        self.app.call_from_thread(self._said, outcome)

    def action_copy_link(self) -> None:
        item = self._current()
        if item is None or not item.url:
            self.notify("This message has no web address to open.")
            return
        self.notify(self.app.copier.copy(item.url, secret=False))

    def action_back(self) -> None:
        self.app.pop_screen()
