"""The issue's proof, over real HTTP: faults on several sites, Send, Retry failed, and no
duplicate anywhere; a SIGKILL mid-fan-out leaves an outbox that nothing re-sends by itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from oncall.crosspost import CrossPoster, DeliveryRepository
from oncall.incidents import Incidents
from oncall.model import Site
from oncall.platforms.registry import adapter_for
from oncall.playbooks import load_library
from oncall.postrecords import unresolved
from oncall.resources import shipped_dir
from oncall.sandbox import Sandbox
from oncall.sandbox.state import Fault
from oncall.session import Session, open_session
from oncall.vault import Vault
from tests.conftest import point_at_sandbox

LINK = "https://www.merciavale.police.uk/news/canal"
TEXT = f"The canal towpath at Mill Lane is closed while officers carry out enquiries. {LINK}"


@pytest.fixture
def sandbox() -> Sandbox:
    with Sandbox(port=0) as box:
        yield box


def point_at(session: Session, sandbox: Sandbox) -> list[Site]:
    return point_at_sandbox(session, sandbox)


def open_incident(session: Session) -> str:
    playbook = load_library(shipped_dir("playbooks")).playbooks["missing-high-risk"]
    return Incidents(session).open(playbook, "Canal towpath closed").id


async def test_faults_then_retry_leave_exactly_one_post_per_site(
        demo_session: Session, sandbox: Sandbox) -> None:
    sites = point_at(demo_session, sandbox)
    incident = open_incident(demo_session)
    faults = {"corp-x": Fault("rate_limit", retry_after=1),
              "corp-fb": Fault("server_error"),
              "corp-masto": Fault("timeout", seconds=1.0),   # stored, reply too late
              "brk-north-fb": Fault("drop"),                # stored, connection cut
              "wren-x": Fault("timeout", seconds=1.0)}
    for account, fault in faults.items():
        sandbox.inject(account, fault)
    for slow in ("corp-bsky", "stow-fb", "carrow-fb"):
        sandbox.inject(slow, Fault("latency", seconds=0.3))
    timeout = httpx.Timeout(connect=2.0, read=0.5, write=2.0, pool=2.0)
    async with httpx.AsyncClient(timeout=timeout) as client:
        poster = CrossPoster(demo_session, client, Vault.for_session(demo_session), adapter_for)
        first = {d.site: d for d in await poster.send(incident, TEXT, sites)}
        assert first["corp-x"].state == "sent", first["corp-x"]  # waited for Retry-After, then sent
        assert first["corp-fb"].state == "failed"        # a 500: safe to retry
        assert first["brk-north-fb"].state == "unknown"  # may have posted: officer decides
        assert first["wren-x"].state == "unknown"
        # Mastodon takes an Idempotency-Key, so its timeout was retried with the same key.
        assert first["corp-masto"].state == "sent"
        again = await poster.retry_failed(incident, first["corp-x"].post, sites)
        assert [(d.site, d.state) for d in again] == [("corp-fb", "sent")]

    posted: dict[str, int] = {}
    for post in sandbox.posts(live_only=True):
        posted[post["account"]] = posted.get(post["account"], 0) + 1
    for site in sites:
        if site.id in ("brk-north-fb", "wren-x"):
            assert posted.get(site.id) == 1  # it did post: the screen marks it for a decision
        else:
            assert posted.get(site.id) == 1, site.id
    assert {d.site for d in unresolved(demo_session)} == {"brk-north-fb", "wren-x"}


async def test_retract_everywhere_removes_every_copy(demo_session: Session,
                                                     sandbox: Sandbox) -> None:
    sites = point_at(demo_session, sandbox)[:6]
    incident = open_incident(demo_session)
    async with httpx.AsyncClient() as client:
        poster = CrossPoster(demo_session, client, Vault.for_session(demo_session), adapter_for)
        sent = await poster.send(incident, TEXT, sites)
        assert {d.state for d in sent} == {"sent"}
        assert len(sandbox.posts(live_only=True)) == len(sites)
        gone = await poster.retract_everywhere(incident, sent[0].post, sites, "found safe")
    assert {d.state for d in gone} == {"retracted"}
    assert sandbox.posts(live_only=True) == []


CHILD = """
import asyncio, sys, httpx
from oncall.crosspost import CrossPoster
from oncall.vault import Vault
from oncall.platforms.registry import adapter_for
from oncall.session import open_session

home, incident, text = sys.argv[1], sys.argv[2], sys.argv[3]
session = open_session(home, "sokafor")
sites = [s for s in session.sites.all() if s.platform != "youtube"]

async def main():
    async with httpx.AsyncClient(timeout=30) as client:
        poster = CrossPoster(session, client, Vault.for_session(session), adapter_for)
        await poster.send(incident, text, sites)

asyncio.run(main())
"""


def test_sigkill_mid_fan_out_leaves_an_outbox_nothing_resends(
        demo_session: Session, demo_home: Path, sandbox: Sandbox) -> None:
    sites = point_at(demo_session, sandbox)
    incident = open_incident(demo_session)
    for site in sites:  # every site answers slowly, so the kill lands mid-send
        sandbox.inject(site.id, Fault("latency", seconds=5.0))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(demo_home), incident, TEXT],
                             env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    repo = DeliveryRepository(demo_session.store)
    deadline = time.monotonic() + 30  # a guard against hanging, not a timing check
    while time.monotonic() < deadline:
        states = [d.state for d in repo.all(incident)]
        if states and states.count("sending") >= 3:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    sandbox.clear_faults()

    left = unresolved(demo_session)
    assert left, "the crash left no delivery to decide on"
    assert all(d.state in ("queued", "sending") for d in left)
    before = json.dumps(sandbox.posts(), sort_keys=True)
    # Restarting oncall (a new session) only lists them; it sends nothing by itself.
    open_session(demo_home, "sokafor")
    time.sleep(0.2)
    assert json.dumps(sandbox.posts(), sort_keys=True) == before
    assert {d.id for d in unresolved(demo_session)} == {d.id for d in left}


async def test_a_site_always_rate_limited_gives_up_and_the_sandbox_holds_what_was_said(
        demo_session: Session, sandbox: Sandbox) -> None:
    from oncall.crosspost import RATE_LIMIT_RETRIES
    from oncall.sending import Outgoing, SendPath

    point_at(demo_session, sandbox)
    incident = open_incident(demo_session)
    sandbox.inject("corp-x", Fault("rate_limit", retry_after=30, times=-1))
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:  # driven, not slept: the test stays fast
        waits.append(seconds)

    async with httpx.AsyncClient() as client:
        poster = CrossPoster(demo_session, client, Vault.for_session(demo_session),
                             adapter_for, sleep=no_wait)
        sender = SendPath(demo_session, poster, load_library(shipped_dir("playbooks")).templates)
        result = await sender.send(Outgoing(incident, TEXT, ("corp-x", "corp-fb")))
    states = {d.site: d.state for d in result.deliveries}
    assert states == {"corp-x": "failed", "corp-fb": "sent"}
    assert len(waits) == RATE_LIMIT_RETRIES and all(25 < w <= 31 for w in waits)
    assert [p["account"] for p in sandbox.posts()] == ["corp-fb"]
