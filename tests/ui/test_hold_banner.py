"""A crisis hold at 80x24 (issue 15): set from anywhere (here another officer's shell),
it shows on the dashboard's banner with why and who, and in words on every screen's
header, until it is lifted."""

from __future__ import annotations

from pathlib import Path

from oncall.hold import Holds
from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.screens.incident import IncidentScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen


async def test_a_hold_shows_on_every_screen_until_lifted(live_demo_home: Path) -> None:
    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "CRISIS HOLD" not in screen_text(app)
        hold = Holds(open_session(live_demo_home, "dpritchard")).set(
            "Silver: [b]death[/b] confirmed")
        app.screen.load()  # type: ignore[attr-defined]  # as its 5-second refresh does
        await settle(pilot)
        text = screen_text(app)
        assert "!! CRISIS HOLD on every site" in text
        assert "by Daniel Pritchard: Silver:" in text
        assert "[b]death[/b] confirmed" in text  # literally
        assert "!! CRISIS HOLD (1)" in text
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        assert "!! CRISIS HOLD (1)" in screen_text(app)  # the header, on another screen
        Holds(session).lift(hold.id, "lifted by Silver")
        await pilot.press("escape")
        await settle(pilot)
        app.screen.load()  # type: ignore[attr-defined]
        await settle(pilot)
        assert "CRISIS HOLD" not in screen_text(app)
