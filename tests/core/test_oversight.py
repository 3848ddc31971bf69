"""Read-only oversight (issue 14): Professional Standards are refused every change at the
core, by name at each entry point and below them all at the store, each refusal logged
and nothing written; they still read everything (record, search, out of date, the log's
verification) and export. Corporate Communications take a post down from any site, with
a reason, logged."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from oncall.freshness import freshness
from oncall.inboxrecords import InboxItem, InboxRepository
from oncall.incidents import Incidents
from oncall.model import Draft, Incident
from oncall.oversight import ACTION, RULE
from oncall.overview import check_log
from oncall.playbooks import load_library
from oncall.record import build_record
from oncall.resources import shipped_dir
from oncall.search import SearchIndex
from oncall.sending import Outgoing, SendPath
from oncall.session import Session, open_session
from oncall.store import ReadOnly
from oncall.timeutil import utcnow
from tests.core.test_crosspost import Harness

LIBRARY = load_library(shipped_dir("playbooks"))
PLAYBOOK = LIBRARY.playbooks["missing-high-risk"]
TEXT = ("Officers are at the canal towpath in Brackenford. "
        "https://www.merciavale.police.uk/news/towpath")


def snapshot(home: Path) -> dict[str, str]:
    """Every record file's content hash: what 'nothing was written' is checked against."""
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((home / "data").rglob("*.json")) if ".search" not in p.parts}


@pytest.fixture
def world(demo_home: Path) -> tuple[Session, Incident, str]:
    """An incident with a tick and a post sent to two sites, made by the press office."""
    office = open_session(demo_home, "sokafor")
    incidents = Incidents(office)
    incident = incidents.open(PLAYBOOK, "Missing girl, Amy")
    incidents.tick(incident, PLAYBOOK.steps[0])
    sender = SendPath(office, Harness(office, {}).poster, LIBRARY.templates)
    sent = asyncio.run(sender.send(Outgoing(incident.id, TEXT, ("corp-x", "brk-north-fb"))))
    return open_session(demo_home, "gmercer"), incident, sent.post


def attempts(monitor: Session, incident: Incident, post: str
             ) -> dict[str, Callable[[], Any]]:
    incidents = Incidents(monitor)
    sender = SendPath(monitor, Harness(monitor, {}).poster, LIBRARY.templates)
    step = PLAYBOOK.steps[1]
    return {
        "opening an incident": lambda: incidents.open(PLAYBOOK, "Another"),
        "ticking a step": lambda: incidents.tick(incident, step),
        "unticking a step": lambda: incidents.untick(incident, PLAYBOOK.steps[0]),
        "changing an incident": lambda: incidents.update(incident.id, title="Renamed"),
        "closing an incident": lambda: incidents.close(incident.id, "done"),
        "reopening an incident": lambda: incidents.reopen(incident.id, "again"),
        "marking proceedings active": lambda: incidents.set_proceedings_active(
            incident.id, True, "charged"),
        "protecting a name": lambda: incidents.protect(incident.id, name="Jane Doe"),
        "saving a draft": lambda: incidents.save_draft(Draft(
            id="d1", incident=incident.id, created_by="gmercer", created_at=utcnow(),
            updated_at=utcnow(), body="x")),
        "sending a post": lambda: asyncio.run(sender.send(Outgoing(
            incident.id, TEXT, ("corp-x",)))),
        "retracting a post": lambda: asyncio.run(sender.retract_everywhere(
            incident.id, post, "checking")),
    }


def test_every_change_is_refused_by_name_logged_and_nothing_written(
        world: tuple[Session, Incident, str]) -> None:
    monitor, incident, post = world
    before = snapshot(monitor.paths.home)
    for what, attempt in attempts(monitor, incident, post).items():
        with pytest.raises(ReadOnly, match=f"{what} was refused"):
            attempt()
        last = monitor.log.tail(1)[0]
        assert (last.action, last.actor, last.details["what"], last.details["rule"]) == (
            ACTION, "gmercer", what, RULE), what
    assert snapshot(monitor.paths.home) == before


def test_the_store_refuses_any_other_write_below_every_caller(
        world: tuple[Session, Incident, str]) -> None:
    monitor, incident, _ = world
    before = snapshot(monitor.paths.home)
    with pytest.raises(ReadOnly):
        monitor.incidents.change(incident.id, lambda i: setattr(i, "title", "x"))
    with pytest.raises(ReadOnly):
        InboxRepository(monitor.store).put(InboxItem(
            id="corp-x:1", site="corp-x", platform="x", remote_id="1", kind="reply",
            author="@a", author_name="A", text="hi", sent_at=utcnow(), fetched_at=utcnow()))
    assert snapshot(monitor.paths.home) == before
    refused = [e.details["what"] for e in monitor.log.tail(2)]
    assert refused == ["changing the incidents records", "changing the inbox records"]


def test_they_read_everything_and_export(world: tuple[Session, Incident, str]) -> None:
    from oncall.export import write_export

    monitor, incident, _ = world
    record = build_record(monitor, incident.id)
    assert {"post", "playbook.step.done"} <= {e.action for e in record.entries}
    assert SearchIndex(monitor).search("towpath", utcnow()).total == 1
    freshness(monitor, LIBRARY.templates, utcnow())
    assert check_log(monitor).ok
    path = write_export(monitor, record, "json", monitor.paths.home / "out.json")
    assert path.exists() and monitor.log.tail(1)[0].action == "record.exported"


def test_a_press_officer_who_also_holds_professional_standards_may_act(
        demo_home: Path) -> None:
    from oncall.model import Person

    both = Person(login="x", name="X", roles=["professional_standards", "press_officer"])
    only = Person(login="y", name="Y", roles=["professional_standards"])
    assert not both.read_only and only.read_only


def test_corporate_communications_take_a_post_down_from_any_site_with_a_reason(
        world: tuple[Session, Incident, str]) -> None:
    monitor, incident, post = world
    comms = open_session(monitor.paths.home, "rellison")  # Corporate Communications
    sender = SendPath(comms, Harness(comms, {}).poster, LIBRARY.templates)
    done = asyncio.run(sender.retract_everywhere(incident.id, post, "not approved wording"))
    assert {d.site: d.state for d in done} == {"corp-x": "retracted",
                                               "brk-north-fb": "retracted"}
    asked = next(e for e in comms.log.tail(10) if e.action == "post.retract_requested")
    assert (asked.actor, asked.details["reason"]) == ("rellison", "not approved wording")
