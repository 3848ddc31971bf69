"""Everything one officer's run of oncall works with, opened in one place.

The CLI, the TUI and the tests all build a Session the same way, so a check
that holds in a test holds for the officer too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oncall.actionlog import ActionLog, Pending
from oncall.config import Paths, Settings, load_settings
from oncall.model import LogEntry, Person
from oncall.staff import Directory, load_directory, unix_login
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
    # The Unix login behind a demo or test session acting as someone else; "" otherwise.
    acting_for: str = ""
    # ONCALL_USER when it was set but this home does not allow it (so it was ignored).
    ignored_user: str = ""

    def record(self, action: str, *, incident: str | None = None, subject: str | None = None,
               details: dict[str, Any] | None = None) -> LogEntry:
        """Write an action by the current user to the action log."""
        return self.record_many([Pending("", "", action, incident, subject, details or {})])[0]

    def record_many(self, items: Sequence[Pending]) -> list[LogEntry]:
        """Write several actions by the current user in one append (see
        ActionLog.append_many); each item's actor and role are this officer's, whatever
        the item says, and a demo or test session adds the Unix login behind it."""
        unix = {"unix_login": self.acting_for} if self.acting_for else {}
        return self.log.append_many([
            Pending(self.user.login, self.user.role_label, i.action, i.incident, i.subject,
                    {**i.details, **unix}) for i in items])

    def log_at(self, clock: Any) -> ActionLog:
        """This officer's signed log with another clock (the demo's back-dated history)."""
        return ActionLog(self.paths.log, clock, key_dir=self.settings.key_dir(self.paths.home),
                         author=self.user.login)


class IdentityRefused(Exception):
    """Asked to act as someone else in a home that does not allow it."""


def resolve_login(paths: Paths, settings: Settings, login: str | None) -> tuple[str, str]:
    """Who acts: (their login, an ONCALL_USER that was ignored or ""). Raises
    IdentityRefused when `login` names someone else in a home that does not allow it."""
    real = unix_login()
    env = os.environ.get("ONCALL_USER", "")
    ignored = ""
    if login and login != real and not settings.identity.allow_login_override:
        raise IdentityRefused(
            f"--user asks to act as {login!r}, but in this home each officer is their own "
            f"Unix login ({real!r}); [identity] allow_login_override in {paths.config} is "
            "for demo and test homes only")
    if not login and env and env != real and not settings.identity.allow_login_override:
        ignored, env = env, ""  # a leftover from a demo shell must not change who acts
    return login or env or real, ignored


def open_session(home: Path, login: str | None = None) -> Session:
    """Open the home at `home` as `login` (default: the current login).

    Raises TomlError for a bad config.toml or people.toml, UnknownUser for a login that
    is not in the staff directory (both say which file to fix), and IdentityRefused
    when `login` names someone else in a home that does not allow it. ONCALL_USER is
    ignored there (see `Session.ignored_user`): the officer is their Unix login.
    """
    paths = Paths(Path(home))
    paths.ensure()
    settings = load_settings(paths.config)
    directory: Directory = load_directory(paths.people)
    real = unix_login()
    wanted, ignored = resolve_login(paths, settings, login)
    user = directory.person(wanted)
    store = Store(paths.data)
    log = ActionLog(paths.log, key_dir=settings.key_dir(paths.home), author=user.login)
    session = Session(paths, settings, directory, user, store, log,
                      SiteRepository(store), IncidentRepository(store),
                      acting_for=real if wanted != real else "", ignored_user=ignored)
    if user.read_only:
        from oncall.oversight import store_refuser

        store.refuse_writes = store_refuser(user, session.record)
    return session
