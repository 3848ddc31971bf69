"""Out-of-date content at 80x24 (issue 14): the dashboard counts it, U lists it, and a
resolved incident's appeal still up is taken down everywhere from the list with F8, a
confirmation and a reason, through the real send path to the sandbox."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import Input

from oncall.incidents import Incidents
from oncall.overrides import text_hash
from oncall.playbooks import load_library
from oncall.resources import shipped_dir
from oncall.sandbox import Sandbox
from oncall.sending import Outgoing, marked_text
from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.freshness import FreshnessScreen
from tests.conftest import point_at_sandbox
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen

LIBRARY = load_library(shipped_dir("playbooks"))
APPEAL = ("Have you seen Amy, 14? She was last seen at 21:00 on the canal towpath in "
          "Brackenford. Call 101 quoting incident 512. In an emergency call 999. "
          "https://www.merciavale.police.uk/appeals/amy")


async def test_a_resolved_appeal_is_taken_down_everywhere_from_the_list(
        demo_home: Path, sandbox: Sandbox) -> None:
    session = open_session(demo_home, "sokafor")
    point_at_sandbox(session, sandbox)
    incidents = Incidents(session)
    opened = incidents.open(LIBRARY.playbooks["missing-high-risk"], "Missing girl, Amy")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sender = app.send_path()
        out = Outgoing(opened.id, APPEAL, ("corp-x", "corp-masto"),
                       template="mp-appeal")
        noted = {f.rule: text_hash(marked_text(out.body, out.short))
                 for f in sender.judge(out).verdict.unacknowledged}
        sent = await sender.send(replace(out, acknowledged=noted))
        assert len(sandbox.state.posts(live_only=True)) == 2
        incidents.close(opened.id, "found safe and well")
        dashboard = app.screen
        dashboard._count_stale()  # type: ignore[attr-defined]  # as its minute timer does
        await settle(pilot)
        assert "! OUT OF DATE: 1 (U)" in screen_text(app)
        await pilot.press("U")
        await wait_for_screen(pilot, FreshnessScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "RESOLVED" in text and "An appeal still up for a closed incident" in text
        assert "Have you seen Amy, 14?" in text  # the post itself, below the list
        await pilot.press("f8")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "Amy found safe and well"
        await pilot.press("enter")
        await wait_for_screen(pilot, FreshnessScreen)
        await settle(pilot)
        text = screen_text(app)
        assert "Taken down from 2 of 2 site(s)." in text
        assert "RESOLVED" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert "OUT OF DATE" not in screen_text(app)
    assert sandbox.state.posts(live_only=True) == []
    retracted = [e for e in session.log.tail(20) if e.action == "post.retracted"]
    assert len(retracted) == 2 and {e.details.get("site") for e in retracted} == {
        "corp-x", "corp-masto"}
    requested = next(e for e in session.log.tail(20) if e.action == "post.retract_requested")
    assert requested.details.get("reason") == "Amy found safe and well"
    assert requested.details.get("post") == sent.post
