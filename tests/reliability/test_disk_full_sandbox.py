"""A full disk at each write of a fan-out, over real HTTP: whatever write fails, the
sandbox ends holding exactly one post per site once space returns and the officer
has gone through the outbox, and never more; what was reported sent is there."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path

import httpx
import pytest

from oncall.crosspost import CrossPoster, StorageFault
from oncall.incidents import DraftRepository
from oncall.model import Draft
from oncall.platforms.registry import adapter_for
from oncall.playbooks import load_library
from oncall.postrecords import unresolved
from oncall.postview import posts_of
from oncall.resources import shipped_dir
from oncall.sandbox import Sandbox
from oncall.sending import AlreadySent, Outgoing, SendPath
from oncall.session import open_session
from oncall.timeutil import utcnow
from oncall.vault import Vault
from tests.conftest import open_demo_incident, point_at_sandbox
from tests.core.test_sending import TEXT, WRITES_IN_A_FAN_OUT, DiskFull

SITES = ("corp-fb", "corp-x", "corp-masto", "corp-bsky")
TEMPLATES = load_library(shipped_dir("playbooks")).templates


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    with Sandbox(port=0) as box:
        yield box


@pytest.mark.parametrize("n", range(1, WRITES_IN_A_FAN_OUT + 1))
async def test_a_full_disk_at_any_write_over_real_http(
        demo_home: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    sandbox.state.reset()
    session = open_session(demo_home, "sokafor")
    point_at_sandbox(session, sandbox)
    incident = open_demo_incident(session)
    DraftRepository(session.store).put(Draft(
        id="d", incident=incident, created_by="sokafor", created_at=utcnow(),
        updated_at=utcnow(), body=TEXT))
    out = Outgoing(incident, TEXT, SITES, draft="d")
    async with httpx.AsyncClient() as client:
        sender = SendPath(session, CrossPoster(session, client, Vault.for_session(session),
                                               adapter_for), TEMPLATES)
        disk = DiskFull(monkeypatch, n)
        reported: dict[str, str] = {}
        try:
            result = await sender.send(out)
        except StorageFault as exc:
            assert "disk is full" in str(exc)
        else:
            reported = {d.site: "unrecorded" if d.unrecorded else d.state
                        for d in result.deliveries}
        disk.space_returns()
        held = Counter(p["account"] for p in sandbox.posts())
        assert all(held[s] == 1 for s, state in reported.items() if state == "sent"), n
        assert all(c == 1 for c in held.values()), (n, held)
        # Space is back: the officer sends the draft again if it is still theirs, then
        # works through the outbox, checking each site before deciding.
        with contextlib.suppress(AlreadySent):
            await sender.send(out)
        for delivery in unresolved(session):
            went_out = Counter(p["account"] for p in sandbox.posts())[delivery.site] > 0
            if went_out:
                await sender.decide(delivery, posted=True)
            else:
                await sender.resend(delivery)
        for post in posts_of(session, incident):
            await sender.retry_failed(incident, post.id)
    held = Counter(p["account"] for p in sandbox.posts())
    assert held == dict.fromkeys(SITES, 1), (n, held)
