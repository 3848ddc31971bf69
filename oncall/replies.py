"""Acknowledging a message from the public: pre-approved wording, sent once, as a reply
in its thread or a direct message to a direct message. No UI here.

The acknowledgement goes through the send path's guards: the officer's right to post on
the site, the procedure's checks on the exact text the network will get (the wording
is a template, so it must be approved and in review), the incident's state. Then it is
claimed on the message itself, a compare-and-set under the store's lock (not being
acknowledged -> sending, with an owner token and a key kept across tries), and only
then is the request made. Of two officers pressing at the same moment, one claims it
and the other is told who did; nothing goes twice.

A network that refuses it leaves it failed, to send again (same key). A request that
may have reached the network (a timeout, a dropped connection) leaves it unknown: the
officer looks at the site and says whether it went (`decide`); it is never sent blind
a second time, not even to a network that recognises the key (Mastodon forgets it after
an hour).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from oncall.access import may_post
from oncall.cadence import parse_duration
from oncall.crosspost import StorageFault
from oncall.faults import describe
from oncall.inboxrecords import AckState, InboxItem, InboxRepository, ItemState, undecided
from oncall.model import Incident, IncidentStatus, Site, Template, TemplateField
from oncall.oversight import require_writer
from oncall.owners import is_live, new_owner, release
from oncall.platforms.base import Failure, PublishError, Rendition, ReplyTo, addressed
from oncall.policy import Finding, Post, check, verdict
from oncall.sending import Blocked, NotAllowed, SendPath, SendRefused
from oncall.sitegroups import renditions
from oncall.store import Conflict, StoreError
from oncall.templates import fill
from oncall.timeutil import fmt_time, local

# Templates of this purpose are the acknowledgements an officer may send with one key:
# their blanks are facts oncall knows. Replies (the road closure's "updates at <link>")
# may be sent the same way, the officer filling their blanks.
PURPOSE = "acknowledge"
REPLY = "reply"


class AlreadyHandled(SendRefused):
    """Someone (perhaps this officer, in another window) acknowledged it, is doing so now,
    or closed it. `current` is the message as it now is."""

    def __init__(self, message: str, current: InboxItem | None) -> None:
        super().__init__("ack.already", message)
        self.current = current


@dataclass(frozen=True)
class AckPlan:
    """What acknowledging `item` with `template` would send, and where."""

    item: InboxItem
    site: Site
    template: Template
    text: str                  # exactly as the network gets it
    direct: bool               # a direct message, not a public reply
    findings: tuple[Finding, ...]

    @property
    def how(self) -> str:
        """'direct message' or 'public reply', for the officer's confirmation."""
        return "direct message" if self.direct else "public reply"


