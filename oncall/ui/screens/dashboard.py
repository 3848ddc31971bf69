"""The dashboard: who is on call, open incidents, the sites, the log tail."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.actionlog import LogCorrupt
from oncall.incidents import IncidentError
from oncall.logverify import VerifyResult
from oncall.overview import Overview, build_overview, check_log
from oncall.playbooks import Library
from oncall.textsafe import printable
from oncall.timeutil import countdown, fmt_datetime, fmt_time
from oncall.ui.dialogs.new_incident import NewIncident, NewIncidentDialog
from oncall.ui.screens.holding import CrisisHold
from oncall.ui.widgets.logtail import LogTail

if TYPE_CHECKING:
    from oncall.ui.app import HomeChanged, OncallApp

# The kinds of records the dashboard shows something of (see oncall.homewatch).
SHOWN = frozenset({"incidents", "ticks", "posts", "deliveries", "holds", "inbox", "log",
                   "sites", "presence", "drafts"})

# How often the dashboard re-reads the shared home, so officers see one another's work.
# How often the console asks whether the log is due an anchor (the interval itself is
# [log] anchor_every_minutes).
ANCHOR_CHECK_SECONDS = 60
REFRESH_SECONDS = 5.0
# Out-of-date content changes slowly (review times pass, incidents close): counted on
# arrival and then once a minute, not on every refresh.
FRESHNESS_SECONDS = 60


class DashboardScreen(CrisisHold, Screen[None]):
    """The first screen an officer sees."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_incident", "New incident", id="dashboard.new_incident",
                tooltip="Open an incident from a playbook"),
        Binding("enter", "open_incident", "Open", id="dashboard.open_incident", show=False,
                tooltip="Open the selected incident's checklist"),
        Binding("v", "vault", "Vault", id="dashboard.vault",
                tooltip="Site credentials, under the access rules; every use logged"),
        Binding("i", "inbox", "Inbox", id="dashboard.inbox",
                tooltip="What the public has sent the sites; emergencies first"),
        Binding("H", "history", "History", id="dashboard.history",
                tooltip="Every incident, closed ones too: find one, open its record"),
        Binding("S", "scheduled", "Scheduled", id="dashboard.scheduled", show=False,
                tooltip="Posts scheduled for later, and those missed or blocked"),
        Binding("U", "freshness", "Out of date", id="dashboard.freshness", show=False,
                tooltip="Posts to update or take down, and quiet sites"),
        Binding("exclamation_mark", "crisis_hold", "Crisis hold", id="dashboard.hold",
                show=False, key_display="!",
                tooltip="Pause every scheduled post and delivery, or lift a hold"),
        Binding("o", "outbox", "Outbox", id="dashboard.outbox",
                tooltip="Decide on deliveries a crash or an unclear reply left behind"),
        # Off the footer (it refreshes by itself; F1 and the palette list it), so that
        # the footer still fits 80 columns with the inbox's key.
        Binding("r", "refresh", "Refresh", id="dashboard.refresh", show=False,
                tooltip="Re-read incidents, sites and the log, and verify the log"),
    ]

    app: OncallApp

    def __init__(self) -> None:
        super().__init__()
        self._store_problems: list[str] = []
        self._load_seq = 0
        self._last: Overview | None = None  # what is on screen, for the log status
        self._ready = False  # set once on_mount has built the table
        self._library_problems: list[str] = []
        self._stale: tuple[int, int] | None = None  # (posts, quiet sites) out of date

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="dash-top"):
            yield Static("Loading…", id="dash-oncall", classes="panel")
            yield Static("Loading…", id="dash-sites", classes="panel")
        yield Static("", id="dash-banner", classes="banner")
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
        self.query_one("#dash-banner").display = False
        table = self.query_one("#dash-incidents-table", DataTable)
        # Fixed widths that add up to 80 columns with the table's padding.
        self._title_column = table.add_column("Incident", width=26)
        self._status_column = table.add_column("Status", width=11)
        table.add_column("Checklist", width=11)
        table.add_column("Next update", width=22)
        # The first read waits for the playbooks (checklist progress needs them); the
        # library loader calls show_library, which starts it.
        self._ready = True
        if self.app.library_ready:
            self._library_problems = [str(p) for p in self.app.library.problems]
            self._show_problems()
            self.load(verify=True)
            self.set_timer(2.0, self._count_stale)
        self.set_interval(REFRESH_SECONDS, self.load)
        self.set_interval(ANCHOR_CHECK_SECONDS, self._anchor_if_due)
        self.set_interval(FRESHNESS_SECONDS, self._count_stale)

    def on_resize(self, event: events.Resize) -> None:
        """Narrower than 80 columns the incident title and status give way first, and the
        sites panel folds, so the next update (or MISSED) always shows."""
        width = event.size.width
        self.query_one("#dash-sites").display = width >= 70
        table = self.query_one("#dash-incidents-table", DataTable)
        spare = max(width - 80, 0)
        short = max(80 - width, 0)
        status = max(11 - short // 2, 6)
        title = max(26 + spare - (short - (11 - status)), 10)
        table.columns[self._status_column].width = status
        table.columns[self._title_column].width = title
        table.refresh()

    def action_vault(self) -> None:
        from oncall.ui.screens.vault import VaultScreen

        self.app.push_screen(VaultScreen())

    def action_inbox(self) -> None:
        from oncall.ui.screens.inbox import InboxScreen

        self.app.push_screen(InboxScreen())

    def action_history(self) -> None:
        from oncall.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def action_scheduled(self) -> None:
        from oncall.ui.screens.scheduled import ScheduledScreen

        self.app.push_screen(ScheduledScreen())

    def action_freshness(self) -> None:
        from oncall.ui.screens.freshness import FreshnessScreen

        self.app.push_screen(FreshnessScreen())

    @work(thread=True, exclusive=True, group="dashboard-freshness")
    def _count_stale(self) -> None:
        """Count what is out of date, through the app's history index (the first count
        on a long history reads it; then only what changed). Waits for the playbooks:
        the templates say which posts are appeals."""
        from oncall.freshness import freshness
        from oncall.timeutil import utcnow

        if not self.app.library_ready:
            return
        found = freshness(self.app.session, self.app.library.templates, utcnow(),
                          self.app.history_index())
        posts = sum(1 for s in found if s.post)
        self.app.call_from_thread(self._counted, (posts, len(found) - posts))

    def _counted(self, stale: tuple[int, int]) -> None:
        self._stale = stale
        if self._last is not None:
            self._show_status(self._last)

    def action_outbox(self) -> None:
        from oncall.ui.screens.outbox import OutboxScreen

        self.app.push_screen(OutboxScreen())

    def action_refresh(self) -> None:
        self.load(verify=True)

    def load(self, verify: bool = False) -> None:
        """Re-read the home off the event loop; the screen updates when it is done."""
        if not self.app.library_ready:
            return  # show_library starts the first read once the playbooks are in
        self._load_seq += 1
        self._read(self._load_seq)
        if verify:
            self._verify()

    @work(thread=True, exclusive=True, group="dashboard-load")
    def _read(self, seq: int) -> None:
        overview = build_overview(self.app.session, library=self.app.library)
        self.app.call_from_thread(self._arrived, seq, overview)

    @work(thread=True, exclusive=True, group="log-verify")
    def _verify(self) -> None:
        """The log's check in a worker of its own: a first walk of a year's log takes
        minutes and must never hold back the incidents, and no refresh cancels it."""
        try:
            check = check_log(self.app.session)
        except (LogCorrupt, OSError, ValueError) as exc:
            self.app.call_from_thread(self.notify, f"The action log could not be checked: "
                                      f"{exc}", severity="error")
            return
        self.app.call_from_thread(self._checked, check)

    def _checked(self, check: VerifyResult) -> None:
        self.app.log_check = check
        if self._last is not None:
            self._show_status(self._last)

    @work(thread=True, exclusive=True, group="anchor")
    def _anchor_if_due(self) -> None:
        """Publish the log's head when [log] anchor_every_minutes have passed (the core
        decides, and logs a failure; the officer is told once per try)."""
        from oncall.anchors import anchor_quietly, due

        session = self.app.session
        if due(session):
            problem = anchor_quietly(session)
            if problem:
                self.app.call_from_thread(self.notify, problem, severity="warning")

    def _arrived(self, seq: int, overview: Overview) -> None:
        # A cancelled older read may finish after a newer one: never let it overwrite.
        if seq == self._load_seq:
            self._last = overview
            self.show(overview)

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
        self._store_problems = ov.problems
        self._show_problems()
        self._show_status(ov)

    def show_library(self, library: Library) -> None:
        """Called when the playbooks have loaded: list any broken files."""
        self._library_problems = [str(p) for p in library.problems]
        if not self._ready:
            return  # on_mount shows them and starts the first read
        self._show_problems()
        self.load(verify=self.app.log_check is None)
        # After the first screen has settled: the first count may read a long history.
        self.set_timer(2.0, self._count_stale)

    def _show_problems(self) -> None:
        problems = self.query_one("#dash-problems", Static)
        lines = list(self._store_problems) + self.app.session.settings.force.unset()
        if self._library_problems:
            lines.append(f"{len(self._library_problems)} playbook problem(s); those files are "
                         "left out (oncall playbooks check lists them all):")
            lines.extend(self._library_problems)
        problems.display = bool(lines)
        problems.update(Text("\n".join(printable(p) for p in lines)))

    def action_new_incident(self) -> None:
        playbooks = list(self.app.library.playbooks.values())
        if not playbooks:
            self.notify("No playbooks loaded yet (or none are valid): see Problems.",
                        severity="warning")
            return

        def opened(choice: NewIncident | None) -> None:
            if choice is not None:
                self._open_incident(choice)

        self.app.push_screen(NewIncidentDialog(playbooks), opened)

    @work(thread=True, group="dashboard-write")
    def _open_incident(self, choice: NewIncident) -> None:
        try:
            incident = self.app.incidents.open(choice.playbook, choice.title,
                                               location=choice.location,
                                               reference=choice.reference)
        except IncidentError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._goto, incident.id)

    def _goto(self, incident_id: str) -> None:
        from oncall.ui.screens.incident import IncidentScreen

        self.app.push_screen(IncidentScreen(incident_id))

    def _selected_incident(self) -> str | None:
        """The id of the incident under the cursor, if any."""
        table = self.query_one("#dash-incidents-table", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def action_open_incident(self) -> None:
        table = self.query_one("#dash-incidents-table", DataTable)
        if not table.display:
            return
        selected = self._selected_incident()
        if selected:
            self._goto(selected)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self._goto(event.row_key.value)

    def _show_incidents(self, ov: Overview) -> None:
        table = self.query_one("#dash-incidents-table", DataTable)
        empty = self.query_one("#dash-incidents-empty", Static)
        table.display = bool(ov.incidents)
        empty.display = not ov.incidents
        empty.update("No open incidents. All quiet." if not ov.incidents else "")
        # The highlighted incident stays highlighted by identity, never by row number:
        # a refresh must not change what Enter opens.
        selected = self._selected_incident()
        table.clear()
        for inc in ov.incidents:
            due = self._due_cell(ov, inc.id)
            done, total, late = ov.progress.get(inc.id, (0, 0, 0))
            steps = f"{done}/{total} done" if total else "—"
            if late:
                steps = f"{done}/{total} {late} late"
            status = "PROCEEDINGS" if inc.status == "proceedings_active" else inc.status_label
            table.add_row(Text(printable(inc.title, single_line=True), no_wrap=True,
                               overflow="ellipsis"),
                          Text(status), Text(steps), due, key=inc.id)
        ids = [inc.id for inc in ov.incidents]
        if selected in ids:
            table.move_cursor(row=ids.index(selected), animate=False)
        self._show_banner(ov)

    @staticmethod
    def _due_cell(ov: Overview, incident_id: str) -> Text:
        """The Next update cell: MISSED and due soon said in words, not colour alone."""
        update = ov.updates.get(incident_id)
        if update is not None and update.missed:
            return Text(f"! MISSED {fmt_time(update.missed[0])}", style="bold reverse")
        when = ov.next_updates.get(incident_id)
        if when is None:
            return Text("—")
        text = f"{fmt_time(when)} {countdown(when, ov.now)}"
        if update is not None and update.due_soon:
            return Text(f"» {text}", style="bold")
        return Text(text)

    def _show_banner(self, ov: Overview) -> None:
        """A line above the incidents for every missed or imminent update, with the bell
        once per slot: a missed update must shout, not pass silently."""
        banner = self.query_one("#dash-banner", Static)
        lines = Text()
        for hold in ov.holds:  # first: nothing scheduled goes out until it is lifted
            if lines:
                lines.append("\n")
            lines.append("!! " + printable(hold, single_line=True), style="bold reverse")
        self.app.show_hold(len(ov.holds))
        if ov.others:  # who else is working now, so nobody posts the same update twice
            if lines:
                lines.append("\n")
            lines.append(printable("Also working now: " + "; ".join(
                h.describe() for h in ov.others), single_line=True))
        titles = {i.id: printable(i.title, single_line=True) for i in ov.incidents}
        for incident_id, update in ov.updates.items():
            if update.missed:
                slots = ", ".join(fmt_time(m) for m in update.missed)
                line = f"! MISSED UPDATE ({slots}): {titles.get(incident_id, incident_id)}"
                self.app.ring_once(f"{incident_id}@{update.missed[-1].isoformat()}")
            elif update.due_soon and update.next_due is not None:
                line = (f"» UPDATE DUE {fmt_time(update.next_due)} "
                        f"{countdown(update.next_due, ov.now)}: "
                        f"{titles.get(incident_id, incident_id)}")
                self.app.ring_once(f"{incident_id}@{update.next_due.isoformat()}")
            else:
                continue
            if lines:
                lines.append("\n")
            lines.append(line, style="bold")
        banner.display = bool(lines)
        banner.update(lines)

    def _show_status(self, ov: Overview) -> None:
        check = self.app.log_check
        text = Text(f"{fmt_time(ov.now)}  ")
        inbox = ov.inbox
        parts = [f"{inbox.emergencies} EMERGENCY"] if inbox.emergencies else []
        parts += [f"{inbox.todo} need action"] if inbox.todo else []
        parts += [f"{inbox.overdue} OVERDUE"] if inbox.overdue else []
        parts += [f"{inbox.for_me} forwarded to you"] if inbox.for_me else []
        if parts:
            mark = "!!" if inbox.emergencies else "!"
            text.append(f"{mark} INBOX: {', '.join(parts)} (i)  ", style="bold")
        if ov.undecided:
            text.append(f"! OUTBOX: {ov.undecided} to decide (o)  ", style="bold")
        if ov.to_decide:
            text.append(f"! SCHEDULED: {ov.to_decide} to decide (S)  ", style="bold")
        elif ov.scheduled:
            text.append(f"{ov.scheduled} scheduled (S)  ")
        if self._stale and self._stale[0]:
            text.append(f"! OUT OF DATE: {self._stale[0]} (U)  ", style="bold")
        elif self._stale and self._stale[1]:
            text.append(f"{self._stale[1]} quiet sites (U)  ")
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

    def on_home_changed(self, event: HomeChanged) -> None:
        """Another officer ticked, posted, held or logged: show it now, not at the next
        refresh (kinds the dashboard does not show are ignored)."""
        if self.is_mounted and self._ready and event.kinds & SHOWN:
            self.load()

    def on_screen_resume(self) -> None:
        # A screen popped back to this one (Show does not come then): fresh data too.
        if self.is_mounted:
            self.load()
            if self._stale is not None:  # something may have been taken down meanwhile
                self._count_stale()

