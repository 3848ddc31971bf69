"""Drive `oncall` in a real terminal: tmux at a given size, keys sent with send-keys,
the screen read with capture-pane. Waits are bounded polls of the screen, never sleeps
standing in for an event."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

# A guard against hanging for ever, not a speed check.
GUARD_SECONDS = 60
HAVE_TMUX = shutil.which("tmux") is not None
REPO_ROOT = Path(__file__).resolve().parents[2]


class Tmux:
    """One tmux server of its own (a private socket), one window running a command."""

    def __init__(self, argv: list[str], *, width: int = 80, height: int = 24,
                 env: dict[str, str] | None = None) -> None:
        self.socket = f"oncall-test-{uuid.uuid4().hex[:8]}"
        environment = {**os.environ, "LANG": "C.UTF-8", **(env or {}),
                       "TERM": "xterm-256color"}
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), environment.get("PYTHONPATH", "")) if p)
        environment.pop("TMUX", None)
        command = " ".join(shlex.quote(a) for a in argv)
        self._run("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                  f"{command}; echo EXIT=$?; sleep 600", env=environment)

    def _run(self, *args: str, env: dict[str, str] | None = None) -> str:
        # -u: tmux draws UTF-8 whatever the locale of the machine running the tests.
        return subprocess.run(["tmux", "-u", "-L", self.socket, *args], check=True, text=True,
                              capture_output=True, env=env, timeout=30).stdout

    def keys(self, *keys: str) -> None:
        """Send key names (Enter, Tab, Down, C-s ...)."""
        self._run("send-keys", "-t", "t", *keys)

    def text(self, literal: str) -> None:
        """Send text literally, in one burst, as a paste or a fast typist does."""
        self._run("send-keys", "-t", "t", "-l", literal)

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", "t")

    def wait_for(self, needle: str) -> str:
        deadline = time.monotonic() + GUARD_SECONDS
        while time.monotonic() < deadline:
            shown = self.screen()
            if needle in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared; the screen:\n{self.screen()}")

    def wait_gone(self, needle: str) -> str:
        """Wait until `needle` is no longer on screen (a dialog has closed)."""
        deadline = time.monotonic() + GUARD_SECONDS
        while time.monotonic() < deadline:
            shown = self.screen()
            if needle not in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never went away; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=30)


def oncall(*args: str) -> list[str]:
    """The argv that runs this checkout's oncall."""
    return [sys.executable, "-m", "oncall", *args]
