"""Crisis hold (issue 15), no UI: set by a press officer with a reason, it stops the
scheduler sending what it covers (however late, never marked missed) and refuses a new
post unless confirmed by name; lifted, the held post goes when the officer says so. Only
press officers and Corporate Communications set or lift one; a hold set in one process
is seen by another at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from oncall.crosspost import CrossPoster
from oncall.hold import HoldRefused, Holds
from oncall.model import Delivery
from oncall.platforms.registry import adapter_for
from oncall.sandbox import Sandbox
from oncall.sandbox.state import Fault
from oncall.schedule import Schedule
from oncall.sending import OnHold, Outgoing, SendPath
from oncall.session import open_session
from oncall.vault import Vault
from tests.core.test_schedule import (
    DUE,
    LIBRARY,
    T0,
    TEXT,
    actions,
    home,
    noted,
    run,
    schedule_at,
    scheduled,
)

__all__ = ["home"]  # the fixture, shared


def test_a_hold_stops_the_scheduler_and_lifting_lets_it_go(
        home: tuple[Path, str, Sandbox]) -> None:
    path, incident, sandbox = home
    draft = scheduled(path, incident)
    hold = Holds(open_session(path, "sokafor")).set("silver commander: death confirmed")
    assert run(path, DUE) == [(draft, "held")]
    assert run(path, DUE + timedelta(hours=2)) == [(draft, "held")]  # held, not missed
    assert sandbox.state.posts() == []
    lifted = Holds(open_session(path, "dpritchard"), clock=lambda: DUE + timedelta(hours=2)
                   ).lift(hold.id, "family told")
    assert lifted.hold.lifted_by == "dpritchard"
    assert [d.id for d in lifted.posts] == [draft] and lifted.deliveries == []
    # Its time passed under the hold: marked for the officer, not sent by the next run.
    assert [(d.status, d.id) for d in lifted.posts] == [("held", draft)]
    assert run(path, DUE + timedelta(hours=2)) == []
    assert sandbox.state.posts() == []
    # The officer moves it to now: it goes.
    later = DUE + timedelta(hours=2, minutes=5)
    Schedule(open_session(path, "sokafor"), clock=lambda: later - timedelta(minutes=1)
             ).move(incident, draft, later)
    assert run(path, later) == [(draft, "sent")]
    with pytest.raises(HoldRefused, match="not in force"):
        Holds(open_session(path, "sokafor")).lift(hold.id)


def test_a_hold_covers_only_its_incident_or_area(home: tuple[Path, str, Sandbox]) -> None:
    path, incident, _ = home
    draft = scheduled(path, incident, sites=("corp-x",))
    holds = Holds(open_session(path, "sokafor"))
    holds.set("another incident's commander", "incident:20990101-01")
    holds.set("Wrenmoor only", "area:Wrenmoor")
    assert run(path, DUE) == [(draft, "sent")]


def test_a_new_post_during_a_hold_needs_it_confirmed_by_name(
        home: tuple[Path, str, Sandbox]) -> None:
    path, incident, sandbox = home
    hold = Holds(open_session(path, "sokafor")).set("firearms incident")

    async def send(confirm: str) -> None:
        async with schedule_at(path, T0) as schedule:
            assert schedule.sender is not None
            out = noted(schedule.session, Outgoing(incident, TEXT, ("corp-x",), hold=confirm))
            await schedule.sender.send(out)

    with pytest.raises(OnHold, match=r"CRISIS HOLD on every site since .* by Sarah Okafor"):
        asyncio.run(send(""))
    assert sandbox.state.posts() == []
    asyncio.run(send(hold.id))
    assert len(sandbox.state.posts()) == 1
    confirmed = [e for e in open_session(path, "sokafor").log.entries()
                 if e.action == "hold.confirmed_send"]
    assert [e.subject for e in confirmed] == [hold.id]


@pytest.mark.parametrize("login", ["jashworth", "thale", "gmercer"])
def test_only_press_officers_and_corporate_comms_set_a_hold(
        home: tuple[Path, str, Sandbox], login: str) -> None:
    from oncall.store import ReadOnly

    path, _, _ = home
    with pytest.raises((HoldRefused, ReadOnly)):
        Holds(open_session(path, login)).set("not mine to set")
    assert Holds(open_session(path, "sokafor")).active() == []
    with pytest.raises(HoldRefused, match="Say why"):
        Holds(open_session(path, "rellison")).set("  ")
    assert Holds(open_session(path, "rellison")).set("Corporate Communications")


def test_a_hold_set_in_one_process_is_seen_by_another_at_once(
        home: tuple[Path, str, Sandbox]) -> None:
    path, _, _ = home
    watcher = Holds(open_session(path, "dpritchard"))
    assert watcher.active() == []
    subprocess.run([sys.executable, "-m", "oncall", "--home", str(path), "--user",
                    "sokafor", "hold", "set", "--reason", "gold command"], check=True,
                   capture_output=True, timeout=60)
    (seen,) = watcher.active()  # the next read: no restart, no wait
    assert seen.reason == "gold command" and seen.set_by == "sokafor"


@asynccontextmanager
async def sender_for(path: Path, sleep: Callable[[float], Awaitable[None]],
                     login: str = "sokafor") -> AsyncIterator[SendPath]:
    """The one send path over real HTTP to the sandbox, waiting out rate limits with
    `sleep` (what the test does while the officer's console would wait)."""
    session = open_session(path, login)
    async with httpx.AsyncClient() as client:
        poster = CrossPoster(session, client, Vault.for_session(session), adapter_for,
                             sleep=sleep)
        yield SendPath(session, poster, LIBRARY.templates)


def test_a_hold_set_while_a_delivery_waits_out_a_rate_limit_pauses_it(
        home: tuple[Path, str, Sandbox]) -> None:
    """X says come back in ten minutes; during them Silver calls a hold. The delivery
    is not sent at its retry: it is paused, held, and the lifting officer sends it."""
    path, incident, sandbox = home
    sandbox.inject("corp-x", Fault("rate_limit", retry_after=600, on="post"))
    holds: list[str] = []

    async def meanwhile(seconds: float) -> None:
        assert seconds > 500  # X's reset time, read from its header
        holds.append(Holds(open_session(path, "dpritchard")).set("firearms incident").id)

    async def send() -> list[Delivery]:
        async with sender_for(path, meanwhile) as sender:
            out = noted(sender.session, Outgoing(incident, TEXT, ("corp-x", "corp-masto")))
            return list((await sender.send(out)).deliveries)

    results = {d.site: d for d in asyncio.run(send())}
    assert results["corp-masto"].state == "sent"          # before the hold: it went
    held = results["corp-x"]
    assert held.state == "held" and "CRISIS HOLD" in held.reason and held.owner == ""
    assert [p["account"] for p in sandbox.state.posts()] == ["corp-masto"]
    assert "post.held" in actions(path)

    # During the hold a resend is refused unless the hold is named, as a new post is.
    async def resend(confirm: str = "") -> Delivery:
        async with sender_for(path, meanwhile) as sender:
            return await sender.resend(held, hold=confirm)

    with pytest.raises(OnHold):
        asyncio.run(resend())
    lifted = Holds(open_session(path, "sokafor")).lift(holds[0], "stood down")
    assert [d.id for d in lifted.deliveries] == [held.id] and lifted.posts == []
    assert asyncio.run(resend()).state == "sent"
    assert sorted(p["account"] for p in sandbox.state.posts()) == ["corp-masto", "corp-x"]
    assert Holds(open_session(path, "sokafor")).paused_by(lifted.hold) == []


def test_a_post_sent_through_a_hold_keeps_going_through_its_rate_limit(
        home: tuple[Path, str, Sandbox]) -> None:
    """Confirmed through the hold by name, a post is not paused by that same hold at its
    retry; a second hold, set while it waits, does pause it."""
    path, incident, sandbox = home
    first = Holds(open_session(path, "sokafor")).set("death confirmed")
    later: list[str] = []

    def send(text: str, during_wait: Callable[[], None]) -> Delivery:
        async def wait(seconds: float) -> None:
            during_wait()

        async def go() -> Delivery:
            async with sender_for(path, wait) as sender:
                out = noted(sender.session, Outgoing(incident, text, ("corp-x",),
                                                     hold=first.id))
                [delivery] = (await sender.send(out)).deliveries
                return delivery

        sandbox.inject("corp-x", Fault("rate_limit", retry_after=60, on="post"))
        return asyncio.run(go())

    assert send(TEXT, lambda: None).state == "sent"       # through its wait
    paused = send(TEXT + " Update.", lambda: later.append(
        Holds(open_session(path, "dpritchard")).set("gold command").id))
    assert paused.state == "held" and "gold command" in paused.reason
    assert len(sandbox.state.posts()) == 1

    # Confirming the newest hold confirms both; the officer sends it on.
    async def resend(confirm: str) -> Delivery:
        async with sender_for(path, asyncio.sleep) as sender:
            return await sender.resend(paused, hold=confirm)

    with pytest.raises(OnHold, match="gold command"):
        asyncio.run(resend(first.id))
    assert asyncio.run(resend(later[0])).state == "sent"
    assert len(sandbox.state.posts()) == 2
