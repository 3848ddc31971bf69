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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from oncall.model import (
    Delivery,
    DeliveryState,
    Incident,
    IncidentStatus,
    PostRecord,
    Site,
    Template,
)
from oncall.timeutil import parse_iso

if TYPE_CHECKING:
    from oncall.search import SearchIndex
    from oncall.session import Session

# A site quiet for longer than this is listed (the force's expectation of its pages;
# [policy] quiet_site_days in config.toml).
QUIET_AFTER = timedelta(days=30)


class PostLike(Protocol):
    """What freshness needs of a post (a PostRecord, or a PostFact kept by the index)."""

    @property
    def id(self) -> str: ...
    @property
    def template(self) -> str: ...
    @property
    def review_at(self) -> datetime | None: ...
    @property
    def retracted_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class PostFact:
    """What freshness needs to know of one post, small enough to keep for a year of
    posts (oncall.search.SearchIndex keeps one per post, with its search line)."""

    id: str
    incident: str
    template: str
    review_at: datetime | None
    retracted_at: datetime | None
    live_sites: tuple[str, ...] = ()                   # where a copy is up now
    sent_at: dict[str, datetime] = field(default_factory=dict)  # site -> when it went

    def to_json(self) -> list[Any]:
        """A compact JSON form (see from_json)."""
        return [self.id, self.template, _iso(self.review_at), _iso(self.retracted_at),
                list(self.live_sites), {k: v.isoformat() for k, v in self.sent_at.items()}]

    @classmethod
    def from_json(cls, incident: str, data: Sequence[Any]) -> PostFact:
        """Read back `to_json`; raises ValueError, KeyError or TypeError if it is not."""
        post_id, template, review, retracted, live, sent = data
        return cls(str(post_id), incident, str(template), _from_iso(review),
                   _from_iso(retracted), tuple(map(str, live)),
                   {str(k): parse_iso(v) for k, v in dict(sent).items()})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _from_iso(text: object) -> datetime | None:
    return parse_iso(str(text)) if text else None


def fact_of(post: PostRecord, deliveries: Iterable[Delivery]) -> PostFact:
    """A post's facts from its deliveries: a copy is live while its delivery is sent
    (a retracted copy's delivery is marked retracted)."""
    sent = [d for d in deliveries if d.state == DeliveryState.SENT.value]
    return PostFact(post.id, post.incident, post.template, post.review_at,
                    post.retracted_at, tuple(sorted({d.site for d in sent})),
                    {d.site: d.updated_at or post.created_at for d in sent})


@dataclass(frozen=True)
class Stale:
    """One thing to act on: why, in words, and what it is about."""

    kind: str                 # "review" | "resolved" | "quiet"
    why: str                  # one line for the officer
    incident: str = ""
    post: str = ""
    site: str = ""
    since: datetime | None = None


def stale_posts(incidents: Iterable[Incident], posts: Mapping[str, Sequence[PostLike]],
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


def freshness(session: Session, templates: Mapping[str, Template], now: datetime,
              index: SearchIndex | None = None) -> list[Stale]:
    """Everything out of date in this home, most urgent first. Read through the search
    index (`index`, or a new one: it keeps each incident's facts on disk), so that a
    year of posts is not read again to find the few still up."""
    from oncall.search import SearchIndex

    index = index or SearchIndex(session)
    incidents, _ = index.everything()
    facts = index.facts()
    live = {incident_id: {f.id for f in posts if f.live_sites}
            for incident_id, posts in facts.items()}
    _, last_post = site_activity(facts)
    quiet = timedelta(days=session.settings.policy.quiet_site_days)
    return [*stale_posts(incidents, facts, live, templates, now),
            *quiet_sites(session.sites.all(), last_post, now, quiet)]


def site_activity(facts: Mapping[str, Sequence[PostFact]]
                  ) -> tuple[dict[str, int], dict[str, datetime]]:
    """Per site: how many posts are still up on it, and when it last had a post."""
    up: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for posts in facts.values():
        for fact in posts:
            for site in fact.live_sites:
                up[site] = up.get(site, 0) + 1
            for site, moment in fact.sent_at.items():
                if site not in last or moment > last[site]:
                    last[site] = moment
    return up, last


__all__ = ["QUIET_AFTER", "PostFact", "PostLike", "Stale", "fact_of", "freshness",
           "quiet_sites", "site_activity", "stale_posts"]
