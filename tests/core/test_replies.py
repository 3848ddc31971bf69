"""Acknowledging messages from the public through the sandbox, no screen: the template
reaches each network once, in the message's thread (a direct message directly), even
when two officers press at the same moment; failures are kept, an unknown outcome is
decided by the officer, never sent blind again (issue 13)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from oncall.crosspost import CrossPoster
from oncall.inbox import Inbox
from oncall.inboxrecords import ACK_TARGET, InboxItem, overdue, waiting
from oncall.incidents import Incidents
from oncall.model import Delivery, Site
from oncall.platforms.base import StaticTokens, sandbox_token
from oncall.platforms.registry import adapter_for
from oncall.playbooks import load_library
from oncall.postrecords import DeliveryRepository
from oncall.replies import Acknowledger, AlreadyHandled
from oncall.resources import shipped_dir
from oncall.sandbox import Sandbox
from oncall.sandbox.state import Fault
from oncall.sending import NotAllowed, SendPath
from oncall.session import Session, open_session
from tests.conftest import point_at_sandbox

LIBRARY = load_library(shipped_dir("playbooks"))
REFERENCE = "512 of 4 December"


@asynccontextmanager
async def acknowledger(session: Session) -> AsyncIterator[Acknowledger]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=1.0)) as client:
        poster = CrossPoster(session, client, StaticTokens(default=sandbox_token), adapter_for)
        yield Acknowledger(SendPath(session, poster, LIBRARY.templates))


@pytest.fixture
def sites(demo_session: Session, sandbox: Sandbox) -> dict[str, Site]:
    point_at_sandbox(demo_session, sandbox)
    return {s.id: s for s in demo_session.sites.all()}


@pytest.fixture
def incident(demo_session: Session) -> str:
    return Incidents(demo_session).open(LIBRARY.playbooks["road-collision"],
                                        "Fatal collision, A34", reference=REFERENCE).id


async def arrive(session: Session, sandbox: Sandbox, site: Site,
                 **message: Any) -> InboxItem:
    """One message sent to `site` on its network, fetched into the inbox."""
    sandbox.state.add_inbox(site.id, {"author": "driver", **message})
    async with httpx.AsyncClient(timeout=5.0) as client:
        fetched = await Inbox(session).fetch(
            site, adapter_for(site, client, StaticTokens(default=sandbox_token)))
    assert not fetched.problem, fetched.problem
    (item,) = [i for i in fetched.new if i.text == message["text"]]
    return item


def replies(sandbox: Sandbox, site: str) -> list[dict[str, Any]]:
    return [p for p in sandbox.state.posts(site) if not p["deleted"]]


@pytest.mark.parametrize("site_id", ["corp-fb", "corp-x", "corp-masto", "corp-bsky",
                                     "corp-yt"])
async def test_each_network_gets_the_acknowledgement_once_in_the_thread(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site], incident: str,
        site_id: str) -> None:
    site = sites[site_id]
    item = await arrive(demo_session, sandbox, site, text="When does the A34 reopen?")
    await asyncio.to_thread(Inbox(demo_session).link, item, incident)
    async with acknowledger(demo_session) as acks:
        done = await acks.acknowledge(item)
    assert (done.state, done.ack_state, done.ack_by) == ("acknowledged", "sent", "sokafor")
    assert done.ack_template == "common-ack-incident" and REFERENCE in done.ack_text
    (reply,) = replies(sandbox, site.id)
    assert reply["text"] == done.ack_text and reply["id"] == done.ack_id
    parent = {"corp-fb": reply["extra"].get("parent"),
              "corp-x": reply["extra"].get("in_reply_to"),
              "corp-masto": reply["extra"].get("in_reply_to_id"),
              "corp-bsky": reply["extra"].get("record", {}).get("reply", {})
              .get("parent", {}).get("uri"),
              "corp-yt": reply["extra"].get("parent")}[site_id]
    assert parent == item.remote_id
    (entry,) = [e for e in demo_session.log.entries() if e.action == "inbox.acknowledged"]
    assert entry.subject == item.id and entry.incident == incident
    assert entry.details["reply"] == done.ack_id and entry.details["seconds"] >= 0
    assert done.ack_text not in str(entry.details)  # the log says what, not the words


@pytest.mark.parametrize("site_id", ["corp-masto", "corp-x", "corp-fb"])
async def test_a_direct_message_is_answered_directly(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site], site_id: str) -> None:
    site = sites[site_id]
    item = await arrive(demo_session, sandbox, site, text="he's here now, he has a knife",
                        kind="dm", author="scared")
    assert item.kind == "dm" and item.emergency
    async with acknowledger(demo_session) as acks:
        plan = await asyncio.to_thread(acks.plan, item)
        done = await acks.acknowledge(item)
    assert plan.direct and plan.how == "direct message"
    assert plan.template.id == "common-ack"  # no incident: the wording without a number
    (reply,) = replies(sandbox, site.id)
    assert "999" in reply["text"] and done.ack_text == reply["text"]
    if site_id == "corp-masto":  # a direct status, addressed to them
        assert reply["extra"]["visibility"] == "direct"
        assert reply["text"].startswith("@scared ")
    elif site_id == "corp-x":  # a direct message in their conversation with the account
        assert reply["extra"]["dm_to"] == item.ref["participant"]
        assert done.ack_id == reply["id"]
    else:  # Messenger: sent to their page-scoped id
        assert reply["extra"]["dm_to"] == item.ref["psid"] == "scared"
        assert done.ack_id == reply["id"]


async def test_messenger_refuses_an_answer_after_24_hours_and_it_is_kept_failed(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    from datetime import timedelta

    from oncall.timeutil import utcnow

    site = sites["corp-fb"]
    item = await arrive(demo_session, sandbox, site, text="are you there?", kind="dm",
                        author="late", created_at=(utcnow() - timedelta(hours=25)).isoformat())
    async with acknowledger(demo_session) as acks:
        failed = await acks.acknowledge(item)
    assert failed.ack_state == "failed" and "within 24 hours" in failed.ack_problem
    assert replies(sandbox, site.id) == []


async def test_two_officers_pressing_together_send_one_reply(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    site = sites["corp-x"]
    item = await arrive(demo_session, sandbox, site, text="Is the road still shut?")
    sandbox.state.inject(site.id, Fault("latency", seconds=0.3, on="post"))
    other = open_session(demo_session.paths.home, "dpritchard")
    async with acknowledger(demo_session) as mine, acknowledger(other) as theirs:
        outcomes = await asyncio.gather(mine.acknowledge(item), theirs.acknowledge(item),
                                        return_exceptions=True)
    sent = [o for o in outcomes if isinstance(o, InboxItem)]
    refused = [o for o in outcomes if isinstance(o, AlreadyHandled)]
    assert len(sent) == 1 and len(refused) == 1, outcomes
    assert sent[0].ack_by in refused[0].message or "acknowledg" in refused[0].message
    assert len(replies(sandbox, site.id)) == 1
    # ... and a third press later is told who did it and when.
    async with acknowledger(other) as late:
        with pytest.raises(AlreadyHandled, match="Already acknowledged by"):
            await late.acknowledge(item)
    assert len(replies(sandbox, site.id)) == 1


async def test_a_refusal_is_kept_and_the_retry_sends_once(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    site = sites["corp-bsky"]
    item = await arrive(demo_session, sandbox, site, text="I have dashcam footage")
    sandbox.state.inject(site.id, Fault("server_error", on="post"))
    async with acknowledger(demo_session) as acks:
        failed = await acks.acknowledge(item)
        assert (failed.state, failed.ack_state) == ("new", "failed")
        assert "Bluesky" in failed.ack_problem and replies(sandbox, site.id) == []
        assert failed.ack_key
        done = await acks.acknowledge(failed)
    assert done.ack_state == "sent" and done.ack_key == failed.ack_key
    assert len(replies(sandbox, site.id)) == 1
    actions = [e.action for e in demo_session.log.entries() if e.subject == item.id]
    assert actions[-2:] == ["inbox.ack_failed", "inbox.acknowledged"]


async def test_an_unknown_outcome_is_never_sent_blind_and_the_officer_decides(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    site = sites["corp-x"]  # X has no idempotency key: a second try could post twice
    item = await arrive(demo_session, sandbox, site, text="Any news on the road?")
    sandbox.state.inject(site.id, Fault("timeout", seconds=3, on="post"))
    async with acknowledger(demo_session) as acks:
        unknown = await acks.acknowledge(item)
        assert unknown.ack_state == "unknown" and unknown.state == "new"
        assert len(replies(sandbox, site.id)) == 1  # it did land
        with pytest.raises(AlreadyHandled, match="may have reached"):
            await acks.acknowledge(unknown)
        decided = await acks.decide(unknown, went=True)
        with pytest.raises(AlreadyHandled):
            await acks.decide(unknown, went=False)
    assert (decided.state, decided.ack_state) == ("acknowledged", "sent")
    assert len(replies(sandbox, site.id)) == 1


async def test_no_right_on_the_site_sends_nothing(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    site = sites["corp-masto"]
    item = await arrive(demo_session, sandbox, site, text="Why was my road closed?")
    monitor = open_session(demo_session.paths.home, "gmercer")  # Professional Standards
    from oncall.store import ReadOnly

    async with acknowledger(monitor) as acks:
        with pytest.raises(ReadOnly, match="read-only"):
            await acks.acknowledge(item)
    assert replies(sandbox, site.id) == []
    kept = Inbox(demo_session).items.get(item.id, item.site)
    assert kept is not None and kept.ack_state == "" and kept.state == "new"


async def test_a_closed_message_and_a_missing_number_are_refused(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    site = sites["corp-masto"]
    item = await arrive(demo_session, sandbox, site, text="spam spam")
    async with acknowledger(demo_session) as acks:
        with pytest.raises(NotAllowed, match="link the message"):
            await acks.acknowledge(item, "common-ack-incident")  # no incident linked
        closed = await asyncio.to_thread(Inbox(demo_session).close, item, "spam")
        with pytest.raises(AlreadyHandled, match="closed"):
            await acks.acknowledge(closed)
    assert replies(sandbox, site.id) == []


async def test_an_acknowledged_message_is_no_longer_waiting_or_overdue(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    site = sites["corp-x"]
    item = await arrive(demo_session, sandbox, site, text="I saw the car before the crash")
    later = item.sent_at + ACK_TARGET * 2
    assert item.needs_action and overdue(item, later)
    assert waiting(demo_session.store, [site.id], later).overdue == 1
    async with acknowledger(demo_session) as acks:
        done = await acks.acknowledge(item)
    assert not overdue(done, later) and done.time_to_ack is not None
    assert waiting(demo_session.store, [site.id], later).todo == 0


async def test_a_reply_to_the_forces_post_is_linked_and_quotes_its_number(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site],
        incident: str) -> None:
    site = sites["corp-masto"]
    DeliveryRepository(demo_session.store).put_many([Delivery(
        id="P1.corp-masto", post="P1", incident=incident, site=site.id,
        platform="mastodon", text="The A34 is closed", key="k", state="sent",
        remote_id="109900")])
    item = await arrive(demo_session, sandbox, site, text="when will it reopen??",
                        in_reply_to="109900")
    async with acknowledger(demo_session) as acks:
        templates = await asyncio.to_thread(acks.templates_for, item)
        done = await acks.acknowledge(item)
    assert [t.id for t in templates][:3] == ["common-ack-incident", "common-ack",
                                             "common-road-reply"]
    assert REFERENCE in done.ack_text


async def test_a_reply_template_is_sent_with_the_blanks_the_officer_filled(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site]) -> None:
    """Scenario 2: the driver asking when the road reopens gets the road closure reply."""
    site = sites["corp-x"]
    item = await arrive(demo_session, sandbox, site, text="When does the A34 reopen??")
    road = LIBRARY.templates["common-road-reply"]
    async with acknowledger(demo_session) as acks:
        blanks = await asyncio.to_thread(acks.blanks, item, road)
        assert [b.name for b in blanks] == ["road", "updates_url"]
        with pytest.raises(NotAllowed, match="Where updates are posted"):
            await acks.acknowledge(item, road.id, {"road": "the A34 Stone Road"})
        assert replies(sandbox, site.id) == []
        done = await acks.acknowledge(item, road.id, {
            "road": "the A34 Stone Road",
            "updates_url": "https://www.merciavale.police.uk/travel"})
    assert done.ack_template == "common-road-reply" and done.ack_state == "sent"
    (reply,) = replies(sandbox, site.id)
    assert "the A34 Stone Road is closed" in reply["text"]
    assert reply["extra"]["in_reply_to"] == item.remote_id


async def test_an_acknowledgements_wording_cannot_be_changed_by_values(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site],
        incident: str) -> None:
    site = sites["corp-masto"]
    item = await arrive(demo_session, sandbox, site, text="road?")
    await asyncio.to_thread(Inbox(demo_session).link, item, incident)
    async with acknowledger(demo_session) as acks:
        plan = await asyncio.to_thread(acks.plan, item, "common-ack-incident",
                                       {"incident_number": "made up"})
    assert REFERENCE in plan.text and "made up" not in plan.text


async def test_a_full_disk_after_the_reply_went_leaves_it_to_be_checked_never_resent(
        demo_session: Session, sandbox: Sandbox, sites: dict[str, Site],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from oncall.crosspost import StorageFault
    from oncall.inboxrecords import undecided

    site = sites["corp-x"]
    item = await arrive(demo_session, sandbox, site, text="is the road shut?")

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    async with acknowledger(demo_session) as acks:
        with monkeypatch.context() as patched:
            patched.setattr(Acknowledger, "_sent", disk_full)
            with pytest.raises(StorageFault, match="look on the site"):
                await acks.acknowledge(item)
        kept = Inbox(demo_session).items.get(item.id, item.site)
        assert kept is not None and undecided(kept)
        with pytest.raises(AlreadyHandled, match="may have reached"):
            await acks.acknowledge(kept)
    assert len(replies(sandbox, site.id)) == 1
