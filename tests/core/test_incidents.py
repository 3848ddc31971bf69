"""The incident workflow: ids, cadence, checklist ticks, status changes, the timeline."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall.cadence import parse_duration
from oncall.incidents import IncidentError, Incidents, OthersTick, StepState, next_update
from oncall.model import CadencePhase, Playbook, Step, StepTick
from oncall.playbooks import load_library
from oncall.resources import shipped_dir
from oncall.session import Session, open_session
from tests.conftest import acting

NOW = datetime(2026, 11, 26, 2, 47, tzinfo=UTC)
CADENCE = (CadencePhase("30m", "4h"), CadencePhase("1h"))


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    """The shipped high-risk missing person playbook, with the cadence these tests assume
    pinned (the shipped content may be retuned without breaking the workflow tests)."""
    lib = load_library(shipped_dir("playbooks"))
    assert lib.problems == []
    return dataclasses.replace(lib.playbooks["missing-high-risk"], cadence=CADENCE)


@pytest.fixture
def incidents(demo_session: Session) -> Incidents:
    return Incidents(demo_session)


def actions(session: Session, incident: str | None = None) -> list[str]:
    return [e.action for e in session.log.entries()
            if incident is None or e.incident == incident]


# --- open ---------------------------------------------------------------------------------

def test_open_numbers_incidents_per_day(incidents: Incidents, playbook: Playbook) -> None:
    first = incidents.open(playbook, "Missing girl, 14, Brackenford", now=NOW)
    second = incidents.open(playbook, "Missing man, 80, Wrenmoor", now=NOW + timedelta(hours=3))
    next_day = incidents.open(playbook, "Another", now=NOW + timedelta(days=1))
    assert (first.id, second.id, next_day.id) == ("20261126-01", "20261126-02", "20261127-01")


def test_open_stores_what_was_opened(incidents: Incidents, playbook: Playbook,
                                     demo_session: Session) -> None:
    inc = incidents.open(playbook, "  Missing girl, 14  ", location=" Mill Lane ",
                         reference=" 123 of 26 Nov ", now=NOW)
    stored = demo_session.incidents.get(inc.id)
    assert stored == inc
    assert (inc.title, inc.location, inc.reference) == (
        "Missing girl, 14", "Mill Lane", "123 of 26 Nov")
    assert (inc.opened_at, inc.opened_by, inc.playbook, inc.kind, inc.status) == (
        NOW, "sokafor", "missing-high-risk", "missing_person", "open")
    assert inc.cadence == [
        "DTSTART:20261126T031700Z\nRRULE:FREQ=MINUTELY;INTERVAL=30;UNTIL=20261126T064700Z",
        "DTSTART:20261126T064700Z\nRRULE:FREQ=HOURLY"]
    assert inc.cadence_label == "every 30 min for 4 h, then every 1 h"


def test_open_is_logged(incidents: Incidents, playbook: Playbook,
                        demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl, 14", location="Mill Lane",
                         reference="123", now=NOW)
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.actor, entry.role, entry.incident, entry.subject) == (
        "incident.opened", "sokafor", "Press Officer", inc.id, "Missing girl, 14")
    assert entry.details == acting({"playbook": "missing-high-risk", "location": "Mill Lane",
                                    "reference": "123"})


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_open_refuses_a_blank_title(incidents: Incidents, playbook: Playbook,
                                    demo_session: Session, title: str) -> None:
    before = actions(demo_session)
    with pytest.raises(IncidentError, match="give the incident a title"):
        incidents.open(playbook, title, now=NOW)
    assert demo_session.incidents.all() == []
    assert actions(demo_session) == before


def test_playbook_without_cadence_has_no_schedule(incidents: Incidents,
                                                  playbook: Playbook) -> None:
    inc = incidents.open(dataclasses.replace(playbook, cadence=()), "Quiet one", now=NOW)
    assert (inc.cadence, inc.cadence_label) == ([], "")
    assert next_update(inc, NOW) is None


def test_a_second_session_sees_the_first_ones_id(demo_home: Path, playbook: Playbook) -> None:
    a = Incidents(open_session(demo_home, "sokafor"))
    b = Incidents(open_session(demo_home, "dpritchard"))
    assert a.open(playbook, "One", now=NOW).id == "20261126-01"
    second = b.open(playbook, "Two", now=NOW)
    assert (second.id, second.opened_by) == ("20261126-02", "dpritchard")


def test_two_sessions_opening_at_once_never_share_an_id(demo_home: Path,
                                                        playbook: Playbook) -> None:
    per_officer = 8
    workers = [Incidents(open_session(demo_home, login)) for login in ("sokafor", "dpritchard")]
    start = threading.Barrier(len(workers))
    got: list[str] = []
    errors: list[BaseException] = []

    def run(inc: Incidents) -> None:
        try:
            start.wait(timeout=10)
            for n in range(per_officer):
                got.append(inc.open(playbook, f"Incident {n}", now=NOW).id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    total = per_officer * len(workers)
    assert sorted(got) == [f"20261126-{n:02d}" for n in range(1, total + 1)]
    stored = workers[0].session.incidents.all()
    assert sorted(i.id for i in stored) == sorted(got)


# --- checklist ----------------------------------------------------------------------------

def test_checklist_due_times_follow_the_playbook(incidents: Incidents,
                                                 playbook: Playbook) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    states = incidents.checklist(inc, playbook)
    assert [s.step for s in states] == list(playbook.steps)
    for s in states:
        expected = NOW + parse_duration(s.step.due) if s.step.due else None
        assert s.due_at == expected and s.tick is None


def test_tick_and_untick_are_logged_and_shown(incidents: Incidents, playbook: Playbook,
                                              demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    step = playbook.steps[0]
    tick = incidents.tick(inc, step, now=NOW + timedelta(minutes=5))
    assert tick == StepTick(id=step.id, incident=inc.id, done_at=NOW + timedelta(minutes=5),
                            done_by="sokafor")
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.incident, entry.subject, entry.details) == (
        "playbook.step.done", inc.id, step.title, acting({"step": step.id}))

    # Another officer on the same home sees the tick and who made it.
    other = Incidents(open_session(demo_session.paths.home, "dpritchard"))
    line = other.checklist(inc, playbook)[0]
    assert line.tick is not None and line.tick.done_by == "sokafor"
    assert line.state(NOW + timedelta(hours=9)) == "done"
    assert all(s.tick is None for s in other.checklist(inc, playbook)[1:])

    # Unticking a colleague's step needs the officer's say, and keeps their name.
    with pytest.raises(OthersTick, match="Sarah Okafor ticked this step"):
        other.untick(inc, step, line.tick)
    assert incidents.checklist(inc, playbook)[0].tick is not None
    other.untick(inc, step, line.tick, others=True)
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.actor, entry.details) == (
        "playbook.step.undone", "dpritchard",
        acting({"step": step.id, "ticked_by": "sokafor",
                "ticked_at": (NOW + timedelta(minutes=5)).isoformat()}))
    assert incidents.checklist(inc, playbook)[0].tick is None


def test_ticks_are_compare_and_set(incidents: Incidents, playbook: Playbook,
                                   demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    step = playbook.steps[0]
    other = Incidents(open_session(demo_session.paths.home, "dpritchard"))
    seen = other.tick(inc, step, now=NOW)
    # Ticking a step a colleague has just ticked keeps their tick, and says so.
    with pytest.raises(IncidentError, match="Daniel Pritchard ticked this step"):
        incidents.tick(inc, step, now=NOW + timedelta(minutes=1))
    assert incidents.checklist(inc, playbook)[0].tick == seen
    # An untick of a tick that has changed since it was seen changes nothing.
    other.untick(inc, step, seen)
    again = incidents.tick(inc, step, now=NOW + timedelta(minutes=2))
    with pytest.raises(IncidentError, match="ticked this step again"):
        other.untick(inc, step, seen, others=True)
    assert incidents.checklist(inc, playbook)[0].tick == again


def test_untick_of_an_open_step_logs_nothing(incidents: Incidents, playbook: Playbook,
                                             demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    before = actions(demo_session)
    incidents.untick(inc, playbook.steps[0])
    assert actions(demo_session) == before


def test_ticks_belong_to_their_incident(incidents: Incidents, playbook: Playbook) -> None:
    a = incidents.open(playbook, "A", now=NOW)
    b = incidents.open(playbook, "B", now=NOW)
    incidents.tick(a, playbook.steps[0], now=NOW)
    assert incidents.checklist(a, playbook)[0].tick is not None
    assert incidents.checklist(b, playbook)[0].tick is None


# --- StepState.state ----------------------------------------------------------------------

DUE = NOW + timedelta(minutes=30)


@pytest.mark.parametrize(("now", "expected"), [
    (NOW, "open"),
    (DUE - timedelta(minutes=11), "open"),
    (DUE - timedelta(minutes=10), "due soon"),
    (DUE - timedelta(minutes=1), "due soon"),
    (DUE, "OVERDUE"),
    (DUE + timedelta(hours=5), "OVERDUE"),
])
def test_step_state_by_time(now: datetime, expected: str) -> None:
    assert StepState(Step("s", "S", due="+30m"), DUE, None).state(now) == expected


def test_step_state_done_wins_over_overdue() -> None:
    tick = StepTick("s", "20261126-01", NOW, "sokafor")
    assert StepState(Step("s", "S", due="+30m"), DUE, tick).state(DUE + timedelta(hours=1)) \
        == "done"


def test_step_state_without_due_is_open_and_stand_down_is_marked() -> None:
    assert StepState(Step("s", "S"), None, None).state(NOW + timedelta(days=3)) == "open"
    found = StepState(Step("found", "Found", stand_down=True), None, None)
    assert found.state(NOW) == "stand-down"
    tick = StepTick("found", "20261126-01", NOW, "sokafor")
    assert dataclasses.replace(found, tick=tick).state(NOW) == "done"


# --- next_update --------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "expected"), [
    (NOW, NOW + timedelta(minutes=30)),                         # 03:17
    (NOW + timedelta(minutes=30), NOW + timedelta(minutes=30)),  # due now
    (NOW + timedelta(minutes=31), NOW + timedelta(minutes=60)),  # 03:47
    (NOW + timedelta(hours=3, minutes=50), NOW + timedelta(hours=4)),  # 06:47: last half-hour
    (NOW + timedelta(hours=4, minutes=1), NOW + timedelta(hours=5)),   # then hourly: 07:47
    (NOW + timedelta(hours=10, minutes=5), NOW + timedelta(hours=11)),
])
def test_next_update_follows_the_cadence(incidents: Incidents, playbook: Playbook,
                                         now: datetime, expected: datetime) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    assert next_update(inc, now) == expected


def test_next_update_is_none_once_closed(incidents: Incidents, playbook: Playbook) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    closed = incidents.close(inc.id, now=NOW + timedelta(hours=1))
    assert next_update(closed, NOW + timedelta(hours=1)) is None


def test_cadence_is_fixed_at_opening(incidents: Incidents, playbook: Playbook) -> None:
    """Editing the playbook later does not move a live incident's deadlines."""
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    incidents.open(dataclasses.replace(playbook, cadence=(CadencePhase("5m"),)), "B", now=NOW)
    stored = incidents.get(inc.id)
    assert next_update(stored, NOW) == NOW + timedelta(minutes=30)


