"""Command palette (Ctrl+P) providers: go to any open incident, template or site by
name, and to the outbox and vault, as well as every key's action (app.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from oncall.textsafe import printable

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp


class PlacesProvider(Provider):
    """Open incidents, their templates, sites and screens, found by name."""

    async def startup(self) -> None:
        app: OncallApp = self.app  # type: ignore[assignment]
        self._places = await asyncio.to_thread(_places, app)

    async def discover(self) -> Hits:
        for label, help_text, go in self._places:
            yield DiscoveryHit(label, go, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, go in self._places:
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), go, text=label, help=help_text)


def _places(app: OncallApp) -> list[tuple[str, str, Callable[[], object]]]:
    """Read off the event loop: the open incidents and the registry's sites."""
    from oncall.postview import open_incidents, sites_in_order
    from oncall.ui.screens.incident import IncidentScreen
    from oncall.ui.screens.outbox import OutboxScreen
    from oncall.ui.screens.vault import VaultScreen

    session = app.session
    out: list[tuple[str, str, Callable[[], object]]] = [
        ("Outbox", "Deliveries waiting for your decision",
         lambda: app.push_screen(OutboxScreen())),
        ("Vault", "Site credentials, under the access rules",
         lambda: app.push_screen(VaultScreen()))]
    for incident in open_incidents(session):
        title = printable(incident.title, single_line=True)
        out.append((f"Incident: {title}", f"{incident.id}, open the checklist",
                    partial(app.push_screen, IncidentScreen(incident.id))))
        playbook = app.library.playbooks.get(incident.playbook)
        for template in app.library.templates_for(playbook) if playbook else []:
            out.append((f"Template: {printable(template.title, single_line=True)}",
                        f"fill it for {title}", partial(_fill, app, incident.id, template.id)))
    for site in sites_in_order(session):
        out.append((f"Site: {printable(site.name, single_line=True)} "
                    f"({site.platform_label})", "its credentials in the vault",
                    partial(_vault_at, app, site.id)))
    return out


def _vault_at(app: OncallApp, site_id: str) -> None:
    from oncall.ui.screens.vault import VaultScreen

    app.push_screen(VaultScreen(site_id))


def _fill(app: OncallApp, incident_id: str, template_id: str) -> None:
    from oncall.incidents import IncidentError
    from oncall.ui.screens.fill import FillScreen

    try:
        incident = app.incidents.get(incident_id)
    except IncidentError:
        return
    template = app.library.templates.get(template_id)
    if template is not None:
        app.push_screen(FillScreen(incident, template))
