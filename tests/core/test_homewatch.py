"""Seeing other officers' work as it happens (issue 15): a write to the shared home by
another process is reported, by kind, within a second or two, through the OS's file
events or the polling fallback; locks, temporary files and caches are not changes."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from oncall.config import Paths
from oncall.homewatch import kinds_of, watch_home


def test_changed_paths_are_told_by_their_kind(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    data, log = str(paths.data), str(paths.log)
    assert kinds_of(paths, [f"{data}/incidents.json", f"{data}/ticks/INC-1.json",
                            f"{data}/deliveries/INC-1/p1.json", f"{log}/2026-12.jsonl",
                            f"{data}/holds.json.lock", f"{data}/.search/INC-1.json",
                            f"{log}/.index/INC-1.idx", f"{data}/drafts/.x.json.tmp"]) == {
        "incidents", "ticks", "deliveries", "log"}


@pytest.mark.parametrize("poll_only", [False, True])
def test_another_process_writing_is_seen_within_two_seconds(
        demo_home: Path, poll_only: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import oncall.homewatch

    if not poll_only:  # the file events themselves, not the fallback, must see it
        def no_polling(*args: object, **kw: object) -> None:
            raise AssertionError("fell back to polling")
        monkeypatch.setattr(oncall.homewatch, "_poll", no_polling)
    paths = Paths(demo_home)
    stop = threading.Event()
    seen: queue.Queue[set[str]] = queue.Queue()
    ready = threading.Event()

    def watch() -> None:
        ready.set()
        for kinds in watch_home(paths, stop, poll_only=poll_only, every=0.1):
            seen.put(kinds)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(5)
    try:
        # The watcher needs a moment to register before the first write it must see:
        # write until it reports one (each try is a real hold, set by another process).
        got: set[str] = set()
        for _ in range(5):
            subprocess.run([sys.executable, "-m", "oncall", "--home", str(demo_home),
                            "--user", "sokafor", "hold", "set", "--reason", "gold"],
                           check=True, capture_output=True, timeout=60)
            try:
                got = seen.get(timeout=2.0)
                break
            except queue.Empty:
                continue
        # The hold and its log line are two writes: a poll may fall between them, so the
        # second can come in the next report.
        for _ in range(5):
            if {"holds", "log"} <= got:
                break
            try:
                got |= seen.get(timeout=2.0)
            except queue.Empty:
                break
        assert {"holds", "log"} <= got
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
