"""Pilot tests at 80x24: open an incident from a playbook, work its checklist, fill a template."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from oncall.session import Session, open_session
from oncall.ui.app import make_app
from oncall.ui.dialogs.choose import ChooseDialog
from oncall.ui.dialogs.new_incident import NewIncidentDialog
from oncall.ui.dialogs.reason import ReasonDialog
from oncall.ui.screens.dashboard import DashboardScreen
from oncall.ui.screens.fill import FillScreen
from oncall.ui.screens.incident import IncidentScreen
from tests.conftest import acting
from tests.ui.conftest import SIZE, screen_text, settle


def actions(session: Session) -> list[str]:
    return [e.action for e in session.log.entries()]


async def wait_for_screen(pilot, kind: type) -> None:  # type: ignore[no-untyped-def]
    for _ in range(50):
        await settle(pilot)
        if isinstance(pilot.app.screen, kind):
            return
    raise AssertionError(f"expected {kind.__name__}, on {type(pilot.app.screen).__name__}")


APPEAL = {"name": "Amy Baxter", "age": "14", "last_seen_time": "21:00",
          "last_seen_place": "the canal towpath near Mill Lane",
          "description": "She is 5ft 2in, slim, with long dark hair.",
          "appeal_url": "https://www.merciavale.police.uk/appeals/amy"}


async def type_fields(pilot, **changes: str) -> None:  # type: ignore[no-untyped-def]
    """Fill the appeal's fields on the fill screen (APPEAL, with `changes`) and settle."""
    for name, value in {**APPEAL, **changes}.items():
        pilot.app.screen.query_one(f"#f-{name}", Input).value = value
    await settle(pilot)


async def open_appeal_fill(pilot) -> None:  # type: ignore[no-untyped-def]
    """From the dashboard of the live demo: open the incident, then the appeal step's form."""
    await settle(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, IncidentScreen)
    await settle(pilot)
    # The cursor opens on the first step still to do ("Publish the appeal on the force
    # website"); the social media appeal is the next one.
    assert pilot.app.screen.query_one("#inc-steps", DataTable).cursor_row == 2
    await pilot.press("down", "f")
    await wait_for_screen(pilot, FillScreen)


async def test_open_tick_two_steps_and_fill_the_appeal(demo_session: Session) -> None:
    app = make_app(demo_session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, NewIncidentDialog)
        dialog = app.screen
        assert "High-risk missing person" in screen_text(app)
        options = dialog.query_one("#ni-playbooks", OptionList)
        options.highlighted = options.get_option_index("missing-high-risk")
        await pilot.press("enter")  # choose the highlighted playbook
        dialog.query_one("#ni-title", Input).value = "Missing girl, 14, Brackenford"
        await pilot.press("tab")
        dialog.query_one("#ni-location", Input).value = "Canal towpath, Mill Lane"
        await pilot.press("tab")
        dialog.query_one("#ni-reference", Input).value = "123 of 26/11"
        await pilot.press("enter")  # Enter opens it, as the hint says
        await wait_for_screen(pilot, IncidentScreen)
        screen = app.screen
        text = screen_text(app)
        assert "Missing girl, 14, Brackenford" in text and "ref 123 of 26/11" in text
        assert "Next update due" in text and "every 30 min for 4 h" in text

        await pilot.press("space")
        await settle(pilot)
        await pilot.press("down", "space")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        table = screen.query_one("#inc-steps", DataTable)
        assert str(table.get_row_at(0)[0]) == "✓ done"
        assert str(table.get_row_at(1)[0]) == "✓ done"
        assert str(table.get_row_at(2)[0]) != "✓ done"
        assert "SO " in str(table.get_row_at(0)[3])  # Sarah Okafor's initials and the time

        await pilot.press("down", "down", "f")  # "Post the appeal" uses the appeal template
        await wait_for_screen(pilot, FillScreen)
        fill_screen = app.screen
        assert "Appeal to find a missing person" in screen_text(app)
        await type_fields(pilot)
        echo = fill_screen.query_one("#m-last_seen_time", Static).render()
        assert "(GMT)" in str(echo) or "(BST)" in str(echo)
        assert "All fields complete" in screen_text(app)
        assert "Have you seen Amy Baxter?" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await wait_for_screen(pilot, IncidentScreen)

    logged = actions(demo_session)
    assert logged[-4:] == ["incident.opened", "playbook.step.done", "playbook.step.done",
                           "template.filled"]
    incident = demo_session.incidents.all()[0]
    from oncall.incidents import DraftRepository

    drafts = DraftRepository(demo_session.store).all(incident.id)
    assert len(drafts) == 1 and "Amy Baxter, aged 14" in drafts[0].body
    assert drafts[0].values["incident_number"] == "123 of 26/11"  # pre-filled from the incident


