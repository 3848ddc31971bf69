"""The history at 80x24 (issue 14): H on the dashboard lists every incident, a closed
one too (it has left the dashboard); typing narrows the list; Enter opens the record."""

from __future__ import annotations

from pathlib import Path

from oncall.incidents import Incidents
from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.screens.history import HistoryScreen
from oncall.ui.screens.record import RecordScreen
from tests.conftest import open_demo_incident
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen


def with_closed(home: Path, title: str) -> tuple[Session, str]:
    """The live demo with a second incident, closed."""
    session = open_session(home, "sokafor")
    closed = open_demo_incident(session, title=title)
    Incidents(session).close(closed, "water down")
    return session, closed


async def open_history(pilot, closed: str) -> None:  # type: ignore[no-untyped-def]
    """From the dashboard, where the closed incident is not listed, to the history."""
    await settle(pilot)
    table = pilot.app.screen.query_one("#dash-incidents-table")
    assert closed not in {row.value for row in table.rows}
    await pilot.press("H")
    await wait_for_screen(pilot, HistoryScreen)


async def test_a_closed_incident_is_found_and_its_record_opened(live_demo_home: Path) -> None:
    session, closed = with_closed(live_demo_home, "Flooding on the Wren <b>[red]</b>")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, closed)
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


async def test_a_closed_incident_is_reopened_with_a_reason(live_demo_home: Path) -> None:
    from textual.widgets import Input

    from oncall.ui.dialogs.reason import ReasonDialog

    session, closed = with_closed(live_demo_home, "Flooding on the Wren")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, closed)
        await pilot.press(*"wren")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "a second flood warning"
        await pilot.press("enter")
        await wait_for_screen(pilot, HistoryScreen)
        await settle(pilot)
        assert f"Reopened {closed}" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        app.screen.load()  # type: ignore[attr-defined]
        await settle(pilot)
        table = app.screen.query_one("#dash-incidents-table")
        assert closed in {row.value for row in table.rows}  # type: ignore[attr-defined]
    entry = session.log.tail(1)[0]
    assert (entry.action, entry.details["reason"]) == ("incident.reopened",
                                                       "a second flood warning")


def test_professional_standards_may_not_reopen(live_demo_home: Path) -> None:
    import pytest

    from oncall.incidents import IncidentError

    session, closed = with_closed(live_demo_home, "Flooding")
    monitor = open_session(live_demo_home, "gmercer")
    with pytest.raises(IncidentError, match="read-only"):
        Incidents(monitor).reopen(closed, "checking")
    with pytest.raises(IncidentError, match="say why"):
        Incidents(session).reopen(closed, " ")
    assert session.incidents.get(closed).status == "closed"  # type: ignore[union-attr]
