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
from typing import Any

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
                   guard: float = 60.0, cwd: str | None = None) -> Startup:
    """Run `argv` in a fresh 80x24 pseudo-terminal (in `cwd`, if given); time from fork to
    `needle` on screen."""
    import fcntl
    import pty
    import struct
    import termios

    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: an 80x24 terminal, then the command
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            if cwd is not None:
                os.chdir(cwd)
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


# The yardstick: the least a Textual app with a footer costs to start on this machine.
BARE_TEXTUAL = """
from textual.app import App
from textual.widgets import Footer
class Bare(App):
    BINDINGS = [("n", "bell", "New incident")]
    def compose(self):
        yield Footer()
Bare().run()
"""


# Posting's first screen (an empty collection), when its start is measured beside ours.
POSTING_READY = b"Collection is empty"
POSTING = "posting (for scale)"


def bench_startups(runs: int = 3, posting: str | None = None
                   ) -> dict[str, tuple[Startup, ...]]:
    """`oncall` on an existing home, `oncall demo`, and a bare Textual app with a footer
    for scale, each started `runs` times; and, given the path of a `posting` command (the
    issue's yardstick: another Textual app's start), posting too, in a fresh home."""
    import compileall

    from oncall.demo import DEMO_USER, build_demo

    # As installed by pip, byte-compiled: an editable checkout under
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every start.
    compileall.compile_dir(str(Path(__file__).parents[1]), quiet=2)
    command = [sys.executable, "-m", "oncall"]
    bare = [sys.executable, "-c", BARE_TEXTUAL]
    samples: dict[str, list[Startup]] = {
        "bare Textual app + footer": [], "oncall (existing home)": [], "oncall demo": []}
    with tempfile.TemporaryDirectory() as tmp:
        # `python -m` puts the working directory first on the path: run from a checkout,
        # the children would import its sources, not the package compiled above, and
        # compile every module on every start when bytecode may not be written (CI).
        cwd = tmp
        home = Path(tmp) / "home"
        build_demo(home)
        env = _environment(home)
        env["ONCALL_USER"] = DEMO_USER  # the demo's config lets a login be named
        demo_env = _environment(None)
        demo_env["ONCALL_HOME"] = str(Path(tmp) / "unused")
        cases = {"bare Textual app + footer": (bare, _environment(None), READY),
                 "oncall (existing home)": (command, env, READY),
                 "oncall demo": ([*command, "demo"], demo_env, READY)}
        if posting:
            posting_env = _environment(None)
            for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
                posting_env[name] = str(Path(tmp) / "posting")  # its own, empty
            cases[POSTING] = ([posting], posting_env, POSTING_READY)
            samples[POSTING] = []
        for name, (argv, environment, needle) in list(cases.items()):  # warm the disk
            try:
                time_to_screen(argv, environment, needle=needle, cwd=cwd)
            except (OSError, RuntimeError) as exc:
                if name != POSTING:
                    raise
                # The yardstick is someone else's program: its failure is said, not ours.
                print(f"posting did not start, so it is not measured: {exc}"[:300],
                      file=sys.stderr)
                del cases[name], samples[name]
        # Taken in turn, so a change in the machine's load falls on every case alike and
        # the ratios to the bare app hold even when the absolute times drift.
        for _ in range(runs):
            for name, (argv, environment, needle) in cases.items():
                samples[name].append(time_to_screen(argv, environment, needle=needle,
                                                    cwd=cwd))
    results = {name: tuple(runs_) for name, runs_ in samples.items()}
    return results


def start_ratios(starts: dict[str, tuple[Startup, ...]]) -> str:
    """One line of the medians' ratios: ours to the bare app's, and, when posting was
    measured, to posting's (issue 11 asks `oncall demo` for at most half of it)."""
    median = {name: statistics.median(s.seconds for s in runs)
              for name, runs in starts.items() if runs}
    bare = median.get("bare Textual app + footer")
    parts = []
    if bare:
        parts.append(", ".join(f"{name} {median[name] / bare:.2f}x" for name in
                               ("oncall (existing home)", "oncall demo") if name in median)
                     + " a bare Textual app's start")
    yardstick = median.get(POSTING)
    if yardstick:
        parts.append(", ".join(f"{name} {median[name] / yardstick:.2f}x" for name in
                               ("oncall (existing home)", "oncall demo") if name in median)
                     + " posting's (issue 11 asks at most 0.50x)")
    else:
        parts.append("posting not measured (oncall bench --posting PATH)")
    return "start, ratio of medians: " + "; ".join(parts)


def summarise(starts: tuple[Startup, ...]) -> str:
    """'median 312 ms (min 300, max 340), 61 MiB resident'."""
    seconds = [s.seconds for s in starts]
    rss = [s.rss_kib for s in starts if s.rss_kib is not None]
    line = (f"median {statistics.median(seconds) * 1000:.0f} ms "
            f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f})")
    if rss:
        line += f", {statistics.median(rss) / 1024:.0f} MiB resident"
    return line


def bench_keystroke(runs: int = 40) -> tuple[list[float], list[float]]:
    """Seconds from a key typed on the compose screen (the demo's 20 sites, all the text
    sites ticked) to the next frame showing (a) every site's new count and (b) the
    findings of the checks on the new text. Returns the two lists of samples."""
    import asyncio

    from oncall.demo import DEMO_USER, build_demo
    from oncall.session import open_session
    from oncall.ui.app import make_app
    from oncall.ui.screens.compose import ComposeScreen

    counts: list[float] = []
    findings: list[float] = []

    async def run(home: Path) -> None:
        app = make_app(open_session(home, DEMO_USER))
        frames: list[float] = []
        checked: list[float] = []
        real_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                frames.append(time.perf_counter())
            real_display(screen, renderable)

        app._display = display  # type: ignore[method-assign]
        async with app.run_test(size=(80, 24)) as pilot:
            await _wait_for(pilot, lambda: type(app.screen).__name__ == "DashboardScreen"
                            and _rows(app.screen) > 0)
            await pilot.press("enter")
            await _wait_for(pilot, lambda: type(app.screen).__name__ == "IncidentScreen"
                            and getattr(app.screen, "incident", None) is not None)
            await pilot.press("c")
            await _wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen))
            screen: Any = app.screen
            screen.query_one("#compose-body").focus()
            real_checked = screen._checked

            def note_checked(*args: Any) -> None:
                real_checked(*args)
                checked.append(time.perf_counter())

            screen._checked = note_checked
            await pilot.pause(0.5)
            for i in range(runs + 3):
                frames.clear()
                checked.clear()
                started = time.perf_counter()
                await pilot.press("a" if i % 2 else "b")
                for _ in range(400):  # a guard, not a timing: at most 4 s
                    if checked and any(f > checked[0] for f in frames):
                        break
                    await asyncio.sleep(0.01)
                if i < 3 or not checked:  # the first keys warm the caches
                    continue
                counts.append(frames[0] - started)
                findings.append(next(f for f in frames if f > checked[0]) - started)
                await pilot.pause(0.05)

    with tempfile.TemporaryDirectory() as tmp:
        build_demo(Path(tmp))
        asyncio.run(run(Path(tmp)))
    return counts, findings


def _rows(screen: Any) -> int:
    return int(screen.query_one("#dash-incidents-table").row_count)


async def _wait_for(pilot: Any, ready: Any) -> None:
    for _ in range(500):  # a guard against a broken build, not a timing
        if ready():
            return
        await pilot.pause(0.02)
    raise RuntimeError("the compose screen never opened")
