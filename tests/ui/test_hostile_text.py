"""Hostile text from outside, through every screen, dialog and notification at 80x24.

Site names, an incident's title, place and reference, a draft, a post's deliveries
(a network's error and link) and log entries all carry markup (with and without
quotes), OSC 52, CSI, DCS, NUL, U+202E and a 100 kB line. After each step the whole
screen is rendered to the bytes a terminal would get: none of those sequences may be
live in them, and the app must still be running at the end.
"""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path

import pytest

from oncall.crosspost import DeliveryRepository, PostRepository
from oncall.incidents import DraftRepository
from oncall.model import Delivery, Draft, PostRecord
from oncall.session import Session, open_session
from oncall.timeutil import utcnow
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.confirm import ConfirmDialog
from oncall.ui.dialogs.help import HelpDialog
from oncall.ui.screens.compose import ComposeScreen
from oncall.ui.screens.dashboard import DashboardScreen
from oncall.ui.screens.incident import IncidentScreen
from oncall.ui.screens.outbox import OutboxScreen
from oncall.ui.screens.vault import VaultScreen
from tests.ui.conftest import SIZE, settle
from tests.ui.test_incident import wait_for_screen

OSC52 = "\x1b]52;c;" + base64.b64encode(b"HOSTILE").decode() + "\x07"
# The escapes come first: names are cut to fit a column, and must be hostile in what shows.
HOSTILE = " ".join([
    "\x1b[31mRED-HOSTILE\x1b[0m",
    OSC52,
    "[link=https://evil.example/a]click[/link]",
    '[link="https://evil.example/q"]quoted[/link]',
    "[bold]B[/bold] [/] [red",
    "\x1bPqDCS-HOSTILE\x1b\\",
    "NUL\x00HOSTILE",
    "\u202eELITSOH",
    "\x9b31mC1-HOSTILE",
])
LONG = "L" * 100_000

# What must never reach the terminal live.
LIVE = {
    "OSC 52 clipboard write": re.compile(r"\x1b\]52;"),
    "CSI from outside": re.compile(r"\x1b\[31mRED-HOSTILE"),
    "DCS": re.compile(r"\x1bPq"),
    "NUL": re.compile(r"\x00"),
    "right-to-left override": re.compile("\u202e"),
    "C1 CSI": re.compile("\x9b"),
    "hyperlink to the hostile site": re.compile(r"\x1b\]8;[^\x07\x1b]*evil\.example"),
}


def rendered(app) -> str:  # type: ignore[no-untyped-def]
    """The bytes a terminal would get for the whole screen, dialogs and toasts included."""
    update = app.screen._compositor.render_update(full=True,
                                                  screen_stack=app._background_screens)
    return update.render_segments(app.console)


def check(app, step: str) -> None:  # type: ignore[no-untyped-def]
    out = rendered(app)
    for what, pattern in LIVE.items():
        assert not pattern.search(out), f"{step}: {what} reached the terminal"


@pytest.fixture
def hostile(live_demo_home: Path) -> Session:
    session = open_session(live_demo_home, "sokafor")
    sites = session.sites.all()
    session.sites.put_many([replace(s, name=f"{HOSTILE} {s.name}", username=HOSTILE)
                            for s in sites])
    [incident] = session.incidents.all()
    session.incidents.put(replace(incident, title=f"{HOSTILE} {LONG}", location=HOSTILE,
                                  reference=HOSTILE))
    now = utcnow()
    PostRepository(session.store).put(PostRecord(
        id="p1", incident=incident.id, author="sokafor", created_at=now, body=HOSTILE,
        sites=["corp-fb", "corp-x", "corp-masto"], override_notes={"x.rule": HOSTILE}))
    DeliveryRepository(session.store).put_many([
        Delivery(id="p1.corp-fb", post="p1", incident=incident.id, site="corp-fb",
                 platform="facebook", text=HOSTILE, key="k1", state="sent",
                 url=f"https://evil.example/{OSC52}[link=https://evil.example]x[/link]"),
        Delivery(id="p1.corp-x", post="p1", incident=incident.id, site="corp-x",
                 platform="x", text=HOSTILE, key="k2", state="unknown",
                 reason=f"{HOSTILE} {LONG}"),
        Delivery(id="p1.corp-masto", post="p1", incident=incident.id, site="corp-masto",
                 platform="mastodon", text=HOSTILE, key="k3", state="failed",
                 reason=HOSTILE)])
    DraftRepository(session.store).put(Draft(
        id="d1", incident=incident.id, created_by="sokafor", created_at=now,
        updated_at=now, body=f"{HOSTILE}\n{LONG}", short=HOSTILE))
    session.record("test.hostile", incident=incident.id, subject=HOSTILE,
                   details={"text": HOSTILE})
    return session


