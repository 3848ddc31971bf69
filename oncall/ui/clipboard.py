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


def tmux_passthrough_setting() -> str | None:
    """tmux's allow-passthrough ("on", "all" or "off"), or None when it cannot be read
    (not in tmux, an old tmux, no answer within a second). Blocks: call from a thread."""
    if not in_tmux():
        return None
    import subprocess

    try:
        answer = subprocess.run(["tmux", "show-options", "-gqv", "allow-passthrough"],
                                capture_output=True, text=True, timeout=1, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    value = answer.stdout.strip()
    return value if answer.returncode == 0 and value in ("on", "all", "off") else None


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
        # tmux's allow-passthrough, read once off the event loop (see probe).
        self.passthrough: str | None = None

    def probe(self) -> None:
        """Read what can stop a copy arriving (tmux's passthrough). Blocks briefly: the
        app calls it from a worker thread at start."""
        self.passthrough = tmux_passthrough_setting()

    def copy(self, text: str, *, secret: bool) -> str:
        """Copy `text`; returns a sentence saying where it went and when it clears."""
        if in_tmux() and self.passthrough == "off" and not has_local_clipboard():
            # Said plainly rather than "copied": tmux would drop the sequence.
            return ("NOT copied: tmux drops clipboard writes while allow-passthrough is off. "
                    "Run `tmux set -g allow-passthrough on`, then copy again (or show the "
                    "text instead).")
        self._write(text)
        where = ["your terminal (OSC 52)"]
        if has_local_clipboard() and self._pyperclip(text):
            where.append("this computer's clipboard")
        message = "Sent to " + " and ".join(where)
        if in_tmux() and self.passthrough is None:
            message += (". Inside tmux it passes through only with `set -g "
                        "allow-passthrough on`, which oncall could not check")
        if len(where) == 1:
            message += ("; oncall cannot see whether your terminal accepted it: paste to "
                        "check")
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
