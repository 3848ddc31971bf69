"""At 60x20 every screen keeps what an officer acts on; below that, one clear message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.screens.compose import ComposeScreen
from oncall.ui.screens.dashboard import DashboardScreen
from oncall.ui.screens.incident import IncidentScreen
from oncall.ui.screens.toosmall import TooSmallScreen
from oncall.ui.screens.vault import VaultScreen
from tests.ui.conftest import screen_text, settle
from tests.ui.test_incident import wait_for_screen


@asynccontextmanager
async def at_60x20(home: Path, keys: list[str], screen: type) -> AsyncIterator[str]:
    """The demo at 60x20, taken by `keys` to `screen`: yields the screen's text."""
    app = make_app(open_session(home, "sokafor"))
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await wait_for_screen(pilot, screen)
        await settle(pilot)
        yield screen_text(app)


async def test_below_the_minimum_one_message_and_keys_do_nothing(live_demo_home: Path) -> None:
    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.resize_terminal(50, 15)
        await wait_for_screen(pilot, TooSmallScreen)
        text = screen_text(app)
        assert "Terminal too small: 50x15." in text and "at least 60x20" in text
        await pilot.press("enter", "v", "n", "tab", "enter")  # blind keys change nothing
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(59, 24)
        await settle(pilot)
        assert "Terminal too small: 59x24." in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await wait_for_screen(pilot, DashboardScreen)
        assert [type(s) for s in app.screen_stack][-1] is DashboardScreen
        assert len(app.screen_stack) == 2  # the default screen and the dashboard only


async def test_starting_in_a_tiny_terminal_says_so(live_demo_home: Path) -> None:
    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=(40, 10)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(60, 20)
        await wait_for_screen(pilot, DashboardScreen)


async def test_at_60x20_the_incident_keeps_every_step_and_the_next_update(
        live_demo_home: Path) -> None:
    async with at_60x20(live_demo_home, ["enter"], IncidentScreen) as text:
        assert "Next update due" in text
        assert text.count("✓ done") == 2 and "» due soon" in text and "◦ stand-down" in text
        assert text.count("· open") == 3
        assert "SO " in text  # who did it, as initials, still on the line


async def test_at_60x20_compose_keeps_each_sites_count(live_demo_home: Path) -> None:
    async with at_60x20(live_demo_home, ["enter", "c"], ComposeScreen) as text:
        lines = [line for line in text.splitlines() if "☑" in line]
        assert lines and all("/280" in line or "/300" in line or "/500" in line
                             or "/63206" in line for line in lines)
        # The names give way so a status ("✗ FAILED", "⏸ waiting") has room after the count.
        # (The scroll bar's blocks at the right edge are not the line's.)
        assert all(len(line.rstrip().rstrip("▁▂▃▄▅▆▇█").rstrip()) <= 60 - 12 for line in lines)


async def test_at_60x20_the_vault_keeps_what_is_stored(live_demo_home: Path) -> None:
    async with at_60x20(live_demo_home, ["v"], VaultScreen) as text:
        rows = [line for line in text.splitlines() if "(" in line and "token" in line]
        assert len(rows) >= 8
        assert all("password" in line for line in rows)
