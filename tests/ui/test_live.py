"""Officers on one home see one another's work within a second or two (issue 15): a
step ticked and a hold set by another officer's process appear on this dashboard
without a refresh key and long before its periodic refresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oncall.incidents import Incidents
from oncall.playbooks import load_library
from oncall.resources import shipped_dir
from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.screens import dashboard
from tests.ui.conftest import SIZE, screen_text, settle


async def wait_for_text(pilot, wanted: str, seconds: float = 5.0) -> str:  # type: ignore[no-untyped-def]
    """The screen once it shows `wanted`; fails after `seconds` (real file events from
    another process: there is no timer to drive)."""
    for _ in range(int(seconds / 0.05)):
        text = screen_text(pilot.app)
        if wanted in text:
            return text
        await pilot.pause(0.05)
    raise AssertionError(f"{wanted!r} not shown within {seconds} s:\n{screen_text(pilot.app)}")


async def test_another_officers_tick_and_hold_appear_at_once(
        live_demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "REFRESH_SECONDS", 3600.0)  # only the watcher can tell
    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = screen_text(app)
        assert "2/7 done" in before
        await pilot.pause(0.5)  # the watcher is registered after the first paint
        other = open_session(live_demo_home, "dpritchard")
        incident = other.incidents.open_incidents()[0]
        playbook = load_library(shipped_dir("playbooks")).playbooks[incident.playbook]
        done = {t.id for t in Incidents(other).ticks.all(incident.id)}
        step = next(s for s in playbook.steps if s.id not in done)
        # Another officer's process, not this one: a tick, then a hold.
        subprocess.run([sys.executable, "-c",
                        "import sys; from pathlib import Path; "
                        "from oncall.session import open_session; "
                        "from oncall.incidents import Incidents; "
                        "from oncall.playbooks import load_library; "
                        "from oncall.resources import shipped_dir; "
                        "s = open_session(Path(sys.argv[1]), 'dpritchard'); "
                        "i = s.incidents.get(sys.argv[2]); "
                        "p = load_library(shipped_dir('playbooks')).playbooks[i.playbook]; "
                        "Incidents(s).tick(i, next(x for x in p.steps if x.id == sys.argv[3]))",
                        str(live_demo_home), incident.id, step.id],
                       check=True, capture_output=True, timeout=60)
        await wait_for_text(pilot, "3/7 done")
        subprocess.run([sys.executable, "-m", "oncall", "--home", str(live_demo_home),
                        "--user", "dpritchard", "hold", "set", "--reason", "gold command"],
                       check=True, capture_output=True, timeout=60)
        await wait_for_text(pilot, "!! CRISIS HOLD (1)")


async def test_who_else_is_working_shows_on_the_dashboard_and_the_incident(
        live_demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from oncall.presence import Presence
    from oncall.ui.screens.incident import IncidentScreen
    from tests.ui.test_incident import wait_for_screen

    monkeypatch.setattr(dashboard, "REFRESH_SECONDS", 3600.0)
    session = open_session(live_demo_home, "sokafor")
    incident = session.incidents.open_incidents()[0]
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Also working now" not in screen_text(app)
        await pilot.pause(0.5)  # the watcher is registered after the first paint
        Presence(open_session(live_demo_home, "dpritchard")).here("compose", incident.id)
        await wait_for_text(pilot, "Also working now: Daniel Pritchard (compose,")
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        assert "Also here: Daniel Pritchard (compose)" in screen_text(app)
    # This console said where it was, and removed its file when it ended.
    assert not (live_demo_home / "data" / "presence" / "sokafor.json").exists()


async def test_compose_says_who_else_is_editing_the_same_draft(
        live_demo_home: Path) -> None:
    from oncall.presence import Presence
    from tests.ui.test_compose import open_compose

    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        await settle(pilot)
        assert "ALSO EDITING" not in screen_text(app)
        await pilot.pause(0.5)  # the watcher is registered after the first paint
        draft = screen.draft.id
        incident = screen.incident.id
        Presence(open_session(live_demo_home, "dpritchard")).here("compose", incident, draft)
        await wait_for_text(pilot, "ALSO EDITING: Daniel Pritchard")
        Presence(open_session(live_demo_home, "dpritchard")).leave()
        for _ in range(100):  # gone again once they leave
            await pilot.pause(0.05)
            if "ALSO EDITING" not in screen_text(app):
                break
        assert "ALSO EDITING" not in screen_text(app)
