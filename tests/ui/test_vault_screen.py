"""Pilot tests at 80x24 of the vault: reveal, copy over OSC 52, break-glass, no leaks."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from textual.widgets import DataTable, Input, Static

from oncall.secret import Secret
from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.vault import REVEAL_SECONDS, VaultScreen
from oncall.vault import PROCESS_MEMORY, KeyStore, Vault
from tests.ui.conftest import SIZE, screen_text, settle
from tests.ui.test_incident import wait_for_screen

SECRET = "Xq7!canal-heron-2291"


@pytest.fixture
def session(demo_home: Path) -> Session:
    PROCESS_MEMORY.clear()
    officer = open_session(demo_home, "sokafor")
    vault = KeyStore(officer.settings.vault, officer.paths.home)  # set-up, not an action
    for site in officer.sites.all():
        vault.set(site, "password", Secret(SECRET if site.id == "brk-north-fb"
                                           else f"other-{site.id}"))
    yield officer
    PROCESS_MEMORY.clear()


async def open_vault(pilot, site_id: str, press: bool = True) -> VaultScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    if press:
        await pilot.press("v")
    await wait_for_screen(pilot, VaultScreen)
    screen = pilot.app.screen
    table = screen.query_one(DataTable)
    table.focus()
    table.move_cursor(row=[s.id for s in screen.sites].index(site_id))
    await settle(pilot)
    return screen  # type: ignore[no-any-return]


def everything_on_disk(home: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in home.rglob("*") if p.is_file())


async def test_break_glass_copy_asks_a_reason_writes_osc52_and_logs(
        session: Session, demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        screen = await open_vault(pilot, "brk-north-fb")
        access = str(screen.query_one("#vault-access", Static).render())
        assert "BREAK-GLASS" in access and "Tom Hale" in access
        await pilot.press("k")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "PC Hale on leave; canal closure post"
        await pilot.press("enter")
        await wait_for_screen(pilot, VaultScreen)
        await settle(pilot)
        copies = [w for w in written if w.startswith("\x1b]52;c;")]
        assert copies and base64.b64decode(copies[-1][7:-1]).decode() == SECRET
        assert SECRET not in screen_text(app)
    entry = next(e for e in session.log.entries() if e.action == "credential.copied")
    assert entry.details["reason"] == "PC Hale on leave; canal closure post"
    assert entry.details["break_glass"] is True and entry.details["site"] == "brk-north-fb"
    assert SECRET not in everything_on_disk(demo_home)


async def test_reveal_shows_briefly_then_hides(session: Session, demo_home: Path) -> None:
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_vault(pilot, "corp-fb")  # on call: first-line, no reason asked
        await pilot.press("s")
        await settle(pilot)
        assert SECRET not in screen_text(app)
        assert "other-corp-fb" in screen_text(app)
        # The screen's own timer is set to hide it after REVEAL_SECONDS: fire that timer
        # (driven, not waited for) and the password is gone.
        timer = screen._hide_timer
        assert timer is not None and timer._interval == REVEAL_SECONDS
        timer._callback()  # type: ignore[misc]
        await pilot.pause()
        assert "other-corp-fb" not in screen_text(app)
        assert screen._hide_timer is None
    entry = next(e for e in session.log.entries() if e.action == "credential.revealed")
    assert entry.details["break_glass"] is False and entry.details["reason"] == ""
    assert "other-corp-fb" not in everything_on_disk(demo_home)


async def test_professional_standards_cannot_reach_a_secret(demo_home: Path,
                                                            session: Session) -> None:
    watcher = open_session(demo_home, "gmercer")
    app = make_app(watcher)
    async with app.run_test(size=SIZE) as pilot:
        # Their console has no vault key; reached anyway, the vault itself refuses.
        await settle(pilot)
        app.push_screen(VaultScreen())
        screen = await open_vault(pilot, "corp-fb", press=False)
        assert "NO ACCESS" in str(screen.query_one("#vault-access", Static).render())
        await pilot.press("k")
        await pilot.press("s")
        await settle(pilot)
        assert "other-corp-fb" not in screen_text(app)
    # Each attempt is refused by the vault, and the refusal is logged; nothing was used.
    used = [(e.action, e.actor) for e in watcher.log.entries()
            if e.action.startswith("credential.")]
    assert used == [("credential.refused", "gmercer")] * 2


class Hanging(KeyringBackend):
    """A keyring that never answers, like a locked Secret Service."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(10)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(10)


async def test_a_hanging_keyring_times_out_and_the_app_stays_responsive(
        session: Session) -> None:
    hanging = Hanging()
    app = make_app(session)
    app.vault = Vault(session, backend=hanging,
                      timeout=0.3)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_vault(pilot, "corp-fb")
            await pilot.press("s")
            await pilot.pause(0.6)
            await settle(pilot)
            messages = [n.message for n in app._notifications]
            assert any("did not answer" in m for m in messages), messages
            await pilot.press("escape")  # still answering keys
            await settle(pilot)
            assert not isinstance(app.screen, VaultScreen)
            assert screen is not None
    finally:
        hanging.release.set()


async def test_two_factor_code_is_copied_not_the_seed(session: Session, demo_home: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seed = base64.b32encode(b"12345678901234567890").decode()
    site = next(s for s in session.sites.all() if s.id == "corp-fb")
    KeyStore(session.settings.vault, session.paths.home).set(site, "totp_seed", Secret(seed))
    monkeypatch.delenv("TMUX", raising=False)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        await open_vault(pilot, "corp-fb")
        await pilot.press("2")
        await settle(pilot)
        copied = base64.b64decode(written[-1][7:-1]).decode()
        assert copied.isdigit() and len(copied) == 6
    assert seed not in everything_on_disk(demo_home)
    entry = next(e for e in session.log.entries() if e.action == "credential.code_copied")
    assert entry.details["kind"] == "totp_seed"


async def test_a_site_chosen_in_the_palette_is_the_one_highlighted(session: Session) -> None:
    from oncall.ui.palette import _places

    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        [(_, _, go)] = [p for p in _places(app)
                            if p[0] == "Site: Brackenford North NPT (X)"]
        go()
        await wait_for_screen(pilot, VaultScreen)
        await settle(pilot)
        screen = app.screen
        assert screen._site() is not None and screen._site().name == "Brackenford North NPT"
        screen.load()  # a reload keeps it
        await settle(pilot)
        assert screen._site().name == "Brackenford North NPT"


async def test_from_the_incident_each_use_goes_in_its_record(session: Session) -> None:
    """v on the incident opens the vault for it: what is taken there is in its record."""
    from oncall.incidents import Incidents
    from oncall.playbooks import load_library
    from oncall.resources import shipped_dir
    from oncall.ui.screens.incident import IncidentScreen

    playbook = load_library(shipped_dir("playbooks")).playbooks["missing-high-risk"]
    incident = Incidents(session).open(playbook, "Missing girl, Amy").id
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        await pilot.press("v")
        await wait_for_screen(pilot, VaultScreen)
        assert f"Credentials, for {incident}" in screen_text(app)
        await open_vault(pilot, "corp-fb", press=False)
        await pilot.press("s")
        await settle(pilot)
    entry = next(e for e in session.log.entries() if e.action == "credential.revealed")
    assert (entry.incident, entry.details["site"]) == (incident, "corp-fb")
