"""The one send path, called directly (no screen): checks, rights, the draft claim, faults."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from oncall.actionlog import ActionLog
from oncall.crosspost import RATE_LIMIT_RETRIES, DeliveryRepository, PostRepository
from oncall.incidents import DraftRepository, Incidents
from oncall.model import Draft, Site
from oncall.platforms.base import Failure, PublishError
from oncall.platforms.registry import adapter_for as real_adapter_for
from oncall.playbooks import load_library
from oncall.postrecords import unresolved
from oncall.resources import shipped_dir
from oncall.secret import Secret
from oncall.sending import AlreadySent, Blocked, NotAllowed, Outgoing, SendPath
from oncall.session import Session, open_session
from oncall.store import StoreError
from oncall.timeutil import utcnow
from tests.core.test_crosspost import Harness

LINK = "https://www.merciavale.police.uk/news/road"
TEXT = f"The A34 at Mill Lane is closed after a collision. Please avoid the area. {LINK}"
CORPORATE = ("corp-fb", "corp-x", "corp-masto", "corp-bsky")
LIBRARY = load_library(shipped_dir("playbooks"))


@pytest.fixture
def incident_id(demo_session: Session) -> str:
    playbook = LIBRARY.playbooks["missing-high-risk"]
    return Incidents(demo_session).open(playbook, "Collision, A34").id


def path_for(session: Session, scripts: dict[str, list[object]] | None = None,
             ) -> tuple[SendPath, Harness]:
    harness = Harness(session, scripts or {})
    return SendPath(session, harness.poster, LIBRARY.templates), harness


def published(h: Harness) -> dict[str, int]:
    return {site: len(a.calls) for site, a in h.adapters.items() if a.calls}


def actions(session: Session) -> list[str]:
    return [e.action for e in session.log.entries()]


async def test_sends_and_claims_the_draft(demo_session: Session, incident_id: str) -> None:
    sender, _ = path_for(demo_session)
    result = await sender.send(Outgoing(incident_id, TEXT, CORPORATE, draft="d1"))
    assert [d.state for d in result.deliveries] == ["sent"] * 4
    draft = DraftRepository(demo_session.store).get("d1", incident_id)
    assert draft is not None and draft.status == "sent" and draft.post == result.post
    assert draft.sent_by == "sokafor"


async def test_a_blocked_text_is_refused_before_anything_is_recorded(
        demo_session: Session, incident_id: str) -> None:
    sender, h = path_for(demo_session)
    before = actions(demo_session)
    with pytest.raises(Blocked) as caught:
        await sender.send(Outgoing(incident_id, f"DC Liam Carver attended. {LINK}", CORPORATE))
    assert caught.value.rule == "people.sensitive_role"
    assert "people.sensitive_role" in caught.value.message
    assert h.adapters == {} and actions(demo_session) == before
    assert PostRepository(demo_session.store).all(incident_id) == []


async def test_the_exact_text_is_judged_not_the_last_check(
        demo_session: Session, incident_id: str) -> None:
    """A screen's last check passed on earlier wording; what is sent is judged afresh."""
    sender, h = path_for(demo_session)
    assert sender.judge(Outgoing(incident_id, TEXT, CORPORATE)).may_send
    with pytest.raises(Blocked):
        await sender.send(Outgoing(incident_id, TEXT + " Thanks to Liam Carver.", CORPORATE))
    assert h.adapters == {}


async def test_unacknowledged_warning_is_refused(demo_session: Session,
                                                 incident_id: str) -> None:
    sender, _ = path_for(demo_session)
    with pytest.raises(Blocked) as caught:
        await sender.send(Outgoing(incident_id, "The A34 is closed. Avoid the area.",
                                   CORPORATE))
    assert caught.value.rule == "link.no_force_site"


@pytest.mark.parametrize(("login", "sites", "rule"), [
    # Professional Standards: tests/core/test_oversight.py (refused before any check).
    ("thale", ("corp-fb",), "refused.corporate"),
    ("thale", ("wren-fb",), "refused.not_local"),
    ("lcarver", ("corp-x",), "refused.corporate"),
])
async def test_a_sender_without_the_right_is_refused(demo_home: Path, login: str,
                                                     sites: tuple[str, ...], rule: str) -> None:
    session = open_session(demo_home, login)
    incident = Incidents(session).open(LIBRARY.playbooks["missing-high-risk"], "Collision")
    sender, h = path_for(session)
    with pytest.raises(NotAllowed) as caught:
        await sender.send(Outgoing(incident.id, TEXT, sites))
    assert caught.value.rule == rule
    assert h.adapters == {}
    assert "post.queued" not in actions(session)


async def test_a_local_owner_posts_on_their_own_area(demo_home: Path) -> None:
    session = open_session(demo_home, "thale")
    incident = Incidents(session).open(LIBRARY.playbooks["missing-high-risk"], "Collision")
    sender, _ = path_for(session)
    text = TEXT + " Report crime on 101, or 999 in an emergency."
    result = await sender.send(Outgoing(incident.id, text, ("brk-north-fb", "brk-south-fb")))
    assert {d.state for d in result.deliveries} == {"sent"}


