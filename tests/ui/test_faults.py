"""Failure is a state, not a crash: a full disk while ticking or sending, a draft sent by
someone else meanwhile, a slow check overtaken by Ctrl+S. One line, and the app runs on."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest
from textual import work
from textual.widgets import SelectionList, TextArea

from oncall.crosspost import DeliveryRepository
from oncall.incidents import DraftRepository
from oncall.model import Draft
from oncall.session import Session, open_session
from oncall.timeutil import utcnow
from oncall.ui.app import make_app
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.screens.compose import ComposeScreen
from oncall.ui.screens.incident import IncidentScreen
from tests.ui.conftest import SIZE, settle
from tests.ui.test_compose import LINK, Network, open_compose
from tests.ui.test_incident import wait_for_screen


@pytest.fixture
def session(live_demo_home: Path) -> Session:
    return open_session(live_demo_home, "sokafor")


def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    import oncall.store as store

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/home/oncall/data")

    monkeypatch.setattr(store, "atomic_write", full)


def messages(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


async def test_a_full_disk_while_ticking_is_one_line_and_the_app_runs_on(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        disk_full(monkeypatch)
        await pilot.press("space")  # the first step not done
        await settle(pilot)
        assert any("could not save or read its records: the disk is full" in m
                   for m in messages(app))
        assert isinstance(app.screen, IncidentScreen) and app.is_running
        monkeypatch.undo()
        await pilot.press("escape")  # still answering keys
        await settle(pilot)
        assert app.is_running


async def test_a_full_disk_at_send_keeps_the_draft_and_sends_nothing(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = f"Canal towpath update. {LINK}"
        screen.query_one("#compose-sites", SelectionList).deselect_all()
        screen.query_one("#compose-sites", SelectionList).select("corp-fb")
        await settle(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        disk_full(monkeypatch)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert network.posted == []
        assert any("disk is full" in m and "nothing was sent" in m for m in messages(app))
        assert screen.post_id is None  # still the officer's draft, to send again
        monkeypatch.undo()
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
    assert network.posted == [("corp-fb", f"Canal towpath update. {LINK}")]


async def test_a_draft_sent_by_someone_else_says_who_and_shows_that_post(
        session: Session, live_demo_home: Path) -> None:
    [incident] = session.incidents.all()
    now = utcnow()
    DraftRepository(session.store).put(Draft(
        id="shared", incident=incident.id, created_by="sokafor", created_at=now,
        updated_at=now, body=f"Canal towpath update. {LINK}"))
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("down", "enter")  # the saved draft
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        picker = screen.query_one("#compose-sites", SelectionList)
        picker.deselect_all()
        picker.select("corp-fb")
        await settle(pilot)
        # Meanwhile a colleague (another process, the same home) sends the same draft.
        colleague = open_session(live_demo_home, "dpritchard")
        other = Network()
        from tests.core.test_sending import path_for

        sender, _ = path_for(colleague)
        from oncall.sending import Outgoing

        await sender.send(Outgoing(incident.id, f"Canal towpath update. {LINK}",
                                   ("corp-fb",), draft="shared"))
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert network.posted == [] and other.posted == []
        assert any("already sent by dpritchard" in m for m in messages(app))
        assert screen.deliveries["corp-fb"].state == "sent"  # that post's status, shown
    assert len(DeliveryRepository(session.store).all(incident.id)) == 1


async def test_ctrl_s_judges_the_text_as_it_is_not_the_last_check(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The background check is slow; a sensitive name typed just before Ctrl+S must
    still be refused."""
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    release = threading.Event()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = f"Canal towpath update. {LINK}"
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        @work(thread=True, exclusive=True, group="compose-checks")
        def stalled(self: ComposeScreen, *args: object) -> None:
            release.wait(5)  # the screen's own check, stuck behind the send

        monkeypatch.setattr(ComposeScreen, "run_checks", stalled)
        screen.query_one("#compose-body", TextArea).text = (
            f"Canal towpath update. Thanks to DC Liam Carver. {LINK}")
        await pilot.press("f5")
        for _ in range(50):  # the send path's own judgement answers, the check still stuck
            if any("people.sensitive_role" in m for m in messages(app)):
                break
            await pilot.pause(0.05)
        assert any("people.sensitive_role" in m for m in messages(app))
        assert not isinstance(app.screen, ConfirmDialog)
        release.set()
        await settle(pilot)
    assert network.posted == []


