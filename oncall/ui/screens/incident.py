"""One incident: its playbook checklist with due times, the next update, its timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from oncall.cadence import UpdateSlots
from oncall.inboxrecords import Waiting, incident_waiting
from oncall.incidents import PROTECTIONS, IncidentError, StepState
from oncall.model import Draft, Incident, LogEntry, Person, Playbook, PostRecord, Role
from oncall.postview import drafts_of
from oncall.textsafe import printable
from oncall.timeutil import countdown, fmt_datetime, fmt_time, local, utcnow
from oncall.ui.callbacks import then
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.edit_incident import EditIncidentDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.holding import CrisisHold
from oncall.ui.widgets.logtail import LogTail
from oncall.updates import UpdateState, updates_for

if TYPE_CHECKING:
    from oncall.presence import Here
    from oncall.ui.app import HomeChanged, OncallApp

# State, due and done columns are fixed; the title gets what is left of 80 columns.
STEP_WIDTH = 37

_STATE_MARK = {"done": "✓ done", "OVERDUE": "! OVERDUE", "due soon": "» due soon",
               "open": "· open", "stand-down": "◦ stand-down"}


def initials(people: dict[str, Person], login: str) -> str:
    """'SO' for Sarah Okafor; the login itself for someone not in the directory."""
    person = people.get(login)
    if person is None:
        return login[:6]
    return "".join(part[0] for part in person.name.split()[:3]).upper()


# A backstop: the home watcher brings other officers' work at once (oncall.homewatch).
REFRESH_SECONDS = 5.0

class IncidentScreen(CrisisHold, Screen[None]):
    """The checklist an officer works through, half asleep, without a mistake."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "Tick", id="incident.tick",
                tooltip="Mark the selected step done, or undo a tick made in error"),
        Binding("f", "fill", "Fill", id="incident.fill",
                tooltip="Fill the selected step's template"),
        Binding("c", "compose", "Compose", id="incident.compose",
                tooltip="Write and send a post: from a saved draft or free text"),
        # What a night needs most comes first: the footer shows as many as 80 columns
        # hold; every one is in F1 help and the palette.
        Binding("i", "inbox", "Inbox", id="incident.inbox",
                tooltip="Messages from the public about this incident"),
        Binding("h", "posts", "Posts", id="incident.posts",
                tooltip="Open an earlier post: its sites' results, retry, retract"),
        Binding("j", "record", "Record", id="incident.record",
                tooltip="Everything that happened in this incident, in order; export it"),
        Binding("e", "edit", "Edit", id="incident.edit",
                tooltip="Correct the incident's title, place or reference"),
        Binding("p", "proceedings", "Proceedings", id="incident.proceedings",
                tooltip="Mark proceedings active (someone charged) or ended"),
        Binding("b", "protect", "Protect name", id="incident.protect",
                tooltip="Record a name never to publish: a sexual-offence victim or a child "
                        "in proceedings"),
        Binding("x", "close_incident", "Close", id="incident.close",
                tooltip="Close (stand down) the incident"),
        Binding("v", "vault", "Vault", id="incident.vault", show=False,
                tooltip="Site credentials for this incident: each use goes in its record"),
        Binding("exclamation_mark", "crisis_hold", "Crisis hold", id="incident.hold",
                show=False, key_display="!",
                tooltip="Pause this incident's (or every) scheduled post and delivery"),
        Binding("r", "refresh", "Refresh", id="incident.refresh", show=False),
        Binding("escape", "back", "Back", id="incident.back"),
    ]

    app: OncallApp

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.incident: Incident | None = None
        self.playbook: Playbook | None = None
        self.states: list[StepState] = []
        self._schedule: UpdateSlots | None = None
        self._step_history: dict[str, list[LogEntry]] = {}
        self._update: UpdateState | None = None
        self._inbox = Waiting()  # this incident's messages still to answer
        self._here: list[Here] = []  # other officers on this incident now

    def _hold_incident(self) -> str:
        return self.incident_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="inc-summary")
        yield Static("", id="inc-next")
        table: DataTable[Text] = DataTable(id="inc-steps", cursor_type="row")
        yield table
        yield Static("", id="inc-detail", classes="panel")
        yield LogTail(id="inc-timeline", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#inc-steps", DataTable)
        table.add_column("State", width=12)
        table.add_column("Due", width=9)
        self._step_column = table.add_column("Step", width=STEP_WIDTH)
        self._done_column = table.add_column("Done", width=12)
        self.query_one("#inc-detail").border_title = "Step"
        self.query_one("#inc-timeline").border_title = "Timeline"
        self.load()
        self.set_interval(1.0, self._tick_clock)
        self.set_interval(REFRESH_SECONDS, self.load)

    @work(thread=True, exclusive=True, group="incident-load")
    def load(self) -> None:
        """Read the incident, its ticks and timeline off the event loop."""
        incidents = self.app.incidents
        try:
            incident = incidents.get(self.incident_id)
        except IncidentError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        playbook = self.app.library.playbooks.get(incident.playbook)
        states = incidents.checklist(incident, playbook) if playbook else []
        timeline = incidents.timeline(incident)
        update = updates_for(self.app.session, [incident], utcnow()).get(incident.id)
        inbox = incident_waiting(self.app.session, incident.id, utcnow())
        self._here = [h for h in self.app.presence.others() if h.incident == incident.id]
        self.app.call_from_thread(self._got_update, update, inbox)
        self.app.call_from_thread(self.show, incident, playbook, states, timeline)

    def _got_update(self, update: UpdateState | None, inbox: Waiting) -> None:
        self._update = update
        self._inbox = inbox

    def show(self, incident: Incident, playbook: Playbook | None, states: list[StepState],
             timeline: list[LogEntry]) -> None:
        """Put a freshly read incident on screen, keeping the cursor where it was."""
        first_show = self.incident is None
        self.incident, self.playbook, self.states = incident, playbook, states
        self._schedule = UpdateSlots(incident.cadence) if incident.cadence else None
        now = utcnow()
        summary = Text()
        summary.append(printable(incident.title, single_line=True), style="bold")
        summary.append(f"  [{incident.status_label}]")
        if incident.protected_names or incident.protection:
            why = PROTECTIONS.get(incident.protection, "names recorded")
            # Never the names themselves on screen: only that they are blocked.
            summary.append(f"\n! PROTECTED: {len(incident.protected_names)} name(s) blocked "
                           f"in every post ({why})", style="bold")
        facts = [incident.id]
        if incident.reference:
            facts.append(f"ref {printable(incident.reference, single_line=True)}")
        if incident.location:
            facts.append(printable(incident.location, single_line=True))
        facts.append(f"opened {fmt_datetime(incident.opened_at, now)}")
        summary.append("\n" + " · ".join(facts), style="dim")
        inbox = self._inbox
        parts = [f"{inbox.emergencies} EMERGENCY"] if inbox.emergencies else []
        parts += [f"{inbox.todo} need action"] if inbox.todo else []
        parts += [f"{inbox.overdue} OVERDUE"] if inbox.overdue else []
        if parts:  # the messages about this incident still waiting for an answer
            mark = "!!" if inbox.emergencies else "!"
            summary.append(f"\n{mark} INBOX: {', '.join(parts)} (i)", style="bold")
        if self._here:  # who else is on this incident now, and on which screen
            summary.append("\n" + printable("Also here: " + "; ".join(
                f"{h.name} ({h.where})" for h in self._here), single_line=True),
                style="bold")
        if playbook is None:
            summary.append(f"\nPlaybook {incident.playbook!r} is missing or broken: "
                           "see the dashboard's problems.", style="bold")
        self.query_one("#inc-summary", Static).update(summary)
        self.sub_title = playbook.title if playbook else incident.playbook
        table = self.query_one("#inc-steps", DataTable)
        row = table.cursor_row
        table.clear()
        names = self.app.session.directory.people
        for st in states:
            done_by = ""
            if st.tick:
                done_by = f"{initials(names, st.tick.done_by)} {local(st.tick.done_at):%H:%M}"
            table.add_row(Text(_STATE_MARK[st.state(now)]),
                          Text(fmt_time(st.due_at) if st.due_at else "—"),
                          Text(printable(st.step.title, single_line=True), no_wrap=True,
                               overflow="ellipsis"),
                          Text(printable(done_by)), key=st.step.id)
        if first_show:
            # Opened at 3 a.m., the cursor waits on the first step still to do, not on
            # one finished an hour ago.
            row = next((i for i, st in enumerate(states)
                        if st.tick is None and not st.step.stand_down), 0)
        if states:
            table.move_cursor(row=min(row, len(states) - 1))
        self._show_detail()
        people = {login: p.name for login, p in names.items()}
        self.query_one(LogTail).show(timeline[-4:], now, people, show_incident=False)
        self._step_history = {}
        for entry in timeline:
            if entry.action in ("playbook.step.done", "playbook.step.undone"):
                self._step_history.setdefault(str(entry.details.get("step")), []).append(entry)
        self._tick_clock()

    def on_resize(self, event: events.Resize) -> None:
        """Below 80 columns 'done by' shrinks to initials and time and the step title takes
        what is left; the step pane below has the whole title and who did it."""
        width = event.size.width
        table = self.query_one("#inc-steps", DataTable)
        done = 12 if width >= 80 else 8
        table.columns[self._done_column].width = done
        table.columns[self._step_column].width = max(STEP_WIDTH + (width - 80) + (12 - done),
                                                     14)
        table.refresh()

    def _tick_clock(self) -> None:
        if self.incident is None:
            return
        now = utcnow()
        line = Text()
        if not self.incident.is_open:
            line.append("Closed. No further updates due.")
        elif self._schedule is None:
            line.append("This playbook sets no update cadence.")
        else:
            due = self._schedule.after(now, inc=True)
            if self._update is not None and self._update.missed:
                slots = ", ".join(fmt_time(m) for m in self._update.missed)
                line.append(f"! MISSED UPDATE ({slots}): post one now. ", style="bold reverse")
            if due is None:
                line.append("No further scheduled updates.")
            else:
                line.append(f"Next update due {fmt_time(due)} ({countdown(due, now)})",
                            style="bold")
                line.append(f" · {self.incident.cadence_label}")
        self.query_one("#inc-next", Static).update(line)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _selected(self) -> StepState | None:
        table = self.query_one("#inc-steps", DataTable)
        if not self.states or table.cursor_row is None:
            return None
        return self.states[min(table.cursor_row, len(self.states) - 1)]

    def _show_detail(self) -> None:
        st = self._selected()
        detail = Text()
        if st is not None:
            detail.append(printable(st.step.title), style="bold")
            detail.append(f" ({Role(st.step.owner).label})\n")
            detail.append(printable(" ".join(st.step.detail.split())))
            people = self.app.session.directory.people
            # Who ticked and unticked it, latest last: a colleague's name stays here.
            for entry in self._step_history.get(st.step.id, [])[-3:]:
                who = people[entry.actor].name if entry.actor in people else entry.actor
                verb = "Done" if entry.action == "playbook.step.done" else "Unticked"
                detail.append(f"\n{verb} by {printable(who)} at "
                              f"{fmt_time(datetime.fromisoformat(entry.at))}")
            templates = [self.app.library.templates[t] for t in st.step.templates
                         if t in self.app.library.templates]
            if templates:
                detail.append("\nf: fill ", style="bold")
                detail.append(" / ".join(printable(t.title) for t in templates))
        self.query_one("#inc-detail", Static).update(detail)

    def action_tick(self) -> None:
        st = self._selected()
        if st is None or self.incident is None:
            return
        me = self.app.session.user.login
        if st.tick is not None and st.tick.done_by != me:
            # A colleague's tick is never undone silently: ask, and name them.
            person = self.app.session.directory.people.get(st.tick.done_by)
            name = person.name if person else st.tick.done_by
            self.app.push_screen(ConfirmDialog(
                f"Untick {name}'s step?",
                f"{name} ticked “{st.step.title}” at {fmt_time(st.tick.done_at)}.\n\n"
                "Untick it? They will see it unticked, and the log keeps who ticked it "
                "and who unticked it.", yes="untick"),
                then(lambda _: self._toggle(st, others=True)))
            return
        self._toggle(st)

    @work(thread=True, group="incident-write")
    def _toggle(self, st: StepState, others: bool = False) -> None:
        assert self.incident is not None
        if st.tick:
            self.app.incidents.untick(self.incident, st.step, st.tick, others=others)
        else:
            self.app.incidents.tick(self.incident, st.step)
            if st.step.stand_down:
                self._offer_stand_down(self.incident, st)
        self.app.call_from_thread(self.load)

    def _offer_stand_down(self, incident: Incident, st: StepState) -> None:
        """Standing down (found safe): offer to take every live appeal down at once, then
        the step's thank-you template. Runs in the tick's worker thread."""
        appeals = self.app.send_path().live_appeals(incident.id)
        self.app.call_from_thread(self._ask_stand_down, incident, st, appeals)

    def _ask_stand_down(self, incident: Incident, st: StepState,
                        appeals: list[PostRecord]) -> None:
        def then_fill() -> None:
            if st.step.templates:
                self._fill(st.step.templates[0])

        if not appeals:
            then_fill()
            return
        sites = sum(len(p.sites) for p in appeals)
        body = (f"{len(appeals)} appeal post(s) are live on {sites} site(s). The procedure "
                "wants images of missing people removed promptly once they are found.\n\n"
                "Retract them everywhere now, then fill the thank-you?")
        def answered(ok: bool | None) -> None:
            if ok:
                self._retract_appeals(incident, appeals, then_fill)
            else:
                then_fill()

        self.app.push_screen(ConfirmDialog("Stand down: retract the appeal?", body,
                                           yes="retract everywhere"), answered)

    @work(group="incident-retract")
    async def _retract_appeals(self, incident: Incident, appeals: list[PostRecord],
                               then: Callable[[], None]) -> None:
        sender = self.app.send_path()
        done = total = 0
        for post in appeals:
            results = await sender.retract_everywhere(incident.id, post.id,
                                                      f"stand-down: {incident.title}")
            total += len(results)
            done += sum(r.state == "retracted" for r in results)
        self.notify(f"Appeal retracted from {done} of {total} site(s)."
                    + ("" if done == total else " See the post (h) for the rest."),
                    severity="information" if done == total else "error", timeout=10)
        self.load()
        then()

    def action_fill(self) -> None:
        st = self._selected()
        if st is None or self.incident is None:
            return
        if not st.step.templates:
            self.notify("This step has no template. Pick a step that shows 'f: fill'.")
            return
        templates = [self.app.library.templates[t] for t in st.step.templates
                     if t in self.app.library.templates]
        if not templates:
            self.notify("This step's templates did not load: see the dashboard's problems.",
                        severity="error")
            return
        if len(templates) == 1:
            self._fill(templates[0].id)
            return
        self.app.push_screen(ChooseDialog("Which template?",
                                          [(t.id, t.title) for t in templates]),
                             lambda choice: self._fill(choice) if choice else None)

    def _fill(self, template_id: str) -> None:
        from oncall.ui.screens.fill import FillScreen

        template = self.app.library.templates.get(template_id)
        if template is not None and self.incident is not None:
            self.app.push_screen(FillScreen(self.incident, template))

    def action_compose(self) -> None:
        if self.incident is None:
            return
        self._pick_draft(self.incident)

    # Not "incident-load": its exclusive refresh (every 5 s, and after any dialog) would
    # cancel this and the compose screen asked for would silently never open.
    @work(thread=True, group="incident-open")
    def _pick_draft(self, incident: Incident) -> None:
        drafts = drafts_of(self.app.session, incident.id)
        self.app.call_from_thread(self._choose_draft, incident, drafts)

    def _choose_draft(self, incident: Incident, drafts: list[Draft]) -> None:
        from oncall.ui.screens.compose import ComposeScreen

        if not drafts:
            self.app.push_screen(ComposeScreen(incident))
            return
        by_id = {d.id: d for d in drafts}
        options = [("new", "New post (free text)")] + [
            (d.id, f"{fmt_time(d.updated_at)} {d.template or 'free text'}: "
                   f"{' '.join(d.body.split())[:40]}") for d in reversed(drafts)]
        def chosen(key: str) -> None:
            self.app.push_screen(ComposeScreen(incident, by_id.get(key)))

        self.app.push_screen(ChooseDialog("Compose from", options), then(chosen))

    def action_record(self) -> None:
        from oncall.ui.screens.record import RecordScreen

        self.app.push_screen(RecordScreen(self.incident_id))

    def action_posts(self) -> None:
        if self.incident is not None:
            self._list_posts(self.incident)

    @work(thread=True, group="incident-open")
    def _list_posts(self, incident: Incident) -> None:
        from oncall.postview import posts_of

        posts = posts_of(self.app.session, incident.id)
        self.app.call_from_thread(self._choose_post, incident, posts)

    def _choose_post(self, incident: Incident, posts: list[PostRecord]) -> None:
        from oncall.ui.screens.compose import ComposeScreen

        if not posts:
            self.notify("Nothing has been posted for this incident yet (c to compose).")
            return
        by_id = {p.id: p for p in posts}
        options = [(p.id, f"{fmt_time(p.created_at)} {len(p.sites)} sites"
                          f"{' RETRACTED' if p.retracted_at else ''}: "
                          f"{' '.join(p.body.split())[:44]}") for p in reversed(posts)]
        def chosen(key: str) -> None:
            self.app.push_screen(ComposeScreen(incident, post=by_id[key]))

        self.app.push_screen(ChooseDialog("Which post?", options), then(chosen))

    def action_edit(self) -> None:
        if self.incident is None:
            return

        def done(changes: dict[str, str] | None) -> None:
            if changes:
                self._edit(changes)

        self.app.push_screen(EditIncidentDialog(self.incident), done)

    @work(thread=True, group="incident-write")
    def _edit(self, changes: dict[str, str]) -> None:
        try:
            self.app.incidents.update(self.incident_id, **changes)
        except IncidentError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
        self.app.call_from_thread(self.load)

    def action_proceedings(self) -> None:
        if self.incident is None:
            return
        active = self.incident.status != "proceedings_active"
        title = "Mark proceedings ACTIVE" if active else "End active proceedings"
        explanation = ("Someone has been charged or a court case is live. From now on "
                       "prejudicial wording (guilt, previous convictions, character, "
                       "identification) is blocked. Why?" if active else
                       "Proceedings are over (e.g. case concluded). Why?")

        def done(reason: str | None) -> None:
            if reason:
                self._set_proceedings(active, reason)

        self.app.push_screen(ReasonDialog(title, explanation,
                                          placeholder="e.g. man charged, court tomorrow"), done)

    @work(thread=True, group="incident-write")
    def _set_proceedings(self, active: bool, reason: str) -> None:
        try:
            self.app.incidents.set_proceedings_active(self.incident_id, active, reason)
        except IncidentError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
        self.app.call_from_thread(self.load)

    def action_protect(self) -> None:
        if self.incident is None or not self.incident.is_open:
            return
        incident = self.incident

        def named(name: str | None, kind: str = "") -> None:
            if name:
                self._protect(kind, name)

        def ask_name(kind: str | None) -> None:
            if kind is None:
                return
            self.app.push_screen(ReasonDialog(
                "Protect a name", "Type the name as it could appear (e.g. 'Jane Doe'). Every "
                "post is then blocked if it names the person, even by one part of the name. "
                "The log records that a name was added, never the name.",
                placeholder="first name and surname"),
                lambda name: named(name, "" if kind == "keep" else kind))

        if incident.protection:
            ask_name("keep")
            return
        self.app.push_screen(ChooseDialog("Why must the name never be published?", [
            (kind, f"It involves {label}") for kind, label in PROTECTIONS.items()]), ask_name)

    @work(thread=True, group="incident-write")
    def _protect(self, kind: str, name: str) -> None:
        incident = self.app.incidents.protect(self.incident_id, kind=kind, name=name)
        count = len(incident.protected_names)
        self.app.call_from_thread(self.notify, f"Protected: {count} name(s) now blocked in "
                                  "every post for this incident.")
        self.app.call_from_thread(self.load)

    def action_close_incident(self) -> None:
        if self.incident is None or not self.incident.is_open:
            return

        def done(note: str | None) -> None:
            if note:
                self._close(note)

        # A note is required: it records why, and a stray Enter cannot close an incident.
        self.app.push_screen(ReasonDialog(
            "Close this incident?", "Closing stops update reminders; the timeline stays. "
            "Type a closing note and press Enter, or Esc to keep it open.",
            placeholder="e.g. found safe and well 06:05; road reopened 23:40"), done)

    @work(thread=True, group="incident-write")
    def _close(self, note: str) -> None:
        try:
            self.app.incidents.close(self.incident_id, note)
        except IncidentError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
        else:
            problem = self.app.incidents.anchor_problem
            if problem:  # closed all the same; the officer should know the witness failed
                self.app.call_from_thread(self.notify, problem, severity="warning")
        self.app.call_from_thread(self.load)

    def action_inbox(self) -> None:
        from oncall.ui.screens.inbox import InboxScreen

        if self.incident is not None:
            self.app.push_screen(InboxScreen(self.incident))

    def action_refresh(self) -> None:
        self.load()

    def on_home_changed(self, event: HomeChanged) -> None:
        """Another officer's tick, post or note: shown now, not at the next refresh."""
        if self.is_mounted:
            self.load()

    def action_vault(self) -> None:
        from oncall.ui.screens.vault import VaultScreen

        self.app.push_screen(VaultScreen(incident=self.incident_id))

    def action_back(self) -> None:
        self.app.pop_screen()
