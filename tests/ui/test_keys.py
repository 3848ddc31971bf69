"""One meaning per key across the screens, and a README key table that matches the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall.ui.keys import CONTEXTUAL, key_table, meanings

README = Path(__file__).resolve().parents[2] / "README.md"
START = "<!-- keys: generated from the bindings by oncall.ui.keys.key_table; a test checks it -->"
END = "<!-- /keys -->"


def test_every_key_has_one_meaning() -> None:
    clashes = {k: sorted(v) for k, v in meanings().items() if len(v) > 1 and k not in CONTEXTUAL}
    assert clashes == {}


def test_save_is_never_send() -> None:
    # Ctrl+S by habit must never put anything in front of the public.
    assert meanings()["Ctrl+S"] == {"Save draft"}
    assert meanings()["F5"] == {"Send…"}


def test_the_readme_key_table_matches_the_bindings() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == key_table(), ("README key table is stale: paste "
                                  "`python -c 'from oncall.ui.keys import key_table; "
                                  "print(key_table())'` between the markers")


async def test_an_officers_own_keys_from_config(demo_home: Path) -> None:
    from oncall.session import open_session
    from oncall.ui.app import make_app
    from oncall.ui.screens.vault import VaultScreen
    from tests.ui.conftest import SIZE, settle
    from tests.ui.test_incident import wait_for_screen

    config = demo_home / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") +
                      '\n[keys]\n"dashboard.vault" = "w"\n', encoding="utf-8")
    app = make_app(open_session(demo_home, "sokafor"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")  # no longer the vault's key
        await settle(pilot)
        assert not isinstance(app.screen, VaultScreen)
        await pilot.press("w")
        await wait_for_screen(pilot, VaultScreen)


def test_bad_keys_in_config_are_named(demo_home: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from oncall.cli import main

    config = demo_home / "config.toml"
    base = config.read_text(encoding="utf-8")
    config.write_text(base + '\n[keys]\n"dashboard.vault" = ""\nsend = "f5"\n',
                      encoding="utf-8")
    assert main(["--home", str(demo_home), "sites", "list"]) == 2
    err = capsys.readouterr().err
    assert "keys.dashboard.vault must be keys as text" in err and "keys.send:" in err
    config.write_text(base + '\n[keys]\n"compose.launch" = "f10"\n', encoding="utf-8")
    assert main(["--home", str(demo_home)]) == 2
    assert "[keys] names no action compose.launch" in capsys.readouterr().err


async def test_the_palette_finds_an_incident_by_name(live_demo_home: Path) -> None:
    from oncall.session import open_session
    from oncall.ui.app import make_app
    from oncall.ui.screens.fill import FillScreen
    from oncall.ui.screens.incident import IncidentScreen
    from tests.ui.conftest import SIZE, settle
    from tests.ui.test_incident import wait_for_screen

    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Incident: Missing boy")
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Template: Appeal to find")
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, FillScreen)
