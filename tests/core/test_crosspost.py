"""The cross-post engine with scripted adapters: states, retries, decisions, retraction."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from oncall.crosspost import CrossPoster, DeliveryRepository
from oncall.incidents import Incidents
from oncall.model import Delivery, Site
from oncall.platforms.base import Failure, PublishError, RemotePost, Rendition, TokenSource
from oncall.playbooks import load_library
from oncall.postrecords import unresolved
from oncall.resources import shipped_dir
from oncall.session import Session


@dataclass
class Scripted:
    """An adapter that plays a script of outcomes, one per publish call."""

    site: Site
    script: list[object]
    idempotent: bool = False
    platform: str = "x"
    calls: list[Rendition] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    in_flight: int = 0
    peak: list[int] = field(default_factory=lambda: [0])
    retract_error: PublishError | None = None

    async def publish(self, rendition: Rendition) -> RemotePost:
        self.calls.append(rendition)
        self.in_flight += 1
        Scripted.global_in_flight += 1
        Scripted.global_peak = max(Scripted.global_peak, Scripted.global_in_flight)
        try:
            if Scripted.barrier is not None:
                # Concurrency check: every site must be in flight at once to pass here.
                Scripted.arrived += 1
                if Scripted.arrived == Scripted.expected:
                    Scripted.barrier.set()
                await asyncio.wait_for(Scripted.barrier.wait(), 5)
            outcome = self.script.pop(0) if self.script else "ok"
            if isinstance(outcome, PublishError):
                raise outcome
            n = len(self.calls)
            return RemotePost(f"{self.site.id}-{n}", f"https://example.test/{self.site.id}/{n}")
        finally:
            self.in_flight -= 1
            Scripted.global_in_flight -= 1

    async def retract(self, remote_id: str) -> None:
        if self.retract_error:
            raise self.retract_error
        self.retracted.append(remote_id)

    global_in_flight = 0
    global_peak = 0
    barrier: asyncio.Event | None = None
    arrived = 0
    expected = 0


class Harness:
    def __init__(self, session: Session, scripts: dict[str, list[object]],
                 idempotent: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.session = session
        self.adapters: dict[str, Scripted] = {}
        self.scripts = scripts
        self.idempotent = idempotent
        self.slept: list[float] = []
        self.changes: list[Delivery] = []

        async def fake_sleep(seconds: float) -> None:
            self.slept.append(seconds)

        def factory(site: Site, client: httpx.AsyncClient, tokens: TokenSource) -> Scripted:
            adapter = Scripted(site, list(self.scripts.get(site.id, [])),
                               idempotent=site.id in self.idempotent)
            self.adapters[site.id] = adapter
            return adapter

        self.poster = CrossPoster(session, httpx.AsyncClient(), tokens=None,  # type: ignore[arg-type]
                                  adapter_for=factory, sleep=fake_sleep,
                                  on_change=self.changes.append)


@pytest.fixture
def incident_id(demo_session: Session) -> str:
    playbook = load_library(shipped_dir("playbooks")).playbooks["missing-high-risk"]
    return Incidents(demo_session).open(playbook, "Missing girl").id


@pytest.fixture
def sites(demo_session: Session) -> list[Site]:
    return [s for s in demo_session.sites.all() if s.tier == "corporate"
            and s.platform != "youtube"][:5]


def actions(session: Session) -> Iterator[str]:
    return (e.action for e in session.log.entries())


def err(kind: Failure, **kw: object) -> PublishError:
    return PublishError(kind, f"scripted {kind.value}", **kw)  # type: ignore[arg-type]


async def test_all_sent_with_links_and_every_transition_logged(
        demo_session: Session, incident_id: str, sites: list[Site]) -> None:
    h = Harness(demo_session, {})
    results = await h.poster.send(incident_id, "Road closed.", sites)
    assert [d.state for d in results] == ["sent"] * len(sites)
    assert all(d.url.startswith("https://example.test/") for d in results)
    logged = list(actions(demo_session))
    assert logged.count("post.queued") == 1
    assert logged.count("post.sending") == len(sites) and logged.count("post.sent") == len(sites)
    stored = DeliveryRepository(demo_session.store).all(incident_id)
    assert {d.state for d in stored} == {"sent"}
    # Watchers saw each delivery go sending -> sent.
    assert [c.state for c in h.changes if c.site == sites[0].id] == ["sending", "sent"]


async def test_fan_out_is_concurrent(demo_session: Session, incident_id: str,
                                     sites: list[Site]) -> None:
    Scripted.global_peak, Scripted.arrived, Scripted.expected = 0, 0, len(sites)
    Scripted.barrier = asyncio.Event()
    try:
        h = Harness(demo_session, {})
        results = await h.poster.send(incident_id, "Road closed.", sites)
    finally:
        Scripted.barrier = None
    assert Scripted.global_peak == len(sites)
    assert {d.state for d in results} == {"sent"}


async def test_rate_limit_waits_for_retry_after_then_sends(
        demo_session: Session, incident_id: str, sites: list[Site]) -> None:
    x = sites[1]
    h = Harness(demo_session, {x.id: [err(Failure.RATE_LIMITED, retry_after=660.0)]})
    results = {d.site: d for d in await h.poster.send(incident_id, "Appeal", sites)}
    assert results[x.id].state == "sent" and results[x.id].attempts == 2
    assert h.slept == [660.0]
    waiting = [c for c in h.changes if c.site == x.id and c.state == "waiting"]
    assert waiting and "oncall sends it again at" in waiting[0].reason
    assert "post.waiting" in actions(demo_session)


async def test_rate_limit_beyond_the_bound_fails(demo_session: Session, incident_id: str,
                                                 sites: list[Site]) -> None:
    h = Harness(demo_session, {sites[0].id: [err(Failure.RATE_LIMITED, retry_after=7200.0)]})
    [first, *_] = await h.poster.send(incident_id, "Appeal", sites)
    assert first.state == "failed" and h.slept == []


async def test_server_error_retried_only_where_safe(demo_session: Session, incident_id: str,
                                                    sites: list[Site]) -> None:
    a, b, c = sites[:3]
    h = Harness(demo_session, {a.id: [err(Failure.SERVER, status=500)],
                               b.id: [err(Failure.SERVER, status=503)],
                               c.id: [err(Failure.SERVER, status=500)]}, idempotent={c.id})
    results = {d.site: d for d in await h.poster.send(incident_id, "Update", [a, b, c])}
    assert results[a.id].state == "failed"            # a 500 may have posted: no auto-retry
    assert results[b.id].state == "sent"              # a 503 did not reach the app
    assert results[c.id].state == "sent"              # idempotent network: retry is harmless
    assert len(h.adapters[a.id].calls) == 1 and len(h.adapters[b.id].calls) == 2


async def test_unknown_is_never_retried_without_idempotency(
        demo_session: Session, incident_id: str, sites: list[Site]) -> None:
    a, b = sites[:2]
    h = Harness(demo_session, {a.id: [err(Failure.UNKNOWN)], b.id: [err(Failure.UNKNOWN)]},
                idempotent={b.id})
    results = {d.site: d for d in await h.poster.send(incident_id, "Update", [a, b])}
    assert results[a.id].state == "unknown" and len(h.adapters[a.id].calls) == 1
    assert results[b.id].state == "sent"
    keys = {r.key for r in h.adapters[b.id].calls}
    assert len(h.adapters[b.id].calls) == 2 and len(keys) == 1  # same key both times
    assert [d.site for d in unresolved(demo_session)] == [a.id]


async def test_retry_failed_resends_only_failed(demo_session: Session, incident_id: str,
                                                sites: list[Site]) -> None:
    a, b, c = sites[:3]
    h = Harness(demo_session, {a.id: [err(Failure.REJECTED)], b.id: [err(Failure.UNKNOWN)]})
    results = await h.poster.send(incident_id, "Update", [a, b, c])
    post_id = results[0].post
    again = await h.poster.retry_failed(incident_id, post_id, [a, b, c])
    assert [(d.site, d.state) for d in again] == [(a.id, "sent")]
    assert len(h.adapters[b.id].calls) == 1 and len(h.adapters[c.id].calls) == 1
    assert "post.retry" in actions(demo_session)


async def test_officer_decides_an_unknown(demo_session: Session, incident_id: str,
                                          sites: list[Site]) -> None:
    a = sites[0]
    h = Harness(demo_session, {a.id: [err(Failure.UNKNOWN)]})
    [d] = await h.poster.send(incident_id, "Update", [a])
    d = await h.poster.decide(d, posted=False, note="not on the page")
    assert d.state == "failed"
    [d] = await h.poster.retry_failed(incident_id, d.post, [a])
    assert d.state == "sent"
    logged = list(actions(demo_session))
    assert "post.confirmed_not_posted" in logged


async def test_retract_everywhere_reports_each_site(demo_session: Session, incident_id: str,
                                                    sites: list[Site]) -> None:
    h = Harness(demo_session, {})
    results = await h.poster.send(incident_id, "Appeal", sites[:3])
    h.adapters[sites[2].id].retract_error = err(Failure.SERVER, status=500)
    retracted = {d.site: d.state for d in await h.poster.retract_everywhere(
        incident_id, results[0].post, sites[:3], "found safe")}
    assert retracted == {sites[0].id: "retracted", sites[1].id: "retracted",
                         sites[2].id: "retract_failed"}
    assert h.adapters[sites[0].id].retracted == [f"{sites[0].id}-1"]
    logged = list(actions(demo_session))
    assert logged.count("post.retracted") == 2 and "post.retract_failed" in logged


async def test_crash_leaves_undecided_deliveries_listed(
        demo_session: Session, incident_id: str, sites: list[Site]) -> None:
    repo = DeliveryRepository(demo_session.store)
    dead = f"{socket.gethostname()}:999999"  # this host, a pid that is not running
    repo.put(Delivery(id="p1.a", post="p1", incident=incident_id, site=sites[0].id,
                      platform="x", text="t", key="k", state="sending", owner=dead))
    repo.put(Delivery(id="p1.b", post="p1", incident=incident_id, site=sites[1].id,
                      platform="x", text="t", key="k", state="sent"))
    assert [d.id for d in unresolved(demo_session)] == ["p1.a"]
