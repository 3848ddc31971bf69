"""What each screen and dialog looks like, kept as SVG snapshots (pytest-textual-snapshot):
at 80x24 in the corporate and the mono theme, and at 60x20. A change to any of them fails
here until someone looks at it and accepts it (`pytest --snapshot-update`).

Every snapshot is of the demo force frozen at 02:47 GMT on a Saturday night, reached by
the keys an officer would press, with workers finished and the cursor not blinking."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall import timeutil
from oncall.demo import DEMO_USER, build_demo
from oncall.inboxrecords import InboxItem, InboxRepository
from oncall.session import Session, open_session
from oncall.ui.app import OncallApp, make_app
from oncall.ui.dialogs.unlock import UnlockDialog
from tests.ui.conftest import settle

FROZEN = datetime(2026, 3, 14, 2, 47, tzinfo=UTC)


# Each place: the keys from the dashboard, pressed one at a time with workers settled
# between them, and optionally text put into the focused field on the way.
PLACES: dict[str, list[str]] = {
    "dashboard": [],
    "incident": ["enter"],
    "fill": ["enter", "down", "f"],
    "compose": ["enter", "c"],
    "send_confirm": ["enter", "c",
                     "type:Officers remain at the canal in Brackenford tonight. "
                     "https://www.merciavale.police.uk Report crime: 101, 999 in an emergency.",
                     "f5"],
    "attach": ["enter", "c", "f9"],
    "outbox": ["o"],
    "inbox": ["i"],
    "vault": ["v"],
    "help": ["f1"],
    "new_incident": ["n"],
    "edit_incident": ["enter", "e"],
    "proceedings_reason": ["enter", "p"],
    "protect_choose": ["enter", "b"],
    "found_fill": ["enter", "down", "down", "down", "down", "space"],
    "quit_confirm": ["enter", "c", "type:Half-written update", "tab", "tab", "q"],
    "unlock": ["push:unlock"],
    "hold_choose": ["exclamation_mark"],
    "hold_reason": ["exclamation_mark", "enter"],
    "scheduled": ["S"],
}

LOOKS = {
    "corporate-80x24": ("corporate", (80, 24)),
    "mono-80x24": ("mono", (80, 24)),
    "corporate-60x20": ("corporate", (60, 20)),
}


# Textual draws its widgets a little differently from release to release: snapshots are
# compared only under the release they were accepted with. (Kept outside __snapshots__,
# where syrupy would take it for a snapshot nobody uses and fail the run.)
ACCEPTED_UNDER = Path(__file__).parent / "snapshots-textual-version.txt"


def _textual() -> str:
    from importlib.metadata import version

    return version("textual")


@pytest.fixture
def same_textual(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--snapshot-update", default=False):
        ACCEPTED_UNDER.write_text(_textual() + "\n")
        return
    accepted = ACCEPTED_UNDER.read_text().strip()
    if accepted != _textual():
        pytest.skip(f"snapshots were accepted under textual {accepted}, this is "
                    f"{_textual()}: review them with `pytest --snapshot-update`")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(timeutil, "clock", lambda: FROZEN)
    return FROZEN


def demo_app(tmp_path: Path, theme: str) -> OncallApp:
    home = tmp_path / "live"
    build_demo(home, now=FROZEN)
    session = open_session(home, DEMO_USER)
    keep_messages(session)
    return make_app(session, theme=theme)


NETWORKS = {"corp-masto": "mastodon", "corp-x": "x", "corp-bsky": "bluesky",
            "corp-fb": "facebook"}


def keep_messages(session: Session) -> None:
    """What the inbox would hold after a poll (the poller is off here): an emergency, a
    message acknowledged four minutes after it came, one whose acknowledgement failed,
    one overdue, and a hostile one."""
    def item(n: int, site: str, name: str, text: str, minutes: int,
             **more: object) -> InboxItem:
        sent = FROZEN - timedelta(minutes=minutes)
        return InboxItem(id=f"{site}:{n}", site=site, platform=NETWORKS[site],
                         remote_id=str(n), kind=str(more.pop("kind", "reply")),
                         author=f"@{name.lower()}", author_name=name, text=text,
                         sent_at=sent, fetched_at=sent, **more)  # type: ignore[arg-type]

    InboxRepository(session.store).put_many([
        item(1, "corp-masto", "Scared", "he's here now, he has a knife", 2, kind="dm",
             needs_action=True, emergency=True, reasons=["threat to life"]),
        item(2, "corp-x", "Gaz", "when does the road reopen?", 30, needs_action=True,
             reasons=["a question"], ack_state="sent", state="acknowledged",
             ack_by="sokafor", ack_at=FROZEN - timedelta(minutes=26),
             ack_text="Thank you for getting in touch."),
        item(3, "corp-bsky", "Jo", "Reporter here: can you confirm?", 9, needs_action=True,
             reasons=["press enquiry"], ack_state="failed",
             ack_problem="Bluesky (corp-bsky): the network had a problem (HTTP 500)."),
        item(4, "corp-fb", "[b]Lena[/b]", "I have dashcam \x1b[2J footage", 40,
             needs_action=True, reasons=["information offered"]),
    ])


def drive(keys: list[str]):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        for key in keys:
            if key.startswith("type:"):
                pilot.app.focused.insert(key.removeprefix("type:"))
            elif key == "push:unlock":  # asked only where the keyring is an encrypted file
                pilot.app.push_screen(UnlockDialog("The credential store is locked."))
            else:
                await pilot.press(key)
            await settle(pilot)
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("look", list(LOOKS))
@pytest.mark.parametrize("place", list(PLACES))
def test_snapshot(place: str, look: str, snap_compare, tmp_path: Path,  # type: ignore[no-untyped-def]
                  frozen: datetime, same_textual: None) -> None:
    theme, size = LOOKS[look]
    app = demo_app(tmp_path, theme)
    assert snap_compare(app, terminal_size=size, run_before=drive(PLACES[place]))


def test_a_theme_switch_really_changes_the_rendering(tmp_path: Path, frozen: datetime) -> None:
    """t changes the colours, not the words: the same text, a different picture."""
    import asyncio

    app = demo_app(tmp_path, "corporate")
    pictures: list[str] = []

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            pictures.append(app.export_screenshot())
            await pilot.press("t")
            await settle(pilot)
            app.clear_notifications()
            await pilot.pause()
            pictures.append(app.export_screenshot())
            assert app.theme != "corporate"

    asyncio.run(run())
    before, after = pictures
    assert before != after
    fills = [set(re.findall(r"fill: (#[0-9a-f]{6})", p)) for p in pictures]
    assert fills[0] != fills[1]  # other colours, not only other text
