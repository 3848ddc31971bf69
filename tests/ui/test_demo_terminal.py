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
