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

# New files honour the umask, so a group-writable shared home stays group-writable.
_FILE_MODE = 0o666


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = _FILE_MODE) -> None:
    """Replace `path` with `data` so that a crash leaves the old or the new content.

    `mode` is for a new file (the umask applies), e.g. 0o600 for one only its owner reads."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
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
    """Hold an flock on `lock_path` (created if needed) for the duration of the block."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, _FILE_MODE)
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


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"
