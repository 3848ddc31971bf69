"""Copy to the officer's clipboard over SSH, and clear it again.

OSC 52 asks the officer's own terminal to set its clipboard, which works over
SSH where no clipboard exists on the host. Inside tmux the plain sequence goes
to tmux, which (with `set-clipboard on`) also keeps it in a paste buffer, so a
copied password would stay on the shared host: there we wrap the sequence for
tmux's passthrough, which hands it to the outer terminal untouched (tmux 3.3+
needs `set -g allow-passthrough on`). pyperclip is used as well where the host
has a local clipboard (a desktop session). A copied secret is cleared after the
configured time and when oncall exits.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer


def osc52(text: str) -> str:
    """The OSC 52 sequence that sets the terminal's clipboard to `text`."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\a"


def tmux_passthrough(sequence: str) -> str:
    """`sequence` wrapped so tmux passes it to the outer terminal without keeping it."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def in_tmux() -> bool:
    return bool(os.environ.get("TMUX"))


def has_local_clipboard() -> bool:
    """A desktop session on this host (not just an SSH login) has a clipboard to set."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.uname().sysname == "Darwin") and not os.environ.get("SSH_CONNECTION")


class Clipboard:
    """Copies text for one app, clearing secrets after `clear_after` seconds and on exit."""

    def __init__(self, app: App[Any], clear_after: int) -> None:
        self.app = app
        self.clear_after = clear_after
        self._timer: Timer | None = None
        self.holding_secret = False

    def copy(self, text: str, *, secret: bool) -> str:
        """Copy `text`; returns a sentence saying where it went and when it clears."""
        self._write(text)
        where = ["your terminal (OSC 52)"]
        if has_local_clipboard() and self._pyperclip(text):
            where.append("this computer's clipboard")
        message = "Copied to " + " and ".join(where)
        if in_tmux():
            message += (". Inside tmux it is passed straight through (needs "
                        "`set -g allow-passthrough on`); with `set-clipboard on` alone tmux "
                        "would also keep a copy in its paste buffer")
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if secret:
            self.holding_secret = True
            self._timer = self.app.set_timer(self.clear_after, self.clear)
            message += f". Clears in {self.clear_after} s"
        return message + "."

    def clear(self) -> None:
        """Empty the clipboard if it holds a secret we put there."""
        if not self.holding_secret:
            return
        self._write("")
        if has_local_clipboard():
            self._pyperclip("")
        self.holding_secret = False
        self._timer = None

    def _write(self, text: str) -> None:
        driver = self.app._driver
        # Textual keeps the last copy in memory; do not let a secret linger there.
        self.app._clipboard = ""
        if driver is None:
            return
        sequence = osc52(text)
        driver.write(tmux_passthrough(sequence) if in_tmux() else sequence)

    @staticmethod
    def _pyperclip(text: str) -> bool:
        try:
            import pyperclip

            pyperclip.copy(text)
        except Exception:  # no clipboard mechanism on this host: OSC 52 still worked
            return False
        return True
