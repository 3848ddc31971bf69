"""SIGKILL a writer at random points: the store stays readable and keeps every acknowledged record.

One data directory is reused across all rounds so the file grows and each kill
lands on a bigger write. The child prints a record's id only after `put()` (or
`put_many()`) has returned, so every id the parent reads was acknowledged.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from oncall.store import SiteRepository, Store

ROUNDS = 60
MAX_ACKS = 15

CHILD = r"""
import sys
from pathlib import Path
from oncall.model import Site
from oncall.store import SiteRepository, Store

root, prefix = Path(sys.argv[1]), sys.argv[2]
repo = SiteRepository(Store(root))

def make(sid):
    return Site(id=sid, platform="facebook", name="Neighbourhood page " + sid,
                handle="@" + sid, tier="local", area="Stafford " * 8)

i = 0
while True:
    if i % 5 == 4:
        batch = [make(f"{prefix}-{i}"), make(f"{prefix}-{i + 1}")]
        repo.put_many(batch)
        done = [s.id for s in batch]
        i += 2
    else:
        repo.put(make(f"{prefix}-{i}"))
        done = [f"{prefix}-{i}"]
        i += 1
    sys.stdout.write("".join(d + "\n" for d in done))
    sys.stdout.flush()
"""


def _seed() -> int:
    return int(os.environ.get("ONCALL_TEST_SEED") or random.SystemRandom().randrange(2**32))


def temp_files(root: Path) -> list[Path]:
    return sorted(root.glob(".sites.json.*.tmp"))


def run_round(root: Path, prefix: str, acks_wanted: int, delay: float,
              env: dict[str, str]) -> list[str]:
    """Start a writer, read `acks_wanted` acknowledgements, SIGKILL it; return the acked ids."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), prefix],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    watchdog = threading.Timer(30, child.kill)  # never hang the suite on a stuck child
    watchdog.start()
    acked: list[str] = []
    try:
        while len(acked) < acks_wanted:
            line = child.stdout.readline()
            if not line:
                break
            acked.append(line.strip())
        if delay:
            time.sleep(delay)  # let the kill land at varying points of the next write
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        watchdog.cancel()
        stderr = child.stderr.read()
        child.stdout.close()
        child.stderr.close()
    assert len(acked) >= acks_wanted, f"writer {prefix} stopped early:\n{stderr}"
    assert child.returncode == -signal.SIGKILL, (child.returncode, stderr)
    return acked


def test_sigkilled_writer_never_loses_an_acknowledged_record(tmp_path: Path,
                                                             child_env: dict[str, str]) -> None:
    seed = _seed()
    rng = random.Random(seed)
    root = tmp_path / "data"
    every_acked: list[str] = []
    rounds_leaving_temp = 0

    for n in range(ROUNDS):
        acks = rng.randint(1, MAX_ACKS)
        delay = rng.choice([0.0, 0.0, rng.uniform(0, 0.004)])
        acked = run_round(root, f"r{n}", acks, delay, child_env)
        every_acked += acked
        rounds_leaving_temp += bool(temp_files(root))

        # A fresh reader (another officer's process) can read the file...
        try:
            stored = [s.id for s in SiteRepository(Store(root)).all()]
        except Exception as exc:  # pragma: no cover - the failure being tested for
            raise AssertionError(f"round {n} (seed {seed}): store unreadable: {exc}") from exc
        # ...and it holds everything ever acknowledged, each once.
        missing = [sid for sid in every_acked if sid not in set(stored)]
        assert not missing, f"round {n} (seed {seed}): lost acknowledged records {missing}"
        assert len(stored) == len(set(stored)), f"round {n} (seed {seed}): duplicate records"
        # Records only ever come from this test's writers, in the order they were written.
        assert all(sid.startswith("r") for sid in stored)

    print(f"\nseed={seed} rounds={ROUNDS} acknowledged={len(every_acked)} "
          f"stored={len(stored)} rounds-leaving-a-temp-file={rounds_leaving_temp}")
    # The next writer clears whatever temp files the killed writers left behind.
    repo = SiteRepository(Store(root))
    repo.delete(every_acked[0])
    assert temp_files(root) == []
    assert len(repo.all()) == len(stored) - 1
