"""`oncall demo` in a real pseudo-terminal at 80x24: it draws the dashboard and `q` exits 0."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

# A guard against hanging forever, not a speed check: `oncall bench` measures speed.
GUARD_SECONDS = 60


def _read_until(fd: int, needle: bytes, seen: bytearray) -> bool:
    deadline = time.monotonic() + GUARD_SECONDS
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return needle in seen
            if not chunk:
                break
            seen.extend(chunk)
    return needle in seen


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")
def test_demo_draws_dashboard_and_q_exits_zero(tmp_path: Path) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # child: become `oncall demo` in an 80x24 terminal
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"})
        os.environ.pop("ONCALL_USER", None)
        os.execv(sys.executable, [sys.executable, "-m", "oncall", "demo",
                                  "--keep", str(tmp_path / "demo")])
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        seen = bytearray()
        assert _read_until(fd, b"Log: \xe2\x9c\x93 verified", seen), seen[-2000:]
        assert b"On call" in seen and b"Sarah Okafor" in seen
        os.write(fd, b"q")
        _read_until(fd, b"\x00never", seen)  # drain until the app closes the terminal
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (tmp_path / "demo" / "people.toml").exists()


def _wait_exit(pid: int) -> int | None:
    """The child's exit status, or None if it is still running after the guard."""
    deadline = time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")
@pytest.mark.parametrize("ending", ["hangup", "sigterm"])
def test_demo_leaves_nothing_behind_when_its_terminal_goes(tmp_path: Path,
                                                         ending: str) -> None:
    """An SSH link that drops (SIGHUP) or a `kill` (SIGTERM) ends the console as `q`
    does: the demo's home under $TMPDIR is removed, not left for the next officer."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24",
                           "TMPDIR": str(scratch)})
        os.environ.pop("ONCALL_USER", None)
        os.execv(sys.executable, [sys.executable, "-m", "oncall", "demo"])
    status = None
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        seen = bytearray()
        assert _read_until(fd, b"Log: \xe2\x9c\x93 verified", seen), seen[-2000:]
        assert [p.name[:12] for p in scratch.iterdir()] == ["oncall-demo-"]
        if ending == "sigterm":
            os.kill(pid, 15)
            _read_until(fd, b"\x00never", seen)
        else:
            os.close(fd)  # the terminal hangs up: the kernel sends SIGHUP
            fd = -1
        status = _wait_exit(pid)
    finally:
        if status is None:
            status = _wait_exit(pid)
        if fd >= 0:
            os.close(fd)
    assert status is not None, "the console did not end"
    assert list(scratch.iterdir()) == []
