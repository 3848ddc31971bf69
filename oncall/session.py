"""Everything one officer's run of oncall works with, opened in one place.

The CLI, the TUI and the tests all build a Session the same way, so a check
that holds in a test holds for the officer too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall.actionlog import ActionLog
from oncall.config import Paths, Settings, load_settings
from oncall.model import LogEntry, Person
from oncall.staff import Directory, current_login, load_directory
from oncall.store import IncidentRepository, SiteRepository, Store


@dataclass
class Session:
    """The home, settings, staff directory, current user, records and log."""

    paths: Paths
    settings: Settings
    directory: Directory
    user: Person
    store: Store
    log: ActionLog
    sites: SiteRepository
    incidents: IncidentRepository

    def record(self, action: str, *, incident: str | None = None, subject: str | None = None,
               details: dict[str, Any] | None = None) -> LogEntry:
        """Write an action by the current user to the action log."""
        return self.log.append(self.user.login, self.user.role_label, action,
                               incident=incident, subject=subject, details=details)


def open_session(home: Path, login: str | None = None) -> Session:
    """Open the home at `home` as `login` (default: the current login).

    Raises TomlError for a bad config.toml or people.toml and UnknownUser for a
    login that is not in the staff directory; both say which file to fix.
    """
    paths = Paths(Path(home))
    paths.ensure()
    settings = load_settings(paths.config)
    directory: Directory = load_directory(paths.people)
    user = directory.person(login or current_login())
    store = Store(paths.data)
    return Session(paths, settings, directory, user, store, ActionLog(paths.log),
                   SiteRepository(store), IncidentRepository(store))