async def test_fill_refuses_to_save_with_blank_required_fields(live_demo_home: Path) -> None:
    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await open_appeal_fill(pilot)
        app.screen.query_one("#f-last_seen_time", Input).value = "A34"
        await settle(pilot)
        assert "✗" in str(app.screen.query_one("#m-last_seen_time", Static).render())
        before = actions(session)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert actions(session) == before


async def test_demo_opens_with_a_live_checklist_and_countdown(live_demo_home: Path) -> None:
    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#dash-incidents-table", DataTable)
        assert table.row_count == 1
        due = str(table.get_row_at(0)[3])
        assert str(table.get_row_at(0)[2]) in ("2/7 done", "2/7 1 late")
        assert "GMT" in due or "BST" in due
        assert "in " in due or "OVERDUE" in due or "due now" in due
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        text = screen_text(app)
        assert text.count("✓ done") == 2
        assert "Next update due" in text


async def test_proceedings_active_and_close_are_logged(live_demo_home: Path) -> None:
    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.press("p")
        await wait_for_screen(pilot, ReasonDialog)
        await pilot.press("enter")  # an empty reason is refused
        assert isinstance(app.screen, ReasonDialog)
        app.screen.query_one(Input).value = "man charged, court tomorrow"
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.pause(0.1)
        await settle(pilot)
        assert "[PROCEEDINGS ACTIVE]" in screen_text(app)
        await pilot.press("x")
        await wait_for_screen(pilot, ReasonDialog)
        await pilot.press("enter")  # a stray Enter does not close the incident
        assert isinstance(app.screen, ReasonDialog)
        app.screen.query_one(Input).value = "suspect charged; appeal withdrawn"
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.pause(0.1)
        await settle(pilot)
        assert "Closed. No further updates due." in screen_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, DashboardScreen)
    assert actions(session)[-3:] == ["incident.proceedings_active", "incident.closed",
                                     "log.anchored"]  # the closed record, anchored
    entry = list(session.log.entries())[-3]
    assert entry.details == acting({"reason": "man charged, court tomorrow"})


