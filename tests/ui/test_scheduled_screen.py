"""The scheduled posts at 80x24 (issue 15): the dashboard counts them (S), a missed one
says so in words, F10 moves it to a time read back with its zone, Del cancels one with
a reason, F5 sends one now, once."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Input

from oncall.model import Draft
from oncall.schedule import Schedule
from oncall.session import Session
from oncall.timeutil import utcnow
from oncall.ui.app import make_app
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.scheduled import ScheduledScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_compose import LINK, Network, session
from tests.ui.test_incident import wait_for_screen

__all__ = ["session"]


def kept(session: Session, draft_id: str, status: str, text: str) -> None:
    """A scheduled post as the core keeps it (missed: found too late by the scheduler)."""
    from oncall.incidents import DraftRepository

    incident = session.incidents.open_incidents()[0].id
    now = utcnow()
    DraftRepository(session.store).put(Draft(
        id=draft_id, incident=incident, created_by="sokafor", created_at=now,
        updated_at=now, body=f"{text} {LINK}", status=status, sites=["corp-x"],
        due_at=now - timedelta(minutes=30) if status == "missed" else now + timedelta(hours=3),
        scheduled_by="sokafor",
        problem="not sent: found 30 min late (was the scheduler running?)"
        if status == "missed" else ""))


async def test_missed_moved_cancelled_and_sent_now(session: Session) -> None:
    kept(session, "s-missed", "missed", "The towpath reopens at 06:00.")
    kept(session, "s-later", "scheduled", "Drop-in surgery at the library, 10:00.")
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "! SCHEDULED: 1 to decide (S)" in screen_text(app)
        await pilot.press("S")
        await wait_for_screen(pilot, ScheduledScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "1 scheduled, 1 to decide" in text and "! MISSED" in text
        assert "found 30 min late" in text
        # The missed one: moved to a time said back with its zone.
        await pilot.press("f10")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "in 1 hour"
        await pilot.press("enter")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "Move it to" in screen_text(app) and "(GMT)" in screen_text(app)
        await pilot.press("y")
        await wait_for_screen(pilot, ScheduledScreen)
        await settle(pilot)
        assert "2 scheduled, 0 to decide" in screen_text(app)
        # The later one, cancelled with a reason.
        table = app.screen.query_one(DataTable)
        screen = app.screen
        assert isinstance(screen, ScheduledScreen)
        table.move_cursor(row=[d.id for d in screen.rows].index("s-later"))
        await pilot.press("delete")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "surgery called off"
        await pilot.press("enter")
        await wait_for_screen(pilot, ScheduledScreen)
        await settle(pilot)
        assert "Cancelled: it will not go." in screen_text(app)
        # The moved one, sent now.
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ScheduledScreen)
        await settle(pilot)
        assert "Sent to 1 of 1 site(s)." in screen_text(app)
    assert [site for site, _ in network.posted] == ["corp-x"]
    assert Schedule(session).pending() == []
    actions = [e.action for e in session.log.tail(30)]
    assert "post.rescheduled" in actions and "post.schedule_cancelled" in actions
