"""Crisis hold (issue 15), no UI: set by a press officer with a reason, it stops the
scheduler sending what it covers (however late, never marked missed) and refuses a new
post unless confirmed by name; lifted, the held post goes when the officer says so. Only
press officers and Corporate Communications set or lift one; a hold set in one process
is seen by another at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from oncall.hold import HoldRefused, Holds
from oncall.sandbox import Sandbox
from oncall.schedule import Schedule
from oncall.sending import OnHold, Outgoing
from oncall.session import open_session
from tests.core.test_schedule import DUE, T0, TEXT, home, noted, run, schedule_at, scheduled

__all__ = ["home"]  # the fixture, shared


def test_a_hold_stops_the_scheduler_and_lifting_lets_it_go(
        home: tuple[Path, str, Sandbox]) -> None:
    path, incident, sandbox = home
    draft = scheduled(path, incident)
    hold = Holds(open_session(path, "sokafor")).set("silver commander: death confirmed")
    assert run(path, DUE) == [(draft, "held")]
    assert run(path, DUE + timedelta(hours=2)) == [(draft, "held")]  # held, not missed
    assert sandbox.state.posts() == []
    lifted, held = Holds(open_session(path, "dpritchard")).lift(hold.id, "family told")
    assert lifted.lifted_by == "dpritchard" and [d.id for d in held] == [draft]
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

    with pytest.raises(OnHold, match="CRISIS HOLD on every site"):
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
