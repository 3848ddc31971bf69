"""The inbox kept from the sandbox: each message once, across restarts and a crash
between keeping and moving the cursor; replies tied to their incident; a failing
network waits longer each time, on a clock the test drives (issue 13)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from oncall.inbox import Inbox
from oncall.model import Delivery, Site
from oncall.platforms.base import StaticTokens, sandbox_token
from oncall.platforms.registry import adapter_for
from oncall.postrecords import DeliveryRepository
from oncall.sandbox import Sandbox
from oncall.sandbox.state import Fault
from oncall.session import Session, open_session
from tests.conftest import open_demo_incident

T0 = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)


@pytest.fixture
def site(demo_session: Session, sandbox: Sandbox) -> Site:
    site = next(s for s in demo_session.sites.all() if s.id == "corp-masto")
    return replace(site, api_base=sandbox.base_for(site.platform))


class Asked:
    """An adapter that notes the cursor it was given."""

    def __init__(self, adapter: Any) -> None:
        self.adapter, self.since = adapter, []

    async def fetch_inbox(self, since: str | None) -> Any:
        self.since.append(since)
        return await self.adapter.fetch_inbox(since)


async def fetch(session: Session, site: Site, *, clock: Any = None) -> Any:
    async with httpx.AsyncClient(timeout=5.0) as client:
        asked = Asked(adapter_for(site, client, StaticTokens(default=sandbox_token)))
        inbox = Inbox(session, clock=clock or (lambda: T0))
        return await inbox.fetch(site, asked), asked


async def test_each_message_is_kept_once_and_the_cursor_survives_a_restart(
        demo_session: Session, sandbox: Sandbox, site: Site) -> None:
    sandbox.state.add_inbox(site.id, {"text": "I saw him <script>x</script> \x1b[2J",
                                      "author": "walker"})
    sandbox.state.add_inbox(site.id, {"text": "road open?", "author": "driver"})
    first, asked = await fetch(demo_session, site)
    assert len(first.new) == 2 and asked.since == [None]
    kept = Inbox(demo_session).all(site.id)
    assert {i.text for i in kept} == {"I saw him <script>x</script> \x1b[2J", "road open?"}
    walker = next(i for i in kept if i.author == "@walker")
    assert walker.needs_action and walker.state == "new"
    restarted = open_session(demo_session.paths.home, "sokafor")
    again, asked = await fetch(restarted, site)
    assert again.new == () and asked.since[0]  # asked from where the first left off
    assert len(Inbox(restarted).all(site.id)) == 2
    received = [e for e in restarted.log.tail(50) if e.action == "inbox.received"]
    assert len(received) == 2


async def test_a_crash_before_the_cursor_moves_fetches_again_and_keeps_nothing_twice(
        demo_session: Session, sandbox: Sandbox, site: Site,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.state.add_inbox(site.id, {"text": "dashcam footage here", "author": "w"})

    def crash(*args: object) -> None:
        raise KeyboardInterrupt  # the process stops between keeping and the cursor

    with monkeypatch.context() as patched:
        patched.setattr(Inbox, "_advance", crash)
        with pytest.raises(KeyboardInterrupt):
            await fetch(demo_session, site)
    second, asked = await fetch(demo_session, site)
    assert asked.since == [None] and second.new == ()
    assert [i.text for i in Inbox(demo_session).all(site.id)] == ["dashcam footage here"]


async def test_two_fetches_at_once_keep_each_message_once(
        demo_session: Session, sandbox: Sandbox, site: Site) -> None:
    for n in range(5):
        sandbox.state.add_inbox(site.id, {"text": f"message {n}", "author": f"a{n}"})
    other = open_session(demo_session.paths.home, "dpritchard")
    (one, _), (two, _) = await asyncio.gather(fetch(demo_session, site), fetch(other, site))
    assert len(one.new) + len(two.new) == 5
    assert len(Inbox(demo_session).all(site.id)) == 5


async def test_a_reply_to_an_incidents_post_is_tied_to_it(
        demo_session: Session, sandbox: Sandbox, site: Site) -> None:
    incident = open_demo_incident(demo_session)
    DeliveryRepository(demo_session.store).put_many([Delivery(
        id="P1.corp-masto", post="P1", incident=incident, site=site.id,
        platform="mastodon", text="Have you seen Ann?", key="k", state="sent",
        remote_id="109900")])
    sandbox.state.add_inbox(site.id, {"text": "I think I saw her", "author": "w",
                                      "in_reply_to": "109900"})
    fetched, _ = await fetch(demo_session, site)
    (item,) = fetched.new
    assert (item.incident, item.post, item.kind) == (incident, "P1", "reply")


async def test_a_failing_network_waits_longer_each_time(
        demo_session: Session, sandbox: Sandbox, site: Site) -> None:
    sandbox.inject(site.id, Fault("server_error", on="read", times=2))
    failed, _ = await fetch(demo_session, site, clock=lambda: T0)
    assert "Mastodon" in failed.problem and not failed.skipped
    assert Inbox(demo_session).problems() == [failed.problem]
    waiting, asked = await fetch(demo_session, site, clock=lambda: T0 + timedelta(seconds=59))
    assert waiting.skipped and asked.since == []  # not asked at all
    failed, _ = await fetch(demo_session, site, clock=lambda: T0 + timedelta(seconds=61))
    assert failed.problem  # second failure: now two minutes
    later = T0 + timedelta(seconds=61 + 119)
    assert (await fetch(demo_session, site, clock=lambda: later))[0].skipped
    sandbox.state.add_inbox(site.id, {"text": "back again", "author": "w"})
    ok, _ = await fetch(demo_session, site, clock=lambda: later + timedelta(seconds=2))
    assert [i.text for i in ok.new] == ["back again"] and not ok.problem
    assert Inbox(demo_session).problems() == []


async def test_closing_and_linking_are_compare_and_set_and_logged(
        demo_session: Session, sandbox: Sandbox, site: Site) -> None:
    from oncall.store import Conflict

    sandbox.state.add_inbox(site.id, {"text": "buy followers cheap", "author": "spam"})
    sandbox.state.add_inbox(site.id, {"text": "is this about the crash?", "author": "q"})
    await fetch(demo_session, site)
    spam, question = sorted(Inbox(demo_session).all(site.id), key=lambda i: i.author)[::-1]
    other = open_session(demo_session.paths.home, "dpritchard")
    Inbox(other).close(spam, "spam")
    with pytest.raises(Conflict):  # read before the colleague closed it
        Inbox(demo_session).close(spam)
    incident = open_demo_incident(demo_session)
    linked = Inbox(demo_session).link(question, incident)
    assert linked.incident == incident and linked.state == "new"
    with pytest.raises(KeyError):
        Inbox(demo_session).link(linked, "INC-NOPE")
    actions = [(e.action, e.actor) for e in demo_session.log.tail(10)
               if e.action.startswith("inbox.") and e.action != "inbox.received"]
    assert actions == [("inbox.closed", "dpritchard"), ("inbox.linked", "sokafor")]


async def test_a_message_needing_action_is_overdue_after_the_target(
        demo_session: Session, sandbox: Sandbox, site: Site) -> None:
    from oncall.inboxrecords import waiting

    sandbox.state.add_inbox(site.id, {"text": "I saw the car", "author": "w",
                                      "created_at": T0.isoformat()})
    sandbox.state.add_inbox(site.id, {"text": "thanks all", "author": "t",
                                      "created_at": T0.isoformat()})
    await fetch(demo_session, site)
    counts = [waiting(demo_session.store, [site.id], T0 + timedelta(minutes=m))
              for m in (14, 16)]
    assert [(c.todo, c.overdue) for c in counts] == [(1, 0), (1, 1)]
    (seen,) = [i for i in Inbox(demo_session).all(site.id) if i.needs_action]
    Inbox(demo_session).close(seen)
    assert waiting(demo_session.store, [site.id], T0 + timedelta(hours=1)).todo == 0


async def test_the_homes_inbox_settings_are_used(demo_session: Session, sandbox: Sandbox,
                                                 site: Site) -> None:
    """[inbox]: the force's own words triage, and its acknowledgement target counts."""
    from oncall.inboxrecords import ack_target, incident_waiting, waiting

    config = demo_session.paths.home / "config.toml"
    config.write_text(config.read_text() + '\n[inbox]\nacknowledge_minutes = 5\n'
                      'information_words = ["ring doorbell"]\n')
    session = open_session(demo_session.paths.home, "sokafor")
    incident = open_demo_incident(session)
    sandbox.state.add_inbox(site.id, {"text": "my ring doorbell got him",
                                      "author": "n", "created_at": T0.isoformat()})
    fetched, _ = await fetch(session, site)
    (item,) = fetched.new
    assert item.needs_action
    assert ack_target(session) == timedelta(minutes=5)
    late = T0 + timedelta(minutes=6)
    assert waiting(session.store, [site.id], late, ack_target(session)).overdue == 1
    assert waiting(session.store, [site.id], late).overdue == 0  # the default: 15
    assert incident_waiting(session, incident, late).todo == 0
    Inbox(session).link(item, incident)
    assert incident_waiting(session, incident, late).overdue == 1


@pytest.mark.parametrize(("closed_days_ago", "linked"), [(None, True), (1, True),
                                                          (30, False)])
async def test_replies_are_tied_to_posts_of_incidents_open_or_recently_closed(
        demo_session: Session, sandbox: Sandbox, site: Site, closed_days_ago: int | None,
        linked: bool) -> None:
    from oncall.incidents import Incidents

    incident = open_demo_incident(demo_session)
    DeliveryRepository(demo_session.store).put_many([Delivery(
        id="P1.corp-masto", post="P1", incident=incident, site=site.id,
        platform="mastodon", text="Road closed", key="k", state="sent",
        remote_id="109901")])
    if closed_days_ago is not None:
        Incidents(demo_session).close(incident, now=T0 - timedelta(days=closed_days_ago))
    sandbox.state.add_inbox(site.id, {"text": "still shut?", "author": "d",
                                      "in_reply_to": "109901"})
    fetched, _ = await fetch(demo_session, site)
    (item,) = fetched.new
    assert (item.incident == incident) is linked
