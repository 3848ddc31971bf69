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
    await settle(pilot)


async def test_a_closed_incident_is_found_and_its_record_opened(live_demo_home: Path) -> None:
    session, closed = with_closed(live_demo_home, "Flooding on the Wren <b>[red]</b>")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, closed)
        text = screen_text(app)
        assert "2 incidents (1 closed)" in text
        assert "Flooding on the Wren <" in text  # literally
        await pilot.press(*"wren")
        await settle(pilot)
        assert "found for 'wren'" in screen_text(app)
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
    from oncall.store import ReadOnly

    session, closed = with_closed(live_demo_home, "Flooding")
    monitor = open_session(live_demo_home, "gmercer")
    with pytest.raises(ReadOnly, match="read-only"):
        Incidents(monitor).reopen(closed, "checking")
    with pytest.raises(IncidentError, match="say why"):
        Incidents(session).reopen(closed, " ")
    assert session.incidents.get(closed).status == "closed"  # type: ignore[union-attr]


async def test_last_months_incident_is_found_by_a_phrase_from_its_post_and_exported(
        demo_home: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The debrief: a month on, an officer finds the incident by a few words from one of
    its posts and a time phrase, opens its record at that post, and exports it."""
    import os
    from datetime import UTC, datetime, timedelta

    import pytest

    from oncall import timeutil
    from oncall.ui.dialogs.choose import ChooseDialog
    from tests.core.test_search import add_incident, add_post

    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(timeutil, "clock", lambda: now)
    session = open_session(demo_home, "sokafor")
    then = now - timedelta(days=33)
    old = add_incident(session, "20261102-01", "Missing woman, Meir", then, status="closed")
    add_post(session, old, "p1", "Have you seen Jean? She was last seen in Meir Park",
             then + timedelta(minutes=20), {"corp-x": "sent"})
    add_post(session, old, "p2", "Jean, missing from Meir, has been found safe near the "
             "bandstand. Thank you for sharing.", then + timedelta(hours=5),
             {"corp-x": "sent", "corp-fb": "failed"})
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await wait_for_screen(pilot, HistoryScreen)
        await pilot.press(*"bandstand since 1/11")
        await settle(pilot)
        text = screen_text(app)
        assert "1 found for 'bandstand' · since 00:00 Sun 1 Nov (GMT)" in text
        assert "Missing woman, Meir" in text and "…near the bandstand" in text
        await pilot.press("enter")
        await wait_for_screen(pilot, RecordScreen)
        await settle(pilot)
        text = screen_text(app)
        # Opened at the post that was found, shown in full with each site's result.
        assert "corp-fb: failed" in text and "has been found safe" in text
        assert "Have you seen Jean?" not in text.split("╭")[1]  # the first post's row only
        await pilot.press("ctrl+e")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("down", "enter")  # Markdown, the second
        await wait_for_screen(pilot, RecordScreen)
        await settle(pilot)
        assert "Exported to" in screen_text(app)
    exports = list((Path(os.environ["XDG_DATA_HOME"]) / "oncall" / "exports").glob("*.md"))
    assert len(exports) == 1
    written = exports[0].read_text()
    assert "bandstand" in written and "found safe" in written
    with pytest.raises(StopIteration):  # the other incident's posts are not in it
        next(line for line in written.splitlines() if "Bracken" in line)
