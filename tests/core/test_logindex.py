"""An incident's timeline comes from the log's index: the same entries as a scan, kept
up to date as the log grows, rebuilt when it disagrees with the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall.actionlog import ActionLog
from oncall.logindex import LogIndex


@pytest.fixture
def log(tmp_path: Path) -> ActionLog:
    times = iter(datetime(2026, 10, 30, tzinfo=UTC) + timedelta(days=d) for d in range(100))
    log = ActionLog(tmp_path / "log", clock=lambda: next(times))
    for n in range(6):  # across a month boundary
        log.append("sokafor", "Press Officer", "post.sent",
                   incident=None if n == 0 else f"INC-{n % 2}",
                   details={"incident": "INC-1"} if n == 0 else {"n": n})
    log.append("sokafor", "Press Officer", "shift.started")
    return log


def scanned(log: ActionLog, incident: str) -> list[int]:
    return [e.seq for e in log.entries() if e.incident == incident]


def indexed(log: ActionLog, incident: str) -> list[int]:
    return [e.seq for e in LogIndex(log.dir).entries(incident)]


def test_the_index_gives_what_a_scan_gives_and_follows_appends(log: ActionLog) -> None:
    assert indexed(log, "INC-0") == scanned(log, "INC-0") == [3, 5]
    # entry 1 names INC-1 inside its details: not one of INC-1's entries, not indexed
    assert indexed(log, "INC-1") == scanned(log, "INC-1") == [2, 4, 6]
    assert len((log.dir / ".index" / "INC-1.idx").read_text().splitlines()) == 3
    assert indexed(log, "INC-9") == []
    log.append("sokafor", "Press Officer", "incident.closed", incident="INC-1")
    assert indexed(log, "INC-1") == [2, 4, 6, 8]
    assert len((log.dir / ".index" / "INC-1.idx").read_text().splitlines()) == 4


def test_an_index_that_disagrees_with_the_log_is_rebuilt(log: ActionLog) -> None:
    assert indexed(log, "INC-0") == [3, 5]
    idx = log.dir / ".index" / "INC-0.idx"
    rows = idx.read_text().splitlines()
    name, _, length = rows[0].split()
    idx.write_text("\n".join([f"{name} 1 {length}", *rows[1:]]) + "\n")  # a bad offset
    assert indexed(log, "INC-0") == [3, 5]


def test_a_log_replaced_under_the_index_is_indexed_again(log: ActionLog, tmp_path: Path) -> None:
    assert indexed(log, "INC-0") == [3, 5]
    for path in log.files():
        path.unlink()
    (log.dir / "HEAD").unlink()
    times = iter(datetime(2026, 12, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(9))
    fresh = ActionLog(log.dir, clock=lambda: next(times))
    fresh.append("sokafor", "Press Officer", "post.sent", incident="INC-0")
    assert indexed(fresh, "INC-0") == [1]


def test_where_the_index_cannot_be_kept_the_timeline_is_scanned(
        log: ActionLog, demo_session) -> None:
    from oncall.incidents import Incidents
    from oncall.model import Incident

    demo_session.log = log
    (log.dir / ".index").write_text("not a directory")  # as a read-only home would refuse
    incident = Incident(id="INC-0", title="t", kind="missing",
                        opened_at=datetime(2026, 10, 1, tzinfo=UTC), opened_by="sokafor")
    assert [e.seq for e in Incidents(demo_session).timeline(incident)] == [3, 5]
