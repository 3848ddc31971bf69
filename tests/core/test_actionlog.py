"""The action log: hash chain, month files, secrets refused, torn tails, HEAD."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oncall.actionlog import GENESIS, ActionLog, SecretInLogError
from oncall.model import LogEntry
from oncall.secret import Secret

SECRET = "hunter2-Zq9!unique"
LONDON = ZoneInfo("Europe/London")


def clock_from(times: Iterable[datetime]) -> Callable[[], datetime]:
    it = iter(times)
    return lambda: next(it)


def every_minute(start: datetime) -> Callable[[], datetime]:
    state = {"t": start}

    def tick() -> datetime:
        now = state["t"]
        state["t"] = now + timedelta(minutes=1)
        return now

    return tick


def expected_hash(entry: dict) -> str:
    """The documented hash, computed here independently of actionlog.seal."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(entry["prev"].encode("ascii") + canonical.encode("utf-8")).hexdigest()


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    return tmp_path / "log"


def test_entries_are_sequenced_and_hash_chained(logdir: Path) -> None:
    log = ActionLog(logdir, clock=every_minute(datetime(2026, 11, 26, 2, 47, tzinfo=UTC)))
    written = [
        log.append("jbloggs", "Press Officer", "incident.opened", incident="INC-1",
                   details={"title": "Missing person", "n": 1}),
        log.append("jbloggs", "Press Officer", "post.sent", incident="INC-1",
                   subject="site-1", details={"url": "https://example.test/1"}),
        log.append("asmith", "Web Communications", "credential.copied", subject="site-2",
                   details={"reason": "owner on leave", "nested": {"a": [1, "ü"]}}),
    ]
    assert [p.name for p in logdir.iterdir() if p.suffix == ".jsonl"] == ["2026-11.jsonl"]
    on_disk = lines_of(logdir / "2026-11.jsonl")
    assert [LogEntry.from_dict(d) for d in on_disk] == written

    prev = GENESIS
    for n, entry in enumerate(on_disk, start=1):
        assert set(entry) == {"seq", "at", "actor", "role", "action", "incident", "subject",
                              "details", "prev", "hash"}
        assert entry["seq"] == n
        assert entry["prev"] == prev
        assert entry["hash"] == expected_hash(entry)
        prev = entry["hash"]
    assert on_disk[0]["at"] == "2026-11-26T02:47:00.000000Z"
    assert on_disk[1]["at"] == "2026-11-26T02:48:00.000000Z"
    assert on_disk[2]["details"]["nested"] == {"a": [1, "ü"]}
    assert (logdir / "HEAD").read_text() == f"3 {prev}\n"

    result = log.verify()
    assert result.ok and result.count == 3
    assert "3 entries" in str(result)
    assert list(log.entries()) == written


def test_empty_log_verifies_and_has_no_entries(logdir: Path) -> None:
    log = ActionLog(logdir)
    assert log.verify().ok and log.verify().count == 0
    assert list(log.entries()) == []
    assert log.tail(5) == []


