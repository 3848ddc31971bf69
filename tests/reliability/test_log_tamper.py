"""Edited, removed and reordered lines are caught, at the right file and line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall.actionlog import ActionLog, VerifyResult, seal

# Every test here, with signatures checked in turn and on every core (conftest).
pytestmark = pytest.mark.usefixtures("walk_either_way")

ENTRIES = 20
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose log holds 20 good entries in one month file."""
    home = tmp_path_factory.mktemp("pristine")
    start = datetime(2026, 11, 26, 2, 47, tzinfo=UTC)
    times = iter(start + timedelta(minutes=m) for m in range(ENTRIES))
    log = ActionLog(home / "log", clock=lambda: next(times))
    for n in range(1, ENTRIES + 1):
        log.append("jbloggs", "Press Officer", "post.sent", incident="INC-1",
                   subject=f"site-{n}", details={"n": n})
    assert log.verify().ok
    return home


@pytest.fixture
def home(pristine: Path, tmp_path: Path) -> Path:
    """A copy of the pristine home to tamper with."""
    copy = tmp_path / "home"
    shutil.copytree(pristine, copy)
    return copy


def month_file(home: Path) -> Path:
    (path,) = ActionLog(home / "log").files()
    return path


def edit_lines(path: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path.write_bytes(b"".join(change(path.read_bytes().splitlines(keepends=True))))


def dump(entry: dict) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def edit_field(lines: list[bytes], index: int, **changes: object) -> list[bytes]:
    entry = json.loads(lines[index])
    entry.update(changes)
    lines[index] = dump(entry)
    return lines


def assert_fails_at(result: VerifyResult, path: Path, line: int | None, reason: str) -> None:
    assert not result.ok
    assert result.file == path
    assert result.line == line
    assert reason in result.reason
    where = f"{path}:{line}" if line else str(path)
    assert where in str(result)


def test_pristine_copy_verifies(home: Path) -> None:
    result = ActionLog(home / "log").verify()
    assert result.ok and result.count == ENTRIES


def test_edited_field_in_line_7(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: edit_field(lines, 6, actor="mallory"))
    result = ActionLog(home / "log").verify()
    assert_fails_at(result, path, 7, "hash mismatch")
    assert result.count == 6


def test_edited_detail_in_line_7(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: [*lines[:6], lines[6].replace(b'"n":7', b'"n":70'),
                                    *lines[7:]])
    assert_fails_at(ActionLog(home / "log").verify(), path, 7, "hash mismatch")


def test_line_7_edited_and_resealed_breaks_the_chain_at_line_8(home: Path) -> None:
    path = month_file(home)

    def forge(lines: list[bytes]) -> list[bytes]:
        entry = json.loads(lines[6])
        entry["details"] = {"n": 7, "note": "nothing happened"}
        lines[6] = dump(seal(entry))
        return lines

    edit_lines(path, forge)
    assert_fails_at(ActionLog(home / "log").verify(), path, 8, "chain broken")


def test_deleted_line_7(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: lines[:6] + lines[7:])
    result = ActionLog(home / "log").verify()
    assert_fails_at(result, path, 7, "expected entry 7, found 8")


def test_swapped_lines_7_and_8(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: [*lines[:6], lines[7], lines[6], *lines[8:]])
    assert_fails_at(ActionLog(home / "log").verify(), path, 7, "expected entry 7, found 8")


def test_deleted_last_line_is_caught_by_head(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: lines[:-1])
    result = ActionLog(home / "log").verify()
    assert_fails_at(result, path, None, "HEAD")
    assert "removed from the end" in result.reason
    assert f"entry {ENTRIES - 1}" in result.reason and f"entry {ENTRIES}" in result.reason


def test_truncated_line_in_the_middle(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: [*lines[:9], lines[9][:40] + b"\n", *lines[10:]])
    assert_fails_at(ActionLog(home / "log").verify(), path, 10, "not valid JSON")


def test_tampering_in_a_later_month_file_names_that_file(tmp_path: Path) -> None:
    times = iter([datetime(2026, 10, 31, 23, m, tzinfo=UTC) for m in range(50, 60)]
                 + [datetime(2026, 11, 1, 0, m, tzinfo=UTC) for m in range(10)])
    log = ActionLog(tmp_path / "log", clock=lambda: next(times))
    for n in range(20):
        log.append("jbloggs", "Press Officer", "post.sent", details={"n": n})
    _october, november = log.files()
    edit_lines(november, lambda lines: edit_field(lines, 2, action="post.retracted"))
    result = log.verify()
    assert_fails_at(result, november, 3, "hash mismatch")
    assert result.count == 12


# --- `oncall log verify` -------------------------------------------------------------


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ONCALL_HOME=str(home),
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT),
                                                      os.environ.get("PYTHONPATH")) if p))
    return subprocess.run([sys.executable, "-m", "oncall", *args], capture_output=True,
                          text=True, env=env, cwd=home, timeout=60)


