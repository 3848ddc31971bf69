"""Attach a photo or video, with what the procedure needs recorded about it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from oncall.policy import Attachment
from oncall.ui.callbacks import after_queued
from oncall.ui.widgets.safeinput import SafeInput

PHOTO = (".jpg", ".jpeg", ".png")
VIDEO = (".mp4", ".mov", ".m4v")
FIELDS = (("path", "File", "path on this host, e.g. ~/incoming/amy.jpg"),
          ("alt", "Alt text", "what the photo shows, for screen readers"),
          ("source", "Source", "who supplied it, e.g. family; force photographer"),
          ("permission", "Permission", "who agreed, when, e.g. mother, 02:30"),
          ("purpose", "Purpose", "video: the policing purpose"),
          ("key_message", "Key message", "video: the message the text promotes"))


class AttachDialog(ModalScreen[tuple[Attachment, str] | None]):
    """Returns the attachment and its alt text, or None. The file must exist and be a
    photo (JPEG/PNG) or a video (MP4/MOV)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: acted on the moment the key is read, so keys typed after it reach the
        # screen underneath instead of this dialog's field as it closes.
        Binding("escape", "cancel", "Cancel", id="attach.cancel", priority=True),
        # Priority, like Tab: a burst after Enter goes to the next field.
        Binding("enter", "next_field", "Next field", show=False, priority=True,
                id="attach.next_field"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = "Attach a photo or video"
            with Horizontal(classes="field-row"):
                yield Label("Whose:", classes="field-label")
                yield Select([("The force's own", "own"), ("A third party's", "third")],
                             value="own", allow_blank=False, compact=True, id="at-owner")
            for name, label, hint in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(f"{label}:", classes="field-label")
                    yield SafeInput(placeholder=hint, id=f"at-{name}", classes="compact")
            yield Static("Enter on the last field attaches · Esc: cancel", id="at-hint",
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#at-path", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return isinstance(self.focused, Input)
        return True

    def action_next_field(self) -> None:
        if self.focused is None or self.focused.id != "at-key_message":
            self.focus_next()
            return
        after_queued(list(self.query(Input)), self._submit)

    def _submit(self) -> None:
        values = {n: self.query_one(f"#at-{n}", Input).value.strip() for n, _, _ in FIELDS}
        path = Path(values["path"]).expanduser()
        suffix = path.suffix.lower()
        if not path.is_file():
            self._error(f"No file at {values['path'] or '(blank)'}.")
            return
        if suffix not in PHOTO + VIDEO:
            self._error("Attach a photo (JPEG, PNG) or a video (MP4, MOV).")
            return
        third = self.query_one("#at-owner", Select).value == "third"
        attachment = Attachment("video" if suffix in VIDEO else "photo", str(path),
                                third_party=third, source=values["source"],
                                permission=values["permission"], purpose=values["purpose"],
                                key_message=values["key_message"])
        self.dismiss((attachment, values["alt"]))

    def _error(self, message: str) -> None:
        self.query_one("#at-hint", Static).update(Text(message, style="bold"))

    def action_cancel(self) -> None:
        self.dismiss(None)
