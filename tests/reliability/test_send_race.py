"""Two processes, one home, the same draft or the same failed deliveries in the same
moment: over real HTTP to the sandbox, each site ends with exactly one post."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oncall.crosspost import DeliveryRepository, PostRepository
from oncall.incidents import DraftRepository
from oncall.model import Delivery, Draft, PostRecord
from oncall.sandbox import Sandbox
from oncall.session import open_session
from oncall.timeutil import utcnow
from tests.conftest import open_demo_incident, point_at_sandbox

LINK = "https://www.merciavale.police.uk/news/road"
# Networks without idempotency keys, so a double send would show as two posts.
SITES = ("corp-fb", "corp-x", "corp-x-roads")
ROUNDS = 100

# A worker: opens the home once, then for each line "send DRAFT TEXT" or "retry POST"
# does it through the one send path and prints one JSON line with what it was told.
WORKER = r"""
import asyncio, json, sys
import httpx
from oncall.crosspost import CrossPoster
from oncall.platforms.registry import adapter_for
from oncall.playbooks import load_library
from oncall.resources import shipped_dir
from oncall.sending import AlreadySent, Outgoing, SendPath
from oncall.session import open_session
from oncall.vault import Vault

home, incident, sites = sys.argv[1], sys.argv[2], tuple(sys.argv[3].split(","))
session = open_session(home, "sokafor")
templates = load_library(shipped_dir("playbooks")).templates

async def main():
    async with httpx.AsyncClient() as client:
        sender = SendPath(session, CrossPoster(session, client, Vault.for_session(session),
                                               adapter_for), templates)
        print("ready", flush=True)
        for line in sys.stdin:
            verb, arg, *rest = line.rstrip("\n").split(" ", 2)
            try:
                if verb == "send":
                    result = await sender.send(Outgoing(incident, rest[0], sites, draft=arg))
                    told = {"sent": {d.site: d.state for d in result.deliveries}}
                else:
                    done = await sender.retry_failed(incident, arg)
                    told = {"sent": {d.site: d.state for d in done}}
            except AlreadySent as exc:
                told = {"already": exc.draft.sent_by}
            print(json.dumps(told), flush=True)

asyncio.run(main())
"""


@pytest.fixture
def race(demo_home: Path, child_env: dict[str, str]):  # type: ignore[no-untyped-def]
    with Sandbox(port=0) as sandbox:
        session = open_session(demo_home, "sokafor")
        point_at_sandbox(session, sandbox)
        incident = open_demo_incident(session, "missing-high-risk", "Collision")
        children = [subprocess.Popen(
            [sys.executable, "-c", WORKER, str(demo_home), incident, ",".join(SITES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=child_env, text=True) for _ in range(2)]
        try:
            for child in children:
                assert child.stdout is not None
                line = child.stdout.readline().strip()
                assert line == "ready", child.stderr.read() if child.stderr else line

            def both(line: str) -> list[dict[str, object]]:
                # Written to both before either is read: the two arrive within a few ms.
                for child in children:
                    assert child.stdin is not None
                    child.stdin.write(line + "\n")
                    child.stdin.flush()
                out = []
                for child in children:
                    assert child.stdout is not None
                    reply = child.stdout.readline()
                    assert reply, child.stderr.read() if child.stderr else "no reply"
                    out.append(json.loads(reply))
                return out

            yield session, incident, sandbox, both
        finally:
            for child in children:
                if child.stdin:
                    child.stdin.close()
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def test_two_processes_sending_one_draft_post_once(race) -> None:  # type: ignore[no-untyped-def]
    session, incident, sandbox, both = race
    drafts = DraftRepository(session.store)
    for n in range(ROUNDS):
        text = f"Round {n}: the A34 is closed. {LINK}"
        drafts.put(Draft(id=f"d{n}", incident=incident, created_by="sokafor",
                         created_at=utcnow(), updated_at=utcnow(), body=text,
                         acknowledged={}))
        replies = both(f"send d{n} {text}")
        sent = [r for r in replies if "sent" in r]
        assert len(sent) == 1, (n, replies)
        assert sent[0]["sent"] == dict.fromkeys(SITES, "sent")
        assert [r for r in replies if "already" in r] == [{"already": "sokafor"}]
    for site in SITES:
        texts = [p["text"] for p in sandbox.state.posts(site)]
        assert len(texts) == ROUNDS == len(set(texts)), site


def test_two_processes_retrying_the_same_failures_send_each_once(race) -> None:  # type: ignore[no-untyped-def]
    session, incident, sandbox, both = race
    posts, deliveries = PostRepository(session.store), DeliveryRepository(session.store)
    rounds = ROUNDS // 4
    for n in range(rounds):
        text = f"Retry {n}: the A34 is closed. {LINK}"
        post = PostRecord(id=f"p{n}", incident=incident, author="sokafor",
                          created_at=utcnow(), body=text, sites=list(SITES))
        posts.put(post)
        deliveries.put_many([Delivery(
            id=f"p{n}.{site}", post=post.id, incident=incident, site=site,
            platform=site.split("-")[1], text=text, key=f"k{n}{site}", state="failed",
            reason="scripted failure") for site in SITES])
        replies = both(f"retry p{n}")
        # A process whose claim lost reports the delivery as it then stood, which may
        # already be `sent` by the other: what each site received is the evidence, and
        # the attempt count says only one claim was ever won.
        for site in SITES:
            got = [p for p in sandbox.state.posts(site) if p["text"] == text]
            assert len(got) == 1, (n, site, replies)
        stored = {d.site: d for d in deliveries.all(incident) if d.post == post.id}
        assert {s: (d.state, d.attempts) for s, d in stored.items()} == \
            dict.fromkeys(SITES, ("sent", 1)), (n, replies)
        assert all(state in ("sent", "sending") for r in replies
                   for state in r["sent"].values()), (n, replies)  # type: ignore[union-attr]
    for site in SITES:
        texts = [p["text"] for p in sandbox.state.posts(site)]
        assert len(texts) == rounds == len(set(texts)), site
