"""One line for the officer about something that failed outside oncall's control.

A full disk, a read-only or vanished home, a broken record file: each ends the one
action it hit, never the app, and is described in one line saying what could not be
done. No traceback, and never an exception's own text where it might quote a secret.
"""

from __future__ import annotations

import errno

_WHY = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the home is on a read-only file system",
    errno.EIO: "the disk reported an input/output error",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "the oncall home or a file in it has gone",
}


def describe(exc: BaseException) -> str:
    """One plain line for a storage or expected domain failure."""
    if isinstance(exc, OSError):
        why = _WHY.get(exc.errno or 0) or exc.strerror or type(exc).__name__
        where = f" ({exc.filename})" if exc.filename else ""
        return f"oncall could not save or read its records: {why}{where}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
