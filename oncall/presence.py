"""Who else is working now, and where: so that two officers on one incident know of
each other before they post the same update twice or edit one draft. No UI here.

Each running console keeps one small file in the home (`data/presence/<login>.json`:
who, which screen, which incident and draft, when, and its process), rewritten when
the officer moves and every half minute; it is removed when the console ends. A file
older than `FRESH` (a console that was killed) or of a process no longer running on
this host is not someone working. These files are not records: nothing is logged, and
Professional Standards' read-only console keeps one too (they are watching).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oncall.fsio import atomic_write, make_dirs
from oncall.owners import is_live
from oncall.timeutil import parse_iso, utcnow

if TYPE_CHECKING:
    from oncall.session import Session

#: A console rewrites its file at least this often; older files are not someone working.
HEARTBEAT = timedelta(seconds=30)
FRESH = timedelta(seconds=90)


@dataclass(frozen=True)
class Here:
    """One officer's console: where they are now."""

    login: str
    name: str
    where: str             # the screen, in words: "dashboard", "compose", "incident", ...
    incident: str = ""
    draft: str = ""
    at: datetime | None = None

    def describe(self) -> str:
        """ "Daniel Pritchard (compose, 20261205-01)" """
        what = ", ".join(x for x in (self.where, self.incident) if x)
        return f"{self.name} ({what})" if what else self.name


class Presence:
    """This officer's presence file, and everyone else's."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dir = session.paths.data / "presence"
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def here(self, where: str, incident: str = "", draft: str = "",
             now: datetime | None = None) -> None:
        """Say where this officer is now. A home that cannot be written is no reason to
        stop working: the others just do not see them."""
        user = self.session.user
        data = {"login": user.login, "name": user.name, "where": where,
                "incident": incident, "draft": draft,
                "at": (now or utcnow()).isoformat(), "owner": self.owner}
        try:
            make_dirs(self.dir)
            atomic_write(self.dir / f"{user.login}.json",
                         json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass

    def leave(self) -> None:
        """This console is ending: it is no longer here (only if the file is its own)."""
        path = self.dir / f"{self.session.user.login}.json"
        try:
            if json.loads(path.read_text("utf-8")).get("owner") == self.owner:
                path.unlink()
        except (OSError, ValueError, AttributeError):
            pass

    def others(self, now: datetime | None = None) -> list[Here]:
        """Everyone else working now, by name."""
        now = now or utcnow()
        found = []
        try:
            files = sorted(self.dir.glob("*.json"))
        except OSError:
            return []
        for path in files:
            try:
                data = json.loads(path.read_text("utf-8"))
                at = parse_iso(str(data["at"]))
                login = str(data["login"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # torn or foreign: not someone we can name
            if login == self.session.user.login or now - at > FRESH:
                continue
            if not is_live(str(data.get("owner", ""))):
                continue  # its console ended without saying so (on this host)
            person = self.session.directory.people.get(login)
            found.append(Here(login, person.name if person else login,
                              str(data.get("where", "")), str(data.get("incident", "")),
                              str(data.get("draft", "")), at))
        return found


__all__ = ["FRESH", "HEARTBEAT", "Here", "Presence"]
