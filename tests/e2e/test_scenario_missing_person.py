"""Scenario 1 end to end in a real terminal (tmux at 80x24, keys only): open the
missing-person incident, fill the appeal, record Corporate Communications' approval
given by phone, send to the corporate and area sites while X answers 429 (it waits,
then sends), then mark her found and retract the appeal everywhere."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall.session import open_session
from oncall.timeutil import local
from tests.e2e.tmux import GUARD_SECONDS, HAVE_TMUX, Tmux, oncall

pytestmark = pytest.mark.skipif(not HAVE_TMUX, reason="tmux is not installed "
                                "(.ci/run installs it)")

def last_seen() -> tuple[str, str]:
    """A clock time two hours ago in London, and how the fill screen reads it back.

    The console in tmux runs on the real clock, and the screen reads a bare time as its
    latest past occurrence: "21:00" typed between 21:00 and 21:59 is today, at any other
    hour yesterday. A fixed "21:00" made this test fail for one hour a day, so the time
    is taken from the clock here. A doubled or missing hour (a clock change) would make
    the screen ask which one is meant, so such an hour is stepped over."""
    now = local(datetime.now(UTC))
    seen = now - timedelta(hours=2)
    while local(seen - timedelta(hours=1)).utcoffset() != local(
            seen + timedelta(hours=1)).utcoffset():
        seen -= timedelta(hours=1)
    seen = local(seen)
    day = "today" if seen.date() == now.date() else "yesterday"
    return f"{seen:%H:%M}", f"{seen:%H:%M} {day}"


def appeal(seen: str) -> list[str]:
    return ["Amy Baxter", "14", seen, "the canal towpath near Mill Lane",
            "She is 5ft 2in, slim, with long dark hair.", "0312 of today",
            "https://www.merciavale.police.uk/appeals/amy"]


def sandbox_base(home: Path) -> str:
    """Where the demo's sandbox listens: the demo points every site at it just after its
    first paint, so wait (bounded) for that."""
    deadline = time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline:
        site = open_session(home, "sokafor").sites.get("corp-x")
        assert site is not None
        if site.api_base.startswith("http://127.0.0.1:"):
            return site.api_base.rsplit("/", 1)[0]
        time.sleep(0.05)
    raise AssertionError("the demo never pointed its sites at the sandbox")


def sandbox(base: str, path: str, body: dict[str, object] | None = None) -> object:
    request = urllib.request.Request(
        f"{base}/_sandbox/{path}", method="POST" if body is not None else "GET",
        data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=10) as reply:  # loopback only
        return json.loads(reply.read())


def test_scenario_1_appeal_429_then_found_and_retracted(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    term = Tmux(oncall("demo", "--keep", str(home)), env={"ONCALL_USER": ""})
    try:
        term.wait_for("Log: ✓ verified")
        base = sandbox_base(home)
        sandbox(base, "faults", {"account": "corp-x", "kind": "rate_limit",
                                 "retry_after": 2})
        term.keys("Enter")
        term.wait_for("Next update due")
        term.keys("Down", "f")  # the cursor opens on the first step to do; the appeal is next
        term.wait_for("Save draft")
        typed, read_back = last_seen()
        term.text("\t".join(appeal(typed)))
        term.wait_for(read_back)  # the time read back
        term.keys("F6")  # compose from the draft
        term.wait_for("Sites: Space ticks")
        term.wait_for("BLOCK")  # local pages need Corporate Communications first
        term.keys("C-o")
        term.wait_for("Who in Corporate Communications approved it?")
        term.keys("Enter")
        term.wait_for("How and when did they approve it")
        term.text("by phone 02:55, appeal authorised")
        term.keys("Enter")
        term.wait_gone("How and when did they approve it")
        term.wait_for("appeal.local_needs_corporate:")  # shown with the post-to-be
        term.keys("C-g")
        term.wait_for("No warnings to acknowledge")  # the photo is not attached here
        term.keys("F5")
        term.wait_for("Send now?")
        term.keys("y")
        term.wait_gone("Send now?")
        term.wait_for("⏸ waiting")  # X said 429: oncall waits, then sends again
        shown = term.wait_for("Post: ")
        assert "✗ FAILED" not in shown and "? UNKNOWN" not in shown, shown
        posts = sandbox(base, "posts")
        assert isinstance(posts, list)
        accounts = sorted(p["account"] for p in posts)
        assert "corp-x" in accounts and "brk-north-fb" in accounts
        assert len(accounts) == len(set(accounts))  # one post per site
        term.keys("Escape")
        term.wait_for("Next update due")
        term.keys("Down", "Down", "Down", "Down", "Down", "Down")  # the stand-down step
        term.keys("Space")
        term.wait_for("Stand down: retract the appeal?")
        term.keys("y")
        term.wait_gone("Stand down: retract the appeal?")
        term.wait_for("Missing person found: thank you")  # then the thank-you template
        posts = sandbox(base, "posts")
        assert isinstance(posts, list)
        assert [p["account"] for p in posts if not p["deleted"]] == []  # gone everywhere
        log = [e.action for e in open_session(home, "sokafor").log.entries()]
        assert log.count("post.retracted") == len(accounts)
        term.keys("Escape")
        term.wait_for("Next update due")
        term.keys("Escape")
        term.wait_for("Open incidents")
        term.keys("q")
        term.wait_for("EXIT=0")
    finally:
        term.close()
