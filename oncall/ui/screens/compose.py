"""Compose and cross-post: the text, the sites, each site's count and status, the checks, Send.

One screen, so the officer sees everything that will happen before it happens,
and each site's result in place after it has.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Label, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection
from textual.worker import get_current_worker

from oncall.model import (
    Delivery,
    DeliveryState,
    Draft,
    Incident,
    PostRecord,
    Site,
    Template,
)
from oncall.policy import Attachment, Finding
from oncall.postview import compose_view
from oncall.sending import AlreadySent, Judgement, OnHold, Outgoing, SendRefused
from oncall.sitegroups import (
    SHORT_PLATFORMS,
)
from oncall.textsafe import printable
from oncall.timeutil import fmt_datetime, fmt_time, utcnow
from oncall.ui.callbacks import then
from oncall.ui.dialogs.attach import AttachDialog
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.framehold import FrameHold
from oncall.ui.holdask import ask_through_hold
from oncall.ui.screens.coediting import CoEditing
from oncall.ui.screens.draftsaving import DraftSaving
from oncall.ui.screens.policymarks import PolicyMarks
from oncall.ui.screens.scheduling import Scheduling
from oncall.ui.screens.sitepicking import SitePicking
from oncall.ui.widgets.findings import FindingsList
from oncall.ui.widgets.posttext import PostTextArea
from oncall.ui.widgets.siteline import status_word

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp

S = DeliveryState
DRAFT_SAVE_DELAY = 1.0
# Longest the screen waits for the checks before drawing what was typed (see FrameHold).
CHECKS_FRAME_HOLD = 0.025


class ComposeScreen(CoEditing, DraftSaving, Scheduling, SitePicking, PolicyMarks,
                    Screen[None]):
    """Write once, check against the procedure, send to many sites, watch each result."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # F5 alone sends: Ctrl+S means "save the draft" on every screen, so a save by
        # habit can never be a send.
        Binding("f5", "send", "Send…", id="compose.send", key_display="F5",
                tooltip="Check, confirm the sites, and send"),
        Binding("f10,ctrl+d", "schedule", "Schedule…", id="compose.schedule",
                key_display="F10", show=False,
                tooltip="Send it later, at a time you give (checked again then)"),
        Binding("ctrl+s,f2", "save_draft", "Save draft", id="compose.save_draft",
                key_display="^S/F2", tooltip="Save the draft now (it is also saved as you type)"),
        Binding("ctrl+t", "groups", "Sites…", id="compose.groups", key_display="^T",
                tooltip="Tick a group of sites: corporate, an area, a network"),
        Binding("f9", "attach", "Attach", id="compose.attach",
                tooltip="Attach a photo or video, with its source and permission"),
        Binding("ctrl+f", "find_site", "Find site", id="compose.find_site", key_display="^F",
                tooltip="Jump to a site by name, handle or area"),
        Binding("ctrl+r,f7", "retry", "Retry failed", id="compose.retry", key_display="^R/F7",
                tooltip="Send again only to the sites that failed"),
        Binding("f12", "decide", "Decide", id="compose.decide",
                tooltip="Say whether an UNKNOWN site did post, after checking it"),
        Binding("f8", "retract", "Retract all", id="compose.retract",
                tooltip="Delete this post from every site it reached"),
        Binding("ctrl+l", "copy_link", "Copy link", id="compose.copy_link", key_display="^L",
                tooltip="Copy the highlighted site's link to the post"),
        Binding("ctrl+o,f3", "override", "Override", id="compose.override",
                key_display="^O/F3", tooltip="Override a blocking check (with a reason)"),
        Binding("ctrl+g,f4", "acknowledge", "Note warnings", id="compose.acknowledge",
                key_display="^G/F4", tooltip="Acknowledge the warnings shown (logged)"),
        Binding("escape", "back", "Back", id="compose.back"),
    ]

    app: OncallApp

    def __init__(self, incident: Incident, draft: Draft | None = None,
                 post: PostRecord | None = None) -> None:
        super().__init__()
        self.incident = incident
        self.post = post  # an earlier post, opened to follow up: retry, decide, retract
        if post is not None and draft is None:
            draft = Draft(id=post.draft or f"{incident.id}-{secrets.token_hex(3)}",
                          incident=incident.id, created_by=post.author,
                          created_at=post.created_at, updated_at=post.created_at,
                          template=post.template, body=post.body, short=post.short,
                          status="sent", overrides=dict(post.overrides),
                          acknowledged=dict(post.acknowledged))
        self.draft = draft or Draft(id=f"{incident.id}-{secrets.token_hex(3)}",
                                    incident=incident.id, created_by="", created_at=utcnow(),
                                    updated_at=utcnow())
        self.sites: list[Site] = []
        self.findings: list[Finding] = []
        self.overrides: dict[str, str] = dict(self.draft.overrides)
        self.acks: dict[str, str] = dict(self.draft.acknowledged)
        self.override_reasons: dict[str, str] = {}
        self.override_notes: dict[str, str] = dict(self.draft.override_notes)
        self.post_id: str | None = post.id if post else None
        self.deliveries: dict[str, Delivery] = {}
        self.last_sites: tuple[str, ...] = ()
        self.attachments: list[dict[str, object]] = list(
            post.attachments if post else self.draft.attachments)
        self._save_timer: Timer | None = None
        self._frame: FrameHold | None = None
        self._start_saving()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Text (Facebook, Mastodon, YouTube description)", classes="compose-label")
        yield PostTextArea(self.draft.body, id="compose-body", soft_wrap=True,
                           show_line_numbers=False)
        yield Label("Short version for X and Bluesky (blank: use the text)",
                    classes="compose-label")
        yield PostTextArea(self.draft.short, id="compose-short", soft_wrap=True,
                           show_line_numbers=False)
        yield Label("Sites: Space ticks · ^T groups · count/limit · status",
                    classes="compose-label")
        yield Static("", id="compose-media", classes="compose-label")
        yield SelectionList[str](id="compose-sites")
        yield Static("", id="compose-detail")
        yield FindingsList("", id="compose-findings")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self._base_subtitle()
        self.sender = self.app.send_path(on_change=self._delivery_changed)
        self.poster = self.sender.poster
        # The counts and the findings of one keystroke go out in one frame; a check
        # slower than this (a huge paste) no longer holds back what was typed.
        self._frame = FrameHold(self.app, CHECKS_FRAME_HOLD)
        self._show_media()
        self.load_sites()
        self.check_coediting()

    @work(thread=True, group="compose-load")
    def load_sites(self) -> None:
        view = compose_view(self.app.session, self.incident.id,
                            self.post.id if self.post is not None else None)
        self.last_sites = view.last_sites
        self.app.call_from_thread(self._sites_loaded, view.sites, view.deliveries)

    def _sites_loaded(self, sites: list[Site], deliveries: list[Delivery]) -> None:
        self.sites = sites
        self.deliveries = {d.site: d for d in deliveries}
        picker = self.query_one("#compose-sites", SelectionList)
        picker.clear_options()
        ticked = set(self.post.sites) if self.post else set(self.draft.sites) \
            if self.draft.sites else set(self._default_sites(sites))
        picker.add_options([Selection(self._label(s), s.id, s.id in ticked, id=s.id)
                            for s in sites])
        self.refresh_checks()
        self._show_detail()

    # --- live counts and checks ---------------------------------------------------------

    def _texts(self) -> tuple[str, str]:
        return (self.query_one("#compose-body", TextArea).text,
                self.query_one("#compose-short", TextArea).text)

    def _base_subtitle(self) -> str:
        """The header's subtitle: the incident, and what is being edited."""
        title = printable(self.incident.title, single_line=True)
        if self.post is not None:
            return f"{title} · post of {fmt_time(self.post.created_at)}"
        if self.editing_scheduled and self.draft.due_at is not None:
            return f"SCHEDULED {fmt_datetime(self.draft.due_at)} · F10 saves · {title}"
        return title

    def _show_draft_text(self, draft: Draft) -> None:
        """Another officer's version of the draft, taken in place of what was here."""
        self.query_one("#compose-body", TextArea).text = draft.body
        self.query_one("#compose-short", TextArea).text = draft.short
        self.overrides, self.acks = dict(draft.overrides), dict(draft.acknowledged)
        self.override_notes = dict(draft.override_notes)
        self.attachments = list(draft.attachments)
        self._show_media()
        self.refresh_checks()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.refresh_checks()
        if self.post is not None or self.editing_scheduled:
            return  # a post as sent, or one scheduled (F10 keeps its changes)
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(DRAFT_SAVE_DELAY, self.save_draft)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self.refresh_checks()

    def refresh_checks(self) -> None:
        """Update every site's count and re-run the checks (in a worker: latest only)."""
        picker = self.query_one("#compose-sites", SelectionList)
        for site in self.sites:
            picker.replace_option_prompt(site.id, self._label(site))
        body, short = self._texts()
        if self._frame is not None:
            self._frame.hold()
        self.run_checks(body, short, self._chosen())

    def _outgoing(self, body: str, short: str, sites: list[Site]) -> Outgoing:
        return Outgoing(self.incident.id, body, tuple(s.id for s in sites), short=short,
                        template=self.draft.template, draft=self.draft.id,
                        overrides=dict(self.overrides), acknowledged=dict(self.acks),
                        override_notes=dict(self.override_notes),
                        attachments=list(self.attachments))

    @work(thread=True, exclusive=True, group="compose-checks")
    def run_checks(self, body: str, short: str, sites: list[Site]) -> None:
        # The same judgement the send path makes, so what is shown is what will be enforced.
        try:
            judged = self.sender.judge(self._outgoing(body, short, sites))
        except SendRefused as exc:
            self.app.call_from_thread(self._check_refused, exc.message)
            return
        if get_current_worker().is_cancelled:
            return  # newer text is being checked: these findings are already out of date
        self.app.call_from_thread(self._checked, judged.findings)

    def _check_refused(self, message: str) -> None:
        if self._frame is not None:
            self._frame.release()
        self.notify(message, severity="error")

    @property
    def template(self) -> Template | None:
        return self.app.library.templates.get(self.draft.template) if self.draft.template \
            else None

    def _checked(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.query_one(FindingsList).show(findings, overridden=self._current(self.overrides),
                                          acknowledged=self._current(self.acks))
        if self._frame is not None:
            self._frame.release()

    def on_unmount(self) -> None:
        if self._frame is not None:
            self._frame.release()

    # --- PolicyMarks hooks ---------------------------------------------------------------

    def _marked_text(self) -> str:
        body, short = self._texts()
        return f"{body}\n\n{short}"

    def _template_body(self) -> str:
        template = self.template
        return template.body if template else ""

    def _subject(self) -> str | None:
        return self.draft.template or None

    def _marks_changed(self) -> None:
        self._checked(self.findings)
        self._show_media()

    # --- the draft ------------------------------------------------------------------

    # --- sending ----------------------------------------------------------------------

    def action_send(self) -> None:
        out = self._scheduled_out()
        if out is not None:
            self._confirm_send(out)

    def _scheduled_out(self) -> Outgoing | None:
        """The post as it stands, ready to send or schedule; None after saying why not."""
        if self.post_id is not None:
            self.notify("Already sent. Use Retry failed for failed sites, or start a new post.")
            return None
        body, short = self._texts()
        sites = self._chosen()
        if not body.strip():
            self.notify("Nothing to send: write the text first.", severity="error")
            return None
        if not sites:
            self.notify("Tick at least one site (Space, or ^T for a group).", severity="error")
            return None
        return self._outgoing(body, short, sites)

    @work(thread=True, exclusive=True, group="compose-confirm")
    def _confirm_send(self, out: Outgoing) -> None:
        """Ask the send path what would happen, then show exactly that before asking."""
        judged = self.sender.judge(out)
        self.sender.enforce(judged)  # a refusal ends here, shown by the app in one line
        self.app.call_from_thread(self._ask_send, out, judged)

    def _ask_send(self, out: Outgoing, judged: Judgement) -> None:
        lines = [f"Send to {len(judged.sites)} site(s):"]
        for site in judged.sites:
            variant = "short" if site.platform in SHORT_PLATFORMS and out.short.strip() \
                else "text"
            lines.append(f"  • {printable(site.name, single_line=True)} "
                         f"({site.platform_label}, {variant})")
        if judged.skipped:
            lines.append("Not sent to (video only): " + ", ".join(
                printable(s.name, single_line=True) for s in judged.skipped))
        self.app.push_screen(ConfirmDialog("Send now?", "\n".join(lines), yes="send"),
                             then(lambda _: self._send(out)))

    @work(group="compose-send")
    async def _send(self, out: Outgoing) -> None:
        self.post_id = "pending"
        if self._save_timer is not None:  # the text goes out with the post itself
            self._save_timer.stop()
        try:
            result = await self.sender.send(out)
        except OnHold as exc:
            self.post_id = None
            self._through_hold(out, exc)  # asks, naming the hold; nothing was sent
            return
        except AlreadySent as exc:
            self.post_id = exc.draft.post
            self.draft.status = "sent"
            self.deliveries = {d.site: d for d in await asyncio.to_thread(
                self.poster.for_post, self.incident.id, exc.draft.post)}
            self.refresh_checks()
            raise
        except BaseException:
            self.post_id = None
            raise
        self.post_id = result.post
        self.draft.status = "sent"
        self._report(result.deliveries)

    def _report(self, results: list[Delivery]) -> None:
        counts: dict[str, int] = {}
        for d in results:
            word = status_word(d).split()[-1].lower()
            counts[word] = counts.get(word, 0) + 1
        summary = ", ".join(f"{n} {word}" for word, n in counts.items())
        bad = sum(n for word, n in counts.items() if word != "sent")
        self.notify(f"Post: {summary}." + (" UNRECORDED sites are listed in the outbox (o) "
                                           "for a decision." if "unrecorded" in counts else ""),
                    severity="warning" if bad else "information", timeout=10)

    def _delivery_changed(self, delivery: Delivery) -> None:
        self.deliveries[delivery.site] = delivery
        if not self.is_attached:
            return  # the officer left while it sends: the outbox and the post keep it
        site = next((s for s in self.sites if s.id == delivery.site), None)
        if site is not None:
            self.query_one("#compose-sites", SelectionList).replace_option_prompt(
                site.id, self._label(site))
        self._show_detail()

    def on_selection_list_selection_highlighted(
            self, event: SelectionList.SelectionHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted site's whole result, which its line has no room for at 80
        columns: the network's reason in full, or the link."""
        detail = self.query_one("#compose-detail", Static)
        site = self._highlighted()
        delivery = self.deliveries.get(site.id) if site else None
        if site is None or delivery is None:
            detail.display = False
            return
        line = Text(no_wrap=False)
        line.append(f"{status_word(delivery)} ", style="bold")
        line.append(printable(f"{site.name} ({site.platform_label})", single_line=True))
        if delivery.state == S.SENT and delivery.url:
            line.append(": " + printable(delivery.url, single_line=True))
        elif delivery.reason:
            line.append(": " + printable(delivery.reason, single_line=True))
        detail.update(line)
        detail.display = True

    def action_retry(self) -> None:
        if not self.post_id or self.post_id == "pending":
            self.notify("Nothing sent yet.")
            return
        if not any(d.state in (S.FAILED, S.HELD) for d in self.deliveries.values()):
            self.notify("No failed or held sites to retry. UNKNOWN sites need a decision "
                        "(F12) first.")
            return
        self._retry()

    @work(group="compose-send")
    async def _retry(self, hold: str = "") -> None:
        assert self.post_id is not None
        try:
            self._report(await self.sender.retry_failed(self.incident.id, self.post_id, hold))
        except OnHold as exc:  # asks, naming the hold; nothing was sent
            ask_through_hold(self.app, exc, self._retry, "retry")

    def action_decide(self) -> None:
        site = self._highlighted()
        delivery = self.deliveries.get(site.id) if site else None
        if site is None or delivery is None or delivery.state != S.UNKNOWN:
            self.notify("Highlight a site marked ? UNKNOWN, check that site, then press F12.")
            return
        options = [("posted", f"It IS on {site.name}: mark it sent"),
                   ("not-posted", f"It is NOT on {site.name}: mark it failed (then Retry)")]
        self.app.push_screen(ChooseDialog("What did you find?", options),
                             then(lambda choice: self._decide(delivery, choice == "posted")))

    @work(group="compose-send")
    async def _decide(self, delivery: Delivery, posted: bool) -> None:
        await self.sender.decide(delivery, posted)

    def action_retract(self) -> None:
        live = [d for d in self.deliveries.values() if d.state == S.SENT]
        if not live:
            self.notify("Nothing sent to retract.")
            return
        names = "\n".join(f"  • {s.name} ({s.platform_label})" for s in self.sites
                          if s.id in {d.site for d in live})

        def reason_given(reason: str | None) -> None:
            if reason:
                self._retract(reason)

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.app.push_screen(ReasonDialog(
                    "Why retract?", "The reason goes in the action log.",
                    placeholder="e.g. found safe and well 06:05"), reason_given)

        self.app.push_screen(ConfirmDialog("Retract everywhere?",
                                           f"Delete this post from {len(live)} site(s):\n{names}",
                                           yes="retract"), confirmed)

    @work(group="compose-send")
    async def _retract(self, reason: str) -> None:
        assert self.post_id is not None
        results = await self.sender.retract_everywhere(self.incident.id, self.post_id, reason)
        done = sum(d.state == S.RETRACTED for d in results)
        self.notify(f"Retracted from {done} of {len(results)} site(s).",
                    severity="information" if done == len(results) else "error")

    def action_copy_link(self) -> None:
        site = self._highlighted()
        delivery = self.deliveries.get(site.id) if site else None
        if delivery is None or not delivery.url:
            self.notify("Highlight a site marked ✓ sent to copy its link.")
            return
        self.app.copy_to_clipboard(delivery.url)
        self.notify(f"Copied: {delivery.url}")

    def action_attach(self) -> None:
        if self.post_id is not None:
            self.notify("Already sent: attach to a new post.")
            return

        def attached(result: tuple[Attachment, str] | None) -> None:
            if result is None:
                return
            item, alt = result
            self.attachments.append({
                "kind": item.kind, "path": item.name, "alt": alt,
                "third_party": item.third_party, "source": item.source,
                "permission": item.permission, "purpose": item.purpose,
                "key_message": item.key_message})
            self._show_media()
            self.refresh_checks()
            self.save_draft()

        self.app.push_screen(AttachDialog(), attached)

    def _show_media(self) -> None:
        line = Text()
        notes = self.post.override_notes if self.post is not None else self.override_notes
        for rule, note in notes.items():
            # Who let a blocked check through, and how: shown with the post it let out.
            line.append(f"! {rule}: ", style="bold")
            line.append(printable(note, single_line=True) + "\n")
        line.append("Attached: ")
        if not self.attachments:
            line.append("nothing (F9 attaches a photo or video)")
        for i, a in enumerate(self.attachments):
            if i:
                line.append("; ")
            line.append(f"{a['kind']} {printable(Path(str(a['path'])).name)}")
            if a.get("third_party"):
                line.append(f" (third party: {printable(str(a.get('source') or '?'))})")
        self.query_one("#compose-media", Static).update(line)

    def action_back(self) -> None:
        if self.editing_scheduled and self.unsent_text():
            self.app.push_screen(
                ConfirmDialog("Leave your changes?", "This post is scheduled: your changes "
                              "are kept only by F10. Leave them, and it goes as it was?",
                              yes="leave"),
                then(lambda _: self.app.pop_screen()))
            return
        if self.post is None and self.post_id is None:
            self.save_draft()
        self.app.pop_screen()

