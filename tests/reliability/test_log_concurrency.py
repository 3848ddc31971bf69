"""Four processes appending to one action log at once: one unbroken chain of 1000."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from oncall.actionlog import ActionLog
from tests.reliability.conftest import run_together

WORKERS = 4
PER_WORKER = 250

CHILD = r"""
import sys
from pathlib import Path
from oncall.actionlog import ActionLog

logdir, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
log = ActionLog(logdir)
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    log.append(f"officer{worker}", "Press Officer", "playbook.step.done",
               incident="INC-1", details={"worker": worker, "i": i})
"""


def test_concurrent_appends_form_one_chain(tmp_path: Path, child_env: dict[str, str]) -> None:
    logdir = tmp_path / "log"
    run_together(CHILD, logdir, WORKERS, PER_WORKER, child_env)

    log = ActionLog(logdir)
    entries = list(log.entries())
    total = WORKERS * PER_WORKER
    assert len(entries) == total
    assert [e.seq for e in entries] == list(range(1, total + 1))
    assert len({e.hash for e in entries}) == total

    # Each worker's entries are all there, once, in the order it wrote them.
    for w in range(WORKERS):
        mine = [e.details["i"] for e in entries if e.details["worker"] == str(w)]
        assert mine == list(range(PER_WORKER)), f"worker {w}"

    result = log.verify()
    assert result.ok, str(result)
    assert result.count == total
    assert (logdir / "HEAD").read_text() == f"{total} {entries[-1].hash}\n"
    # Every line on disk is whole: nothing interleaved inside a line.
    for path in log.files():
        for raw in path.read_bytes().splitlines():
            json.loads(raw)

    switches = sum(a.actor != b.actor for a, b in itertools.pairwise(entries))
    print(f"\n{total} entries; the writer changed {switches} times")
