"""`oncall bench`: the performance figures quoted in issue notes.

Each figure is measured here, printed, and never asserted in a test (timings
depend on the machine). Run `oncall bench` on the comms host to see its own.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from oncall.actionlog import GENESIS, ActionLog, seal
from oncall.model import Site
from oncall.store import SiteRepository, Store

CORE_MODULES = ("oncall.config", "oncall.model", "oncall.store", "oncall.actionlog",
                "oncall.staff", "oncall.session", "oncall.overview", "oncall.registry")


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_core_import(runs: int = 5) -> float:
    """Median seconds to import the domain core in a fresh interpreter."""
    code = ("import time; t = time.perf_counter(); import " + ", ".join(CORE_MODULES)
            + "; print(time.perf_counter() - t)")
    samples = [float(subprocess.run([sys.executable, "-c", code], check=True,
                                    capture_output=True, text=True).stdout)
               for _ in range(runs)]
    return statistics.median(samples)


def bench_first_paint(runs: int = 3) -> float:
    """Median seconds from building the app to its first paint (on_ready) at 80x24."""
    from oncall.demo import DEMO_USER, build_demo
    from oncall.session import open_session
    from oncall.ui.app import make_app

    async def once(home: Path) -> float:
        app = make_app(open_session(home, DEMO_USER))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
        assert app.first_paint_seconds is not None
        return app.first_paint_seconds

    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        build_demo(Path(tmp))
        for _ in range(runs):
            samples.append(asyncio.run(once(Path(tmp))))
    return statistics.median(samples)


def prefill_log(directory: Path, count: int) -> None:
    """Write `count` valid chained entries fast (one write, no per-entry fsync)."""
    prev, lines = GENESIS, []
    at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    for seq in range(1, count + 1):
        entry = seal({"seq": seq, "at": at, "actor": "bench", "role": "Press Officer",
                      "action": "bench.prefill", "incident": None, "subject": f"s{seq}",
                      "details": {"n": seq}, "prev": prev})
        prev = entry["hash"]
        lines.append(json.dumps(entry, separators=(",", ":")))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{datetime.now(UTC):%Y-%m}.jsonl").write_text("\n".join(lines) + "\n")
    (directory / "HEAD").write_text(f"{count} {prev}\n")


def bench_log_append(size: int, appends: int = 200) -> tuple[float, float]:
    """(p50, p99) seconds per durable append to a log already holding `size` entries."""
    with tempfile.TemporaryDirectory() as tmp:
        log = ActionLog(Path(tmp) / "log")
        prefill_log(log.dir, size)
        samples = _timed(appends, lambda i: log.append(
            "bench", "Press Officer", "bench.append", subject=f"a{i}", details={"i": i}))
        if not log.verify().ok:  # the prefill and the appends must form one chain
            raise RuntimeError("benchmark log failed verification")
    return _pct(samples, 0.5), _pct(samples, 0.99)


def bench_store_insert(size: int, inserts: int = 30) -> tuple[float, float]:
    """(p50, p99) seconds to insert one record into a kind already holding `size`."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = SiteRepository(Store(Path(tmp)))
        repo.put_many([_site(i) for i in range(size)])
        samples = _timed(inserts, lambda i: repo.put(_site(size + i)))
    return _pct(samples, 0.5), _pct(samples, 0.99)


