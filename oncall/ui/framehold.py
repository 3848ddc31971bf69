"""Holding the screen's repaints for a moment, so one change reaches the terminal whole.

A keystroke on the compose screen changes two things: every site's count (drawn at
once) and the findings of the checks (worked out in a thread, off the event loop).
Drawn as they come, they land in two frames, and Textual paints at most one frame per
1/60 s: the findings then wait for the next frame, some 17 ms after the counts. Held
until the findings arrive (or a short limit passes), both go out in the same frame.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Protocol

from textual.app import App


class Stoppable(Protocol):
    """What a scheduled call gives back: a way to call it off (a Textual Timer)."""

    def stop(self) -> None: ...


Schedule = Callable[[float, Callable[[], None]], Stoppable]


class FrameHold:
    """Suspends the app's repaints from `hold()` until `release()` or `limit` seconds,
    whichever comes first. Holding again while held only keeps the first limit, so a
    fast typist never freezes the screen for longer than `limit`."""

    def __init__(self, app: App[Any], limit: float,
                 schedule: Schedule | None = None) -> None:
        self.app = app
        self.limit = limit
        self._schedule: Schedule = schedule or (
            lambda delay, call: app.set_timer(delay, call, name="frame-hold"))
        self._stack: ExitStack | None = None
        self._timer: Stoppable | None = None

    @property
    def held(self) -> bool:
        """True while repaints are suspended by this hold."""
        return self._stack is not None

    def hold(self) -> None:
        """Suspend repaints (a no-op if already held)."""
        if self._stack is not None:
            return
        stack = ExitStack()
        stack.enter_context(self.app.batch_update())
        self._stack = stack
        self._timer = self._schedule(self.limit, self.release)

    def release(self) -> None:
        """Let repaints go again (a no-op if not held)."""
        stack, self._stack = self._stack, None
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.stop()
        if stack is not None:
            stack.close()
