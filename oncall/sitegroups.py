"""Which sites a post goes to, and which text each of them gets.

Groups are the ones an officer reaches for at 3 a.m.: every corporate site,
every page in an area, every account on one network. X and Bluesky get the
short version of a template where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall.model import Incident, Platform, Site, Tier

SHORT_PLATFORMS = frozenset({Platform.X.value, Platform.BLUESKY.value})


@dataclass(frozen=True)
class SiteGroup:
    """A named set of sites to tick at once."""

    key: str
    label: str
    site_ids: tuple[str, ...]


def groups(sites: list[Site], incident: Incident | None = None) -> list[SiteGroup]:
    """The groups on offer: corporate, council, each area, each network, the incident's area."""
    out: list[SiteGroup] = []

    def add(key: str, label: str, members: list[Site]) -> None:
        if members:
            out.append(SiteGroup(key, f"{label} ({len(members)})",
                                 tuple(s.id for s in members)))

    add("corporate", "All corporate sites", [s for s in sites if s.tier == Tier.CORPORATE])
    if incident is not None:
        place = f"{incident.location} {incident.title}".lower()
        for area in sorted({s.area for s in sites if s.area}):
            if area.lower() in place:
                add(f"incident-area:{area}", f"Corporate + {area} (this incident's area)",
                    [s for s in sites if s.tier == Tier.CORPORATE or s.area == area])
    add("council", "All council partnership sites", [s for s in sites if s.tier == Tier.COUNCIL])
    for area in sorted({s.area for s in sites if s.area}):
        add(f"area:{area}", f"Area: {area}", [s for s in sites if s.area == area])
    for platform in Platform:
        add(f"platform:{platform.value}", f"Every {platform.label} account",
            [s for s in sites if s.platform == platform.value])
    add("all", "Every site", list(sites))
    return out


def in_display_order(sites: list[Site]) -> list[Site]:
    """Corporate first, then council, then local pages by area, name and network."""
    order = {Tier.CORPORATE.value: 0, Tier.COUNCIL.value: 1}
    return sorted(sites, key=lambda s: (order.get(s.tier, 2), s.area, s.name, s.platform))


def rendition_for(site: Site, body: str, short: str) -> str:
    """The text `site` gets: the short version on X and Bluesky when there is one."""
    if site.platform in SHORT_PLATFORMS and short.strip():
        return short
    return body


def renditions(sites: list[Site], body: str, short: str) -> dict[str, str]:
    """Site id -> the text that site gets."""
    return {s.id: rendition_for(s, body, short) for s in sites}
