"""`oncall bench --full`: the figures that must stay flat as history grows, measured on
a generated year (oncall.scale). Printed, never asserted: they depend on the machine."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from oncall.bench import _pct, _timed
from oncall.scale import BIG, MARKER, QUICK, YearSize, build_year


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextlib.contextmanager
def _year_home(directory: Path | None, size: YearSize) -> Iterator[Path]:
    """The year's home: reused from `directory` when it was built there before."""
    if directory is not None and (directory / MARKER).exists():
        yield directory
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = directory or Path(tmp) / "year"
        start = time.perf_counter()
        build_year(home, size)
        print(f"  generated in {time.perf_counter() - start:.0f} s")
        yield home


def _child_run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak resident MiB, first line) of one CLI run in a fresh process."""
    # VmHWM, not ru_maxrss: Linux carries a forking parent's peak over into the child's
    code = ("import sys, time; from oncall.cli import main; t = time.perf_counter(); "
            "rc = main(sys.argv[1:]); e = time.perf_counter() - t; "
            "hwm = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]; "
            "print('BENCH', e, hwm, file=sys.stderr); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          env=env, check=False)
    line = next(x for x in done.stderr.splitlines() if x.startswith("BENCH"))
    _, seconds, rss = line.split()
    text = (done.stdout or done.stderr).splitlines()[0]
    return float(seconds), int(rss) / 1024, text


def run_year_bench(directory: Path | None = None, quick: bool = False) -> None:
    """Build (or reuse) the year's home and print each figure."""
    size = QUICK if quick else YearSize()
    print(f"oncall bench --full: a generated year ({size.label()})")
    with _year_home(directory, size) as home:
        print(f"  home {home}: {_du(home) / 1_048_576:.0f} MiB "
              f"(data {_du(home / 'data') / 1_048_576:.0f} MiB, "
              f"log {_du(home / 'log') / 1_048_576:.0f} MiB)")
        with tempfile.TemporaryDirectory() as state:
            os.environ["XDG_STATE_HOME"] = state  # one account's checkpoints throughout
            _verify(home, state)
            _appends(home)
            _store(home)
            _fanout(home)
            _search(home)
            _screens(home)


# What officers type into the History screen: rare and common words, sites, time phrases.
SEARCHES = ("update 17 on incident 123", "brackenford", "area 4 last month",
            "road closure since 1/11", "corp-x between 1 and 3 March", "no such words here",
            "sent", "Okafor yesterday")


def _search(home: Path) -> None:
    """The History screen's search over the whole year: the first ever (every incident's
    posts read from the store), a new run of the app (the index kept on disk), and each
    search once both are done."""
    import shutil

    from oncall.search import SearchIndex
    from oncall.session import open_session
    from oncall.timeutil import utcnow

    session = open_session(home, "sokafor")
    shutil.rmtree(session.paths.data / ".search", ignore_errors=True)
    start = time.perf_counter()
    _, hits = SearchIndex(session).everything()
    first = time.perf_counter() - start
    start = time.perf_counter()
    index = SearchIndex(session)
    index.everything()
    kept = time.perf_counter() - start
    now = utcnow()
    samples = []
    for query in SEARCHES:
        samples.append(min(_timed(3, lambda _: index.search(query, now))))  # noqa: B023
    print(f"search over the year ({len(hits):,} posts, messages and incidents): "
          f"p50 {_ms(_pct(samples, 0.5))}, slowest {_ms(max(samples))} over "
          f"{len(SEARCHES)} searches; a new run's first search {_ms(kept)} (the index "
          f"kept on disk); the first ever, reading every post, {first:.1f} s")