def bench_policy(runs: int = 30) -> tuple[float, float]:
    """(p50, p99) seconds to check a 2,000-character post against the demo's 20 sites."""
    from oncall.demo import DEMO_USER, build_demo
    from oncall.policy import Post, check
    from oncall.session import open_session

    sentence = ("Officers remain at the scene near Mill Lane, Brackenford, and the road is "
                "closed between the A34 and Station Road while enquiries continue. ")
    text = (sentence * (2000 // len(sentence) + 1))[:1940] + \
        " https://www.merciavale.police.uk/news"
    with tempfile.TemporaryDirectory() as tmp:
        build_demo(Path(tmp), with_incident=False)
        session = open_session(Path(tmp), DEMO_USER)
        sites = session.sites.all()
        post = Post(text=text, sites=sites, people=list(session.directory.people.values()),
                    force=session.settings.force, policy=session.settings.policy,
                    renditions={s.id: text[:270] for s in sites if s.platform in ("x",
                                                                                  "bluesky")})
        check(post)  # compile the patterns once, as a running app would have
        samples = _timed(runs, lambda _: check(post))
    return _pct(samples, 0.5), _pct(samples, 0.99)


def bench_fanout(latency: float = 0.2) -> tuple[int, float]:
    """(sites, seconds) for one post to every demo text site through the local sandbox,
    each site answering after `latency` seconds: about `latency` if the fan-out is
    concurrent, sites x latency if it were not."""
    from dataclasses import replace

    import httpx

    from oncall.crosspost import CrossPoster
    from oncall.demo import DEMO_USER, build_demo
    from oncall.platforms.registry import adapter_for
    from oncall.sandbox import Sandbox
    from oncall.sandbox.state import Fault
    from oncall.session import open_session
    from oncall.vault import Vault

    with tempfile.TemporaryDirectory() as tmp, Sandbox(port=0) as sandbox:
        build_demo(Path(tmp))
        session = open_session(Path(tmp), DEMO_USER)
        sites = [replace(s, api_base=sandbox.base_for(s.platform))
                 for s in session.sites.all() if s.platform != "youtube"]
        incident = session.incidents.all()[0].id
        for site in sites:
            sandbox.inject(site.id, Fault("latency", seconds=latency))

        async def once() -> float:
            async with httpx.AsyncClient() as client:
                # The demo's vault holds no tokens: sandbox sites get the sandbox's own.
                poster = CrossPoster(session, client, Vault.for_session(session), adapter_for)
                start = time.perf_counter()
                results = await poster.send(incident, "Bench post "
                                            "https://www.merciavale.police.uk/news", sites)
                elapsed = time.perf_counter() - start
            if {d.state for d in results} != {"sent"}:
                raise RuntimeError("benchmark fan-out did not send everywhere")
            return elapsed

        return len(sites), asyncio.run(once())


def _site(i: int) -> Site:
    return Site(id=f"site-{i}", platform="facebook", name=f"Neighbourhood page {i}",
                handle=f"page{i}", tier="local", area="Bench", owner="bench")


def _timed(n: int, fn: Callable[[int], object]) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


def run_bench(quick: bool = False, posting: str | None = None) -> None:
    """Measure everything and print one line per figure; with `posting` (the path of that
    command), its start beside ours, and our starts as a fraction of it."""
    log_sizes = (1_000, 10_000) if quick else (10_000, 100_000)
    store_sizes = (100, 1_000) if quick else (1_000, 10_000)
    print(f"oncall bench ({'quick' if quick else 'full'}; python {sys.version.split()[0]})")
    print(f"core import (fresh interpreter, median of 5): {_ms(bench_core_import())}")
    print(f"dashboard first paint at 80x24 (on_ready, median of 3): "
          f"{_ms(bench_first_paint())}")
    from oncall.ui.bench_terminal import bench_keystroke, bench_startups, start_ratios, summarise

    starts_by_name = bench_startups(3 if quick else 5, posting)
    for name, starts in starts_by_name.items():
        print(f"whole process, fork to first usable screen in an 80x24 pty, {name}: "
              f"{summarise(starts)}")
    print(start_ratios(starts_by_name))
    counts, findings = bench_keystroke(15 if quick else 40)
    print(f"keystroke on compose (20 sites) to the frame with every count: "
          f"p50 {_ms(_pct(counts, 0.5))}  p90 {_ms(_pct(counts, 0.9))}")
    print(f"keystroke on compose (20 sites) to the frame with the findings: "
          f"p50 {_ms(_pct(findings, 0.5))}  p90 {_ms(_pct(findings, 0.9))}")
    for size in log_sizes:
        p50, p99 = bench_log_append(size)
        print(f"log append, durable, at {size:>7,} entries: p50 {_ms(p50)}  p99 {_ms(p99)}")
    count, seconds = bench_fanout()
    print(f"fan-out, {count} sites via the sandbox, each answering in 200 ms: "
          f"{_ms(seconds)} in all (sequential would be {count * 200} ms)")
    p50, p99 = bench_policy()
    print(f"policy check, 2,000-char post x 20 sites: p50 {_ms(p50)}  p99 {_ms(p99)}")
    for size in store_sizes:
        p50, p99 = bench_store_insert(size)
        print(f"store insert at {size:>6,} records: p50 {_ms(p50)}  p99 {_ms(p99)}")
    from oncall.bench_inbox import print_inbox_bench

    print_inbox_bench(2_000 if quick else 10_000)
