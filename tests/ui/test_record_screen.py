"""The incident's record at 80x24 (issue 14): j on the incident opens it, every entry a
line with the highlighted one in full below, hostile text literal; ^E writes it out
through the core, logged."""

from __future__ import annotations

import os
from pathlib import Path

from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.screens.record import RecordScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen


async def test_the_record_opens_from_the_incident_and_exports(live_demo_home: Path) -> None:
    session: Session = open_session(live_demo_home, "sokafor")
    incident = session.incidents.open_incidents()[0]
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("j")
        await wait_for_screen(pilot, RecordScreen)
        screen = app.screen
        assert isinstance(screen, RecordScreen) and screen.record is not None
        text = screen_text(app)
        assert f"{incident.id} · open · {len(screen.record.entries)} entries" in text
        assert "Opened the incident" in text and "Ticked" in text
        await pilot.press("end")
        await settle(pilot)
        last = screen.record.entries[-1]
        assert last.summary[:30] in screen_text(app)
        await pilot.press("ctrl+e")
        await wait_for_screen(pilot, ChooseDialog)
        await pilot.press("enter")  # HTML, the first
        await wait_for_screen(pilot, RecordScreen)
        await settle(pilot)
        assert "Exported to" in screen_text(app)
    exports = list((Path(os.environ["XDG_DATA_HOME"]) / "oncall" / "exports").glob("*.html"))
    assert len(exports) == 1 and exports[0].read_text().startswith("<!doctype html>")
    assert exports[0].stat().st_mode & 0o077 == 0  # the officer's own, personal data
    assert session.log.tail(1)[0].action == "record.exported"
