"""Scenario 2 at 19:10 (../shared/SCENARIOS.md), at 80x24 with the keys an officer would
press: the collision's inbox fills; the emergency among the messages gets the banner;
the driver asking when the road reopens is answered with the road closure wording; the
witness with dashcam footage is forwarded to the investigating officer and the post
naming the dead driver to the family liaison lead, who each find it in their own view
(issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input

from oncall import timeutil
from oncall.forwarding import forwards
from oncall.inbox import Inbox
from oncall.incidents import Incidents
from oncall.model import Delivery
from oncall.platforms.base import StaticTokens, sandbox_token
from oncall.playbooks import load_library
from oncall.postrecords import DeliveryRepository
from oncall.resources import shipped_dir
from oncall.sandbox import Sandbox
from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.inbox import EMERGENCY_BANNER, InboxScreen
from tests.conftest import point_at_sandbox
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_inbox_screen import choose_view, highlight, open_inbox
from tests.ui.test_incident import wait_for_screen

AT = datetime(2026, 12, 4, 19, 12, tzinfo=UTC)   # GMT in December: 19:12 local
ARRIVED = (AT - timedelta(minutes=2)).isoformat()
HOLDING = "1790000000000000042"                    # the holding statement on X


@pytest.fixture
def collision(demo_home: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setattr(timeutil, "clock", lambda: AT)
    session = open_session(demo_home, "sokafor")
    point_at_sandbox(session, sandbox)
    playbook = load_library(shipped_dir("playbooks")).playbooks["road-collision"]
    incident = Incidents(session).open(playbook, "Serious collision, A34 Stone Road",
                                       reference="512 of 4 December",
                                       now=AT - timedelta(hours=1, minutes=40)).id
    DeliveryRepository(session.store).put_many([Delivery(
        id="P1.corp-x", post="P1", incident=incident, site="corp-x", platform="x",
        text="The A34 Stone Road is closed after a serious collision.", key="k",
        state="sent", remote_id=HOLDING)])
    sandbox.state.add_inbox("corp-x", {
        "text": "When does the A34 reopen? Been sat here an hour", "author": "driver",
        "author_name": "Gaz", "in_reply_to": HOLDING, "created_at": ARRIVED})
    sandbox.state.add_inbox("corp-fb", {
        "text": "I saw the crash happen, I've got dashcam footage of the car",
        "author": "2001", "author_name": "Priya W", "created_at": ARRIVED})
    sandbox.state.add_inbox("corp-fb", {
        "text": "RIP Dave Marsh, it was his car wasn't it", "author": "2002",
        "author_name": "Kel", "created_at": ARRIVED})
    sandbox.state.add_inbox("corp-masto", {
        "text": "he's here now, he has a knife", "author": "scared", "kind": "dm",
        "created_at": ARRIVED})
    return session


async def type_into_dialog(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await wait_for_screen(pilot, ReasonDialog)
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def forward(pilot, screen: InboxScreen, author: str, downs: int,  # type: ignore[no-untyped-def]
                  note: str) -> None:
    highlight(screen, author)
    await pilot.press("d")
    await wait_for_screen(pilot, ChooseDialog)
    for _ in range(downs):
        await pilot.press("down")
    await pilot.press("enter")
    await type_into_dialog(pilot, note)
    await wait_for_screen(pilot, InboxScreen)
    await settle(pilot)


async def test_scenario_2_at_1910(collision: Session, sandbox: Sandbox) -> None:
    app = make_app(collision, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        text = screen_text(app)
        # The banner is for the knife, and only the knife is pinned on top.
        banner = next(line for line in text.splitlines() if "corp-masto:" in line)
        assert "he has a knife" in banner and EMERGENCY_BANNER[:20] in text
        assert [r.emergency for r in screen.rows] == [True, False, False, False]
        assert "Dave Marsh" not in banner and "dashcam" not in banner

        # The driver: the road closure wording, its blanks filled, seen, then sent.
        highlight(screen, "Gaz")
        await pilot.press("a")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("down", "down")   # past the two acknowledgements
        await pilot.press("enter")
        await type_into_dialog(pilot, "the A34 Stone Road")
        await type_into_dialog(pilot, "https://www.merciavale.police.uk/travel")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "the A34 Stone Road is closed" in screen_text(app)
        await pilot.press("y")
        await wait_for_screen(pilot, InboxScreen)
        await settle(pilot)
        gaz = next(line for line in screen_text(app).splitlines() if "Gaz" in line)
        assert "ack 2m" in gaz

        # The witness to the investigating officer; the name to the family liaison lead.
        await forward(pilot, screen, "Priya W", 0, "Witness with dashcam footage of the "
                      "collision: please contact them")
        assert "Forwarded to Investigating Officer (Helen Marsh)" in screen_text(app)
        await forward(pilot, screen, "Kel", 1, "Names the driver before formal ID: the "
                      "family should know it is public")
        assert "Forwarded to Family Liaison Lead (Tom Reid)" in screen_text(app)

    (reply,) = [p for p in sandbox.state.posts("corp-x")]
    kept = {i.author_name: i for i in Inbox(collision).all()}
    assert reply["extra"]["in_reply_to"] == kept["Gaz"].remote_id
    assert "the A34 Stone Road is closed" in reply["text"]
    assert kept["Gaz"].incident and kept["Gaz"].ack_template == "common-road-reply"
    assert [f.to for f in forwards(kept["Priya W"])] == ["role:investigating_officer"]
    assert [f.to for f in forwards(kept["Kel"])] == ["role:family_liaison_lead"]
    actions = [e.action for e in collision.log.entries()]
    assert actions.count("inbox.forwarded") == 2 and "inbox.acknowledged" in actions

    # The investigating officer finds the witness in their own view, and only that.
    officer = open_session(collision.paths.home, "hmarsh")
    app = make_app(officer, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "1 forwarded to you (i)" in screen_text(app)  # the dashboard says so
        screen = await open_inbox(pilot)
        await choose_view(pilot, "mine")
        text = screen_text(app)
        assert "forwarded to you" in text and "Priya W" in text
        assert "Kel" not in text and "Gaz" not in text
        assert "Witness with dashcam footage" in text  # the note, in the panel
