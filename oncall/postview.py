"""What the compose screen shows, read in one place from the core (no UI here).

Screens never open repositories: they ask for a view, built in a worker thread, and
draw it. The compose screen needs the registry in display order, the sites of the
incident's last post (for "same sites as last time"), and, for an earlier post
reopened to follow it up, each site's delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall.incidents import DraftRepository
from oncall.model import Delivery, Draft, Incident, PostRecord, Site
from oncall.postrecords import DeliveryRepository, PostRepository, unresolved
from oncall.session import Session
from oncall.sitegroups import in_display_order


@dataclass(frozen=True)
class ComposeView:
    sites: list[Site]
    last_sites: tuple[str, ...]
    deliveries: list[Delivery]


def compose_view(session: Session, incident_id: str, post_id: str | None = None) -> ComposeView:
    """The sites, the last post's sites and (for `post_id`) that post's deliveries."""
    posts = PostRepository(session.store).all(incident_id)
    deliveries = DeliveryRepository(session.store).for_post(incident_id, post_id) \
        if post_id else []
    return ComposeView(in_display_order(session.sites.all()),
                       tuple(posts[-1].sites) if posts else (), deliveries)


def posts_of(session: Session, incident_id: str) -> list[PostRecord]:
    """Every post of an incident, oldest first."""
    return PostRepository(session.store).all(incident_id)


def post_of(session: Session, incident_id: str, post_id: str) -> PostRecord | None:
    """One post of an incident, or None."""
    return PostRepository(session.store).get(post_id, incident_id)


@dataclass(frozen=True)
class OutboxView:
    rows: list[Delivery]      # deliveries waiting for an officer's decision
    sites: dict[str, Site]


def outbox_view(session: Session) -> OutboxView:
    """The deliveries a crash, a dropped session or an unknown outcome left undecided."""
    return OutboxView(unresolved(session), {s.id: s for s in session.sites.all()})


def corporate_text_sites(session: Session) -> list[str]:
    """The corporate sites that take text posts (what a fill screen checks against)."""
    return [s.id for s in session.sites.all() if s.tier == "corporate"
            and s.platform != "youtube"]


def sites_in_order(session: Session) -> list[Site]:
    """The registry as the screens list it: corporate, council, then local by area."""
    return in_display_order(session.sites.all())


def drafts_of(session: Session, incident_id: str) -> list[Draft]:
    """An incident's drafts not yet sent, oldest first."""
    return [d for d in DraftRepository(session.store).all(incident_id) if d.status == "draft"]


def all_incidents(session: Session) -> list[Incident]:
    """Every incident, open and closed, newest first (the history)."""
    return sorted(session.incidents.all(), key=lambda i: (i.opened_at, i.id), reverse=True)


def open_incidents(session: Session) -> list[Incident]:
    """The incidents not yet closed, newest first."""
    return session.incidents.open_incidents()