class Acknowledger:
    """Acknowledge, or record the officer's finding on, messages of one session."""

    def __init__(self, path: SendPath) -> None:
        self.path = path
        self.session = path.session
        self.items = InboxRepository(path.session.store)

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.path.clock

    # --- judging (blocking I/O: call from a worker thread) -------------------------------

    def templates_for(self, item: InboxItem) -> list[Template]:
        """The templates `item` can be answered with as it stands, for its network: the
        acknowledgements whose blanks are all known (an incident number needs a linked
        incident that has one), the one naming the incident first; then the replies,
        whose blanks the officer fills (see `blanks`). Raises AlreadyHandled if it
        has been answered, is being answered or was closed since it was read."""
        current = self.items.get(item.id, item.site)
        if current is not None:
            self._claimable(current)
        incident = self.session.incidents.get(item.incident) if item.incident else None
        out = [t for t in self.path.templates.values()
               if (not t.platforms or item.platform in t.platforms)
               and (t.purpose == REPLY or (t.purpose == PURPOSE
                                           and self._values(t, incident) is not None))]
        return sorted(out, key=lambda t: (t.purpose != PURPOSE, not t.fields, t.id))

    def blanks(self, item: InboxItem, template: Template) -> list[TemplateField]:
        """The blanks of `template` the officer must fill to answer `item` (none for an
        acknowledgement)."""
        incident = self.session.incidents.get(item.incident) if item.incident else None
        known = self._known(incident)
        return [f for f in template.fields if f.name not in known]

    def plan(self, item: InboxItem, template_id: str = "",
             values: dict[str, str] | None = None) -> AckPlan:
        """What would be sent, as things stand now (the message re-read). Raises
        NotAllowed (no right on the site, no template that fits, the incident closed),
        Blocked (the checks stop the text) or AlreadyHandled. `values`: the blanks the
        officer filled (a reply's)."""
        current = self.items.get(item.id, item.site)
        if current is None:
            raise NotAllowed("ack.unknown", f"There is no message {item.id} in the inbox.")
        self._claimable(current)
        registry = self.session.sites.all()
        site = next((s for s in registry if s.id == current.site), None)
        if site is None:
            raise NotAllowed("site.unknown", f"The site {current.site} is no longer in the "
                             "registry: reply on the network itself.")
        right = may_post(self.session.user, site, registry,
                         self.session.settings.rights.post_anywhere)
        if not right.allowed:
            raise NotAllowed(right.rule, f"You may not reply on {site.name}: "
                             f"{right.explanation}")
        incident = self.session.incidents.get(current.incident) if current.incident else None
        if incident is not None and incident.status == IncidentStatus.CLOSED.value:
            raise NotAllowed("incident.closed", f"Incident {incident.id} is closed: unlink "
                             "the message or reopen the incident to reply about it.")
        template = self._template(current, template_id, incident)
        given = {k: v for k, v in (values or {}).items()
                 if template.purpose == REPLY}  # an acknowledgement's wording is fixed
        filled = fill(template, {**given, **self._known(incident)},
                      self.session.settings.force, self.clock())
        if not filled.ok:
            name, problem = next(iter(filled.errors.items()))
            raise NotAllowed("ack.blank", f"{template.title}: {problem or name}")
        to = reply_to(current)
        # The short wording where the network's limit needs it, as a post would get.
        text = addressed(site.platform, to,
                         renditions([site], filled.body.strip(), filled.short.strip())[site.id])
        now = self.clock()
        post = Post(text=text, sites=[site], renditions={site.id: text}, incident=incident,
                    template=template, people=list(self.session.directory.people.values()),
                    force=self.session.settings.force, policy=self.session.settings.policy,
                    today=local(now).date(),
                    # A reply in someone's thread is not on the freshness list; the
                    # template's review time is what the wording was approved for.
                    review_at=now + parse_duration(template.review_after)
                    if template.review_after else None)
        findings = check(post)
        judged = verdict(findings)
        stops = judged.blocking or judged.unacknowledged
        if stops:
            first = stops[0]
            raise Blocked(first.rule, f"The reply {template.id} cannot be sent: "
                          f"{first.message}", tuple(stops))
        return AckPlan(current, site, template, text, to.kind == "dm", tuple(findings))

    def _template(self, item: InboxItem, template_id: str,
                  incident: Incident | None) -> Template:
        if template_id:
            template = self.path.templates.get(template_id)
            if template is None or template.purpose not in (PURPOSE, REPLY):
                raise NotAllowed("template.unknown", f"No acknowledgement template "
                                 f"{template_id!r} in the playbooks.")
            if template.purpose == PURPOSE and self._values(template, incident) is None:
                raise NotAllowed("ack.needs_incident", f"{template.title} quotes the "
                                 "incident number: link the message to an incident that "
                                 "has one first.")
            return template
        fitting = self.templates_for(item)
        if not fitting:
            raise NotAllowed("ack.no_template", "No acknowledgement template in the "
                             f"playbooks fits a {item.platform} message: reply on the "
                             "network itself, or ask Corporate Communications for one.")
        return fitting[0]

    def _values(self, template: Template, incident: Incident | None) -> dict[str, str] | None:
        """The blanks of an acknowledgement, or None if one cannot be filled: they are
        known facts (the incident number), never typed in at 3 a.m."""
        known = self._known(incident)
        if any(f.required and f.name not in known for f in template.fields):
            return None
        return known

    @staticmethod
    def _known(incident: Incident | None) -> dict[str, str]:
        """Blanks oncall fills itself: the linked incident's number."""
        if incident is not None and incident.reference:
            return {"incident_number": incident.reference}
        return {}

    @staticmethod
    def _claimable(item: InboxItem) -> None:
        if item.state == ItemState.CLOSED.value:
            raise AlreadyHandled("This message was closed: there is nothing to acknowledge.",
                                 item)
        if item.ack_state == AckState.SENT.value:
            when = fmt_time(item.ack_at) if item.ack_at else "earlier"
            raise AlreadyHandled(f"Already acknowledged by {item.ack_by or 'someone'} at "
                                 f"{when}.", item)
        if item.ack_state == AckState.SENDING.value and is_live(item.ack_owner):
            raise AlreadyHandled(f"{item.ack_by or 'Someone'} is acknowledging this message "
                                 "now.", item)

    # --- sending -------------------------------------------------------------------------

    async def acknowledge(self, item: InboxItem, template_id: str = "",
                          values: dict[str, str] | None = None) -> InboxItem:
        """Judge, claim and send the acknowledgement (see the module's note); the message
        as it ends. Raises SendRefused with nothing sent; a network's refusal is not
        raised but kept on the message (ack_state failed or unknown, ack_problem)."""
        require_writer(self.session, "acknowledging a message")
        plan = await asyncio.to_thread(self.plan, item, template_id, values)
        adapter = self.path.poster.adapter(plan.site)
        owner = new_owner()
        try:
            claimed = await asyncio.to_thread(self._claim, plan, owner)
            rendition = Rendition(plan.site, plan.text, claimed.ack_key,
                                  reply_to=reply_to(claimed))
            try:
                remote = await adapter.publish(rendition)
            except PublishError as exc:
                outcome = asyncio.to_thread(self._failed, claimed, owner, exc)
            else:
                outcome = asyncio.to_thread(self._sent, claimed, owner, remote.id, remote.url)
            try:
                return await outcome
            except (StoreError, OSError, Conflict) as exc:
                # The network has answered; only the record of it failed. Released, the
                # claim reads as undecided (ACK ?), so nobody sends it blind again.
                raise StorageFault(f"{plan.site.name}: the acknowledgement's outcome could "
                                   f"not be recorded ({describe(exc)}); it shows as ACK ?: "
                                   "look on the site, then say whether it is there.") from None
        finally:
            release(owner)

    def _claim(self, plan: AckPlan, owner: str) -> InboxItem:
        login = self.session.user.login

        def claim(current: InboxItem | None) -> InboxItem:
            if current is None:
                raise Conflict("gone", current)
            self._claimable(current)
            if current.ack_state in (AckState.UNKNOWN.value, AckState.SENDING.value):
                # A try whose outcome nobody knows (or whose process died mid-request) may
                # have gone: the officer looks first.
                raise Conflict("unknown", current)
            return replace(current, ack_state=AckState.SENDING.value, ack_owner=owner,
                           ack_key=current.ack_key or secrets.token_hex(12), ack_by=login,
                           ack_template=plan.template.id, ack_text=plan.text,
                           ack_problem="")

        try:
            return self.items.swap(plan.item.id, claim, plan.item.site)
        except Conflict as exc:
            current = exc.current if isinstance(exc.current, InboxItem) else None
            raise AlreadyHandled(
                f"The last acknowledgement of this message may have reached "
                f"{plan.site.name}: look there, then say whether it went.", current) \
                if current is not None and current.ack_state in (
                    AckState.UNKNOWN.value, AckState.SENDING.value) else \
                AlreadyHandled("This message is no longer in the inbox.", current) from None
        except (StoreError, OSError) as exc:
            raise NotAllowed("store.fault", f"The acknowledgement could not be recorded "
                             f"({exc}), so nothing was sent.") from None

    def _finish(self, item: InboxItem, owner: str, **changes: object) -> InboxItem:
        """sending (ours) -> how it ended. A claim taken over by nobody else: if this fails,
        the message stays `sending` with a dead owner and reads as unknown later."""
        def update(current: InboxItem | None) -> InboxItem:
            if current is None or current.ack_owner != owner:
                raise Conflict("changed", current)
            return replace(current, ack_owner="", **changes)  # type: ignore[arg-type]
        return self.items.swap(item.id, update, item.site)

    def _sent(self, item: InboxItem, owner: str, remote_id: str, url: str) -> InboxItem:
        now = self.clock()
        state = ItemState.ACKNOWLEDGED.value if item.state == ItemState.NEW.value \
            else item.state
        done = self._finish(item, owner, ack_state=AckState.SENT.value, ack_at=now,
                            ack_id=remote_id, ack_url=url, state=state)
        waited = done.time_to_ack
        self.session.record("inbox.acknowledged", incident=done.incident or None,
                            subject=done.id, details={
                                "site": done.site, "template": done.ack_template,
                                "reply": remote_id,
                                "seconds": round(waited.total_seconds()) if waited else 0})
        return done

    def _failed(self, item: InboxItem, owner: str, exc: PublishError) -> InboxItem:
        unknown = exc.kind == Failure.UNKNOWN
        state = AckState.UNKNOWN if unknown else AckState.FAILED
        done = self._finish(item, owner, ack_state=state.value, ack_problem=exc.reason)
        self.session.record(f"inbox.ack_{state.value}", incident=done.incident or None,
                            subject=done.id, details={"site": done.site, "reason": exc.reason})
        return done

    async def decide(self, item: InboxItem, went: bool) -> InboxItem:
        """The officer looked at the site after an acknowledgement whose outcome was not
        known: it is there (`went`: acknowledged) or it is not (failed: may be sent
        again). Raises AlreadyHandled if someone else decided first."""
        require_writer(self.session, "deciding an acknowledgement")
        return await asyncio.to_thread(self._decide, item, went)

    def _decide(self, item: InboxItem, went: bool) -> InboxItem:
        login = self.session.user.login
        now = self.clock()

        def update(current: InboxItem | None) -> InboxItem:
            stuck = current is not None and (
                current.ack_state == AckState.UNKNOWN.value or (
                    current.ack_state == AckState.SENDING.value
                    and not is_live(current.ack_owner)))
            if current is None or not stuck:
                raise Conflict("decided", current)
            if went:
                state = ItemState.ACKNOWLEDGED.value \
                    if current.state == ItemState.NEW.value else current.state
                return replace(current, ack_state=AckState.SENT.value, ack_at=now,
                               ack_owner="", ack_problem="", state=state)
            return replace(current, ack_state=AckState.FAILED.value, ack_owner="",
                           ack_problem=f"{login} checked: it is not on the site")

        try:
            done = self.items.swap(item.id, update, item.site)
        except Conflict as exc:
            current = exc.current if isinstance(exc.current, InboxItem) else None
            raise AlreadyHandled("Someone else has already said how this acknowledgement "
                                 "ended.", current) from None
        self.session.record("inbox.ack_decided", incident=done.incident or None,
                            subject=done.id, details={"site": done.site, "went": went})
        return done


def reply_to(item: InboxItem) -> ReplyTo:
    """How the network addresses a reply to `item`."""
    return ReplyTo(item.remote_id, item.kind, item.author, dict(item.ref))


__all__ = ["PURPOSE", "AckPlan", "Acknowledger", "AlreadyHandled", "reply_to", "undecided"]
