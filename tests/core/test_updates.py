"""Update slots kept, missed (and logged once), and due soon; the dashboard's order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from oncall.crosspost import PostRepository
from oncall.incidents import Incidents
from oncall.model import Incident, PostRecord
from oncall.overview import build_overview
from oncall.playbooks import load_library
from oncall.resources import shipped_dir
from oncall.session import Session, open_session
from oncall.updates import update_state, updates_for

T0 = datetime(2026, 12, 4, 2, 47, tzinfo=UTC)
WARN = timedelta(minutes=5)
PLAYBOOKS = load_library(shipped_dir("playbooks")).playbooks


@pytest.fixture
def incident(demo_session: Session) -> Incident:
    # Every 30 minutes for 4 hours, then hourly (the missing-person playbook).
    return Incidents(demo_session).open(PLAYBOOKS["missing-high-risk"], "Missing girl",
                                        now=T0)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_slot_with_no_post_is_missed(incident: Incident) -> None:
    state = update_state(incident, [], at(40), WARN)
    assert state.missed == (at(30),) and state.next_due == at(60)
    assert not state.due_soon and state.urgent


@pytest.mark.parametrize("posted", [10, 29, 33])  # before the slot, or within 5 min' grace
def test_a_post_before_the_slot_or_in_grace_keeps_it(incident: Incident, posted: int) -> None:
    assert update_state(incident, [at(posted)], at(40), WARN).missed == ()


def test_missed_is_shown_until_a_post_answers_it(incident: Incident) -> None:
    assert update_state(incident, [], at(34), WARN).missed == ()  # still in grace
    assert update_state(incident, [], at(36), WARN).missed == (at(30),)
    assert update_state(incident, [], at(66), WARN).missed == (at(30), at(60))
    assert update_state(incident, [at(45)], at(50), WARN).missed == ()  # answered, late


def test_due_soon_within_the_warning(incident: Incident) -> None:
    assert update_state(incident, [at(5)], at(26), WARN).due_soon
    assert not update_state(incident, [at(5)], at(20), WARN).due_soon


def test_each_missed_slot_is_logged_once_however_many_look(
        demo_session: Session, incident: Incident) -> None:
    other = open_session(demo_session.paths.home, "dpritchard")
    threads = [threading.Thread(target=updates_for, args=(s, [incident], at(70)))
               for s in (demo_session, other, demo_session, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    updates_for(demo_session, [incident], at(70))
    missed = [e.details["slot"] for e in demo_session.log.entries()
              if e.action == "update.missed"]
    assert sorted(missed) == [at(30).isoformat(), at(60).isoformat()]


def test_the_dashboard_puts_a_missed_update_first(demo_session: Session) -> None:
    incidents = Incidents(demo_session)
    quiet = incidents.open(PLAYBOOKS["missing-high-risk"], "Newer, kept up", now=at(30))
    late = incidents.open(PLAYBOOKS["missing-high-risk"], "Older, missed", now=T0)
    PostRepository(demo_session.store).put(PostRecord(
        id="p", incident=quiet.id, author="sokafor", created_at=at(55), body="x"))
    overview = build_overview(demo_session, now=at(65))
    assert [i.id for i in overview.incidents] == [late.id, quiet.id]
    assert overview.updates[late.id].missed and not overview.updates[quiet.id].missed