def _verify(home: Path, state: str) -> None:
    from oncall.scale import pin_keys

    pin_keys(home)  # a home built before keys were pinned
    env = {**os.environ, "ONCALL_HOME": str(home), "XDG_STATE_HOME": state,
           "ONCALL_USER": "sokafor"}
    seconds, rss, text = _child_run(["log", "verify", "--full"], env)
    print(f"log verify --full (chain, every signature, anchors): {seconds:.1f} s, "
          f"peak {rss:.0f} MiB: {text}")
    seconds, rss, text = _child_run(["log", "verify"], env)
    print(f"log verify after this account's checkpoint (what the console runs at start): "
          f"{seconds:.2f} s, peak {rss:.0f} MiB")
    with tempfile.TemporaryDirectory() as fresh:
        other = {**env, "XDG_STATE_HOME": fresh, "ONCALL_USER": "mkowalski"}
        seconds, rss, text = _child_run(["log", "verify"], other)
        print(f"log verify by another account, never run before, from sokafor's attested "
              f"walk: {seconds:.2f} s, peak {rss:.0f} MiB: {text}")


def _appends(home: Path) -> None:
    from oncall.session import open_session

    session = open_session(home, "sokafor")
    samples = _timed(100, lambda i: session.record("bench.append", details={"i": i}))
    print(f"log append, signed and durable, on the year's log: "
          f"p50 {_ms(_pct(samples, 0.5))}  p99 {_ms(_pct(samples, 0.99))}")
    session.record("bench.big", details={"blob": "x" * (3 << 20)})
    samples = _timed(100, lambda i: session.record("bench.after_big", details={"i": i}))
    print(f"log append after a 3 MB entry: p50 {_ms(_pct(samples, 0.5))}  "
          f"p99 {_ms(_pct(samples, 0.99))}")


def _store(home: Path) -> None:
    from oncall.model import PostRecord
    from oncall.postrecords import DeliveryRepository, PostRepository
    from oncall.store import Store

    store = Store(home / "data")
    posts, deliveries = PostRepository(store), DeliveryRepository(store)
    folder = home / "data" / "posts"
    total = sum(1 for _ in folder.glob("*/*.json")) + sum(  # a post a file, or from before
        len(posts.all(p.stem)) for p in folder.glob("*.json"))
    now = datetime.now(UTC)
    samples = _timed(30, lambda i: posts.put(PostRecord(
        id=f"bench-{i}", incident=BIG, author="sokafor", created_at=now, body="Bench")))
    print(f"store write of a post, {total:,} posts held ({len(posts.all(BIG))} in its "
          f"incident): p50 {_ms(_pct(samples, 0.5))}  p99 {_ms(_pct(samples, 0.99))}")
    held = deliveries.all(BIG)
    target = held[0]

    def change(i: int) -> None:
        deliveries.change(target.id, lambda d: setattr(d, "attempts", i),
                          partition=deliveries.where(target))

    samples = _timed(30, change)
    print(f"delivery state change in an incident holding {len(held):,} deliveries: "
          f"p50 {_ms(_pct(samples, 0.5))}  p99 {_ms(_pct(samples, 0.99))}")


def _fanout(home: Path, latency: float = 0.2) -> None:
    import httpx

    from oncall.crosspost import CrossPoster
    from oncall.model import Site
    from oncall.platforms.registry import adapter_for
    from oncall.sandbox import Sandbox
    from oncall.sandbox.state import Fault
    from oncall.session import open_session
    from oncall.store import IncidentRepository, Store
    from oncall.vault import Vault

    store = Store(home / "data")
    incidents = IncidentRepository(store)
    big = incidents.get(BIG)
    assert big is not None
    with Sandbox(port=0) as sandbox:
        session = open_session(home, "sokafor")
        sites = [replace(s, api_base=sandbox.base_for(s.platform))
                 for s in session.sites.all() if s.platform != "youtube"]
        for site in sites:
            sandbox.inject(site.id, Fault("latency", times=-1, seconds=latency))

        async def once(n: int, sites: list[Site]) -> float:
            async with httpx.AsyncClient() as client:
                poster = CrossPoster(session, client, Vault.for_session(session), adapter_for)
                start = time.perf_counter()
                results = await poster.send(BIG, f"Bench post {n} "
                                            "https://www.merciavale.police.uk/news", sites)
                elapsed = time.perf_counter() - start
            if {d.state for d in results} != {"sent"}:
                unsent = "; ".join(f"{d.site} {d.state} {d.reason}" for d in results
                                   if d.state != "sent")
                raise RuntimeError(f"the year's fan-out did not send everywhere: {unsent}")
            return elapsed

        cold = asyncio.run(once(0, sites))  # compiles the link patterns
        seconds = min(asyncio.run(once(n, sites)) for n in range(1, 4))
        # Some networks take two requests to post (a container, then its publication):
        # the yardstick is the slowest site sent on its own.
        by_platform = {s.platform: s for s in sites}
        alone = max(asyncio.run(once(10 + n, [site]))
                    for n, site in enumerate(by_platform.values()))
    print(f"fan-out to {len(sites)} sites into the incident holding the most posts, every "
          f"request answered after {latency * 1000:.0f} ms: {_ms(seconds)}, "
          f"{seconds / alone:.2f} x the slowest site sent alone ({_ms(alone)}); the first "
          f"in a fresh process {_ms(cold)}")


