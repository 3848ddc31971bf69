"""Keys that arrive in one burst (a fast typist, a paste, SSH batching) land in the
field that has focus when each arrives, in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Input

from oncall.session import open_session
from oncall.ui.app import make_app
from tests.ui.conftest import SIZE, settle
from tests.ui.test_incident import open_appeal_fill, wait_for_screen


def burst(app, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Queue every key at once, as the terminal driver does when a burst arrives: nothing
    is processed between them (Pilot.press waits after each key, hiding the race)."""
    for key in keys:
        if key == " ":
            key = "space"
        char = key if len(key) == 1 else {"tab": "\t", "enter": "\r", "space": " "}.get(key)
        app.post_message(events.Key(key, char))


@pytest.mark.parametrize("separator", ["tab", "enter"])
async def test_a_burst_fills_each_field_in_turn(live_demo_home: Path, separator: str) -> None:
    """Text and Tab (or Enter, "next field" on the fill screen) in one burst: each part
    lands in its own field, not all in the first."""
    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=SIZE) as pilot:
        await open_appeal_fill(pilot)
        await settle(pilot)
        fields = list(app.screen.query(Input))
        fields[0].focus()
        await pilot.pause()
        keys: list[str] = []
        for n in range(3):
            keys += [*f"f{n}x", separator]
        burst(app, keys)
        await settle(pilot)
        values = [f.value for f in fields[:3]]
        assert values == ["f0x", "f1x", "f2x"], values


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


@asynccontextmanager
async def on_the_incident(home: Path) -> AsyncIterator[tuple[Any, Any]]:
    """The live demo's incident open, its first load done: yields (app, pilot)."""
    from oncall.ui.screens.incident import IncidentScreen

    app = make_app(open_session(home, "sokafor"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        yield app, pilot


async def test_keys_typed_as_a_dialog_closes_reach_the_screen_beneath(
        live_demo_home: Path) -> None:
    """Esc then text in one burst: the text goes to the compose body, not to the attach
    dialog's field that is on its way out."""
    from oncall.ui.dialogs.attach import AttachDialog
    from oncall.ui.screens.compose import ComposeScreen
    from oncall.ui.widgets.posttext import PostTextArea

    async with on_the_incident(live_demo_home) as (app, pilot):
        await pilot.press("c")
        await wait_for_screen(pilot, ComposeScreen)
        await pilot.press("f9")
        await wait_for_screen(pilot, AttachDialog)
        burst(app, ["escape", *"Have you seen Amy"])
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        assert app.screen.query_one("#compose-body", PostTextArea).text == "Have you seen Amy"


async def test_a_key_after_closing_a_dialog_is_acted_on(live_demo_home: Path) -> None:
    """Esc on the edit dialog, then c at once: compose opens (c used to go to the closing
    dialog's title field and be lost)."""
    from oncall.ui.dialogs.edit_incident import EditIncidentDialog
    from oncall.ui.screens.compose import ComposeScreen

    async with on_the_incident(live_demo_home) as (app, pilot):
        await pilot.press("e")
        await wait_for_screen(pilot, EditIncidentDialog)
        burst(app, ["escape", "c"])
        await wait_for_screen(pilot, ComposeScreen)


async def test_compose_asked_for_is_not_cancelled_by_a_refresh(live_demo_home: Path) -> None:
    """c then r (or the 5-second refresh) in one breath: the refresh used to cancel the
    worker about to open compose, which then silently never opened."""
    from oncall.ui.screens.compose import ComposeScreen

    async with on_the_incident(live_demo_home) as (app, pilot):
        burst(app, ["c", "r"])
        await wait_for_screen(pilot, ComposeScreen)


async def test_text_then_enter_in_one_burst_submits_all_the_text(demo_session: object) -> None:
    """Found by the tmux scenario: Enter acts the moment it is read, and once acted on the
    text typed before it in the same burst, still queued for the field, was not in it yet
    ("A reason is required"). Each dialog reads its fields only after they took their keys."""
    from oncall.ui.dialogs.choose import ChooseDialog
    from oncall.ui.dialogs.edit_incident import EditIncidentDialog  # noqa: F401 - same way
    from oncall.ui.dialogs.reason import ReasonDialog

    app = make_app(demo_session)  # type: ignore[arg-type]
    answers: list[object] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ReasonDialog("Why?", "Say why."), answers.append)
        await wait_for_screen(pilot, ReasonDialog)
        burst(app, [*"by phone 02:55", "enter"])
        await wait_for_screen(pilot, type(app.screen_stack[1]))
        await settle(pilot)
        app.push_screen(ChooseDialog("Which?", [("a", "first"), ("b", "second"),
                                                ("c", "third")]), answers.append)
        await wait_for_screen(pilot, ChooseDialog)
        burst(app, ["down", "down", "enter"])
        await wait_for_screen(pilot, type(app.screen_stack[1]))
        await settle(pilot)
    assert answers == ["by phone 02:55", "c"]
