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


async def open_scheduled(pilot) -> None:  # type: ignore[no-untyped-def]
    """From the dashboard, S: the scheduled posts, read."""
    await settle(pilot)
    await pilot.press("S")
    await wait_for_screen(pilot, ScheduledScreen)
    await settle(pilot)


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


async def test_a_scheduled_post_edited_keeps_its_time_unless_someone_changed_it(
        session: Session) -> None:
    """`e` opens the post in compose; nothing is saved as it is typed (the scheduler
    could send half an edit); F10 keeps the changes at its time. If another officer
    moved it meanwhile, nothing is kept and the officer is told who."""
    from textual.widgets import TextArea

    from oncall.incidents import DraftRepository
    from oncall.session import open_session
    from oncall.ui.dialogs.choose import ChooseDialog
    from oncall.ui.screens.compose import ComposeScreen

    kept(session, "s-later", "scheduled", "Drop-in surgery at the library, 10:00.")
    drafts = DraftRepository(session.store)
    due = drafts.get("s-later", session.incidents.open_incidents()[0].id).due_at  # type: ignore[union-attr]
    app = make_app(session, adapter_for=Network().adapter_for)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_scheduled(pilot)
        await pilot.press("e")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert "SCHEDULED" in screen_text(app) and "F10 saves" in screen_text(app)
        body = app.screen.query_one("#compose-body", TextArea)
        body.text = f"Drop-in surgery at the library moves to 11:00. {LINK}"
        await pilot.press("ctrl+s")  # not saved as a draft: said how instead
        await settle(pilot)
        stored = drafts.get("s-later", session.incidents.open_incidents()[0].id)
        assert stored is not None and "10:00" in stored.body
        assert any("F10 keeps your changes" in n.message for n in app._notifications)
        await pilot.press("f10")
        await wait_for_screen(pilot, ChooseDialog)
        assert "Keep its time" in screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        stored = drafts.get("s-later", stored.incident)
        assert stored is not None and "11:00" in stored.body
        assert stored.status == "scheduled" and stored.due_at == due

        # Daniel moves it; Sarah's next F10 from the version she had is not kept.
        Schedule(open_session(session.paths.home, "dpritchard")).move(
            stored.incident, "s-later", due + timedelta(hours=1))  # type: ignore[operator]
        body.text = f"Drop-in surgery at the library moves to 11:30. {LINK}"
        await pilot.press("f10")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert any("not kept: Daniel Pritchard changed this post" in n.message
                   for n in app._notifications)
        stored = drafts.get("s-later", stored.incident)
        assert stored is not None and "11:00" in stored.body
        # Leaving with changes not kept asks first.
        await pilot.press("escape")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "Leave your changes?" in screen_text(app)


async def test_send_now_during_a_hold_asks_naming_it(session: Session) -> None:
    from oncall.hold import Holds

    kept(session, "s-later", "scheduled", "Drop-in surgery at the library, 10:00.")
    hold = Holds(session).set("Silver: firearms incident")
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        await open_scheduled(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")  # "Send now?"
        await settle(pilot)
        await wait_for_screen(pilot, ConfirmDialog)
        text = screen_text(app)
        assert "Send during the crisis hold?" in text and "by Sarah Okafor" in text
        assert network.posted == []
        await pilot.press("y")
        await wait_for_screen(pilot, ScheduledScreen)
        await settle(pilot)
        assert "Sent to 1 of 1 site(s)." in screen_text(app)
    assert [site for site, _ in network.posted] == ["corp-x"]
    confirmed = [e for e in session.log.tail(20) if e.action == "hold.confirmed_send"]
    assert [e.subject for e in confirmed] == [hold.id]
