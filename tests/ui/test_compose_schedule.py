"""Scheduling from the compose screen, and sending through a crisis hold, at 80x24
(issue 15): F10 asks when, reads it back with its zone, and the core keeps the post
for then; a post sent during a hold asks, naming the hold, and is logged."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, TextArea

from oncall.hold import Holds
from oncall.schedule import Schedule
from oncall.session import Session
from oncall.timeutil import utcnow
from oncall.ui.app import make_app
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.compose import ComposeScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_compose import LINK, Network, open_compose, session
from tests.ui.test_incident import wait_for_screen

__all__ = ["session"]

TEXT = f"The canal towpath at Mill Lane reopens to the public at 06:00. {LINK}"


async def test_f10_schedules_the_post_read_back_with_its_zone(session: Session) -> None:
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = TEXT
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        before = utcnow()
        await pilot.press("f10")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "in 2 hours"
        await pilot.press("enter")
        await wait_for_screen(pilot, ConfirmDialog)
        text = screen_text(app)
        assert "Schedule this post for" in text and "(GMT)" in text
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
    assert network.posted == []  # nothing goes now
    (draft,) = Schedule(session).pending()
    assert draft.status == "scheduled" and draft.body == TEXT and draft.due_at is not None
    assert timedelta(hours=2) <= draft.due_at - before < timedelta(hours=2, minutes=1)
    assert "post.scheduled" in [e.action for e in session.log.tail(5)]


async def test_a_post_during_a_crisis_hold_asks_naming_it(session: Session) -> None:
    network = Network()
    hold = Holds(session).set("Silver: firearms incident in Wrenmoor")
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = TEXT
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "Send now?" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        await wait_for_screen(pilot, ConfirmDialog)  # refused by the hold: asked again
        text = " ".join(screen_text(app).replace("\xa0", " ").split())
        assert "Send during the crisis hold?" in text and "firearms" in text
        assert network.posted == []
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
    assert network.posted  # sent, once confirmed
    confirmed = [e for e in session.log.tail(40) if e.action == "hold.confirmed_send"]
    assert [e.subject for e in confirmed] == [hold.id]