def test_entries_chain_across_month_files(logdir: Path) -> None:
    times = [
        datetime(2026, 10, 31, 23, 58, tzinfo=UTC),
        datetime(2026, 10, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        # London is on GMT in December, so this is 00:30 UTC and goes to December.
        datetime(2026, 12, 1, 0, 30, tzinfo=LONDON),
    ]
    log = ActionLog(logdir, clock=clock_from(times))
    for n in range(len(times)):
        log.append("jbloggs", "Press Officer", "playbook.step.done", details={"step": n})
    assert [p.name for p in log.files()] == ["2026-10.jsonl", "2026-11.jsonl", "2026-12.jsonl"]
    oct_, nov, dec = (lines_of(p) for p in log.files())
    assert [e["seq"] for e in oct_] == [1, 2]
    assert [e["seq"] for e in nov] == [3, 4]
    assert [e["seq"] for e in dec] == [5]
    assert nov[0]["prev"] == oct_[-1]["hash"]
    assert dec[0]["prev"] == nov[-1]["hash"]
    assert [e.details["step"] for e in log.entries()] == [0, 1, 2, 3, 4]
    result = log.verify()
    assert result.ok and result.count == 5


def test_month_file_is_chosen_by_utc_not_local_time(logdir: Path) -> None:
    # 00:30 BST on 1 October 2026 is 23:30 UTC on 30 September.
    log = ActionLog(logdir, clock=lambda: datetime(2026, 10, 1, 0, 30, tzinfo=LONDON))
    entry = log.append("jbloggs", "Press Officer", "incident.opened")
    assert entry.at == "2026-09-30T23:30:00.000000Z"
    assert [p.name for p in log.files()] == ["2026-09.jsonl"]


def test_a_new_process_continues_the_chain_across_months(logdir: Path) -> None:
    ActionLog(logdir, clock=lambda: datetime(2026, 10, 5, tzinfo=UTC)).append("a", "r", "x.a")
    # Another officer's process, a month later.
    later = ActionLog(logdir, clock=lambda: datetime(2026, 11, 5, tzinfo=UTC))
    entry = later.append("b", "r", "x.b")
    assert entry.seq == 2
    assert entry.prev == lines_of(logdir / "2026-10.jsonl")[0]["hash"]
    assert ActionLog(logdir).verify().ok


def test_tail_reads_across_month_files(logdir: Path) -> None:
    times = [datetime(2026, 9, 30, 12, tzinfo=UTC) + timedelta(days=d) for d in range(0, 60, 5)]
    log = ActionLog(logdir, clock=clock_from(times))
    for n in range(len(times)):
        log.append("jbloggs", "Press Officer", "x.done", details={"n": n})
    assert len(log.files()) == 3  # September, October, November
    assert [e.seq for e in log.tail(1)] == [12]
    assert [e.seq for e in log.tail(3)] == [10, 11, 12]
    assert [e.seq for e in log.tail(8)] == [5, 6, 7, 8, 9, 10, 11, 12]
    assert [e.seq for e in log.tail(12)] == list(range(1, 13))
    assert [e.seq for e in log.tail(50)] == list(range(1, 13))
    assert log.tail(0) == []
    assert log.tail(5) == list(log.entries())[-5:]


def test_tail_of_long_entries_spanning_read_blocks(logdir: Path) -> None:
    times = [datetime(2026, 10, 31, 23, 50, tzinfo=UTC) + timedelta(minutes=m)
             for m in range(0, 20)]
    log = ActionLog(logdir, clock=clock_from(times))
    for n in range(20):
        # Entries of ~3-9 KB, so the 8 KB backwards reads split lines.
        log.append("jbloggs", "Press Officer", "post.sent",
                   details={"n": n, "text": "é" * (1500 + 700 * (n % 5))})
    assert len(log.files()) == 2
    everything = list(log.entries())
    for n in (1, 2, 7, 10, 11, 19, 20):
        assert log.tail(n) == everything[-n:], n


# --- secrets -------------------------------------------------------------------------


@pytest.mark.parametrize("details", [
    {"value": Secret(SECRET)},
    {"outer": {"inner": {"deep": Secret(SECRET)}}},
    {"items": [1, "two", Secret(SECRET)]},
    {"items": [{"ok": 1}, {"nested": [[Secret(SECRET)]]}]},
    {"pair": ("a", Secret(SECRET))},
], ids=["top", "nested-dict", "list", "list-of-dicts", "tuple"])
def test_secret_values_anywhere_in_details_are_refused(logdir: Path, details: dict) -> None:
    log = ActionLog(logdir)
    log.append("jbloggs", "Press Officer", "before")
    with pytest.raises(SecretInLogError) as info:
        log.append("jbloggs", "Press Officer", "credential.copied", details=details)
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)
    assert [e.action for e in log.entries()] == ["before"]
    assert log.verify().ok


@pytest.mark.parametrize("details", [
    {"password": SECRET},
    {"Password": SECRET},
    {"TOKEN": SECRET},
    {"api_key": SECRET},
    {"site": {"app_password": SECRET}},
    {"accounts": [{"name": "x"}, {"totp_seed": SECRET}]},
    {"headers": {"Authorization": f"Bearer {SECRET}"}},
    {"cookie": {"session": SECRET}},
], ids=["password", "Password", "TOKEN", "api_key", "nested", "in-list", "authz", "cookie"])
def test_secret_named_keys_are_refused(logdir: Path, details: dict) -> None:
    log = ActionLog(logdir)
    with pytest.raises(SecretInLogError) as info:
        log.append("jbloggs", "Press Officer", "credential.revealed", details=details)
    assert SECRET not in str(info.value)
    assert "secret" in str(info.value).lower()
    assert log.files() == []
    assert not (logdir / "HEAD").exists()


@pytest.mark.parametrize("field", ["actor", "role", "action", "incident", "subject"])
def test_secret_in_top_level_fields_is_refused(logdir: Path, field: str) -> None:
    values: dict = {"actor": "jbloggs", "role": "Press Officer", "action": "x.y",
                    "incident": None, "subject": None}
    values[field] = Secret(SECRET)
    log = ActionLog(logdir)
    with pytest.raises(SecretInLogError) as info:
        log.append(values.pop("actor"), values.pop("role"), values.pop("action"), **values)
    assert SECRET not in str(info.value)
    assert log.files() == []


def test_secret_free_details_mentioning_credentials_are_logged(logdir: Path) -> None:
    log = ActionLog(logdir)
    entry = log.append("asmith", "Web Communications", "credential.copied", subject="site-1",
                       details={"reason": "password requested by PS Hale",
                                "keyring_key": "oncall/site-1", "tokens_used": 0})
    assert entry.details["reason"] == "password requested by PS Hale"
    assert log.verify().ok


