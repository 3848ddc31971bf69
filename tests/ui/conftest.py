"""Pilot fixtures: every UI test runs at 80x24, the size of an SSH session on a phone."""

from __future__ import annotations

import io

import pytest

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screen captures differ from run to run."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
    # The compose screen's body: its cursor came and went between captures in CI.
    monkeypatch.setattr(TextArea, "cursor_blink", False, raising=False)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until workers have finished and the screen has caught up."""
    from textual.worker import WorkerCancelled, WorkerState

    # The playbooks are read after the first paint (on_ready): until then no worker runs
    # that could be waited for. Bounded, in case a test's app never gets that far.
    for _ in range(500):
        if getattr(pilot.app, "library_ready", True):
            break
        await pilot.pause(0.02)
    # A finished worker often hands its result to the event loop, which starts the next
    # one (playbooks loaded -> dashboard reads the store): wait until nothing is running.
    for _ in range(20):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one: wait again
            continue
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in pilot.app.workers):
            break


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """The whole screen as plain text, as an officer would read it."""
    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text()