async def test_hostile_text_is_never_live_on_the_terminal(hostile: Session) -> None:
    app = make_app(hostile)
    # Notifications on: a toast is where a network's error or a link is most often shown.
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        written: list[str] = []
        real_write = app._driver.write

        def capture(data: str) -> None:
            written.append(data)
            real_write(data)

        app._driver.write = capture  # type: ignore[method-assign]
        await settle(pilot)
        check(app, "dashboard")
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        check(app, "incident")

        await pilot.press("h")  # earlier posts
        await wait_for_screen(pilot, ChooseDialog)
        check(app, "posts dialog")
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        check(app, "earlier post")
        picker = app.screen.query_one("#compose-sites")
        picker.highlighted = [s.id for s in app.screen.sites].index("corp-fb")  # type: ignore[attr-defined]
        picker.focus()
        await pilot.press("ctrl+l")  # copy the link of the sent site
        await settle(pilot)
        check(app, "copy link notification")
        await pilot.press("escape")
        await wait_for_screen(pilot, IncidentScreen)

        await pilot.press("c")  # compose from the hostile draft
        await wait_for_screen(pilot, ChooseDialog)
        check(app, "compose-from dialog")
        await pilot.press("down", "enter")
        await wait_for_screen(pilot, ComposeScreen)
        await settle(pilot)
        check(app, "compose")
        body = app.screen.query_one("#compose-body").text  # type: ignore[attr-defined]
        assert "\x1b" not in body and "\u202e" not in body and "RED-HOSTILE" in body
        await pilot.press("f5")  # 100 kB: over every network's limit, refused
        await settle(pilot)
        check(app, "send refused")
        app.screen.query_one("#compose-body").load_text(  # type: ignore[attr-defined]
            f"{HOSTILE} https://www.merciavale.police.uk/news/1")
        app.screen.query_one("#compose-short").load_text("")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("ctrl+g")  # acknowledge the warnings
        await settle(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, ConfirmDialog)
        check(app, "send confirmation")
        await pilot.press("escape")
        await pilot.press("escape")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, DashboardScreen)

        await pilot.press("o")
        await wait_for_screen(pilot, OutboxScreen)
        await settle(pilot)
        check(app, "outbox")
        await pilot.press("enter")
        await wait_for_screen(pilot, ChooseDialog)
        check(app, "outbox decision dialog")
        await pilot.press("escape")
        await pilot.press("escape")
        await wait_for_screen(pilot, DashboardScreen)

        await pilot.press("v")
        await wait_for_screen(pilot, VaultScreen)
        await settle(pilot)
        check(app, "vault")
        await pilot.press("u")  # copy the (hostile) username: the app's own OSC 52
        await settle(pilot)
        check(app, "copy username notification")
        await pilot.press("f1")
        await wait_for_screen(pilot, HelpDialog)
        check(app, "help")
        assert app.is_running
    # The only OSC 52 the app wrote is its own deliberate clipboard write, of the text
    # the officer asked for; the hostile one inside it is base64, never live.
    own = [w for w in written if "\x1b]52;" in w]
    for write in own:
        payload = re.search(r"\x1b\]52;c;([A-Za-z0-9+/=]*)", write)
        assert payload is not None
        assert base64.b64decode(payload.group(1)).decode() in (
            HOSTILE, "", f"https://evil.example/{OSC52}[link=https://evil.example]x[/link]")
    for what, pattern in LIVE.items():
        if what != "OSC 52 clipboard write":
            assert not any(pattern.search(w) for w in written), what
