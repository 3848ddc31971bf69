"""Keeping the compose screen's draft: saved a second after typing stops, from the
version the screen opened (or last saved), so that two officers editing one draft never
overwrite each other without knowing. A save over a newer version (oncall.incidents:
NewerDraft) stops the saving and asks: take theirs, keep mine over theirs, or keep both
(mine as a new draft). Dismissing the question asks again at the next save.

A scheduled post opened for editing is not saved as it is typed (the scheduler could
send half an edit): F10 keeps the changes, at its time or another (oncall.ui.screens.
scheduling), and leaving without that leaves it as it was."""

from __future__ import annotations

import secrets
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work

from oncall.incidents import DraftSent, NewerDraft
from oncall.model import Draft
from oncall.timeutil import utcnow

if TYPE_CHECKING:
    from oncall.model import PostRecord
    from oncall.ui.app import OncallApp

# A scheduled post's states while it may still be edited (oncall.schedule.CHANGEABLE).
SCHEDULED = ("scheduled", "missed", "blocked", "held")


class DraftSaving:
    """Mixin for the compose screen, which provides the texts and the policy marks."""

    app: OncallApp
    draft: Draft
    post: PostRecord | None
    post_id: str | None
    overrides: dict[str, str]
    acks: dict[str, str]
    override_notes: dict[str, str]
    attachments: list[dict[str, object]]

    def _texts(self) -> tuple[str, str]:
        raise NotImplementedError

    def _start_saving(self) -> None:
        """Call from __init__, once `draft` is set: the version the screen starts from
        (0: a draft not yet stored)."""
        self._version = self.draft.version
        self._save_lock = threading.Lock()
        self._asking = False
        self.editing_scheduled = self.draft.status in SCHEDULED

    def unsent_text(self) -> bool:
        """True if this screen holds text that has not been sent (editing a scheduled
        post: changes F10 has not kept)."""
        if self.post is not None or self.post_id is not None:
            return False
        if self.editing_scheduled:
            return self._texts() != (self.draft.body, self.draft.short)
        return bool(self._texts()[0].strip())

    def action_save_draft(self) -> None:
        if self.post is not None or self.post_id is not None:
            self.app.notify("Already sent: this is the post as it went out.")
            return
        if self.editing_scheduled:
            self.app.notify("This post is scheduled: F10 keeps your changes (at its time "
                            "or another); Esc leaves it as it was.")
            return
        self.save_draft()
        self.app.notify("Draft saved.")

    def save_draft(self) -> None:
        if self.post_id is not None or self.editing_scheduled:
            return  # sent, being sent, or scheduled: not to be saved over as a draft
        # Read on the UI thread (a copy: the screen goes on changing its own), written off it.
        self._save_draft(replace(self.current_draft()))

    def current_draft(self) -> Draft:
        """The draft as it stands on screen now."""
        body, short = self._texts()
        draft = self.draft
        draft.body, draft.short, draft.updated_at = body, short, utcnow()
        draft.created_by = draft.created_by or self.app.session.user.login
        draft.overrides, draft.acknowledged = dict(self.overrides), dict(self.acks)
        draft.attachments = list(self.attachments)
        draft.override_notes = dict(self.override_notes)
        return draft

    def draft_to_keep(self) -> tuple[Draft, int]:
        """The draft as it stands and the version it was edited from (quitting)."""
        return replace(self.current_draft()), self._version

    @work(thread=True, group="compose-draft")
    def _save_draft(self, draft: Draft) -> None:
        # One save at a time, each from the version the one before it wrote. Nothing
        # waits on the UI thread while the lock is held: the UI thread takes it too.
        newer: NewerDraft | None = None
        with self._save_lock:
            if self._asking:
                return  # the officer is being asked about a newer version
            try:
                saved = self.app.incidents.save_draft(draft, self._version)
            except NewerDraft as exc:
                self._asking, newer = True, exc
            except DraftSent:
                if self.post_id is None:
                    raise  # someone else sent it: the officer must hear of it
                return  # our own send claimed it while this save was on its way
            else:
                self._version = saved.version
        if newer is not None:
            self.app.call_from_thread(self._ask_newer, newer)

    def _ask_newer(self, newer: NewerDraft) -> None:
        from oncall.ui.dialogs.choose import ChooseDialog

        options = [("theirs", "Take theirs: their text replaces yours here"),
                   ("mine", "Keep mine: save it over theirs"),
                   ("both", "Keep both: save mine as a new draft")]
        self.app.push_screen(ChooseDialog(f"{newer}. Yours is not saved.", options),
                             lambda choice: self._answer_newer(choice, newer.draft))

    def _answer_newer(self, choice: str | None, theirs: Draft) -> None:
        with self._save_lock:
            self._asking = False
            if choice == "theirs":
                self._version = theirs.version
                self.draft = replace(theirs)
                self._show_draft_text(theirs)
                return
            if choice == "mine":
                self._version = theirs.version
            elif choice == "both":
                now = utcnow()
                self.draft = replace(self.draft, id=f"{self.draft.incident}-"
                                     f"{secrets.token_hex(3)}", version=0, created_at=now,
                                     created_by=self.app.session.user.login)
                self._version = 0
            else:
                return  # dismissed: asked again at the next save
        self.save_draft()
        if choice == "both":
            self.app.notify("Saved yours as a new draft; theirs is as they left it.")

    def _show_draft_text(self, draft: Draft) -> None:
        raise NotImplementedError
