"""The read-only console at 80x24 (issue 14): Professional Standards start on it, see
every site's posts, the whole log and its verification, open and export a record, and
get no key that changes anything; looking writes nothing behind their back. Corporate
Communications take a post down from its record with F8 and a reason."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import DataTable, Input

from oncall.incidents import Incidents
from oncall.overrides import text_hash
from oncall.sandbox import Sandbox
from oncall.sending import Outgoing, marked_text
from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.history import HistoryScreen
from oncall.ui.screens.logview import LogScreen
from oncall.ui.screens.oversight import OversightScreen
from oncall.ui.screens.record import RecordScreen
from tests.conftest import point_at_sandbox
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_freshness_screen import APPEAL, LIBRARY
from tests.ui.test_incident import wait_for_screen

UPDATE = ("Officers remain at the canal towpath in Brackenford this evening. "
          "https://www.merciavale.police.uk/news/towpath")


async def send_appeal(app, session: Session, sites: tuple[str, ...],  # type: ignore[no-untyped-def]
                      template: str = "mp-appeal", body: str = APPEAL) -> str:
    """A post sent through the app's own send path, as the app's officer."""
    incident = Incidents(session).open(LIBRARY.playbooks["missing-high-risk"],
                                       "Missing girl, Amy")
    sender = app.send_path()
    out = Outgoing(incident.id, body, sites, template=template)
    noted = {f.rule: text_hash(marked_text(out.body, out.short))
             for f in sender.judge(out).verdict.unacknowledged}
    await sender.send(replace(out, acknowledged=noted))
    return incident.id


async def test_professional_standards_monitor_read_only(demo_home: Path,
                                                        sandbox: Sandbox) -> None:
    office = open_session(demo_home, "sokafor")
    point_at_sandbox(office, sandbox)
    async with make_app(office).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send_appeal(pilot.app, office, ("corp-x", "corp-masto"))
    monitor = open_session(demo_home, "gmercer")
    before = len(list(monitor.log.entries()))
    app = make_app(monitor)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, OversightScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "Read-only console (Professional Standards)" in text
        assert "Log: ✓ VERIFIED" in text
        # No key that changes anything: not on the footer, and pressing them does nothing.
        for key in ("n", "v", "c", "space", "f8", "x"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, OversightScreen), key
        table = app.screen.query_one(DataTable)
        site_ids = [row.value for row in table.rows]
        table.move_cursor(row=site_ids.index("corp-masto"))
        await pilot.press("enter")
        await wait_for_screen(pilot, HistoryScreen)
        await settle(pilot)
        assert app.screen.query_one(Input).value == "site:corp-masto"
        assert "Have you seen Amy, 14?" in screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, RecordScreen)
        await settle(pilot)
        assert "Retract all" not in screen_text(app)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)  # no confirmation: nothing to confirm
        await pilot.press("ctrl+e")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("enter")
        await wait_for_screen(pilot, RecordScreen)
        await settle(pilot)
        assert "Exported to" in screen_text(app)
        await pilot.press("escape", "escape")
        await wait_for_screen(pilot, OversightScreen)
        await pilot.press("L")
        await wait_for_screen(pilot, LogScreen)
        await settle(pilot)
        assert "record.exported" in screen_text(app)
        await pilot.press("V")
        await settle(pilot)
        assert "Log: ✓ VERIFIED" in screen_text(app)
    done = [e.action for e in monitor.log.entries()][before:]
    assert "access.refused" not in done  # looking wrote nothing behind their back
    assert done.count("record.exported") == 1
    assert len(sandbox.state.posts(live_only=True)) == 2


async def test_corporate_communications_take_a_post_down_from_its_record(
        demo_home: Path, sandbox: Sandbox) -> None:
    comms = open_session(demo_home, "rellison")
    point_at_sandbox(comms, sandbox)
    office = open_session(demo_home, "sokafor")
    app = make_app(comms)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        incident = await send_appeal(pilot.app, office, ("corp-x", "brk-north-fb"), "",
                                     UPDATE)
        app.push_screen(RecordScreen(incident))
        await wait_for_screen(pilot, RecordScreen)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RecordScreen) and screen.record is not None
        row = next(n for n, e in enumerate(screen.record.entries) if e.post)
        screen.query_one(DataTable).move_cursor(row=row)
        await pilot.press("f8")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "wording not approved"
        await pilot.press("enter")
        await wait_for_screen(pilot, RecordScreen)
        await settle(pilot)
        assert "Taken down from 2 of 2 site(s)." in screen_text(app)
    assert sandbox.state.posts(live_only=True) == []
    asked = next(e for e in comms.log.tail(10) if e.action == "post.retract_requested")
    assert (asked.actor, asked.details["reason"]) == ("rellison", "wording not approved")
