"""Who is working on a delivery or a draft right now, across processes and tasks.

A record being worked on carries an owner token, "host:pid#token". Another process
checks whether the pid is alive; this process checks whether the token is still
in use, so a second task here can tell live work from finished work. A record whose
owner is gone was left behind by a crash or a dropped SSH session.
"""

from __future__ import annotations

import os
import secrets
import socket

# Owner tokens of the deliveries this process is working on right now. A delivery's
# owner is "host:pid#token": another process checks the pid, this one checks the token,
# so a second task in the same process can tell a live send from a finished one.
_ACTIVE: set[str] = set()


def this_process() -> str:
    """host:pid of this process, recorded on deliveries it is working on."""
    return f"{socket.gethostname()}:{os.getpid()}"


def new_owner() -> str:
    """A fresh owner token for one piece of work on one delivery (see is_live)."""
    token = f"{this_process()}#{secrets.token_hex(4)}"
    _ACTIVE.add(token)
    return token


def release(owner: str) -> None:
    """The work behind `owner` has ended (done, failed, or left for a decision)."""
    _ACTIVE.discard(owner)


def is_live(owner: str) -> bool:
    """True if `owner` (host:pid#token) is work still going on.

    A delivery owned by another host is assumed live: we cannot see its processes."""
    if not owner:
        return False
    process, _, token = owner.partition("#")
    host, _, pid = process.rpartition(":")
    if host != socket.gethostname():
        return True
    if pid == str(os.getpid()):
        return not token or owner in _ACTIVE
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another officer's process on the same host: it exists
        return True
    return True


__all__ = ["is_live", "new_owner", "release", "this_process"]
