"""Keys that arrive in one burst (a fast typist, a paste, SSH batching) land in the
field that has focus when each arrives, in order."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from oncall.session import open_session
from oncall.ui.app import make_app
from tests.ui.conftest import SIZE, settle
from tests.ui.test_incident import open_appeal_fill


def burst(app, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Queue every key at once, as the terminal driver does when a burst arrives: nothing
    is processed between them (Pilot.press waits after each key, hiding the race)."""
    for key in keys:
        if key == " ":
            key = "space"
        char = key if len(key) == 1 else {"tab": "\t", "enter": "\r", "space": " "}.get(key)
        app.post_message(events.Key(key, char))


async def test_a_burst_with_tabs_fills_each_field_in_turn(live_demo_home: Path) -> None:
    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_appeal_fill(pilot)
        await settle(pilot)
        fields = list(app.screen.query(Input))
        first = fields[0]
        first.focus()
        await pilot.pause()
        keys: list[str] = []
        for n in range(3):
            keys += [*f"f{n}x", "tab"]
        burst(app, keys)
        await settle(pilot)
        values = [f.value for f in fields[:3]]
        assert values == ["f0x", "f1x", "f2x"], values


async def test_a_burst_with_enter_fills_each_field_in_turn(live_demo_home: Path) -> None:
    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_appeal_fill(pilot)
        await settle(pilot)
        fields = list(app.screen.query(Input))
        fields[0].focus()
        await pilot.pause()
        keys: list[str] = []
        for n in range(3):
            keys += [*f"e{n}y", "enter"]
        burst(app, keys)
        await settle(pilot)
        assert [f.value for f in fields[:3]] == ["e0y", "e1y", "e2y"]


async def test_enter_on_the_new_incident_dialog_opens_it(demo_home: Path) -> None:
    from oncall.ui.dialogs.new_incident import NewIncidentDialog
    from oncall.ui.screens.incident import IncidentScreen
    from tests.ui.test_incident import wait_for_screen

    session = open_session(demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, NewIncidentDialog)
        await pilot.press("enter")  # the highlighted playbook: focus goes to the title
        await settle(pilot)
        # Keys after Enter belong to whatever comes next (unbound here), not to a field.
        burst(app, [*"Road closed", "tab", *"A34", "enter", *"zzz"])
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
    [incident] = session.incidents.all()
    assert (incident.title, incident.location) == ("Road closed", "A34")
