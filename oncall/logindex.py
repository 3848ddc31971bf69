"""Where each incident's entries sit in the log, so its timeline is read in a few seeks
instead of by parsing every line since it opened (months, for a long incident) on every
refresh.

The index is a cache beside the log (`log/.index/`): one file per incident listing the
month file, offset and length of each of its lines, and `pos`, how far the log has been
indexed. Whoever reads a timeline first brings the index up to date, scanning only what
was appended since (one pass over a line's bytes for its incident id, no full parse), so
appends stay as they were. An index that disagrees with the log (a line that is not
there, or not that incident's) is thrown away and rebuilt; it can never change what the
log says, only how fast it is found. A home where it cannot be written falls back to
the scan.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO

from oncall.actionlog import ActionLog
from oncall.fsio import (
    SHARED_FILE_MODE,
    atomic_write,
    file_lock,
    make_dirs,
    open_regular,
    set_mode,
)
from oncall.model import LogEntry

# The writer puts "incident" straight after "action", so this finds the entry's own field,
# never an "incident" key inside its details.
_INCIDENT = re.compile(rb'"action":"(?:[^"\\]|\\.)*","incident":"((?:[^"\\]|\\.)*)"')
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,100}")


class IndexMismatch(Exception):
    """The index points somewhere the log does not agree with."""


class LogIndex:
    """The per-incident index of one log directory."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self.dir = self.log_dir / ".index"

    def entries(self, incident: str) -> list[LogEntry]:
        """The log entries of `incident`, oldest first. Raises OSError when the index
        cannot be kept (a read-only home): the caller scans instead."""
        if not _SAFE.fullmatch(incident):
            return []
        for attempt in (1, 2):
            self.update()
            try:
                return self._read(incident)
            except IndexMismatch:
                if attempt == 2:
                    raise OSError(f"the log index in {self.dir} keeps disagreeing with "
                                  "the log") from None
                self.clear()
        return []

    def clear(self) -> None:
        """Forget the index; the next read rebuilds it."""
        with file_lock(self.dir / ".lock"):
            for path in self.dir.iterdir():
                if path.name != ".lock":
                    path.unlink() if path.is_file() else shutil.rmtree(path)

    def update(self) -> None:
        """Index what was appended since the last update."""
        make_dirs(self.dir)
        with file_lock(self.dir / ".lock"):
            files = ActionLog(self.log_dir).files()
            name, offset = before = self._pos()
            names = [p.name for p in files]
            if name and (name not in names or (self.log_dir / name).stat().st_size < offset):
                # The log was cut or replaced under the index: start again.
                for path in self.dir.glob("*.idx"):
                    path.unlink()
                name, offset = "", 0
            found: dict[str, list[str]] = {}
            for path in files:
                if name and path.name < name:
                    continue
                start = offset if path.name == name else 0
                end = self._scan(path, start, found)
                name, offset = path.name, end
            for incident, rows in found.items():
                fd = os.open(self.dir / f"{incident}.idx",
                             os.O_WRONLY | os.O_APPEND | os.O_CREAT, SHARED_FILE_MODE)
                try:
                    set_mode(fd, SHARED_FILE_MODE)  # the group's, whatever the umask
                    os.write(fd, "".join(rows).encode("ascii"))
                finally:
                    os.close(fd)
            if name and (name, offset) != before:
                # A crash between the rows and `pos` leaves rows indexed twice: _read
                # drops the repeats.
                atomic_write(self.dir / "pos", f"{name} {offset}\n".encode())

    def _pos(self) -> tuple[str, int]:
        try:
            name, offset = (self.dir / "pos").read_text(encoding="utf-8").split()
            return name, int(offset)
        except (OSError, ValueError):
            return "", 0

    @staticmethod
    def _scan(path: Path, start: int, found: dict[str, list[str]]) -> int:
        """Index the whole lines of `path` from `start`; return where they end."""
        with open_regular(path) as fh:
            fh.seek(start)
            position = start
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # a line still being written: the next update takes it
                match = _INCIDENT.search(raw)
                if match:
                    incident = match.group(1).decode("utf-8", "replace")
                    if _SAFE.fullmatch(incident):
                        found.setdefault(incident, []).append(
                            f"{path.name} {position} {len(raw)}\n")
                position += len(raw)
        return position

    def _read(self, incident: str) -> list[LogEntry]:
        try:
            rows = (self.dir / f"{incident}.idx").read_text(encoding="ascii").splitlines()
        except FileNotFoundError:
            return []
        out: list[LogEntry] = []
        handles: dict[str, BinaryIO] = {}
        files: dict[str, tuple[int, int]] = {}
        try:
            for row in dict.fromkeys(rows):  # a row indexed twice (after a crash) once
                try:
                    name, offset, length = row.split()
                    where = files.get(name)
                    if where is None:
                        info = (self.log_dir / name).stat()
                        where = files[name] = (info.st_dev, info.st_ino)
                    key = (*where, int(offset), int(length))
                    entry = _PARSED.get(key)
                    if entry is None or entry.incident != incident:  # an inode reused
                        fh = handles.get(name)
                        if fh is None:
                            fh = handles[name] = open_regular(self.log_dir / name)
                        fh.seek(int(offset))
                        data = json.loads(fh.read(int(length)))
                        if data.get("incident") != incident:
                            raise IndexMismatch(row)
                        entry = LogEntry.from_dict(data)
                        if len(_PARSED) >= _PARSED_LIMIT:
                            _PARSED.clear()
                        _PARSED[key] = entry
                    out.append(entry)
                except (ValueError, AttributeError, TypeError, FileNotFoundError):
                    raise IndexMismatch(row) from None
        finally:
            for fh in handles.values():
                fh.close()
        return out


# Entries already parsed, by (device, inode, offset, length) of their line: an appended
# log never changes a line, so a timeline refresh parses only what is new. A month file
# replaced gets a new inode, so nothing read from the old one is shown for it.
_PARSED: dict[tuple[int, int, int, int], LogEntry] = {}
_PARSED_LIMIT = 200_000
