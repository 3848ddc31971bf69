"""`oncall bench`: reading a backlog of messages from every demo site at once, through
the local sandbox and the real adapters, keeping and triaging each (issue 13).

What a console's first poll meets after a viral moment: thousands of messages waiting
across the force's pages. The figure is one round's wall time and the process's peak
memory, and it checks that every message was kept exactly once.
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from oncall.demo_inbox import DEMO_MESSAGES


@dataclass(frozen=True)
class InboxFigures:
    messages: int
    sites: int
    kept: int
    rounds: int
    seconds: float
    peak_rss_mib: float
    rss_growth_mib: float
    need_action: int


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_inbox(total: int = 10_000) -> InboxFigures:
    """Queue `total` messages across the demo's sites in the sandbox, then read them all
    as the console's poller does (every site at once), until a round finds nothing."""
    import httpx

    from oncall.demo import DEMO_USER, build_demo
    from oncall.inbox import Inbox
    from oncall.platforms.registry import adapter_for, prepare_adapters
    from oncall.sandbox import Sandbox
    from oncall.session import open_session
    from oncall.timeutil import utcnow
    from oncall.vault import Vault

    with tempfile.TemporaryDirectory() as tmp, Sandbox(port=0) as sandbox:
        home = Path(tmp)
        build_demo(home, with_incident=False)
        session = open_session(home, DEMO_USER)
        sites = [replace(s, api_base=sandbox.base_for(s.platform))
                 for s in session.sites.all()]
        session.sites.put_many(sites)
        start = utcnow() - timedelta(hours=2)
        for n in range(total):
            site = sites[n % len(sites)]
            _, _, author, name, kind, text, image = DEMO_MESSAGES[n % len(DEMO_MESSAGES)]
            direct = kind == "dm" and site.platform in ("mastodon", "x", "facebook")
            sandbox.state.add_inbox(site.id, {
                "text": f"{text} ({n})", "author": f"{author}{n}", "author_name": name,
                "kind": "dm" if direct else "mention", "image": image,
                "created_at": (start + timedelta(seconds=n * 0.5)).isoformat()})
        prepare_adapters({s.platform for s in sites})
        before = _rss_mib()

        async def read() -> tuple[int, int, float]:
            inbox = Inbox(session)
            tokens = Vault.for_session(session)  # sandbox sites get the sandbox's tokens
            kept = rounds = 0
            began = time.perf_counter()
            async with httpx.AsyncClient(timeout=30.0) as client:
                while True:
                    rounds += 1
                    results = await asyncio.gather(*(
                        inbox.fetch(s, adapter_for(s, client, tokens)) for s in sites))
                    problems = [r.problem for r in results if r.problem]
                    if problems:
                        raise RuntimeError(f"benchmark inbox read failed: {problems[0]}")
                    found = sum(len(r.new) for r in results)
                    kept += found
                    if not found or rounds > 50:
                        break
            return kept, rounds, time.perf_counter() - began

        kept, rounds, seconds = asyncio.run(read())
        stored = Inbox(session).all()
        if len(stored) != kept or len({i.id for i in stored}) != kept:
            raise RuntimeError("benchmark inbox kept a message twice")
        return InboxFigures(total, len(sites), kept, rounds, seconds, _rss_mib(),
                            _rss_mib() - before, sum(i.needs_action for i in stored))


def print_inbox_bench(total: int) -> None:
    """One line per figure, for `oncall bench`."""
    f = bench_inbox(total)
    lost = f" ({f.messages - f.kept} NOT KEPT)" if f.kept != f.messages else ""
    print(f"inbox: {f.messages:,} queued messages across {f.sites} sites, fetched, kept "
          f"once and triaged in {f.rounds - 1} round(s): {f.seconds:.2f} s "
          f"({f.kept / f.seconds:,.0f} messages/s), kept {f.kept:,}{lost}, "
          f"{f.need_action:,} need action")
    print(f"inbox: peak RSS {f.peak_rss_mib:.0f} MiB (grew {f.rss_growth_mib:.0f} MiB "
          "while reading)")


__all__ = ["InboxFigures", "bench_inbox", "print_inbox_bench"]
