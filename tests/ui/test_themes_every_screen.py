"""Every screen draws at 80x24 in each theme, with status words on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.screens.compose import ComposeScreen
from oncall.ui.screens.incident import IncidentScreen
from oncall.ui.screens.outbox import OutboxScreen
from oncall.ui.screens.vault import VaultScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen


@pytest.mark.parametrize("theme", ["corporate", "high-contrast", "mono"])
async def test_each_screen_in_each_theme(live_demo_home: Path, theme: str) -> None:
    session = open_session(live_demo_home, "sokafor")
    app = make_app(session, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # The theme is the one asked for, and it is what the screen is painted with
        assert app.theme == theme == app.current_theme.name
        painted = app.screen.styles.background
        assert painted == Color.parse(app.current_theme.background or "black"), painted
        assert "verified" in screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        assert "✓ done" in screen_text(app)
        await pilot.press("c")
        await wait_for_screen(pilot, ComposeScreen)
        assert "☑" in screen_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.press("escape")
        await pilot.press("v")
        await wait_for_screen(pilot, VaultScreen)
        assert "password" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("o")
        await wait_for_screen(pilot, OutboxScreen)
        assert "Nothing to decide" in screen_text(app)
