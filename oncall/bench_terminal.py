"""Whole-process figures for `oncall bench`: how long `oncall` takes, from the shell's
fork to the first screen an officer can act on, in a real pseudo-terminal at 80x24, and
how much memory it holds then; and how long a keystroke takes to show every site's count
and the findings on the compose screen.

These are printed, never asserted: they depend on the machine."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# The dashboard's footer: drawn with the first complete screen, when keys work.
READY = b"New incident"


@dataclass(frozen=True)
class Startup:
    """One start of a command: seconds to its first usable screen, memory then."""

    seconds: float
    rss_kib: int | None


def _rss_kib(pid: int) -> int | None:
    """Resident memory of `pid` in KiB (Linux's /proc; None elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def time_to_screen(argv: list[str], env: dict[str, str], *, needle: bytes = READY,
                   guard: float = 60.0) -> Startup:
    """Run `argv` in a fresh 80x24 pseudo-terminal; time from fork to `needle` on screen."""
    import fcntl
    import pty
    import struct
    import termios

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: an 80x24 terminal, then the command
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    seen = b""
    try:
        while needle not in seen:
            if time.perf_counter() - started > guard:
                raise RuntimeError(f"{' '.join(argv)}: no screen after {guard:.0f} s")
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the child has gone: its terminal closed
                    raise RuntimeError(f"{' '.join(argv)} exited before its first screen:"
                                       f" {seen[-300:]!r}") from None
                # Keep a tail: the needle may straddle two reads.
                seen = seen[-4096:] + chunk
        elapsed = time.perf_counter() - started
        return Startup(elapsed, _rss_kib(pid))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        _drain_and_reap(fd, pid)


def _drain_and_reap(fd: int, pid: int) -> None:
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            with contextlib.suppress(OSError):
                os.read(fd, 65536)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)


def _environment(home: Path | None) -> dict[str, str]:
    env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8",
           "COLUMNS": "80", "LINES": "24"}
    env.pop("NO_COLOR", None)
    env.pop("TEXTUAL", None)
    if home is not None:
        env["ONCALL_HOME"] = str(home)
    return env


def bench_startups(runs: int = 3) -> dict[str, tuple[Startup, ...]]:
    """`oncall` on an existing home and `oncall demo`, each started `runs` times."""
    from oncall.demo import DEMO_USER, build_demo

    command = [sys.executable, "-m", "oncall"]
    results: dict[str, tuple[Startup, ...]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        build_demo(home)
        env = _environment(home)
        env["ONCALL_USER"] = DEMO_USER  # the demo's config lets a login be named
        time_to_screen(command, env)  # once to warm the disk cache and byte-code
        results["oncall (existing home)"] = tuple(time_to_screen(command, env)
                                                  for _ in range(runs))
        demo_env = _environment(None)
        demo_env["ONCALL_HOME"] = str(Path(tmp) / "unused")
        results["oncall demo"] = tuple(time_to_screen([*command, "demo"], demo_env)
                                       for _ in range(runs))
    return results


def summarise(starts: tuple[Startup, ...]) -> str:
    """'median 312 ms (min 300, max 340), 61 MiB resident'."""
    seconds = [s.seconds for s in starts]
    rss = [s.rss_kib for s in starts if s.rss_kib is not None]
    line = (f"median {statistics.median(seconds) * 1000:.0f} ms "
            f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f})")
    if rss:
        line += f", {statistics.median(rss) / 1024:.0f} MiB resident"
    return line
