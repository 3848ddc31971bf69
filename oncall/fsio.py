"""Crash-safe file writes and inter-process locks, shared by the store and the log.

Writes go to a temporary file in the same directory, are fsynced, renamed over
the target with `os.replace` (atomic on POSIX) and the directory is fsynced, so
a reader or a crash sees either the old file or the new one, never half of one.
Locks are `fcntl.flock` on a sidecar `.lock` file, so they work between
processes of different officers on one host and never touch the data file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# The shared home is kept by a group (the press office): its files are read and written
# by the group and never by anyone else, whatever the umask of the officer who made them.
SHARED_FILE_MODE = 0o660
# setgid: files made inside belong to the directory's group, not the maker's own.
SHARED_DIR_MODE = 0o2770


def set_mode(fd: int, mode: int) -> None:
    """Give a file just made its intended mode, not what the umask left of it. A file
    another officer made is theirs to set: EPERM there is not an error."""
    with contextlib.suppress(PermissionError):
        os.fchmod(fd, mode)


def make_dirs(directory: Path, mode: int = SHARED_DIR_MODE) -> None:
    """Create `directory` and any missing parents with `mode` (the umask aside)."""
    missing = []
    here = directory
    while not here.exists():
        missing.append(here)
        here = here.parent
    if not missing:  # every write passes here: one stat when the directory is there
        return
    directory.mkdir(parents=True, exist_ok=True)
    for made in reversed(missing):
        with contextlib.suppress(PermissionError, FileNotFoundError):
            os.chmod(made, mode)


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = SHARED_FILE_MODE) -> None:
    """Replace `path` with `data` so that a crash leaves the old or the new content.

    The file gets `mode` exactly (the umask aside): group read and write by default,
    0o600 for one only its owner reads."""
    directory = path.parent
    make_dirs(directory)
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        set_mode(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


@contextlib.contextmanager
def file_lock(lock_path: Path, exclusive: bool = True) -> Iterator[None]:
    """Hold an flock on `lock_path` (created if needed) for the duration of the block.

    A shared (reading) lock on a home this officer may only read opens the lock file
    read-only, and where it cannot even be created (a read-only home, which nobody can
    be writing) reads without one."""
    try:
        make_dirs(lock_path.parent)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, SHARED_FILE_MODE)
        set_mode(fd, SHARED_FILE_MODE)
    except OSError as exc:
        if exclusive or exc.errno not in (errno.EACCES, errno.EROFS, errno.EPERM):
            raise
        try:
            fd = os.open(lock_path, os.O_RDONLY)
        except FileNotFoundError:
            yield  # nothing can write a home where not even the lock can be made
            return
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                break
            except OSError as exc:  # pragma: no cover - signal during wait
                if exc.errno != errno.EINTR:
                    raise
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def lock_path_for(path: Path) -> Path:
    """The sidecar lock file guarding `path`."""
    return path.with_name(path.name + ".lock")


def remove_stale_temps(path: Path) -> int:
    """Delete temp files that a killed writer of `path` left behind; return how many.

    Only call this while holding `path`'s lock: every writer of `path` holds it,
    so no temp file found then can belong to a write still in progress.
    """
    removed = 0
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    return removed


class UnreadableFile(OSError):
    """A file oncall will not read: not a regular file, or larger than it can be."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes.

    A FIFO, a device (/dev/zero) or a directory where a settings file should be would
    otherwise hang the read or fill memory; they are refused with one clear line."""
    # O_NONBLOCK: opening a FIFO with no writer must not wait for one.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit:
            raise UnreadableFile(errno.EFBIG, f"too large ({_size(info.st_size)}; the limit "
                                 f"is {_size(limit)})", str(path))
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise UnreadableFile(errno.EFBIG, f"too large (over {_size(limit)})",
                                     str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def open_regular(path: Path, mode: str = "rb") -> BinaryIO:
    """`path` opened ("rb" or "rb+") only if it is a regular file: a FIFO or a device
    where a log or data file should be is refused (UnreadableFile) instead of waited on."""
    flags = {"rb": os.O_RDONLY, "rb+": os.O_RDWR}[mode]
    fd = os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFile(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(fd, mode)  # type: ignore[return-value]  # binary modes only
    except BaseException:
        os.close(fd)
        raise


class NotUTF8(ValueError):
    """Bytes that are not UTF-8 text, with the line (1-based) where they stop being it."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"{line}: not UTF-8 text ({reason})")
        self.line, self.reason = line, reason


def decode_utf8(raw: bytes) -> str:
    """`raw` as text; NotUTF8 names the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUTF8(raw[: exc.start].count(b"\n") + 1, exc.reason) from None


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"