# --- status changes -----------------------------------------------------------------------

def test_proceedings_active_needs_a_reason(incidents: Incidents, playbook: Playbook,
                                           demo_session: Session) -> None:
    inc = incidents.open(playbook, "Assault", now=NOW)
    before = actions(demo_session)
    with pytest.raises(IncidentError, match="say why"):
        incidents.set_proceedings_active(inc.id, True, "  ")
    assert incidents.get(inc.id).status == "open"
    assert actions(demo_session) == before


def test_proceedings_active_and_ended_are_logged(incidents: Incidents, playbook: Playbook,
                                                 demo_session: Session) -> None:
    inc = incidents.open(playbook, "Assault", now=NOW)
    active = incidents.set_proceedings_active(inc.id, True, " man charged, court tomorrow ")
    assert active.status == "proceedings_active" and active.is_open
    assert incidents.get(inc.id).status_label == "PROCEEDINGS ACTIVE"
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.incident, entry.details) == (
        "incident.proceedings_active", inc.id, acting({"reason": "man charged, court tomorrow"}))
    assert incidents.set_proceedings_active(inc.id, False, "case dropped").status == "open"
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.details) == ("incident.proceedings_ended",
                                             acting({"reason": "case dropped"}))


def test_close_is_logged_and_a_second_close_refused(incidents: Incidents, playbook: Playbook,
                                                    demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    closed = incidents.close(inc.id, note=" found safe ", now=NOW + timedelta(hours=2))
    assert (closed.status, closed.closed_at, closed.closed_by, closed.is_open) == (
        "closed", NOW + timedelta(hours=2), "sokafor", False)
    assert incidents.get(inc.id) == closed
    entry, anchored = demo_session.log.tail(2)
    assert (entry.action, entry.incident, entry.details) == (
        "incident.closed", inc.id, acting({"note": "found safe"}))
    # the closed record is published to the witness at once
    assert anchored.action == "log.anchored" and anchored.details["seq"] == entry.seq
    assert f'"seq":{entry.seq}' in (demo_session.paths.home / "witness.log").read_text()
    assert incidents.anchor_problem == ""
    before = actions(demo_session)
    with pytest.raises(IncidentError, match="already closed"):
        incidents.close(inc.id, now=NOW + timedelta(hours=3))
    assert incidents.get(inc.id).closed_at == NOW + timedelta(hours=2)
    assert actions(demo_session) == before
    assert demo_session.incidents.open_incidents() == []
    with pytest.raises(IncidentError, match="closed"):
        incidents.set_proceedings_active(inc.id, True, "charged")


def test_close_without_note_logs_no_details(incidents: Incidents, playbook: Playbook,
                                            demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    incidents.close(inc.id, now=NOW)
    assert demo_session.log.tail(2)[0].details == acting({})


def test_a_close_whose_anchor_fails_stands_and_says_why(
        incidents: Incidents, playbook: Playbook, demo_session: Session) -> None:
    from dataclasses import replace

    settings = demo_session.settings
    demo_session.settings = replace(settings, log=replace(
        settings.log, anchor_command=("sh", "-c", "echo mail relay down >&2; exit 1")))
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    closed = incidents.close(inc.id, now=NOW)
    assert closed.status == "closed" and incidents.get(inc.id).status == "closed"
    assert "mail relay down" in incidents.anchor_problem
    closing, failed = demo_session.log.tail(2)
    assert closing.action == "incident.closed" and failed.action == "log.anchor_failed"
    assert "mail relay down" in failed.details["reason"]


def test_update_changes_title_and_location(incidents: Incidents, playbook: Playbook,
                                           demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl", location="Brackenford", now=NOW)
    changed = incidents.update(inc.id, title=" Missing girl, 14, found? ",
                               location=" Mill Lane, Brackenford ")
    assert (changed.title, changed.location) == ("Missing girl, 14, found?",
                                                 "Mill Lane, Brackenford")
    assert incidents.get(inc.id) == changed
    entry = demo_session.log.tail(1)[0]
    assert (entry.action, entry.incident, entry.details) == (
        "incident.updated", inc.id,
        acting({"title": "Missing girl, 14, found?", "location": "Mill Lane, Brackenford"}))


def test_update_refuses_other_fields_and_a_blank_title(incidents: Incidents,
                                                       playbook: Playbook,
                                                       demo_session: Session) -> None:
    inc = incidents.open(playbook, "Missing girl", now=NOW)
    before = actions(demo_session)
    with pytest.raises(IncidentError, match="cannot change opened_by, status"):
        incidents.update(inc.id, status="closed", opened_by="x")
    with pytest.raises(IncidentError, match="title"):
        incidents.update(inc.id, title="  ")
    assert incidents.get(inc.id) == inc
    assert actions(demo_session) == before


def test_get_unknown_incident(incidents: Incidents) -> None:
    with pytest.raises(IncidentError, match="no incident 20261126-99"):
        incidents.get("20261126-99")


# --- timeline -----------------------------------------------------------------------------

def test_timeline_is_this_incidents_entries_in_order(incidents: Incidents, playbook: Playbook,
                                                     demo_session: Session) -> None:
    a = incidents.open(playbook, "A", now=NOW)
    b = incidents.open(playbook, "B", now=NOW)
    incidents.tick(a, playbook.steps[0], now=NOW)
    incidents.tick(b, playbook.steps[0], now=NOW)
    incidents.update(a.id, location="Mill Lane")
    incidents.untick(a, playbook.steps[0])
    incidents.close(b.id, now=NOW)
    incidents.close(a.id, now=NOW)
    line = incidents.timeline(a)
    assert [e.action for e in line] == ["incident.opened", "playbook.step.done",
                                        "incident.updated", "playbook.step.undone",
                                        "incident.closed"]
    assert {e.incident for e in line} == {a.id}
    seqs = [e.seq for e in line]
    assert seqs == sorted(seqs)
    assert [e.action for e in incidents.timeline(b)] == [
        "incident.opened", "playbook.step.done", "incident.closed"]


def test_saving_over_a_newer_version_of_a_draft_is_refused_not_lost(
        demo_home: Path, playbook: Playbook) -> None:
    """Two officers open one draft; the second to save, from the version they opened,
    is told who saved since and when, and nothing of the first is overwritten. Saving
    from the newer version goes; quitting keeps the loser's words as a copy beside it."""
    from oncall.incidents import NewerDraft
    from oncall.model import Draft

    sarah, daniel = (Incidents(open_session(demo_home, who))
                     for who in ("sokafor", "dpritchard"))
    incident = sarah.open(playbook, "Missing girl", now=NOW).id
    first = sarah.save_draft(Draft(id="d1", incident=incident, created_by="sokafor",
                                   created_at=NOW, updated_at=NOW, body="Have you seen"),
                             expected=0)
    assert first.version == 1 and first.updated_by == "sokafor"
    # Both open version 1. Daniel saves first; Sarah's save from version 1 is refused.
    theirs = daniel.save_draft(dataclasses.replace(first, body="Have you seen Amy?"), 1)
    assert theirs.version == 2
    with pytest.raises(NewerDraft, match="Daniel Pritchard saved a newer version") as exc:
        sarah.save_draft(dataclasses.replace(first, body="Have you seen Amy, 12?"), 1)
    assert exc.value.draft.body == "Have you seen Amy?"
    assert sarah.drafts.get("d1", incident).body == "Have you seen Amy?"  # type: ignore[union-attr]
    # A new draft saved under an id someone already used is refused the same way.
    with pytest.raises(NewerDraft):
        sarah.save_draft(dataclasses.replace(first, body="x"), 0)
    # Saving over theirs, knowing it (from version 2), goes.
    assert sarah.save_draft(dataclasses.replace(first, body="Amy, 12"), 2).version == 3
    # Quitting from a stale version keeps both: theirs stays, hers is a copy beside it.
    kept = daniel.keep_draft(dataclasses.replace(first, body="Amy (12)"), 2)
    assert kept.id != "d1" and kept.body == "Amy (12)"
    assert sarah.drafts.get("d1", incident).body == "Amy, 12"  # type: ignore[union-attr]
