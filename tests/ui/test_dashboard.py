"""Pilot tests of the dashboard and the help dialog at 80x24."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from oncall.model import Incident
from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.help import HelpDialog
from oncall.ui.screens.dashboard import DashboardScreen
from tests.ui.conftest import SIZE, screen_text, settle


def visible(widget: Static) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


async def test_dashboard_shows_on_call_sites_and_log(demo_session: Session) -> None:
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        oncall = visible(app.screen.query_one("#dash-oncall", Static))
        assert "Sarah Okafor (you)" in oncall
        assert "on call until" in oncall
        sites = visible(app.screen.query_one("#dash-sites", Static))
        assert "20 sites" in sites and "Local" in sites
        assert "No open incidents" in visible(app.screen.query_one("#dash-incidents-empty",
                                                                   Static))
        log = visible(app.screen.query_one("#dash-log", Static))
        assert "Sarah Okafor shift.started" in log and "site.registry.imported" in log
        status = visible(app.screen.query_one("#dash-status", Static))
        assert "verified, 3 entries" in status
        assert app.first_paint_seconds is not None


async def test_dashboard_lists_open_incidents_and_picks_up_other_officers_work(
        demo_session: Session) -> None:
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Another officer, another process: writes straight to the shared home.
        demo_session.incidents.put(Incident(
            id="INC-1", reference="MV-0412", title="[bold]Canal[/] missing person \x1b[31m",
            kind="missing", opened_at=datetime.now(UTC), opened_by="dpritchard"))
        open_session(demo_session.paths.home, "dpritchard").record(
            "incident.opened", incident="INC-1")
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one("#dash-incidents-table", DataTable)
        assert table.display and table.row_count == 1
        title = table.get_row("INC-1")[0]
        # Outside text is shown literally: markup stays as typed, escapes are made visible.
        assert title.plain == "[bold]Canal[/] missing person ␛[31m"
        assert "incident.opened" in visible(app.screen.query_one("#dash-log", Static))


async def test_help_lists_keys_and_closes(demo_session: Session) -> None:
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpDialog)
        shot = screen_text(app)
        for words in ("Open an incident", "closed ones too", "Pause every scheduled post"):
            assert words in shot
        await pilot.press("end")  # longer than 24 rows: the keyboard scrolls it
        await settle(pilot)
        shot = screen_text(app)
        for words in ("Re-read incidents", "Quit", "Theme", "Command palette"):
            assert words in shot
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        await pilot.press("escape")


async def test_quit_exits_zero(demo_session: Session) -> None:
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0


async def test_theme_cycles_through_mono(demo_session: Session) -> None:
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "corporate"
        await pilot.press("t")
        assert app.theme == "high-contrast"
        await pilot.press("t")
        assert app.theme == "mono"
        await settle(pilot)
        # Status stays a word in the monochrome theme.
        assert "verified" in visible(app.screen.query_one("#dash-status", Static))


async def test_broken_log_is_reported_in_words(demo_session: Session) -> None:
    path = demo_session.log.files()[0]
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0].replace("shift.started", "shift.ended") + "".join(lines[1:]))
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = visible(app.screen.query_one("#dash-status", Static))
        assert "BROKEN" in status and f"{path.name}:1" in status


async def test_palette_offers_every_screen_action(demo_session: Session) -> None:
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "New incident (n)" in titles and "Refresh (r)" in titles
        assert "Help" in titles and "Theme: mono" in titles


async def test_a_refresh_keeps_the_highlighted_incident_and_enter_opens_it(
        live_demo_home: Path) -> None:
    from oncall.incidents import Incidents
    from oncall.playbooks import load_library
    from oncall.resources import shipped_dir
    from oncall.ui.screens.incident import IncidentScreen
    from tests.ui.test_incident import wait_for_screen

    session = open_session(live_demo_home, "sokafor")
    playbooks = load_library(shipped_dir("playbooks")).playbooks
    incidents = Incidents(session)
    older = incidents.open(playbooks["road-collision"], "Collision, A34")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#dash-incidents-table", DataTable)
        table.move_cursor(row=[r.value for r in table.rows].index(older.id))
        await pilot.pause()
        # A colleague opens a new incident (it sorts first), another refresh comes round.
        incidents.open(playbooks["public-disorder"], "Disorder, Stowbridge")
        await pilot.press("r")
        await settle(pilot)
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        assert row_key.value == older.id
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        assert app.screen.incident_id == older.id  # type: ignore[attr-defined]


async def test_a_missed_update_shouts_on_the_dashboard_and_the_incident(
        demo_home: Path) -> None:
    from datetime import timedelta

    from oncall.incidents import Incidents
    from oncall.playbooks import load_library
    from oncall.resources import shipped_dir
    from oncall.timeutil import utcnow
    from oncall.ui.screens.incident import IncidentScreen
    from tests.ui.test_incident import wait_for_screen

    session = open_session(demo_home, "sokafor")
    Incidents(session).open(load_library(shipped_dir("playbooks")).playbooks[
        "missing-high-risk"], "Missing girl", now=utcnow() - timedelta(minutes=40))
    app = make_app(session)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "! MISSED UPDATE (" in text and "! MISSED " in text
        assert bells == [1]
        await pilot.press("r")
        await settle(pilot)
        assert bells == [1]  # once per slot, not on every refresh
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        assert "! MISSED UPDATE (" in screen_text(app)
    assert [e.action for e in session.log.entries()].count("update.missed") == 1


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_selection_shows_without_colour_in_mono(
        live_demo_home: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    session = open_session(live_demo_home, "sokafor")
    app = make_app(session, theme=None if no_color else "mono")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "mono"
        table = app.screen.query_one("#dash-incidents-table", DataTable)
        table.focus()
        await settle(pilot)
        [incident] = session.incidents.all()
        update = app.screen._compositor.render_update(full=True)
        segments = list(app.console.render(update, app.console.options))
        styles = [seg.style for seg in segments if incident.title[:12] in seg.text]
        assert styles and any(s is not None and s.reverse for s in styles)


async def test_at_60x20_the_next_update_still_shows(live_demo_home: Path) -> None:
    app = make_app(open_session(live_demo_home, "sokafor"))
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Next update" in text and " GMT in " in text
        assert "! OUTBOX" not in text  # nothing to decide in the demo; the line is there
        assert "Log: ✓ verified" in text


async def test_a_home_without_force_settings_says_what_to_set(demo_home: Path) -> None:
    config = demo_home / "config.toml"
    text = config.read_text()
    config.write_text(text.replace('website = "https://www.merciavale.police.uk"\n', ""))
    app = make_app(open_session(demo_home, "sokafor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "config.toml [force] has no website" in screen_text(app)
