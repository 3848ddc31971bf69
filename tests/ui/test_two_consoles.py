"""Two officers' consoles on one home, both running at once (issue 15): a tick and a
post made in one appear in the other within a second or two, with no refresh key and
long before any periodic refresh; and a draft edited in both asks the second to save
instead of writing over the first officer's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, TextArea

from oncall.incidents import DraftRepository
from oncall.session import open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.screens import dashboard, incident
from oncall.ui.screens.compose import ComposeScreen
from oncall.ui.screens.incident import IncidentScreen
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_compose import LINK, Network, open_compose, write_and_send
from tests.ui.test_incident import wait_for_screen
from tests.ui.test_live import wait_for_text


async def pick(pilot, option_id: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the option with this id in the choose dialog on top."""
    await wait_for_screen(pilot, ChooseDialog)
    options = pilot.app.screen.query_one(OptionList)
    options.highlighted = options.get_option_index(option_id)
    await pilot.press("enter")


@pytest.mark.timeout(120)
async def test_two_consoles_see_each_others_work_and_never_lose_an_edit(
        live_demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the home watcher can tell them: the periodic refreshes are out of the way.
    monkeypatch.setattr(dashboard, "REFRESH_SECONDS", 3600.0)
    monkeypatch.setattr(incident, "REFRESH_SECONDS", 3600.0)
    network = Network()
    sarah = make_app(open_session(live_demo_home, "sokafor"), adapter_for=network.adapter_for)
    daniel = make_app(open_session(live_demo_home, "dpritchard"),
                      adapter_for=network.adapter_for)
    async with sarah.run_test(size=SIZE) as one, daniel.run_test(size=SIZE) as two:
        await settle(one)
        await settle(two)
        await one.pause(0.5)  # the watchers are registered after the first paint
        assert "2/7 done" in screen_text(daniel)

        # Sarah ticks a step: Daniel's dashboard counts it.
        await one.press("enter")
        await wait_for_screen(one, IncidentScreen)
        await settle(one)
        await one.press("space")
        await settle(one)
        await wait_for_text(two, "3/7 done")

        # Daniel opens the incident; Sarah posts: it is in his timeline.
        await two.press("enter")
        await wait_for_screen(two, IncidentScreen)
        await settle(two)
        screen = await open_compose(one)
        await write_and_send(one, screen, "Officers remain at the canal this evening. "
                             f"Thank you for your patience. {LINK}")
        assert [site for site, _ in network.posted]
        await wait_for_text(two, "post.sent")

        # A draft both open: Sarah saves first; Daniel's save is asked about, not lost.
        await one.press("escape")
        await wait_for_screen(one, IncidentScreen)
        screen = await open_compose(one)
        screen.query_one("#compose-body", TextArea).text = f"Jay has been found. {LINK}"
        await one.press("ctrl+s")
        await settle(one)
        draft_id, incident_id = screen.draft.id, screen.incident.id
        await two.press("c")
        await pick(two, draft_id)
        await wait_for_screen(two, ComposeScreen)
        await settle(two)
        theirs = daniel.screen
        assert isinstance(theirs, ComposeScreen)
        assert "Jay has been found." in theirs.query_one("#compose-body", TextArea).text
        screen.query_one("#compose-body", TextArea).text = \
            f"Jay has been found safe and well. Thank you for sharing. {LINK}"
        await one.press("ctrl+s")
        await settle(one)
        theirs.query_one("#compose-body", TextArea).text = f"Jay is home. {LINK}"
        await two.press("ctrl+s")
        await wait_for_screen(two, ChooseDialog)
        assert "Sarah Okafor saved a newer version of this draft" in screen_text(daniel)
        stored = DraftRepository(open_session(live_demo_home, "sokafor").store)
        assert "safe and well" in stored.get(draft_id, incident_id).body  # type: ignore[union-attr]
        await pick(two, "both")
        await wait_for_screen(two, ComposeScreen)
        await settle(two)
        bodies = {d.id: d.body for d in stored.all(incident_id)}
        assert "safe and well" in bodies[draft_id]
        assert any(b.startswith("Jay is home.") for i, b in bodies.items() if i != draft_id)
