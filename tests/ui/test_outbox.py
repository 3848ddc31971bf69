"""Pilot tests at 80x24: deliveries left undecided are shown at start and decided by hand."""

from __future__ import annotations

import socket
from pathlib import Path

from textual.widgets import Static

from oncall.crosspost import DeliveryRepository, PostRepository
from oncall.model import Delivery, PostRecord
from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.screens.dashboard import DashboardScreen
from oncall.ui.screens.outbox import OutboxScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_compose import Network
from tests.ui.test_incident import wait_for_screen


async def test_interrupted_and_unknown_deliveries_wait_for_the_officer(
        live_demo_home: Path) -> None:
    session = open_session(live_demo_home, "sokafor")
    [incident] = session.incidents.all()
    repo = DeliveryRepository(session.store)
    text = "Road reopened: https://www.merciavale.police.uk/news/1"
    PostRepository(session.store).put(PostRecord(
        id="p", incident=incident.id, author="sokafor", created_at=incident.opened_at,
        body=text, sites=["corp-fb", "corp-x"]))
    dead = f"{socket.gethostname()}:999999"
    repo.put(Delivery(id="p.corp-fb", post="p", incident=incident.id, site="corp-fb",
                      platform="facebook", text=text, key="k1", state="sending",
                      owner=dead))
    repo.put(Delivery(id="p.corp-x", post="p", incident=incident.id, site="corp-x",
                      platform="x", text=text, key="k2", state="unknown",
                      reason="Mercia Vale Police (X): no reply in time"))
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#dash-status", Static).render())
        assert "! OUTBOX: 2 to decide (o)" in status
        await pilot.press("o")
        await wait_for_screen(pilot, OutboxScreen)
        shown = screen_text(app)
        assert "INTERRUPTED while sending" in shown and "UNKNOWN: may have posted" in shown
        assert network.posted == []  # shown, not sent
        await pilot.press("enter")  # first row: the interrupted Facebook post
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("down", "enter")  # "It is NOT on ... : send it now"
        await wait_for_screen(pilot, OutboxScreen)
        await settle(pilot)
        assert network.posted == [("corp-fb", text)]
        await pilot.press("enter")  # now the X one
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("enter")  # "It IS on ...": mark it sent
        await wait_for_screen(pilot, OutboxScreen)
        await settle(pilot)
        assert "Nothing to decide." in screen_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, DashboardScreen)
    assert network.posted == [("corp-fb", text)]
    actions = [e.action for e in session.log.entries()]
    assert "post.confirmed_not_posted" in actions and "post.confirmed_posted" in actions
    assert {d.state for d in repo.all(incident.id)} == {"sent"}


async def test_a_delivery_a_hold_paused_is_sent_only_naming_the_hold(
        live_demo_home: Path) -> None:
    from oncall.hold import Holds
    from oncall.ui.dialogs.confirm import ConfirmDialog

    session = open_session(live_demo_home, "sokafor")
    [incident] = session.incidents.all()
    text = "Road reopened: https://www.merciavale.police.uk/news/1"
    PostRepository(session.store).put(PostRecord(
        id="p", incident=incident.id, author="sokafor", created_at=incident.opened_at,
        body=text, sites=["corp-x"]))
    hold = Holds(session).set("Silver: death confirmed")
    DeliveryRepository(session.store).put(Delivery(
        id="p.corp-x", post="p", incident=incident.id, site="corp-x", platform="x",
        text=text, key="k1", state="held", reason=f"{hold.describe()}. Not sent."))
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await wait_for_screen(pilot, OutboxScreen)
        assert "HELD by a crisis hold" in screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, ChooseDialog)
        assert "Send it to" in screen_text(app) and "It IS on" not in screen_text(app)
        await pilot.press("enter")  # send it now: the hold is still in force
        await wait_for_screen(pilot, ConfirmDialog)
        assert "Send during the crisis hold?" in screen_text(app)
        assert network.posted == []
        await pilot.press("y")
        await wait_for_screen(pilot, OutboxScreen)
        await settle(pilot)
        assert network.posted == [("corp-x", text)]
        assert "Nothing to decide." in screen_text(app)
