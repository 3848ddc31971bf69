"""A keystroke's counts and its findings reach the terminal in one frame (issue 11, item 9).

The checks run in a thread; the counts are drawn at once. Without the hold the screen
showed the new text beside the old findings for a frame. These tests make the checks as
slow as they like with an event (no sleeps) and look at every frame the app paints."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from oncall.policy import Finding
from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.framehold import FrameHold
from oncall.ui.screens.compose import ComposeScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_compose import open_compose


@pytest.fixture
def session(live_demo_home: Path) -> Session:
    return open_session(live_demo_home, "sokafor")


class SlowChecks:
    """Wraps the screen's judge: each judgement waits for `go`, and carries a finding
    naming the length of the text it judged, so a frame shows which text it belongs to."""

    def __init__(self, screen: ComposeScreen) -> None:
        self.go = threading.Event()
        self.real = screen.sender.judge
        screen.sender.judge = self.judge  # type: ignore[method-assign]

    def judge(self, out: Any) -> Any:
        self.go.wait(timeout=20)  # a guard against a broken test, never reached when green
        judged = self.real(out)
        marker = Finding("test.length", "warn", f"judged {len(out.body)} chars", "test")
        return dataclasses.replace(judged, findings=[marker, *judged.findings])


class Frames:
    """What the screen said each time the app painted a frame."""

    def __init__(self, app: Any) -> None:
        self.seen: list[str] = []
        real = app._display

        def display(screen: Any, renderable: Any) -> None:
            real(screen, renderable)
            if renderable is not None:
                self.seen.append(screen_text(app))

        app._display = display


class ManualTimer:
    """A scheduler the test fires by hand, standing in for the hold's time limit."""

    def __init__(self) -> None:
        self.calls: list[Callable[[], None]] = []

    def __call__(self, delay: float, call: Callable[[], None]) -> ManualTimer:
        self.calls.append(call)
        return self

    def stop(self) -> None:
        pass

    def fire(self) -> None:
        for call in self.calls:
            call()
        self.calls.clear()


async def _typed(pilot: Any) -> tuple[ComposeScreen, ManualTimer, SlowChecks, Frames, int]:
    """Open compose on "Have you seen Ann", hold with a hand-fired limit, slow the
    checks down, then type "a" (nothing judged yet)."""
    screen = await open_compose(pilot)
    manual = ManualTimer()
    screen._frame = FrameHold(pilot.app, 60.0, schedule=manual)
    body = screen.query_one("#compose-body", TextArea)
    body.focus()
    body.text = "Have you seen Ann"
    body.move_cursor(body.document.end)
    await settle(pilot)
    slow = SlowChecks(screen)
    frames = Frames(pilot.app)
    await pilot.press("a")
    await pilot.pause()
    return screen, manual, slow, frames, len("Have you seen Ann")


async def test_counts_and_findings_of_a_keystroke_arrive_in_one_frame(
        session: Session) -> None:
    async with make_app(session).run_test(size=SIZE) as pilot:
        _, _, slow, frames, length = await _typed(pilot)
        # The checks have not answered: nothing typed is painted beside stale findings.
        assert not [f for f in frames.seen if "Have you seen Anna" in f]
        slow.go.set()
        await settle(pilot)
        typed = [f for f in frames.seen if "Have you seen Anna" in f]
        assert typed, "the keystroke was never painted"
        assert f"judged {length + 1} chars" in typed[0]
        assert all(f"judged {length} chars" not in f for f in typed)


async def test_a_slow_check_never_holds_back_what_was_typed(session: Session) -> None:
    async with make_app(session).run_test(size=SIZE) as pilot:
        _, manual, slow, frames, length = await _typed(pilot)
        assert not [f for f in frames.seen if "Have you seen Anna" in f]
        manual.fire()  # the hold's limit passes while the checks are still working
        await pilot.pause()
        assert any("Have you seen Anna" in f for f in frames.seen)
        slow.go.set()
        await settle(pilot)
        assert f"judged {length + 1} chars" in screen_text(pilot.app)


async def test_a_hold_is_let_go_when_the_screen_closes(session: Session) -> None:
    async with make_app(session).run_test(size=SIZE) as pilot:
        screen, _, slow, frames, _ = await _typed(pilot)
        assert screen._frame is not None and screen._frame.held
        slow.go.set()
        screen.dismiss()
        await settle(pilot)
        assert not screen._frame.held
        count = len(frames.seen)
        await pilot.press("escape")
        await settle(pilot)
        assert len(frames.seen) > count, "the app stopped painting after the compose screen"
