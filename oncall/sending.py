"""The one path by which a post leaves oncall: checked, permitted, claimed, then sent.

Compose, the outbox, retraction, `oncall post` and every later caller (scheduled
posts, inbox replies) come through here, so the procedure's checks, the sender's
rights and "exactly once" hold whoever calls. Each action re-reads what it depends
on (the incident's current state, the registry, the draft) and judges the exact
text each site will get; a refusal is a typed error naming the rule, raised before
anything is recorded or sent. No UI here: screens ask `judge` what would happen and
show it; they never decide.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from oncall.access import Right, may_post
from oncall.cadence import parse_duration
from oncall.crosspost import CLAIMABLE, IDLE_STATES, CrossPoster, StorageFault, may_resend
from oncall.faults import describe
from oncall.incidents import DraftRepository
from oncall.model import Delivery, Draft, Incident, IncidentStatus, PostRecord, Site, Template
from oncall.overrides import still_valid
from oncall.oversight import require_writer
from oncall.owners import is_live, new_owner, release
from oncall.policy import Attachment, Finding, Post, Verdict, check, verdict
from oncall.session import Session
from oncall.sitegroups import in_display_order, renditions
from oncall.store import Conflict, StoreError
from oncall.timeutil import fmt_time, local, utcnow


class SendRefused(Exception):
    """Nothing was recorded or sent. `rule` names why; the message is for the officer."""

    def __init__(self, rule: str, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.findings = findings


class Blocked(SendRefused):
    """The procedure's checks stop the text: a block not overridden, or a warning not
    acknowledged."""


class NotAllowed(SendRefused):
    """The sender may not post there, or the incident no longer allows it."""


class OnHold(NotAllowed):
    """A crisis hold covers this post: the scheduler never sends through one, and an
    officer only by confirming it by name (`Outgoing.hold`). `hold` is its id."""

    def __init__(self, hold: str, message: str) -> None:
        super().__init__("hold.in_force", message)
        self.hold = hold


class AlreadySent(SendRefused):
    """Someone (perhaps this officer, in another window) has already sent the draft."""

    def __init__(self, draft: Draft) -> None:
        when = fmt_time(draft.sent_at) if draft.sent_at else "just now"
        super().__init__("draft.already_sent",
                         f"This draft was already sent by {draft.sent_by or 'someone'} at "
                         f"{when} (post {draft.post}): open that post to see each site.")
        self.draft = draft


@dataclass
class Outgoing:
    """What an officer asks to send: the text, the sites, and the marks given for it."""

    incident: str
    body: str
    site_ids: tuple[str, ...]
    short: str = ""
    template: str = ""
    draft: str = ""
    overrides: dict[str, str] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)
    override_notes: dict[str, str] = field(default_factory=dict)
    attachments: list[dict[str, object]] = field(default_factory=list)
    # Set by the scheduler: the draft must still be scheduled for exactly this time (an
    # officer may have moved or cancelled it since it was found due).
    due: datetime | None = None
    # The crisis hold the officer confirmed sending through (its id), if one is in force.
    hold: str = ""


# A scheduled post's states that an officer may still send at once ("send now"): the
# claim takes it from there as from a draft, so the scheduler cannot send it as well.
LATER = ("scheduled", "missed", "blocked", "held")


@dataclass
class Judgement:
    """What would happen if `Outgoing` were sent now."""

    incident: Incident
    sites: list[Site]            # the destinations that will get the post, in display order
    skipped: list[Site]          # ticked, but the post does not apply (text to YouTube)
    renditions: dict[str, str]   # site id -> the exact text it gets
    findings: list[Finding]
    verdict: Verdict
    refused: list[tuple[Site, Right]]
    review_at: datetime | None
    overridden: set[str]
    acknowledged: set[str]

    @property
    def may_send(self) -> bool:
        return self.verdict.may_send and not self.refused and bool(self.sites)


def marked_text(body: str, short: str) -> str:
    """The text overrides and acknowledgements are tied to (both variants)."""
    return f"{body}\n\n{short}"


def as_attachment(data: Mapping[str, object]) -> Attachment:
    """A stored attachment as the policy checks see it."""
    return Attachment(str(data.get("kind", "photo")), Path(str(data.get("path", ""))).name,
                      third_party=bool(data.get("third_party")),
                      source=str(data.get("source", "")),
                      permission=str(data.get("permission", "")),
                      purpose=str(data.get("purpose", "")),
                      key_message=str(data.get("key_message", "")))


@dataclass(frozen=True)
class SendResult:
    post: str
    deliveries: list[Delivery]
    skipped: tuple[Site, ...] = ()  # ticked, but the post does not apply there


class SendPath:
    """Judge, refuse or send, for one session. `templates` is the playbook library's."""

    def __init__(self, session: Session, poster: CrossPoster,
                 templates: Mapping[str, Template],
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.poster = poster
        self.templates = templates
        self.clock = clock
        self.drafts = DraftRepository(session.store)
        self._anywhere = session.settings.rights.post_anywhere

    # --- judging (blocking I/O: call from a worker thread) -------------------------------

    def judge(self, out: Outgoing) -> Judgement:
        """The checks, the rights and the destinations for `out` as things stand now.
        Raises NotAllowed for what no mark can change: an incident that is gone or
        closed, an unknown site or template."""
        incident = self.session.incidents.get(out.incident)
        if incident is None:
            raise NotAllowed("incident.unknown", f"There is no incident {out.incident}.")
        if incident.status == IncidentStatus.CLOSED.value:
            raise NotAllowed("incident.closed", f"Incident {incident.id} is closed: nothing "
                             "more is posted for it. Reopen it or open a new one.")
        registry = self.session.sites.all()
        by_id = {s.id: s for s in registry}
        unknown = [i for i in out.site_ids if i not in by_id]
        if unknown:
            raise NotAllowed("site.unknown", f"No such site: {', '.join(unknown)}.")
        template = None
        if out.template:
            template = self.templates.get(out.template)
            if template is None:
                raise NotAllowed("template.unknown", f"No template {out.template!r} in the "
                                 "playbooks: it may have been withdrawn.")
        chosen = in_display_order([by_id[i] for i in dict.fromkeys(out.site_ids)])
        texts = renditions(chosen, out.body, out.short)
        now = self.clock()
        review_at = now + parse_duration(template.review_after) \
            if template and template.review_after else None
        post = Post(text=out.body, sites=chosen, renditions=texts, incident=incident,
                    template=template, people=list(self.session.directory.people.values()),
                    force=self.session.settings.force, policy=self.session.settings.policy,
                    review_at=review_at, today=local(now).date(),
                    attachments=[as_attachment(a) for a in out.attachments])
        findings = check(post) if out.body.strip() and chosen else []
        marked = marked_text(out.body, out.short)
        body = template.body if template else ""
        overridden = still_valid(out.overrides, marked, body)
        acknowledged = still_valid(out.acknowledged, marked, body)
        has_video = any(a.get("kind") == "video" for a in out.attachments)
        skipped = [s for s in chosen if s.platform == "youtube" and not has_video]
        sites = [s for s in chosen if s not in skipped]
        refused = self._refused(sites, registry)
        return Judgement(incident, sites, skipped, texts, findings,
                         verdict(findings, overridden, acknowledged), refused, review_at,
                         overridden, acknowledged)

    def _refused(self, sites: list[Site], registry: list[Site]) -> list[tuple[Site, Right]]:
        """The sites the sender may not post on (or act on), each with the reason."""
        return [(s, r) for s in sites
                if not (r := may_post(self.session.user, s, registry, self._anywhere)).allowed]

    @staticmethod
    def _refuse(refused: list[tuple[Site, Right]], verb: str = "post on") -> None:
        if refused:
            right = refused[0][1]
            names = ", ".join(s.name for s, _ in refused)
            raise NotAllowed(right.rule, f"You may not {verb} {names}: {right.explanation}")

    @classmethod
    def enforce(cls, judged: Judgement) -> None:
        """Raise the refusal `judged` calls for, if any."""
        cls._refuse(judged.refused)
        if not judged.sites:
            raise NotAllowed("site.none", "No site would get this post: tick at least one.")
        if judged.verdict.blocking:
            first = judged.verdict.blocking[0]
            raise Blocked(first.rule, f"Blocked by {first.rule}: {first.message}",
                          tuple(judged.verdict.blocking))
        if judged.verdict.unacknowledged:
            first = judged.verdict.unacknowledged[0]
            raise Blocked(first.rule, f"Acknowledge the warning {first.rule} first: "
                          f"{first.message}", tuple(judged.verdict.unacknowledged))

    # --- sending ---------------------------------------------------------------------

    async def send(self, out: Outgoing) -> SendResult:
        """Judge `out` as it is now, claim its draft, then post to every site.

        Raises SendRefused (Blocked, NotAllowed, AlreadySent) with nothing sent, or
        StorageFault if the post could not be recorded (nothing sent either)."""
        require_writer(self.session, "sending a post")
        if not out.body.strip():
            raise NotAllowed("post.empty", "Nothing to send: write the text first.")
        judged = await asyncio.to_thread(self.judge, out)
        self.enforce(judged)
        through = await asyncio.to_thread(self._through_hold, out, judged)
        post_id = self.poster.new_post_id(out.incident)
        owner = new_owner()
        try:
            if out.draft:
                await asyncio.to_thread(self._claim_draft, out, post_id, owner)
            try:
                results = await self.poster.send(
                    out.incident, out.body, judged.sites,
                    renditions={s.id: judged.renditions[s.id] for s in judged.sites},
                    short=out.short, template=out.template, draft=out.draft,
                    review_at=judged.review_at,
                    overrides={r: h for r, h in out.overrides.items() if r in judged.overridden},
                    acknowledged={r: h for r, h in out.acknowledged.items()
                                  if r in judged.acknowledged},
                    attachments=list(out.attachments), post_id=post_id,
                    override_notes={r: n for r, n in out.override_notes.items()
                                    if r in judged.overridden},
                    through_hold=through)
            except StorageFault as exc:
                if out.draft:
                    # Not recorded: the draft is the officer's again. Recorded: the post
                    # waits in the outbox, and the draft must not make a second one.
                    await asyncio.to_thread(self._finish_draft, out, post_id,
                                            "sent" if exc.recorded else "draft")
                raise
            if out.draft:
                await asyncio.to_thread(self._finish_draft, out, post_id, "sent")
        finally:
            release(owner)
        return SendResult(post_id, results, tuple(judged.skipped))

    def _through_hold(self, out: Outgoing, judged: Judgement, *,
                      confirmed_before: str = "") -> str:
        """Refuse a post a crisis hold covers, unless the officer confirmed that hold by
        name (never the scheduler's), now or when the post was first sent
        (`confirmed_before`); a confirmation given now is logged. Returns the id of the
        hold the post goes through ("" if none covers it)."""
        from oncall.hold import Holds

        holds = Holds(self.session)
        over = holds.unconfirmed(out.incident, judged.sites)
        if not over:
            return ""
        if out.due is None and not holds.unconfirmed(out.incident, judged.sites,
                                                     confirmed_before, over):
            return confirmed_before
        newest = over[-1]
        if out.due is not None or out.hold != newest.id:
            raise OnHold(newest.id, ". ".join(holds.line(h) for h in over)
                         + ". Nothing was sent"
                         + ("." if out.due is not None else
                            ": a post during the hold goes only when the officer "
                            "confirms it, naming the hold."))
        self.session.record("hold.confirmed_send", incident=out.incident, subject=newest.id,
                            details={"sites": [s.id for s in judged.sites],
                                     "holds": [h.id for h in over]})
        return newest.id

    def _claim_draft(self, out: Outgoing, post_id: str, owner: str) -> Draft:
        """draft -> sending, with the post id, under the drafts file's lock. A draft left
        `sending` by a process that died before recording any delivery may be claimed
        again."""
        deliveries = self.poster.deliveries
        now = self.clock()
        login = self.session.user.login

        def claim(current: Draft | None) -> Draft:
            if out.due is not None and (current is None or current.status != "scheduled"
                                        or current.due_at != out.due):
                # The scheduler's claim: moved, cancelled or taken by another runner.
                raise Conflict("no longer scheduled for then", current)
            if current is not None and current.status not in ("draft", *LATER):
                # Stale: its sender ended before any delivery was recorded, so nothing of
                # it can have gone out (a delivery is recorded before its request).
                stale = current.status == "sending" and not is_live(current.owner) and \
                    not (current.post and deliveries.for_post(out.incident, current.post))
                if not stale:
                    raise Conflict("draft already sent", current)
            base = current or Draft(id=out.draft, incident=out.incident, created_by=login,
                                    created_at=now, updated_at=now, template=out.template)
            return replace(base, body=out.body, short=out.short, status="sending",
                           post=post_id, sent_by=login, sent_at=now, owner=owner,
                           updated_at=now, overrides=dict(out.overrides),
                           acknowledged=dict(out.acknowledged),
                           attachments=list(out.attachments))

        try:
            return self.drafts.swap(out.draft, claim, out.incident)
        except Conflict as exc:
            raise AlreadySent(exc.current) from None  # type: ignore[arg-type]
        except (StoreError, OSError) as exc:
            raise StorageFault(f"{describe(exc)}: the draft could not be claimed, so "
                               "nothing was sent.") from None

    def _finish_draft(self, out: Outgoing, post_id: str, status: str) -> None:
        """sending -> sent once the post is recorded; back to draft if it never was.
        Best effort: a stale claim is recognised later (see _claim_draft)."""
        def finish(current: Draft | None) -> Draft:
            if current is None or current.post != post_id:
                raise Conflict("draft changed", current)
            if status == "draft":
                # Never recorded, so never sent: as it was (still scheduled, if it was).
                return replace(current, status="scheduled" if out.due else "draft", post="",
                               sent_by="", sent_at=None, owner="")
            return replace(current, status=status, owner="")

        with contextlib.suppress(Conflict, StoreError, OSError):
            self.drafts.swap(out.draft, finish, out.incident)

    # --- following up a post ---------------------------------------------------------

    def _post(self, incident: str, post_id: str) -> PostRecord:
        post = self.poster.posts.get(post_id, incident)
        if post is None:
            raise NotAllowed("post.unknown", f"There is no post {post_id}.")
        return post

    def _follow_up(self, incident: str, post_id: str, site_ids: list[str],
                   hold: str = "") -> tuple[PostRecord, Judgement, str]:
        """A post's text judged again, now, for the sites it would go to again, and the
        crisis hold it goes through (OnHold if one covers it that the officer has not
        confirmed, now as `hold` or when it was first sent)."""
        post = self._post(incident, post_id)
        out = Outgoing(incident, post.body, tuple(site_ids), short=post.short,
                       template=post.template, overrides=dict(post.overrides),
                       acknowledged=dict(post.acknowledged),
                       attachments=list(post.attachments), hold=hold)
        judged = self.judge(out)
        self.enforce(judged)
        return post, judged, self._through_hold(out, judged,
                                                confirmed_before=post.through_hold)

    async def retry_failed(self, incident: str, post_id: str,
                           hold: str = "") -> list[Delivery]:
        """Send again the deliveries that failed, judged again as things stand now (the
        incident may have become proceedings active since; a crisis hold may be in force:
        `hold` confirms it by id). Each is claimed first."""
        require_writer(self.session, "retrying a post")
        pending = [d for d in await asyncio.to_thread(self.poster.for_post, incident, post_id)
                   if may_resend(d)]
        if not pending:
            return []
        _, judged, through = await asyncio.to_thread(self._follow_up, incident, post_id,
                                                     [d.site for d in pending], hold)
        return await self.poster.retry_failed(incident, post_id, judged.sites, through)

    async def resend(self, delivery: Delivery, hold: str = "") -> Delivery:
        """Send one interrupted, failed or held delivery again (the outbox, lifting a
        hold), after the checks; `hold` confirms a crisis hold in force by id."""
        require_writer(self.session, "resending a post")
        _, judged, through = await asyncio.to_thread(
            self._follow_up, delivery.incident, delivery.post, [delivery.site], hold)
        if delivery.state not in CLAIMABLE | IDLE_STATES:
            # unknown, or interrupted mid-request: the officer has checked it is not there
            delivery = await self.decide(delivery, posted=False)
        [result] = await self.poster.run([delivery], judged.sites, through)
        return result

    async def _rights_for(self, site_ids: list[str]) -> list[Site]:
        registry = await asyncio.to_thread(self.session.sites.all)
        sites = [s for s in registry if s.id in site_ids]
        self._refuse(self._refused(sites, registry), "act on")
        return sites

    async def decide(self, delivery: Delivery, posted: bool, note: str = "") -> Delivery:
        """Record the officer's finding on an unknown or interrupted delivery."""
        require_writer(self.session, "deciding a delivery")
        await self._rights_for([delivery.site])
        return await self.poster.decide(delivery, posted, note)

    async def cancel(self, delivery: Delivery, note: str = "") -> Delivery:
        """Do not send a delivery after all."""
        require_writer(self.session, "cancelling a delivery")
        await self._rights_for([delivery.site])
        return await self.poster.cancel(delivery, note)

    async def retract_everywhere(self, incident: str, post_id: str,
                                 reason: str) -> list[Delivery]:
        """Delete every sent copy of a post; the sender needs the right on every site."""
        require_writer(self.session, "retracting a post")
        if not reason.strip():
            raise NotAllowed("retract.no_reason", "Say why the post is retracted.")
        post = await asyncio.to_thread(self._post, incident, post_id)
        sites = await self._rights_for(post.sites)
        return await self.poster.retract_everywhere(incident, post_id, sites, reason)

    def live_appeals(self, incident: str) -> list[PostRecord]:
        """Posts of `incident` made from an appeal template and not yet retracted: what a
        stand-down should take down everywhere."""
        return [p for p in self.poster.posts.all(incident)
                if p.retracted_at is None and p.template in self.templates
                and self.templates[p.template].purpose == "appeal"]
