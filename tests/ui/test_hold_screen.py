"""Setting and lifting a crisis hold from the console at 80x24 (issue 15): `!` on the
dashboard sets one with a reason, said back before it is set; `!` again lifts it with a
reason and lists what it held, where the officer sends, moves or cancels each; someone
not allowed is told in one line and nothing is set."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import DataTable, Input, OptionList

from oncall.hold import Holds
from oncall.incidents import DraftRepository
from oncall.model import Delivery, Draft, PostRecord
from oncall.postrecords import DeliveryRepository, PostRepository
from oncall.session import Session, open_session
from oncall.timeutil import utcnow
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.dashboard import DashboardScreen
from oncall.ui.screens.lifted import LiftedScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_compose import LINK, Network, session
from tests.ui.test_incident import wait_for_screen

__all__ = ["session"]


def held_things(session: Session) -> tuple[str, str]:
    """What a hold catches: a scheduled post whose time came during it, and a delivery
    it paused while it waited out a rate limit. Returns their ids."""
    incident = session.incidents.open_incidents()[0].id
    now = utcnow()
    DraftRepository(session.store).put(Draft(
        id="s-road", incident=incident, created_by="sokafor", created_at=now,
        updated_at=now, body=f"The A34 has reopened. {LINK}", status="scheduled",
        sites=["corp-x"], due_at=now - timedelta(minutes=5), scheduled_by="sokafor"))
    PostRepository(session.store).put(PostRecord(
        id="p-1", incident=incident, author="sokafor", created_at=now,
        body=f"Road closed. {LINK}", sites=["corp-masto"]))
    DeliveryRepository(session.store).put(Delivery(
        id="p-1.corp-masto", post="p-1", incident=incident, site="corp-masto",
        platform="mastodon", text=f"Road closed. {LINK}", key="k1", state="held",
        reason="CRISIS HOLD on every site: paused", updated_at=now))
    return "s-road", "p-1.corp-masto"


async def choose(pilot, label: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the option that starts with `label` in the choose dialog on top."""
    await wait_for_screen(pilot, ChooseDialog)
    options = pilot.app.screen.query_one(OptionList)
    index = next(i for i in range(options.option_count)
                 if str(options.get_option_at_index(i).prompt).startswith(label))
    options.highlighted = index
    await pilot.press("enter")


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await wait_for_screen(pilot, ReasonDialog)
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def test_set_then_lift_deciding_on_each_held_post(session: Session) -> None:
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await choose(pilot, "Hold EVERY site")
        await answer(pilot, "Silver: [b]death[/b] confirmed")
        await wait_for_screen(pilot, ConfirmDialog)
        text = screen_text(app)
        assert "Hold every site: Silver: [b]death[/b] confirmed" in text  # literally
        assert "queued or waiting delivery" in text
        await pilot.press("y")
        await wait_for_screen(pilot, DashboardScreen)
        await settle(pilot)
        [hold] = Holds(session).active()
        assert hold.reason == "Silver: [b]death[/b] confirmed" and hold.scope == "all"
        app.screen.load()  # type: ignore[attr-defined]  # as its refresh does
        await settle(pilot)
        assert "!! CRISIS HOLD on every site" in screen_text(app)

        draft_id, delivery_id = held_things(session)
        await pilot.press("exclamation_mark")
        await choose(pilot, "Lift: CRISIS HOLD on every site")
        await answer(pilot, "family informed")
        await wait_for_screen(pilot, LiftedScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "Lifted: CRISIS HOLD on every site" in text
        assert "2 held post(s) to decide" in text and "! HELD" in text
        screen = app.screen
        assert isinstance(screen, LiftedScreen)
        assert [h.key for h in screen.rows] == [draft_id, delivery_id]

        # The road post whose time came during the hold: sent now.
        await pilot.press("enter")
        await choose(pilot, "Send it now")
        await settle(pilot)
        assert "Sent to 1 of 1 site(s)." in screen_text(app)
        # The paused delivery: cancelled, with a reason.
        screen.query_one(DataTable).move_cursor(row=1)
        await pilot.press("enter")
        await choose(pilot, "Cancel it")
        await answer(pilot, "overtaken by events")
        await wait_for_screen(pilot, LiftedScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "Cancelled: it will not go." in text and "Nothing left to decide." in text
        # Deciding again on a decided row says so and does nothing.
        await pilot.press("enter")
        await settle(pilot)
        assert "Decided already: cancelled." in screen_text(app)
    assert [site for site, _ in network.posted] == ["corp-x"]
    assert Holds(session).active() == []
    assert DeliveryRepository(session.store).for_post(
        session.incidents.open_incidents()[0].id, "p-1")[0].state == "cancelled"
    actions = [e.action for e in session.log.tail(30)]
    assert {"hold.set", "hold.lifted", "post.schedule_held", "post.cancelled"} <= set(actions)


async def test_someone_not_allowed_is_told_and_nothing_is_set(live_demo_home: Path) -> None:
    session = open_session(live_demo_home, "jashworth")
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await choose(pilot, "Hold EVERY site")
        await answer(pilot, "I think we should")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert any("Only press officers and Corporate Communications" in n.message
                   for n in app._notifications)
    assert Holds(session).active() == []
