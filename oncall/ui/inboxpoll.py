"""Reading every site's inbox while the console runs, and telling the officer at once of
what reads as an emergency. The reading and keeping is the core's (oncall.inbox); this
only runs it on the app's loop and passes on what it found."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.message import Message

from oncall.inbox import Fetched, Inbox, InboxItem
from oncall.platforms.registry import prepare_adapters
from oncall.store import StoreError

if TYPE_CHECKING:
    from oncall.ui.app import OncallApp


class InboxChanged(Message):
    """A round of reading is done (sent to every screen on the stack): `new` holds the
    messages kept for the first time. Which sites failed is in the store (see
    Inbox.problems), where every screen and process can read it."""

    def __init__(self, new: list[InboxItem]) -> None:
        super().__init__()
        self.new = new


class InboxPoller:
    """Every [inbox] poll_seconds, each site's inbox, all sites at once."""

    def __init__(self, app: OncallApp) -> None:
        self.app = app

    async def run(self) -> None:
        """Poll until the app stops (an async worker's body)."""
        while True:
            try:
                await self.once()
            except (OSError, StoreError) as exc:  # the home, not a network: say so, go on
                self.app.notify(f"The inbox could not be kept: {exc}", severity="error")
            await asyncio.sleep(self.app.session.settings.inbox.poll_seconds)

    async def once(self) -> list[Fetched]:
        """One round over every site; tells the screens and, for an emergency, the
        officer (bell and a notice that stays until dismissed)."""
        app = self.app
        await asyncio.to_thread(app.wait_for_backstage)
        sites = await asyncio.to_thread(app.session.sites.all)
        # The adapters' modules are imported off the event loop, not by adapter_for on it.
        await asyncio.to_thread(prepare_adapters, {s.platform for s in sites})
        inbox = Inbox(app.session)
        results = await asyncio.gather(*(
            inbox.fetch(site, app.adapter_for(site, app.http, app.tokens)) for site in sites))
        new = [item for r in results for item in r.new]
        if any(item.emergency for item in new):
            app.bell()
            if not getattr(app.screen, "shows_emergencies", False):  # its banner says so
                app.notify("A message may be an EMERGENCY: open the inbox (i) now.",
                           severity="error", timeout=60)
        await asyncio.to_thread(self._mail_pending)
        for screen in app.screen_stack:
            screen.post_message(InboxChanged(new))
        return list(results)

    def _mail_pending(self) -> None:
        """Forwards the relay did not take last time are tried again each round."""
        from oncall.forwarding import with_mail_pending

        waiting = with_mail_pending(self.app.session)
        if waiting:
            self.app.forwarder().deliver_pending(waiting)
