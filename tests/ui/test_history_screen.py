"""The history at 80x24 (issue 14): H on the dashboard lists every incident, a closed
one too (it has left the dashboard); typing narrows the list; Enter opens the record."""

from __future__ import annotations

from pathlib import Path

from oncall.incidents import Incidents
from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.screens.history import HistoryScreen
from oncall.ui.screens.record import RecordScreen
from tests.conftest import open_demo_incident
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen


async def test_a_closed_incident_is_found_and_its_record_opened(live_demo_home: Path) -> None:
    session = open_session(live_demo_home, "sokafor")
    closed = open_demo_incident(session, title="Flooding on the Wren <b>[red]</b>")
    Incidents(session).close(closed, "water down")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#dash-incidents-table")
        assert closed not in {row.value for row in table.rows}  # type: ignore[attr-defined]
        await pilot.press("H")
        await wait_for_screen(pilot, HistoryScreen)
        text = screen_text(app)
        assert "2 of 2 incidents (1 closed)" in text
        assert "Flooding on the Wren <b>[red]</b>" in text  # literally
        await pilot.press(*"wren")
        await settle(pilot)
        assert "1 of 2 incidents" in screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, RecordScreen)
        text = screen_text(app)
        assert "Closed the incident" in text and f"{closed} · closed" in text
