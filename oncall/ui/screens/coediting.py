"""Saying, on the compose screen, that another officer is editing the same draft now
(oncall.presence carries each console's draft), so that two officers do not write over
each other's words without knowing. Said in the header, in words, and refreshed
whenever someone's console moves (the home watcher's "presence" changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from oncall.textsafe import printable

if TYPE_CHECKING:
    from oncall.model import Draft
    from oncall.ui.app import HomeChanged, OncallApp

MARK = "ALSO EDITING: "
SEP = " · "


class CoEditing:
    """Mixin for the compose screen, which provides `draft` and `sub_title`."""

    app: OncallApp
    draft: Draft
    sub_title: str | None
    _title_base: str | None = None

    def on_home_changed(self, event: HomeChanged) -> None:
        if "presence" in event.kinds or "drafts" in event.kinds:
            self.check_coediting()

    @work(thread=True, exclusive=True, group="compose-coediting")
    def check_coediting(self) -> None:
        """Who else has this draft open now (read in a worker: it is a few files)."""
        names = [h.name for h in self.app.presence.others()
                 if h.draft and h.draft == self.draft.id]
        self.app.call_from_thread(self._show_coediting, names)

    def _show_coediting(self, names: list[str]) -> None:
        """First in the header's subtitle, where 80 columns never cut it off."""
        if self._title_base is None:  # the screen's own subtitle, kept apart
            self._title_base = self.sub_title or ""
        base = self._title_base
        self.sub_title = (MARK + printable(", ".join(names), single_line=True) + SEP
                          if names else "") + base
