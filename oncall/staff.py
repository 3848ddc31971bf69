"""The staff directory (`people.toml`): who people are, their roles, the rota and absences.

Identity is the Unix login, mapped to a person here. The rota says who is the
on-call press officer now; absences feed the procedure's access tiers.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from oncall.model import Person, Role
from oncall.timeutil import utcnow
from oncall.tomlfile import Problem, TomlDoc, TomlError, check_type, load, type_name

_ROLES = {r.value for r in Role}


class UnknownUser(Exception):
    """The login is not in the staff directory."""

    def __init__(self, login: str, path: Path) -> None:
        self.login = login
        self.path = path
        super().__init__(
            f"'{login}' is not in the staff directory. Ask Web Communications to add a "
            f"[[person]] entry with login = \"{login}\" to {path}"
        )


@dataclass(frozen=True)
class Shift:
    """A stretch of on-call duty."""

    login: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Absence:
    """A recorded absence (leave, sickness) that moves access to the next tier."""

    login: str
    start: datetime
    end: datetime
    reason: str = ""


@dataclass
class Directory:
    """Everyone oncall knows about."""

    path: Path
    people: dict[str, Person] = field(default_factory=dict)
    rota: list[Shift] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)

    def pins(self) -> dict[str, list[str]]:
        """The signing keys pinned here, login -> public keys (see oncall.signing)."""
        return {p.login: list(p.signing_keys) for p in self.people.values() if p.signing_keys}

    def person(self, login: str) -> Person:
        """The person with `login`; UnknownUser if none."""
        try:
            return self.people[login]
        except KeyError:
            raise UnknownUser(login, self.path) from None

    def on_call(self, now: datetime | None = None) -> list[Person]:
        """The press officers whose shift covers `now`."""
        now = now or utcnow()
        return [self.people[s.login] for s in self.rota
                if s.start <= now < s.end and s.login in self.people]

    def is_on_call(self, login: str, now: datetime | None = None) -> bool:
        return any(p.login == login for p in self.on_call(now))

    def absent(self, login: str, now: datetime | None = None) -> Absence | None:
        """The absence covering `now` for `login`, if any."""
        now = now or utcnow()
        for a in self.absences:
            if a.login == login and a.start <= now < a.end:
                return a
        return None


def current_login() -> str:
    """The login oncall would act as: `ONCALL_USER` if set, else the Unix login. Whether
    a home lets ONCALL_USER count is `session.open_session`'s decision."""
    return os.environ.get("ONCALL_USER") or unix_login()


def unix_login() -> str:
    """The login of the person running this process."""
    return getpass.getuser()


_PERSON_FIELDS: dict[str, type | tuple[type, ...]] = {
    f.name: (list if f.name in ("roles", "nicknames", "signing_keys") else
             bool if f.name == "sensitive_role" else str)
    for f in fields(Person)
}


def _as_utc(value: Any, end_of_day: bool) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return None  # a rota time without a zone is ambiguous at the clock change
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.max if end_of_day else time.min, UTC)
    return None


def _spans(doc: TomlDoc, name: str, problems: list[Problem]) -> list[dict[str, Any]]:
    out = []
    items = doc.data.get(name, [])
    if not isinstance(items, list):
        problems.append(doc.problem(f"{name} must be written as [[{name}]] entries", name))
        return []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(doc.problem(f"{name} must be written as [[{name}]] entries", name, i))
            continue
        unknown = set(item) - {"login", "start", "end", "reason"}
        for key in sorted(unknown):
            problems.append(doc.problem(f"unknown key {name}.{key}", name, i, key))
        start = _as_utc(item.get("start"), end_of_day=False)
        end = _as_utc(item.get("end"), end_of_day=True)
        if not isinstance(item.get("login"), str):
            problems.append(doc.problem(f"{name} entry needs login = \"...\"", name, i))
        elif start is None or end is None:
            problems.append(doc.problem(
                f"{name} entry needs start and end as dates or times with a zone "
                "(e.g. 2026-11-26T17:00:00Z)", name, i))
        elif end <= start:
            problems.append(doc.problem(f"{name} entry ends before it starts", name, i, "end"))
        else:
            out.append({"login": item["login"], "start": start, "end": end,
                        "reason": str(item.get("reason", ""))})
    return out


def _is_key(text: object) -> bool:
    from oncall.signing import is_public_text  # cryptography only where keys are pinned

    return is_public_text(text)


def load_directory(path: Path) -> Directory:
    """Read `people.toml`; raise TomlError listing every problem with its line."""
    if not path.exists():
        raise TomlError([Problem(path, None, "staff directory not found; "
                                 "run `oncall demo` to see an example")])
    doc = load(path)
    problems: list[Problem] = []
    for key in doc.data:
        if key not in ("person", "rota", "absence"):
            problems.append(doc.problem(
                f"unknown table {key}; expected [[person]], [[rota]] or [[absence]]", key))
    people: dict[str, Person] = {}
    persons = doc.data.get("person", [])
    if not isinstance(persons, list):
        problems.append(doc.problem("person must be written as [[person]] entries", "person"))
        persons = []
    for i, item in enumerate(persons):
        if not isinstance(item, dict):
            problems.append(doc.problem(
                "person must be written as [[person]] entries", "person", i))
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            kind = _PERSON_FIELDS.get(key)
            if kind is None:
                problems.append(doc.problem(f"unknown key person.{key}", "person", i, key))
            elif not check_type(value, kind):
                problems.append(doc.problem(
                    f"person.{key} must be {type_name(kind)}", "person", i, key))
            else:
                values[key] = value
        bad_roles = [r for r in values.get("roles", []) if r not in _ROLES]
        if bad_roles:
            problems.append(doc.problem(
                f"unknown role(s) {', '.join(map(str, bad_roles))}; known: "
                f"{', '.join(sorted(_ROLES))}", "person", i, "roles"))
        bad_keys = [k for k in values.get("signing_keys", []) if not _is_key(k)]
        if bad_keys:
            problems.append(doc.problem(
                'person.signing_keys must list keys as "ed25519:<base64>", as '
                "`oncall log keys` prints them", "person", i, "signing_keys"))
        if "login" not in values or "name" not in values:
            problems.append(doc.problem("person needs login and name", "person", i))
            continue
        if values["login"] in people:
            problems.append(doc.problem(
                f"login {values['login']!r} appears twice", "person", i, "login"))
        people[values["login"]] = Person(**values)
    rota = [Shift(s["login"], s["start"], s["end"]) for s in _spans(doc, "rota", problems)]
    absences = [Absence(**a) for a in _spans(doc, "absence", problems)]
    for i, shift in enumerate(rota):
        if shift.login not in people:
            problems.append(doc.problem(f"rota names unknown login {shift.login!r}", "rota", i))
    if problems:
        raise TomlError(problems)
    return Directory(path, people, rota, absences)
