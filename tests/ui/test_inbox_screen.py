"""The inbox at 80x24: read from the sandbox by the console's poller (driven a round at a
time here), an emergency pinned on top under its banner, hostile text shown literally,
a message closed or linked to its incident through the core, acknowledged with the
approved wording after seeing exactly what goes where (issue 13)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from oncall.inbox import Inbox
from oncall.platforms.base import StaticTokens, sandbox_token
from oncall.sandbox import Sandbox
from oncall.session import Session, open_session
from oncall.timeutil import utcnow
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.inboxpoll import InboxPoller
from oncall.ui.screens.inbox import EMERGENCY_BANNER, InboxScreen
from tests.conftest import point_at_sandbox
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen

HOSTILE = "[bold red]FREE[/] \x1b[2J\x1b]52;c;aGk=\x07 see footage"


@pytest.fixture
def session(live_demo_home: Path, sandbox: Sandbox) -> Session:
    session = open_session(live_demo_home, "sokafor")
    point_at_sandbox(session, sandbox)
    sandbox.state.add_inbox("corp-x", {"text": "when does the road reopen?",
                                       "author": "driver", "author_name": "Gaz"})
    sandbox.state.add_inbox("corp-bsky", {
        "text": "Reporter here, can you confirm the road is shut?", "author": "jo",
        "author_name": "Jo", "created_at": (utcnow() - timedelta(minutes=40)).isoformat()})
    sandbox.state.add_inbox("corp-fb", {"text": HOSTILE, "author": "100", "author_name":
                                        "[link=https://evil.example]Lena[/link]"})
    sandbox.state.add_inbox("corp-masto", {"text": "he's here now, he has a knife",
                                           "author": "scared", "kind": "dm"})
    return session


async def open_inbox(pilot) -> InboxScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await InboxPoller(pilot.app).once()
    await pilot.press("i")
    await wait_for_screen(pilot, InboxScreen)
    await settle(pilot)
    return pilot.app.screen  # type: ignore[no-any-return]


async def test_an_emergency_is_pinned_on_top_under_a_banner_saying_what_to_do(
        session: Session) -> None:
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        text = screen_text(app)
        assert EMERGENCY_BANNER.split(",")[0] in text and "control room" in text
        assert screen.rows[0].emergency and screen.rows[0].site == "corp-masto"
        first_row = next(line for line in text.splitlines() if "corp-masto" in line
                         and "!!" in line)
        assert "he's here now" in first_row  # marked in words, not by colour alone
        assert "4 shown, 3 need action" in text
        jo = next(line for line in text.splitlines() if " Jo " in line)
        assert "OVERDUE" in jo  # 40 minutes without an answer, in words


async def test_hostile_text_is_shown_literally(session: Session) -> None:
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        table = screen.query_one("#inbox-table")
        row = next(i for i, item in enumerate(screen.rows) if item.site == "corp-fb")
        table.move_cursor(row=row)  # type: ignore[attr-defined]
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]FREE[/]" in text and "[link=https://evil.example]Lena" in text
        assert "\x1b" not in text


async def test_closing_and_linking_go_through_the_core(session: Session) -> None:
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        gaz = next(i for i, item in enumerate(screen.rows) if item.author_name == "Gaz")
        screen.query_one("#inbox-table").move_cursor(row=gaz)  # type: ignore[attr-defined]
        await pilot.press("x")
        await settle(pilot)
        assert "Gaz" not in screen_text(app)  # closed: off the to-do view
        await choose_view(pilot, "all")
        assert "Gaz" in screen_text(app) and "closed" in screen_text(app)
        await pilot.press("home")
        await pilot.press("l")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("enter")
        await settle(pilot)
    kept = {i.site: i for i in Inbox(session).all()}
    assert kept["corp-x"].state == "closed"
    assert kept["corp-masto"].incident  # the emergency, on top, linked to the incident
    actions = [e.action for e in session.log.tail(20)]
    assert "inbox.closed" in actions and "inbox.linked" in actions


async def test_the_dashboard_counts_what_waits_in_the_inbox(session: Session) -> None:
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await InboxPoller(pilot.app).once()
        app.screen.load()  # type: ignore[attr-defined]
        await settle(pilot)
        assert "!! INBOX: 1 EMERGENCY, 2 need action, 1 OVERDUE (i)" in screen_text(app)
        screen = await open_inbox(pilot)
        emergency = screen.rows[0]
        await pilot.press("x")  # the emergency, handled (closed) from the top row
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert emergency.emergency
        text = screen_text(app)
        assert "EMERGENCY" not in text
        assert "! INBOX: 2 need action, 1 OVERDUE (i)" in text


async def test_a_site_that_cannot_be_read_says_so_and_why(session: Session,
                                                          sandbox: Sandbox) -> None:
    from oncall.sandbox.state import Fault

    sandbox.inject("corp-yt", Fault("server_error", on="read", times=5))
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(pilot)
        line = next(x for x in screen_text(app).splitlines() if "NOT READ:" in x)
        assert "Mercia Vale Police (YouTube): YouTube had a fault" in line


async def choose_view(pilot, view: str) -> None:  # type: ignore[no-untyped-def]
    """m, then the view's line in the list, then Enter."""
    await pilot.press("m")
    await wait_for_screen(pilot, ChooseDialog)
    options = pilot.app.screen.query_one("#choose-list")
    for _ in range(10):
        if options.highlighted_option.id == view:
            break
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for_screen(pilot, InboxScreen)
    await settle(pilot)


