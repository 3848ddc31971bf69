"""Several processes writing one record file at once lose nothing and reuse no id."""

from __future__ import annotations

import json
from pathlib import Path

from oncall.store import SiteRepository, Store
from tests.reliability.conftest import run_together

WORKERS = 4
PER_WORKER = 60

CHILD = r"""
import sys
from pathlib import Path
from oncall.model import Site
from oncall.store import SiteRepository, Store

root, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
repo = SiteRepository(Store(root))
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    repo.put(Site(id=f"w{worker}-{i}", platform="x", name="n", handle="@h", tier="local"))
    if i % 10 == 9:
        # Another process may be inserting between our read and our write.
        repo.change(f"w{worker}-{i - 5}", lambda s: setattr(s, "name", "changed"))
"""


def test_concurrent_writers_lose_nothing(tmp_path: Path, child_env: dict[str, str]) -> None:
    root = tmp_path / "data"
    run_together(CHILD, root, WORKERS, PER_WORKER, child_env)

    sites = SiteRepository(Store(root)).all()
    ids = [s.id for s in sites]
    expected = {f"w{w}-{i}" for w in range(WORKERS) for i in range(PER_WORKER)}
    assert len(ids) == len(expected) and set(ids) == expected
    changed = {s.id for s in sites if s.name == "changed"}
    assert changed == {f"w{w}-{i - 5}" for w in range(WORKERS)
                       for i in range(PER_WORKER) if i % 10 == 9}
    table = json.loads((root / "sites.json").read_text())["sites"]
    assert sorted(map(int, table)) == list(range(1, len(expected) + 1))