def test_cli_log_verify_passes_a_good_log(home: Path) -> None:
    proc = run_cli(home, "log", "verify")
    assert proc.returncode == 0, proc.stderr
    assert f"{ENTRIES} entries" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_cli_log_verify_names_the_edited_line(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: edit_field(lines, 6, subject="site-99"))
    proc = run_cli(home, "log", "verify")
    assert proc.returncode == 1
    assert f"{path}:7" in proc.stderr
    assert "hash mismatch" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_log_verify_names_the_removed_line(home: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: lines[:6] + lines[7:])
    proc = run_cli(home, "log", "verify")
    assert proc.returncode == 1
    assert f"{path}:7" in proc.stderr


def test_cli_log_verify_reports_a_cut_end(home: Path, tmp_path: Path) -> None:
    path = month_file(home)
    edit_lines(path, lambda lines: lines[:-1])
    # --home works as well as ONCALL_HOME (which here points elsewhere).
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run_cli(elsewhere, "--home", str(home), "log", "verify")
    assert proc.returncode == 1
    assert str(path) in proc.stderr
    assert "HEAD" in proc.stderr


def test_a_duplicate_key_shadowing_the_actor_is_caught(home: Path) -> None:
    """Parsers differ on a repeated key (first or last wins): a line carrying "actor"
    twice could verify while other tools show another officer's name."""
    path = month_file(home)

    def shadow(lines: list[bytes]) -> list[bytes]:
        lines[6] = lines[6].replace(b"{", b'{"actor":"mallory",', 1)
        return lines

    edit_lines(path, shadow)
    assert_fails_at(ActionLog(home / "log").verify(), path, 7, "'actor' appears twice")


@pytest.mark.parametrize("garbage", [b"", b"garbage\n", b"20 nothex\n", b"-1 " + b"0" * 64,
                                     b"\x00\x01\x02"])
def test_a_damaged_head_is_reported_not_ignored(home: Path, garbage: bytes) -> None:
    head = home / "log" / "HEAD"
    head.write_bytes(garbage)
    result = ActionLog(home / "log").verify()
    assert not result.ok and result.file == head
    assert "HEAD is not '<sequence> <hash>'" in result.reason


def test_a_chain_broken_across_month_files_is_caught_at_the_new_months_first_line(
        tmp_path: Path) -> None:
    """The prev check's second test: the link between two month files, where a removed
    month or a file from another log would join."""
    times = iter([datetime(2026, 10, 31, 23, 59, tzinfo=UTC),
                  datetime(2026, 11, 1, 0, 1, tzinfo=UTC),
                  datetime(2026, 11, 1, 0, 2, tzinfo=UTC)])
    log = ActionLog(tmp_path / "log", clock=lambda: next(times))
    for n in range(3):
        log.append("jbloggs", "Press Officer", "post.sent", details={"n": n})
    _, november = log.files()
    assert log.verify().ok

    def relink(lines: list[bytes]) -> list[bytes]:
        entry = json.loads(lines[0])
        entry["prev"] = "f" * 64  # sealed again: only the link is wrong
        lines[0] = dump(seal(entry))
        return lines

    edit_lines(november, relink)
    assert_fails_at(ActionLog(tmp_path / "log").verify(), november, 1, "chain broken")