async def test_q_with_deliveries_to_decide_or_a_post_being_written_asks(
        session: Session) -> None:
    import socket

    from oncall.model import Delivery

    [incident] = session.incidents.all()
    DeliveryRepository(session.store).put(Delivery(
        id="p.corp-x", post="p", incident=incident.id, site="corp-x", platform="x",
        text="t", key="k", state="unknown", owner=f"{socket.gethostname()}:999999"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = "Half-written update"
        await settle(pilot)
        await pilot.press("escape", "escape")  # out of compose: its draft is saved
        await settle(pilot)
        await pilot.press("q")
        await wait_for_screen(pilot, ConfirmDialog)
        from tests.ui.conftest import screen_text

        assert "1 delivery in the outbox wait" in screen_text(app)
        await pilot.press("enter")  # Enter is No: still running
        await settle(pilot)
        assert app.is_running
        await pilot.press("q")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
    assert app.return_code == 0
    drafts = DraftRepository(session.store).all(incident.id)
    assert any(d.body == "Half-written update" for d in drafts)


async def test_a_result_for_a_screen_the_officer_left_is_dropped(session: Session) -> None:
    """Found by the tmux scenario: F6 replaced the fill screen while its check still ran,
    and the check's result looked for the gone screen's widgets and stopped the app."""
    from textual.widgets import Static

    calls: list[str] = []

    class Gone(Static):
        def redraw(self, text: str) -> None:
            calls.append(text)
            self.query_one("#nothing")  # what a screen that has left would hit

    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        gone = Gone()  # never mounted, like a screen already removed
        shown = app.screen.query_one("#dash-status", Static)
        results: list[object] = []

        def worker() -> None:
            results.append(app.call_from_thread(gone.redraw, "late"))
            results.append(app.call_from_thread(gone.notify, "Appeal retracted from 6 of 6"))
            app.call_from_thread(shown.update, "still delivered")

        thread = threading.Thread(target=worker)
        thread.start()
        while thread.is_alive():
            await pilot.pause(0.01)
        await settle(pilot)
        assert calls == [] and app.is_running
        assert any("Appeal retracted" in m for m in messages(app))  # a toast still shows
        assert "still delivered" in str(shown.render())


async def test_a_screen_being_replaced_no_longer_counts_as_shown(session: Session) -> None:
    """F6 switches from the fill screen to compose. The fill screen leaves the stack at
    once but its widgets stay attached while they are removed; a check finishing in that
    moment used to look for them and stop the app (seen in the tmux scenario)."""
    from textual.screen import Screen
    from textual.widgets import Static

    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        leaving: Screen[None] = Screen()
        await app.push_screen(leaving)
        await leaving.mount(Static("fields", id="here"))
        part = leaving.query_one("#here")
        assert app.still_shown(part)
        app.switch_screen(Screen())  # not awaited: the removal is still to come
        assert part.is_attached  # the moment the race lived in
        assert not app.still_shown(part) and not app.still_shown(leaving)
        await settle(pilot)
        assert not app.still_shown(part)
        assert app.still_shown(app.screen)


async def test_an_autosave_due_as_the_post_goes_out_is_not_a_failure(
        session: Session) -> None:
    """Found by CI under load: text typed, then sent before the 1-second autosave fired.
    The autosave then found its draft sent and the officer saw "Not done: this draft was
    sent…" for their own post. The timer is driven here, not waited for."""
    network = Network()
    app = make_app(session, adapter_for=network.adapter_for)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_compose(pilot)
        screen.query_one("#compose-body", TextArea).text = f"Canal towpath update. {LINK}"
        screen.query_one("#compose-sites", SelectionList).deselect_all()
        screen.query_one("#compose-sites", SelectionList).select("corp-fb")
        await settle(pilot)
        assert screen._save_timer is not None  # the autosave is pending
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert network.posted == [("corp-fb", f"Canal towpath update. {LINK}")]
        screen.save_draft()  # what the timer would do now, late
        await settle(pilot)
        assert not any("Not done" in m for m in messages(app)), messages(app)
        assert app.is_running
