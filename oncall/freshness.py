"""What is out of date on the force's sites, for the officer to act on. No UI here.

The procedure: regularly update and remove out-of-date content. Three kinds:
- a live post past the review time its template set (an appeal, a holding statement);
- a live appeal whose incident is resolved: closed (the missing person found, the road
  reopened) or with proceedings active (someone charged: an appeal for witnesses may now
  prejudice the case, scenario 3);
- a site with no post for longer than the force expects (a page that looks abandoned).
A post is live while any of its copies is still up (sent, not retracted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall.model import Incident, IncidentStatus, PostRecord, Site, Template
from oncall.postrecords import DeliveryRepository, PostRepository

if TYPE_CHECKING:
    from oncall.session import Session

# A site quiet for longer than this is listed (the force's expectation of its pages).
QUIET_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class Stale:
    """One thing to act on: why, in words, and what it is about."""

    kind: str                 # "review" | "resolved" | "quiet"
    why: str                  # one line for the officer
    incident: str = ""
    post: str = ""
    site: str = ""
    since: datetime | None = None


def stale_posts(incidents: Iterable[Incident], posts: Mapping[str, list[PostRecord]],
                live: Mapping[str, set[str]], templates: Mapping[str, Template],
                now: datetime) -> list[Stale]:
    """Posts still up that are past their review time, or appeals whose incident is
    resolved. `posts`: each incident's posts; `live`: each incident's posts with a copy
    still up (sent, not retracted)."""
    out: list[Stale] = []
    for incident in incidents:
        for post in posts.get(incident.id, []):
            if post.retracted_at is not None or post.id not in live.get(incident.id, set()):
                continue
            template = templates.get(post.template)
            appeal = template is not None and template.purpose == "appeal"
            if appeal and incident.status == IncidentStatus.CLOSED.value:
                out.append(Stale("resolved", f"An appeal still up for a closed incident "
                                 f"({incident.title}): take it down everywhere.",
                                 incident.id, post.id, since=incident.closed_at))
            elif appeal and incident.status == IncidentStatus.PROCEEDINGS_ACTIVE.value:
                out.append(Stale("resolved", f"An appeal still up while proceedings are "
                                 f"active ({incident.title}): review it; it could "
                                 "prejudice the case.", incident.id, post.id))
            elif post.review_at is not None and post.review_at <= now:
                out.append(Stale("review", f"Past its review time: update it or take it "
                                 f"down ({incident.title}).", incident.id, post.id,
                                 since=post.review_at))
    return sorted(out, key=lambda s: (s.kind != "resolved", s.since or now))


def quiet_sites(sites: Iterable[Site], last_post: Mapping[str, datetime], now: datetime,
                after: timedelta = QUIET_AFTER) -> list[Stale]:
    """Sites with no post for longer than `after` (never posted to: listed too)."""
    out = []
    for site in sites:
        last = last_post.get(site.id)
        if last is None or now - last > after:
            # oncall knows its own posts only: one made on the network itself is not seen.
            when = "no post through oncall yet" if last is None else \
                f"no post through oncall for {(now - last).days} days"
            out.append(Stale("quiet", f"{site.name} ({site.platform_label}): {when}.",
                             site=site.id, since=last))
    return out


def freshness(session: Session, templates: Mapping[str, Template],
              now: datetime) -> list[Stale]:
    """Everything out of date in this home, most urgent first."""
    incidents = session.incidents.all()
    posts_repo, deliveries = PostRepository(session.store), DeliveryRepository(session.store)
    posts: dict[str, list[PostRecord]] = {}
    live: dict[str, set[str]] = {}
    last_post: dict[str, datetime] = {}
    for incident in incidents:
        posts[incident.id] = posts_repo.all(incident.id)
        for d in deliveries.all(incident.id):
            if d.state == "sent":
                live.setdefault(incident.id, set()).add(d.post)
                moment = d.updated_at or incident.opened_at
                if d.site not in last_post or moment > last_post[d.site]:
                    last_post[d.site] = moment
    return [*stale_posts(incidents, posts, live, templates, now),
            *quiet_sites(session.sites.all(), last_post, now)]


__all__ = ["QUIET_AFTER", "Stale", "freshness", "quiet_sites", "stale_posts"]