async def test_a_closed_incident_takes_no_post(demo_session: Session, incident_id: str) -> None:
    Incidents(demo_session).close(incident_id, "road reopened")
    sender, h = path_for(demo_session)
    with pytest.raises(NotAllowed) as caught:
        await sender.send(Outgoing(incident_id, TEXT, CORPORATE))
    assert caught.value.rule == "incident.closed" and h.adapters == {}


async def test_proceedings_made_active_after_the_check_block_the_send(
        demo_session: Session, incident_id: str) -> None:
    sender, h = path_for(demo_session)
    text = f"The man who attacked the victim has a history of violence. {LINK}"
    assert not sender.judge(Outgoing(incident_id, text, CORPORATE)).verdict.blocking
    Incidents(demo_session).set_proceedings_active(incident_id, True, "charged")
    with pytest.raises(Blocked) as caught:
        await sender.send(Outgoing(incident_id, text, CORPORATE))
    assert caught.value.rule == "court.prejudicial" and h.adapters == {}


async def test_a_second_send_of_one_draft_is_told_who_sent_it(
        demo_session: Session, incident_id: str) -> None:
    sender, h = path_for(demo_session)
    first = await sender.send(Outgoing(incident_id, TEXT, CORPORATE, draft="d2"))
    with pytest.raises(AlreadySent) as caught:
        await sender.send(Outgoing(incident_id, TEXT, CORPORATE, draft="d2"))
    assert caught.value.draft.post == first.post
    assert "already sent by sokafor" in caught.value.message
    assert published(h) == dict.fromkeys(CORPORATE, 1)


async def test_a_site_always_answering_429_gives_up_and_the_rest_go(
        demo_session: Session, incident_id: str) -> None:
    limited = PublishError(Failure.RATE_LIMITED, "Mercia Vale Police (X): rate limited",
                           status=429, retry_after=2)
    sender, h = path_for(demo_session, {"corp-x": [limited] * 100})
    result = await sender.send(Outgoing(incident_id, TEXT, CORPORATE))
    states = {d.site: d.state for d in result.deliveries}
    assert states == {"corp-fb": "sent", "corp-x": "failed", "corp-masto": "sent",
                      "corp-bsky": "sent"}
    assert len(h.adapters["corp-x"].calls) == RATE_LIMIT_RETRIES + 1
    reason = next(d.reason for d in result.deliveries if d.site == "corp-x")
    assert "still limited" in reason and "Retry later" in reason


async def test_a_rate_limit_longer_than_the_cap_fails_at_once(
        demo_session: Session, incident_id: str) -> None:
    limited = PublishError(Failure.RATE_LIMITED, "X: rate limited", status=429,
                           retry_after=3600)
    sender, h = path_for(demo_session, {"corp-x": [limited]})
    result = await sender.send(Outgoing(incident_id, TEXT, ("corp-x",)))
    assert result.deliveries[0].state == "failed" and h.slept == []


class NonAsciiTokens:
    async def token_for(self, site: Site) -> Secret:
        return Secret("pässwörd" if site.id == "corp-x" else "ascii-token")


