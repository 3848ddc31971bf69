"""The compose screen's site list: which sites are ticked by default, each site's line,
ticking a group, finding a site by name. A mixin, so compose.py holds the writing and
sending and this the choosing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.widgets import SelectionList

from oncall.model import Delivery, Draft, Incident, Site
from oncall.sitegroups import SiteGroup, groups, rendition_for
from oncall.textsafe import printable
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.widgets.siteline import name_width, site_line

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp


class SitePicking:
    """Site choice for ComposeScreen (which provides these attributes and _texts)."""

    app: OncallApp
    incident: Incident
    draft: Draft
    sites: list[Site]
    deliveries: dict[str, Delivery]
    last_sites: tuple[str, ...]
    attachments: list[dict[str, object]]
    is_mounted: bool

    if TYPE_CHECKING:  # provided by Screen and ComposeScreen; never defined here, or
        # they would hide the real ones in the method order
        def query_one(self, *args: Any, **kwargs: Any) -> Any: ...
        def notify(self, *args: Any, **kwargs: Any) -> None: ...
        def _texts(self) -> tuple[str, str]: ...

    def _default_sites(self, sites: list[Site]) -> tuple[str, ...]:
        """Corporate sites plus the pages of the incident's area, when it names one;
        otherwise the corporate sites. YouTube only when there is a video."""
        options = groups(sites, self.incident)
        chosen = next((g for g in options if g.key.startswith("incident-area:")),
                      next((g for g in options if g.key == "corporate"), None))
        by_id = {s.id: s for s in sites}
        return tuple(i for i in (chosen.site_ids if chosen else ())
                     if by_id[i].platform != "youtube")

    def _ticked(self) -> set[str]:
        return set(self.query_one("#compose-sites", SelectionList).selected)

    def _chosen(self) -> list[Site]:
        ids = self._ticked()
        return [s for s in self.sites if s.id in ids]

    def _label(self, site: Site) -> Text:
        body, short = self._texts() if self.is_mounted else (self.draft.body, self.draft.short)
        return site_line(site, rendition_for(site, body, short),
                         ticked=self.is_mounted and site.id in self._ticked(),
                         has_video=any(a.get("kind") == "video" for a in self.attachments),
                         delivery=self.deliveries.get(site.id),
                         width=name_width(self.app.size.width))

    def on_resize(self, event: events.Resize) -> None:
        if self.sites:
            picker = self.query_one("#compose-sites", SelectionList)
            for site in self.sites:
                picker.replace_option_prompt(site.id, self._label(site))

    def _highlighted(self) -> Site | None:
        picker = self.query_one("#compose-sites", SelectionList)
        index = picker.highlighted
        return self.sites[index] if index is not None and index < len(self.sites) else None

    def action_groups(self) -> None:
        options = groups(self.sites, self.incident)
        if self.last_sites:
            options.insert(0, SiteGroup("last", f"Same sites as this incident's last post "
                                        f"({len(self.last_sites)})", self.last_sites))
        by_key = {g.key: g for g in options}

        def chosen(key: str | None) -> None:
            if key:
                picker = self.query_one("#compose-sites", SelectionList)
                for site_id in by_key[key].site_ids:
                    picker.select(site_id)

        self.app.push_screen(ChooseDialog("Tick a group of sites",
                                          [(g.key, g.label) for g in options]), chosen)

    def action_find_site(self) -> None:
        def found(query: str | None) -> None:
            if not query:
                return
            words = query.lower().split()
            for index, site in enumerate(self.sites):
                hay = f"{site.name} {site.handle} {site.area} {site.platform_label}".lower()
                if all(w in hay for w in words):
                    picker = self.query_one("#compose-sites", SelectionList)
                    picker.focus()
                    picker.highlighted = index
                    return
            self.notify(f"No site matches {printable(query)!r}.")

        self.app.push_screen(ReasonDialog("Find a site", "Type part of a name, handle, area "
                                          "or network, e.g. 'wrenmoor x'. Space ticks it.",
                                          placeholder="e.g. brackenford facebook"), found)