def _screens(home: Path) -> None:
    from oncall.incidents import Incidents
    from oncall.session import open_session
    from oncall.ui.bench_terminal import _environment, time_to_screen

    session = open_session(home, "sokafor")
    big = session.incidents.get(BIG)
    assert big is not None
    import shutil

    shutil.rmtree(home / "log" / ".index", ignore_errors=True)
    start = time.perf_counter()
    timeline = Incidents(session).timeline(big)
    first = time.perf_counter() - start
    session.record("bench.timeline", incident=BIG)
    refresh = min(_timed(5, lambda _: Incidents(session).timeline(big)))
    print(f"incident timeline, {len(timeline):,} entries: {_ms(refresh)} a refresh "
          f"(the index brought up to date, then read); building the index from nothing "
          f"over the whole log, once: {_ms(first)}")
    from oncall.export import export
    from oncall.record import build_record

    record_first = _timed(1, lambda _: build_record(session, BIG))[0]
    opened = min(_timed(3, lambda _: build_record(session, BIG)))
    record = build_record(session, BIG)
    page = min(_timed(3, lambda _: export(record, "html", made_at=record.entries[-1].at,
                                         made_by="bench")))
    print(f"incident record of the incident holding the most posts ({len(record.posts):,} "
          f"posts, {sum(map(len, record.deliveries.values())):,} deliveries, "
          f"{len(record.entries):,} entries): first opened in {_ms(record_first)}, then "
          f"{_ms(opened)}; as HTML in {_ms(page)}")
    subprocess.run([sys.executable, "-m", "oncall", "log", "verify"], env={
        **os.environ, "ONCALL_HOME": str(home)}, capture_output=True, check=False)
    env = {**_environment(home), "ONCALL_USER": "sokafor"}
    started = time_to_screen([sys.executable, "-m", "oncall"], env)
    print(f"dashboard first usable screen on the year's home (whole process): "
          f"{_ms(started.seconds)}, {(started.rss_kib or 0) / 1024:.0f} MiB resident")
    cpu, wakes = _idle_cost(env, 30.0)
    print(f"idle dashboard on the year's home over 30 s: {cpu * 100:.2f} % of one core, "
          f"{wakes:.0f} wake-ups a minute")


def _idle_cost(env: dict[str, str], seconds: float) -> tuple[float, float]:
    """(CPU share, voluntary context switches a minute) of an idle console."""
    import pty

    from oncall.ui.bench_terminal import READY, _drain_and_reap

    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "oncall"], env)
    try:
        seen = b""
        deadline = time.monotonic() + 60
        while READY not in seen and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                seen = seen[-4096:] + os.read(fd, 65536)
        time.sleep(5)  # the first verification and reads settle

        def sample() -> tuple[float, int]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            status = Path(f"/proc/{pid}/status").read_text()
            switches = int(status.split("voluntary_ctxt_switches:")[1].split()[0])
            return ticks, switches

        cpu0, sw0 = sample()
        end = time.monotonic() + seconds
        while time.monotonic() < end:  # keep the terminal drained so output never blocks
            import select

            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(fd, 65536)
        cpu1, sw1 = sample()
        return (cpu1 - cpu0) / seconds, (sw1 - sw0) * 60 / seconds
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
        _drain_and_reap(fd, pid)


__all__ = ["run_year_bench"]