async def test_a_non_ascii_token_fails_that_site_only(demo_session: Session,
                                                      incident_id: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        path = request.url.path
        if "createSession" in path:
            return httpx.Response(200, json={"accessJwt": "a", "refreshJwt": "r",
                                             "did": "did:plc:x", "handle": "h"})
        if "createRecord" in path:
            return httpx.Response(200, json={"uri": "at://did:plc:x/app.bsky.feed.post/1",
                                             "cid": "c"})
        return httpx.Response(200, json={"id": "1", "url": "https://m.example/1",
                                         "data": {"id": "1"}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        from oncall.crosspost import CrossPoster

        poster = CrossPoster(demo_session, client, NonAsciiTokens(), real_adapter_for)
        sender = SendPath(demo_session, poster, LIBRARY.templates)
        result = await sender.send(Outgoing(incident_id, TEXT, ("corp-x", "corp-masto")))
    by_site = {d.site: d for d in result.deliveries}
    assert by_site["corp-x"].state == "failed"
    assert "cannot be sent in a request" in by_site["corp-x"].reason
    assert "pässwörd" not in by_site["corp-x"].reason + by_site["corp-x"].raw
    assert by_site["corp-masto"].state == "sent"
    stored = {d.site: d.state for d in DeliveryRepository(demo_session.store).all(incident_id)}
    assert stored == {"corp-x": "failed", "corp-masto": "sent"}  # nothing left `sending`


async def test_an_adapter_bug_is_that_site_unknown(demo_session: Session,
                                                   incident_id: str) -> None:
    sender, h = path_for(demo_session, {"corp-fb": [KeyError("id")]})
    # Scripted raises only PublishError; give it a raw exception through a wrapper.
    original = h.poster.adapter_for

    def factory(site: Site, client: httpx.AsyncClient, tokens: object) -> object:
        adapter = original(site, client, tokens)  # type: ignore[arg-type]
        if site.id == "corp-fb":
            async def broken(rendition: object) -> object:
                raise KeyError("id")
            adapter.publish = broken  # type: ignore[attr-defined, method-assign]
        return adapter

    h.poster.adapter_for = factory  # type: ignore[assignment]
    result = await sender.send(Outgoing(incident_id, TEXT, CORPORATE))
    states = {d.site: d.state for d in result.deliveries}
    assert states["corp-fb"] == "unknown" and "KeyError" in next(
        d.reason for d in result.deliveries if d.site == "corp-fb")
    assert [states[s] for s in CORPORATE[1:]] == ["sent"] * 3


# --- a full disk at each write of a fan-out ------------------------------------------

class DiskFull:
    """Fails the n-th store write or log append (counting both) with ENOSPC, then every
    one after it until `space_returns`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
        self.n, self.count, self.full = n, 0, False
        import oncall.store as store

        real_write: Callable[..., None] = store.atomic_write
        real_append = ActionLog.append_many

        def write(*args: object, **kwargs: object) -> None:
            self._tick()
            real_write(*args, **kwargs)

        def append(log: ActionLog, *args: object, **kwargs: object) -> object:
            self._tick()
            return real_append(log, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(store, "atomic_write", write)
        monkeypatch.setattr(ActionLog, "append_many", append)  # every log write goes here

    def _tick(self) -> None:
        self.count += 1
        if self.full or self.count == self.n:
            self.full = True
            raise OSError(errno.ENOSPC, "No space left on device", "/home/oncall/data")

    def space_returns(self) -> None:
        self.full, self.n = False, -1


WRITES_IN_A_FAN_OUT = 40  # more than a 4-site send makes, so every write gets its turn


@pytest.mark.parametrize("n", range(1, WRITES_IN_A_FAN_OUT + 1))
async def test_a_full_disk_at_any_write_loses_nothing_and_sends_nothing_twice(
        demo_session: Session, incident_id: str, monkeypatch: pytest.MonkeyPatch,
        n: int) -> None:
    sender, h = path_for(demo_session)
    DraftRepository(demo_session.store).put(Draft(
        id="d3", incident=incident_id, created_by="sokafor", created_at=utcnow(),
        updated_at=utcnow(), body=TEXT))
    disk = DiskFull(monkeypatch, n)
    out = Outgoing(incident_id, TEXT, CORPORATE, draft="d3")
    reported: dict[str, str] = {}
    try:
        result = await sender.send(out)
    except (StoreError, OSError) as exc:  # pragma: no cover - the failure under test
        pytest.fail(f"write {n}: a raw storage error escaped the send path: {exc!r}")
    except Exception as exc:
        assert type(exc).__name__ == "StorageFault", f"write {n}: {exc!r}"
        assert "disk is full" in str(exc)
    else:
        reported = {d.site: "unrecorded" if d.unrecorded else d.state
                    for d in result.deliveries}
    disk.space_returns()
    counts = published(h)
    # What was reported sent went out exactly once; nothing else went out twice.
    for site, state in reported.items():
        if state == "sent":
            assert counts.get(site) == 1, (n, site)
    assert all(c == 1 for c in counts.values()), (n, counts)
    # Once space returns, the officer's ways forward never repeat a post: sending the
    # draft again, retrying the failed, and deciding each undecided delivery.
    posts = PostRepository(demo_session.store).all(incident_id)
    try:
        again = await sender.send(out)
    except AlreadySent:
        pass
    else:
        assert not posts or not any(
            d.state != "cancelled" for d in DeliveryRepository(demo_session.store)
            .all(incident_id) if d.post != again.post), (n, "draft sent twice")
        posts = PostRepository(demo_session.store).all(incident_id)
    for post in posts:
        await sender.retry_failed(incident_id, post.id)
    for delivery in unresolved(demo_session):
        went_out = published(h).get(delivery.site, 0) > 0
        await sender.decide(delivery, posted=went_out)
    for post in posts:
        await sender.retry_failed(incident_id, post.id)
    final = published(h)
    assert all(c == 1 for c in final.values()), (n, final)
    assert set(final) == set(CORPORATE), (n, final)


async def test_who_posts_anywhere_comes_from_config(demo_home: Path) -> None:
    config = demo_home / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") +
                      '\n[rights]\npost_anywhere = ["web_comms"]\n', encoding="utf-8")
    session = open_session(demo_home, "sokafor")  # a press officer, not listed
    incident = Incidents(session).open(LIBRARY.playbooks["missing-high-risk"], "Collision")
    sender, h = path_for(session)
    with pytest.raises(NotAllowed) as caught:
        await sender.send(Outgoing(incident.id, TEXT, ("corp-fb",)))
    assert caught.value.rule == "refused.corporate" and h.adapters == {}