async def acknowledge_highlighted(pilot) -> None:  # type: ignore[no-untyped-def]
    """a, Enter on the highlighted wording (the acknowledgement), y to send it."""
    await pilot.press("a")
    await wait_for_screen(pilot, ChooseDialog)
    await pilot.press("enter")
    await wait_for_screen(pilot, ConfirmDialog)
    await pilot.press("y")
    await wait_for_screen(pilot, InboxScreen)
    await settle(pilot)


def highlight(screen: InboxScreen, author_name: str) -> None:
    row = next(i for i, item in enumerate(screen.rows) if item.author_name == author_name)
    screen.query_one("#inbox-table").move_cursor(row=row)  # type: ignore[attr-defined]


async def test_acknowledging_shows_what_goes_where_then_sends_it_once(
        session: Session, sandbox: Sandbox) -> None:
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        highlight(screen, "Gaz")
        await pilot.press("a")
        await wait_for_screen(pilot, ChooseDialog)  # the acknowledgement is highlighted
        await pilot.press("enter")
        await wait_for_screen(pilot, ConfirmDialog)
        shown = screen_text(app)
        assert "Answer on" in shown and "public reply" in shown
        assert "Thank you for getting in touch" in shown and "999" in shown
        await pilot.press("enter")  # Enter cancels: nothing goes
        await wait_for_screen(pilot, InboxScreen)
        assert sandbox.state.posts("corp-x") == []
        await acknowledge_highlighted(pilot)
        text = screen_text(app)
        assert "Acknowledged on corp-x." in text
        gaz = next(line for line in text.splitlines() if "Gaz" in line)
        assert "ack " in gaz  # how long it took, in words
        assert "Acknowledged by sokafor" in text
        await pilot.press("a")  # again: the core says it is done, nothing is sent
        await settle(pilot)
        assert "Already acknowledged by sokafor" in screen_text(app)
        await choose_view(pilot, "acknowledged")
        assert [r.author_name for r in screen.rows] == ["Gaz"]
        assert "acknowledged (m)" in screen_text(app)
        await choose_view(pilot, "unanswered")
        assert "Gaz" not in {r.author_name for r in screen.rows} and screen.rows
    (reply,) = sandbox.state.posts("corp-x")
    kept = {i.site: i for i in Inbox(session).all()}["corp-x"]
    assert reply["extra"]["in_reply_to"] == kept.remote_id
    assert kept.ack_state == "sent" and kept.state == "acknowledged"


async def test_a_failed_acknowledgement_says_why_and_a_retry_sends_it(
        session: Session, sandbox: Sandbox) -> None:
    from oncall.sandbox.state import Fault

    sandbox.state.inject("corp-bsky", Fault("server_error", on="post"))
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        highlight(screen, "Jo")
        await acknowledge_highlighted(pilot)
        text = screen_text(app)
        assert "! NOT ACKNOWLEDGED:" in text
        jo = next(line for line in text.splitlines() if " Jo " in line)
        assert "ACK FAIL" in jo
        await acknowledge_highlighted(pilot)
        assert "Acknowledged on corp-bsky." in screen_text(app)
    assert len(sandbox.state.posts("corp-bsky")) == 1


async def test_the_incident_says_what_waits_in_its_inbox(session: Session) -> None:
    from oncall.inboxrecords import InboxItem, InboxRepository

    incident = session.incidents.open_incidents()[0]
    sent = utcnow() - timedelta(minutes=20)
    InboxRepository(session.store).put_many([InboxItem(
        id="corp-x:9", site="corp-x", platform="x", remote_id="9", kind="reply",
        author="@w", author_name="W", text="I saw him", sent_at=sent, fetched_at=sent,
        incident=incident.id, needs_action=True, reasons=["offers information"])])
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "! INBOX: 1 need action, 1 OVERDUE (i)" in screen_text(app)


async def test_one_sites_messages_only(session: Session) -> None:
    app = make_app(session, tokens=StaticTokens(default=sandbox_token))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        assert {r.site for r in screen.rows} == {"corp-x", "corp-bsky", "corp-fb",
                                                 "corp-masto"}
        await pilot.press("ctrl+f")
        await wait_for_screen(pilot, ChooseDialog)
        text = screen_text(app)
        assert "Every site" in text and "corp-bsky" in text and "corp-yt" not in text
        options = app.screen.query_one("#choose-list")
        for _ in range(10):
            if options.highlighted_option.id == "corp-bsky":  # type: ignore[attr-defined]
                break
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for_screen(pilot, InboxScreen)
        await settle(pilot)
        assert {r.site for r in screen.rows} == {"corp-bsky"}
        assert "corp-bsky only" in screen_text(app)
        await pilot.press("ctrl+f")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("enter")  # Every site, highlighted first
        await wait_for_screen(pilot, InboxScreen)
        await settle(pilot)
        assert len({r.site for r in screen.rows}) == 4