# --- torn tail and HEAD --------------------------------------------------------------


def test_torn_last_line_is_cut_by_the_next_append(logdir: Path) -> None:
    log = ActionLog(logdir, clock=every_minute(datetime(2026, 11, 26, 1, tzinfo=UTC)))
    for n in range(3):
        log.append("jbloggs", "Press Officer", "step", details={"n": n})
    path = log.files()[0]
    good = path.read_bytes()
    # A power cut half way through writing entry 4: no newline at the end.
    whole = json.dumps({"seq": 4, "at": "x", "actor": "jbloggs", "details": {"n": 3}})
    path.write_bytes(good + whole[: len(whole) // 2].encode())
    broken = log.verify()
    assert not broken.ok and broken.line == 4 and broken.count == 3

    entry = log.append("jbloggs", "Press Officer", "step", details={"n": "after"})
    assert entry.seq == 4
    assert entry.prev == lines_of(path)[2]["hash"]
    assert path.read_bytes().startswith(good)
    assert path.read_bytes().endswith(b"\n")
    assert [e.details["n"] for e in log.entries()] == [0, 1, 2, "after"]
    result = log.verify()
    assert result.ok and result.count == 4


def test_torn_line_alone_in_a_new_month_file_is_cut(logdir: Path) -> None:
    times = [datetime(2026, 10, 31, 23, 59, tzinfo=UTC), datetime(2026, 11, 1, 0, 1, tzinfo=UTC)]
    log = ActionLog(logdir, clock=clock_from(times))
    first = log.append("jbloggs", "Press Officer", "step")
    (logdir / "2026-11.jsonl").write_bytes(b'{"seq":2,"at":"2026-11-01T00:00:30')
    entry = log.append("jbloggs", "Press Officer", "step")
    assert entry.seq == 2 and entry.prev == first.hash
    assert len(lines_of(logdir / "2026-11.jsonl")) == 1
    assert log.verify().ok


def test_head_catches_removal_of_the_last_line(logdir: Path) -> None:
    log = ActionLog(logdir)
    for n in range(5):
        log.append("jbloggs", "Press Officer", "step", details={"n": n})
    path = log.files()[0]
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))

    result = log.verify()
    assert not result.ok
    assert result.count == 4
    assert result.file == path
    assert "HEAD" in result.reason and "removed" in result.reason
    assert str(path) in str(result)
    assert "FAILED" in str(result)


def test_head_catches_removal_of_the_whole_last_month(logdir: Path) -> None:
    times = [datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC),
             datetime(2026, 11, 1, tzinfo=UTC)]
    log = ActionLog(logdir, clock=clock_from(times))
    for _ in times:
        log.append("jbloggs", "Press Officer", "step")
    (logdir / "2026-11.jsonl").unlink()
    result = log.verify()
    assert not result.ok
    assert "HEAD" in result.reason
    assert "entry 2" in result.reason and "entry 3" in result.reason


def test_head_catches_a_rewritten_last_entry(logdir: Path) -> None:
    log = ActionLog(logdir)
    for n in range(3):
        log.append("jbloggs", "Press Officer", "step", details={"n": n})
    head = (logdir / "HEAD").read_bytes()
    # Someone cuts entry 3 and appends a different entry 3 with a valid chain...
    path = log.files()[0]
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:2]))
    log.append("jbloggs", "Press Officer", "step", details={"n": "forged"})
    # ...and puts the old HEAD back. The append chained from HEAD (entry 3), so the
    # forgery is entry 4 sitting where entry 3 should be.
    (logdir / "HEAD").write_bytes(head)
    result = log.verify()
    assert not result.ok
    assert result.line == 3 and "expected entry 3, found 4" in result.reason


def test_append_after_cutting_the_last_line_keeps_the_cut_visible(logdir: Path) -> None:
    log = ActionLog(logdir)
    for i in range(5):
        log.append("a", "Press Officer", "x", details={"i": i})
    path = log.files()[0]
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))
    log.append("a", "Press Officer", "after.cut")
    result = log.verify()
    assert not result.ok
    assert result.line == 5 and "expected entry 5, found 6" in result.reason


@pytest.mark.parametrize("block", [1, 3, 5, 8192])
@pytest.mark.parametrize("n", [1, 2, 5, 50])
def test_last_lines_read_backwards_match_reading_forwards(tmp_path: Path, block: int,
                                                          n: int) -> None:
    from oncall.actionlog import _last_lines

    lines = [b"x" * size for size in (1, 40, 0, 7, 3000, 2, 0, 9, 64, 1)]
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    expected = [line for line in lines if line.strip()][-n:]
    assert _last_lines(path, n, block=block) == expected