@pytest.fixture
def stale_playbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A playbooks dir with one sound playbook whose template is out of review, and one broken."""
    directory = tmp_path / "playbooks"
    directory.mkdir()
    (directory / "stale.toml").write_text('''
id = "stale"
title = "Stale wording"
when = "Testing"

[[step]]
id = "post"
title = "Post the notice"
templates = ["old-notice"]

[[template]]
id = "old-notice"
title = "An old notice"
approved_by = "Ruth Ellison"
approved_on = 2024-01-01
review_by = 2024-06-01
body = "The road at {place} is closed."

[template.fields.place]
label = "Place"
kind = "location"
''')
    (directory / "broken.toml").write_text('id = "broken"\ntitle = "Broken"\nwhen = "x"\n'
                                           '[[step]]\nid = "a"\ntitle = "A"\ndue = "soon"\n')
    monkeypatch.setenv("ONCALL_PLAYBOOKS", str(directory))
    return directory


async def test_broken_playbook_is_listed_and_the_rest_still_work(
        demo_home: Path, stale_playbooks: Path) -> None:
    session = open_session(demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems = str(app.screen.query_one("#dash-problems", Static).render())
        assert f"{stale_playbooks / 'broken.toml'}:7" in problems
        assert "due 'soon'" in problems
        assert list(app.library.playbooks) == ["stale"]


async def test_out_of_review_template_needs_corporate_comms_override(
        demo_home: Path, stale_playbooks: Path) -> None:
    from oncall.incidents import Incidents
    from oncall.playbooks import load_library

    officer = open_session(demo_home, "sokafor")
    Incidents(officer).open(load_library(stale_playbooks).playbooks["stale"], "Road closed")

    app = make_app(officer)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_step_fill(pilot)
        assert "OUT OF REVIEW since 01 Jun 2024" in screen_text(app)
        app.screen.query_one("#f-place", Input).value = "Mill Lane"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+o")  # a press officer may not override on their own...
        await wait_for_screen(pilot, ChooseDialog)  # ...only record who approved it
        assert "Who in Corporate Communications approved it?" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FillScreen)
    assert "template.filled" not in actions(officer)
    assert "policy.overridden" not in actions(officer)

    manager = open_session(demo_home, "rellison")
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_step_fill(pilot)
        app.screen.query_one("#f-place", Input).value = "Mill Lane"
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "checked tonight; review booked"
        await pilot.press("enter")
        await wait_for_screen(pilot, FillScreen)
        await pilot.pause(0.1)
        await settle(pilot)
        assert "Overridden: checked tonight" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
    entries = list(manager.log.entries())
    override = next(e for e in entries if e.action == "policy.overridden")
    assert override.details["rule"] == "template.out_of_review"
    assert override.details["reason"] == "checked tonight; review booked"
    assert entries[-1].action == "template.filled"


async def test_edit_incident_changes_only_what_changed(live_demo_home: Path) -> None:
    from oncall.ui.dialogs.edit_incident import EditIncidentDialog

    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.press("e")
        await wait_for_screen(pilot, EditIncidentDialog)
        app.screen.query_one("#ei-location", Input).value = "Mill Lane lock, Brackenford"
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await pilot.pause(0.1)
        await settle(pilot)
        assert "Mill Lane lock, Brackenford" in screen_text(app)
    last = list(session.log.entries())[-1]
    assert last.action == "incident.updated"
    assert last.details == acting({"location": "Mill Lane lock, Brackenford"})


async def test_fill_shows_policy_findings_as_the_officer_types(live_demo_home: Path) -> None:
    from oncall.ui.widgets.findings import FindingsList

    session = open_session(live_demo_home, "sokafor")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await open_appeal_fill(pilot)
        await type_fields(pilot, description="Thanks to DC Liam Carver for the photo.",
                          appeal_url="https://facebook.com/amy")
        findings = str(app.screen.query_one(FindingsList).render())
        assert "✗ BLOCK This is an appeal: link to the appeal page" in findings
        assert "✗ BLOCK Names a colleague in a sensitive policing role: “Liam Carver”" in findings
        app.screen.query_one("#f-appeal_url", Input).value = \
            "https://www.merciavale.police.uk/appeals/amy"
        app.screen.query_one("#f-description", Input).value = "Slim, long dark hair."
        await settle(pilot)
        findings = str(app.screen.query_one(FindingsList).render())
        assert "BLOCK" not in findings


async def test_blocking_check_overridden_and_warnings_acknowledged(
        live_demo_home: Path) -> None:
    from oncall.incidents import DraftRepository, Incidents
    from oncall.ui.dialogs.choose import ChooseDialog
    from oncall.ui.widgets.findings import FindingsList

    officer = open_session(live_demo_home, "sokafor")
    [incident] = officer.incidents.all()
    Incidents(officer).set_proceedings_active(incident.id, True, "man charged")
    manager = open_session(live_demo_home, "rellison")
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        await open_appeal_fill(pilot)
        await type_fields(pilot, description="She was caught on CCTV. Call 07700 900123.")
        findings = str(app.screen.query_one(FindingsList).render())
        assert "✗ BLOCK Proceedings are active" in findings
        assert "! WARN  A phone number that is not the force's own" in findings
        await pilot.press("ctrl+o")
        await settle(pilot)
        if isinstance(app.screen, ChooseDialog):
            await pilot.press("enter")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "identification is public record; agreed with SIO"
        await pilot.press("enter")
        await wait_for_screen(pilot, FillScreen)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.pause(0.1)
        findings = str(app.screen.query_one(FindingsList).render())
        assert "~ OVERRIDDEN Proceedings are active" in findings
        assert "✓ NOTED A phone number" in findings
        await pilot.press("ctrl+s")
        await settle(pilot)
    entries = list(manager.log.entries())
    override = next(e for e in entries if e.action == "policy.overridden")
    assert override.details["rule"] == "court.prejudicial"
    ack = next(e for e in entries if e.action == "policy.acknowledged")
    assert "personal.phone" in ack.details["rules"]
    [draft] = DraftRepository(manager.store).all(incident.id)
    assert "court.prejudicial" in draft.overrides and "personal.phone" in draft.acknowledged


async def test_a_press_officer_records_an_approval_given_by_phone(
        demo_home: Path, stale_playbooks: Path) -> None:
    """At night Corporate Communications approve by phone; the press officer records it,
    logged as given by them and recorded by the officer."""
    from oncall.incidents import Incidents
    from oncall.playbooks import load_library

    officer = open_session(demo_home, "sokafor")
    Incidents(officer).open(load_library(stale_playbooks).playbooks["stale"], "Road closed")
    app = make_app(officer)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_step_fill(pilot)
        app.screen.query_one("#f-place", Input).value = "Mill Lane"
        await settle(pilot)
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, ChooseDialog)
        assert "Ruth Ellison" in screen_text(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, ReasonDialog)
        app.screen.query_one(Input).value = "by phone 02:55, wording fine for tonight"
        await pilot.press("enter")
        await wait_for_screen(pilot, FillScreen)
        await settle(pilot)
        assert "Overridden: by phone 02:55" in screen_text(app)
    entry = next(e for e in officer.log.entries() if e.action == "policy.overridden")
    assert (entry.actor, entry.details["given_by"]) == ("sokafor", "rellison")
    assert entry.details["reason"] == "by phone 02:55, wording fine for tonight"


async def open_first_step_fill(pilot) -> None:  # type: ignore[no-untyped-def]
    """From the dashboard: open the first incident, then fill its first step's template."""
    await settle(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, IncidentScreen)
    await pilot.press("f")
    await wait_for_screen(pilot, FillScreen)


async def test_unticking_a_colleagues_step_asks_and_names_them(live_demo_home: Path) -> None:
    from oncall.ui.dialogs.confirm import ConfirmDialog

    colleague = open_session(live_demo_home, "dpritchard")
    me = open_session(live_demo_home, "sokafor")
    app = make_app(me)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        screen = app.screen
        st = screen.states[2]  # type: ignore[attr-defined]
        assert st.tick is None
        from oncall.incidents import Incidents

        Incidents(colleague).tick(screen.incident, st.step)  # type: ignore[attr-defined]
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("space")  # the cursor opened on this step: the first not done
        await wait_for_screen(pilot, ConfirmDialog)
        assert "Untick Daniel Pritchard's step?" in screen_text(app)
        await pilot.press("enter")  # Enter is No
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        assert screen.states[2].tick is not None  # type: ignore[attr-defined]
        await pilot.press("space")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, IncidentScreen)
        await settle(pilot)
        assert screen.states[2].tick is None  # type: ignore[attr-defined]
    undone = [e for e in me.log.entries() if e.action == "playbook.step.undone"]
    assert [(e.actor, e.details["ticked_by"]) for e in undone] == [("sokafor", "dpritchard")]
