"""What other officers (and schedulers) change in the shared home, as it happens. No UI.

`watch_home` yields, for each burst of writes, the kinds of records that changed
("incidents", "drafts", "deliveries", "holds", "inbox", ..., and "log" for the action
log), so a console can re-read just those within a second of another officer's tick,
post or hold, instead of on a timer. It uses the operating system's file events
through watchfiles (inotify on Linux: no wake-ups while nothing changes); where that
cannot run (no watchfiles, the watch limit reached, a network file system that sends
no events) it falls back to comparing a few directory and file stamps every second.
Lock files, temporary files and oncall's own caches (the search index, the log index)
are not changes anyone needs to see.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from oncall.config import Paths

#: How long a burst of writes is gathered before it is reported (one fan-out writes
#: dozens of files in well under this).
DEBOUNCE_MS = 400
#: How often watchfiles' loop wakes to look at the events gathered and at `stop`: its
#: default of 50 ms is twenty wake-ups a second on an idle console; 400 ms is a few a
#: second, still well within "a second or two".
STEP_MS = 400
POLL_SECONDS = 1.0


def kinds_of(paths: Paths, changed: Iterable[str]) -> set[str]:
    """The record kinds that the changed file paths belong to (see the module doc)."""
    data, log = str(paths.data), str(paths.log)
    out: set[str] = set()
    for raw in changed:
        name = os.path.basename(raw)
        if name.endswith((".lock", ".tmp")) or name.startswith(".") or "/." in raw:
            continue
        if raw.startswith(log + os.sep):
            out.add("log")
        elif raw.startswith(data + os.sep):
            first = raw[len(data) + 1:].split(os.sep, 1)[0]
            out.add(first.removesuffix(".json"))
    return out


def _stamps(paths: Paths) -> dict[str, tuple[int, int]]:
    """The polling fallback's view: each record file and directory one level down, and
    the log's files (a write renames into its directory, changing the directory)."""
    found: dict[str, tuple[int, int]] = {}
    for top in (paths.data, paths.log):
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name.endswith(".lock"):
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            found[entry.path] = (info.st_mtime_ns, info.st_size)
            if entry.is_dir():
                try:
                    for sub in os.scandir(entry.path):  # an incident's own directory
                        if sub.is_dir():
                            found[sub.path + os.sep + "x"] = (sub.stat().st_mtime_ns, 0)
                except OSError:
                    continue
    return found


def _poll(paths: Paths, stop: threading.Event, every: float) -> Iterator[set[str]]:
    before = _stamps(paths)
    while not stop.wait(every):
        now = _stamps(paths)
        changed = {p for p in now.keys() | before.keys() if now.get(p) != before.get(p)}
        before = now
        kinds = kinds_of(paths, changed)
        if kinds:
            yield kinds


def watch_home(paths: Paths, stop: threading.Event, *, poll_only: bool = False,
               every: float = POLL_SECONDS) -> Iterator[set[str]]:
    """Yield the kinds of records changed by anyone, burst by burst, until `stop` is
    set. Blocks: run it in a thread."""
    if not poll_only:
        try:
            from watchfiles import watch

            for changes in watch(paths.data, paths.log, stop_event=stop,
                                 debounce=DEBOUNCE_MS, step=STEP_MS, raise_interrupt=False,
                                 rust_timeout=0, yield_on_timeout=False):
                kinds = kinds_of(paths, (path for _, path in changes))
                if kinds:
                    yield kinds
            return
        except (ImportError, OSError, RuntimeError):
            pass  # no watchfiles, or no file events here: poll instead
    yield from _poll(paths, stop, every)


__all__ = ["DEBOUNCE_MS", "POLL_SECONDS", "STEP_MS", "kinds_of", "watch_home"]


def _main() -> None:  # pragma: no cover - a manual check: python -m oncall.homewatch HOME
    import sys

    stop = threading.Event()
    for kinds in watch_home(Paths(Path(sys.argv[1])), stop):
        print(sorted(kinds), flush=True)


if __name__ == "__main__":  # pragma: no cover
    _main()
