"""Search across every incident (issue 14), no screen: a post found by a phrase from its
text, by a site, by its author and by how it ended; a message from the public and an
incident by its reference; a time phrase narrowing to its span; a new post seen at once;
the index kept on disk read again without the store, and a torn copy ignored."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from oncall.inboxrecords import InboxItem, InboxRepository
from oncall.model import Delivery, Incident, PostRecord
from oncall.postrecords import DeliveryRepository, PostRepository
from oncall.search import SearchIndex
from oncall.session import Session

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
HOSTILE = "[bold]Boom[/] \x1b[2J <script>"


def add_incident(session: Session, number: str, title: str, opened: datetime,
                 **kw: str) -> Incident:
    incident = Incident(id=f"INC-{number}", title=title, kind="missing-person",
                        opened_at=opened, opened_by="sokafor", **kw)
    session.incidents.put(incident)
    return incident


def add_post(session: Session, incident: Incident, post_id: str, body: str, at: datetime,
             sites: dict[str, str], author: str = "sokafor", retracted: bool = False) -> None:
    PostRepository(session.store).put(PostRecord(
        id=post_id, incident=incident.id, author=author, created_at=at, body=body,
        sites=list(sites), retracted_at=at + timedelta(hours=1) if retracted else None))
    for site, state in sites.items():
        DeliveryRepository(session.store).put(Delivery(
            id=f"{post_id}:{site}", post=post_id, incident=incident.id, site=site,
            platform="x", text=body, key=f"k-{post_id}-{site}", state=state,
            reason="HTTP 503 from the network" if state == "failed" else ""))


def settle(session: Session) -> None:
    """Back-date every record file, as if written long ago (a file changed in the
    last two seconds is never trusted unchanged: see oncall.store.settled)."""
    old = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    for root, dirs, files in os.walk(session.paths.data):
        for name in dirs + files:
            os.utime(os.path.join(root, name), (old, old))


@pytest.fixture
def year(demo_session: Session) -> Session:
    session = demo_session
    oct_ = add_incident(session, "1", "Missing man, Hanley", datetime(2026, 10, 25, 0, 30,
                                                                      tzinfo=UTC),
                        reference="LOG 77 of 25/10", status="closed")
    nov = add_incident(session, "2", "Road collision A34", datetime(2026, 11, 20, 8,
                                                                    tzinfo=UTC))
    add_post(session, oct_, "p1", "Have you seen Alan? He was last seen by the canal",
             datetime(2026, 10, 25, 1, 30, tzinfo=UTC), {"corp-x": "sent", "corp-fb": "sent"},
             retracted=True)
    add_post(session, nov, "p2", f"The A34 is closed {HOSTILE}",
             datetime(2026, 11, 20, 9, tzinfo=UTC), {"corp-x": "failed"}, author="dpritchard")
    InboxRepository(session.store).put_many([InboxItem(
        id="corp-x:9", site="corp-x", platform="x", remote_id="9", kind="reply", author="@w",
        author_name="Pat Witness", text="I saw a blue van near the canal",
        sent_at=datetime(2026, 10, 25, 2, tzinfo=UTC), fetched_at=NOW, incident=oct_.id)])
    return session


def found(session: Session, query: str) -> list[tuple[str, str]]:
    return [(h.incident, h.kind) for h in SearchIndex(session).search(query, NOW).hits]


def test_a_post_is_found_by_a_phrase_from_its_text(year: Session) -> None:
    assert found(year, "seen alan") == [("INC-1", "post")]


def test_by_site_author_and_how_it_ended(year: Session) -> None:
    site = year.sites.get("corp-fb")
    assert site is not None
    assert ("INC-1", "post") in found(year, site.name.split()[0] + " alan")
    assert found(year, "pritchard") == [("INC-2", "post")]
    assert found(year, "failed") == [("INC-2", "post")]
    assert found(year, "retracted") == [("INC-1", "post")]
    assert found(year, "503") == [("INC-2", "post")]


def test_site_colon_finds_that_site_alone(year: Session) -> None:
    incident = year.incidents.get("INC-2")
    assert incident is not None
    add_post(year, incident, "p9", "Roads update", datetime(2026, 11, 21, tzinfo=UTC),
             {"corp-x-roads": "sent"})
    assert ("INC-2", "post") in found(year, "corp-x")  # a plain word: any site holding it
    assert found(year, "site:corp-x") == [("INC-2", "post"), ("INC-1", "message"),
                                          ("INC-1", "post")]
    assert found(year, "site:corp-x-roads") == [("INC-2", "post")]
    assert found(year, "roads site:corp-x") == []


def test_messages_and_incidents_are_found_too(year: Session) -> None:
    assert found(year, "blue van") == [("INC-1", "message")]
    assert found(year, "LOG 77") == [("INC-1", "incident")]
    assert found(year, "canal") == [("INC-1", "message"), ("INC-1", "post")]  # newest first


def test_a_time_phrase_narrows_and_is_echoed(year: Session) -> None:
    result = SearchIndex(year).search("canal on 25 October", NOW)
    assert result.words == "canal" and result.span is not None
    assert "BST then GMT" in result.span.echo
    assert len(result.hits) == 2
    assert found(year, "canal in November") == []
    assert found(year, "since 20/11") == [("INC-2", "post"), ("INC-2", "incident")]


def test_hostile_text_is_kept_literally_for_the_screen_to_escape(year: Session) -> None:
    hit = SearchIndex(year).search("a34 closed", NOW).hits[0]
    assert HOSTILE in hit.line


def test_a_new_post_is_found_at_once(year: Session) -> None:
    index = SearchIndex(year)
    assert index.search("dog walker", NOW).total == 0
    incident = year.incidents.get("INC-2")
    assert incident is not None
    add_post(year, incident, "p3", "Thanks to the dog walker who called",
             datetime(2026, 11, 20, 10, tzinfo=UTC), {"corp-x": "sent"})
    assert index.search("dog walker", NOW).total == 1


def test_the_index_kept_on_disk_spares_reading_the_store(year: Session) -> None:
    first = SearchIndex(year)
    first.everything()
    settle(year)
    second = SearchIndex(year)
    second.everything()  # the stamps changed (settled): read once, and kept
    assert second.read_files == 2
    third = SearchIndex(year)
    assert third.search("seen alan", NOW).total == 1
    assert third.read_files == 0


def test_a_torn_copy_on_disk_is_ignored(year: Session) -> None:
    settle(year)
    SearchIndex(year).everything()
    kept = year.paths.data / ".search" / "INC-1.json"
    kept.write_text('{"stamp": [', "utf-8")
    settle(year)
    index = SearchIndex(year)
    assert index.search("seen alan", NOW).total == 1
    assert index.read_files >= 1
