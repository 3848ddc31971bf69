"""people.toml: the staff directory, rota and absences."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall.config import Paths
from oncall.model import Role
from oncall.staff import Directory, UnknownUser, current_login, load_directory
from oncall.tomlfile import TomlError

PEOPLE = """
# The staff directory
[[person]]
login = "jbloggs"
name = "Jo Bloggs"
roles = ["press_officer"]
title = "Press Officer"

[[person]]
login = "asmith"
name = "Alex Smith"
roles = ["web_comms", "press_officer"]
nicknames = ["Al"]

[[person]]
login = "phale"
name = "PC Pat Hale"
roles = ["site_owner"]
collar = "1234"
sensitive_role = true

[[rota]]
login = "jbloggs"
start = 2026-11-26T17:00:00Z
end = 2026-11-27T08:00:00Z

[[rota]]
login = "asmith"
# 08:00 BST on 1 October is 07:00 UTC
start = 2026-10-01T08:00:00+01:00
end = 2026-10-01T17:00:00+01:00

[[rota]]
login = "jbloggs"
start = 2026-11-27T07:00:00Z
end = 2026-11-27T09:00:00Z

[[absence]]
login = "phale"
start = 2026-11-20
end = 2026-11-27
reason = "annual leave"
"""


def write(home: Path, text: str) -> Path:
    path = Paths(home).people
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, marker: str, occurrence: int = 1) -> int:
    found = [n for n, line in enumerate(path.read_text().splitlines(), start=1)
             if marker in line]
    return found[occurrence - 1]


def error(path: Path) -> TomlError:
    with pytest.raises(TomlError) as info:
        load_directory(path)
    return info.value


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def directory(home: Path) -> Directory:
    return load_directory(write(home, PEOPLE))


def test_people_are_loaded_with_their_fields(directory: Directory, home: Path) -> None:
    assert directory.path == Paths(home).people
    assert sorted(directory.people) == ["asmith", "jbloggs", "phale"]
    jo = directory.person("jbloggs")
    assert jo.name == "Jo Bloggs" and jo.title == "Press Officer"
    assert jo.has(Role.PRESS_OFFICER) and not jo.has(Role.WEB_COMMS)
    assert jo.role_label == "Press Officer"
    alex = directory.person("asmith")
    assert alex.roles == ["web_comms", "press_officer"]
    assert alex.role_label == "Web Communications"
    assert alex.nicknames == ["Al"]
    assert directory.person("phale").sensitive_role is True
    assert len(directory.rota) == 3 and len(directory.absences) == 1


def test_unknown_user_names_the_login_and_the_file(directory: Directory, home: Path) -> None:
    with pytest.raises(UnknownUser) as info:
        directory.person("mallory")
    message = str(info.value)
    assert "'mallory'" in message
    assert str(Paths(home).people) in message
    assert 'login = "mallory"' in message
    assert info.value.login == "mallory"


def test_on_call_follows_the_rota(directory: Directory) -> None:
    def logins(when: str) -> list[str]:
        return [p.login for p in directory.on_call(at(when))]

    assert logins("2026-11-26T16:59:59Z") == []
    assert logins("2026-11-26T17:00:00Z") == ["jbloggs"]  # start is inclusive
    assert logins("2026-11-27T03:00:00Z") == ["jbloggs"]
    assert logins("2026-11-27T07:30:00Z") == ["jbloggs", "jbloggs"]  # overlapping shifts
    assert logins("2026-11-27T08:00:00Z") == ["jbloggs"]  # first shift's end is exclusive
    assert logins("2026-11-27T09:00:00Z") == []
    # A rota written with a +01:00 offset is compared in UTC.
    assert logins("2026-10-01T06:59:00Z") == []
    assert logins("2026-10-01T07:00:00Z") == ["asmith"]
    assert logins("2026-10-01T08:00:00+01:00") == ["asmith"]
    assert logins("2026-10-01T15:59:00Z") == ["asmith"]
    assert logins("2026-10-01T16:00:00Z") == []
    assert directory.is_on_call("jbloggs", at("2026-11-26T23:00:00Z"))
    assert not directory.is_on_call("asmith", at("2026-11-26T23:00:00Z"))


def test_absence_given_as_dates_covers_whole_days(directory: Directory) -> None:
    assert directory.absent("phale", at("2026-11-19T23:59:59Z")) is None
    absence = directory.absent("phale", at("2026-11-20T00:00:00Z"))
    assert absence is not None and absence.reason == "annual leave"
    assert directory.absent("phale", at("2026-11-27T23:59:00Z")) is not None
    assert directory.absent("phale", at("2026-11-28T00:00:00Z")) is None
    assert directory.absent("jbloggs", at("2026-11-22T12:00:00Z")) is None


def test_absence_with_times(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "lcomms"
        name = "Local Comms"
        roles = ["local_comms"]

        [[absence]]
        login = "lcomms"
        start = 2026-11-26T09:00:00Z
        end = 2026-11-26T13:00:00Z
        reason = "sick"
    """)
    d = load_directory(path)
    assert d.absent("lcomms", at("2026-11-26T08:59:00Z")) is None
    assert d.absent("lcomms", at("2026-11-26T09:00:00Z")).reason == "sick"
    assert d.absent("lcomms", at("2026-11-26T13:00:00Z")) is None


def test_missing_file_names_the_path(home: Path) -> None:
    err = error(Paths(home).people)
    assert str(Paths(home).people) in str(err)
    assert "not found" in str(err)


def test_unknown_role(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[person]]
        login = "asmith"
        name = "Alex Smith"
        roles = ["press_officer", "superintendent"]
    """)
    err = error(path)
    assert f"people.toml:{line_of(path, 'superintendent')}:" in str(err)
    assert "superintendent" in str(err)
    assert "press_officer" in str(err)  # lists the known roles


def test_duplicate_login(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[person]]
        name = "Joanne Bloggs"
        login = "jbloggs"
    """)
    err = error(path)
    assert len(err.problems) == 1
    assert f"people.toml:{line_of(path, 'login', occurrence=2)}:" in str(err)
    assert "'jbloggs' appears twice" in str(err)


def test_missing_name(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[person]]
        login = "asmith"
        roles = ["web_comms"]
    """)
    err = error(path)
    assert f"people.toml:{line_of(path, '[[person]]', occurrence=2)}:" in str(err)
    assert "name" in str(err)


def test_unknown_person_key_and_wrong_type(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"
        rank = "PC"
        roles = "press_officer"
    """)
    err = error(path)
    assert [p.line for p in err.problems] == [4, 5]
    assert "person.rank" in str(err) and "person.roles" in str(err)


def test_rota_time_without_timezone(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[rota]]
        login = "jbloggs"
        start = 2026-11-26T17:00:00Z
        end = 2026-11-27T08:00:00Z

        [[rota]]
        login = "jbloggs"
        start = 2026-10-25T01:30:00
        end = 2026-10-25T08:00:00Z
    """)
    err = error(path)
    assert len(err.problems) == 1
    assert f"people.toml:{line_of(path, '[[rota]]', occurrence=2)}:" in str(err)
    assert "zone" in str(err)


def test_rota_that_ends_before_it_starts(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[rota]]
        login = "jbloggs"
        start = 2026-11-27T08:00:00Z
        end = 2026-11-26T17:00:00Z
    """)
    err = error(path)
    assert f"people.toml:{line_of(path, 'end =')}:" in str(err)
    assert "ends before it starts" in str(err)


def test_rota_naming_an_unknown_login(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[rota]]
        login = "jblogs"
        start = 2026-11-26T17:00:00Z
        end = 2026-11-27T08:00:00Z
    """)
    err = error(path)
    assert f"people.toml:{line_of(path, '[[rota]]')}:" in str(err)
    assert "'jblogs'" in str(err)


def test_unknown_table(home: Path) -> None:
    path = write(home, """
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[people]]
        login = "asmith"
    """)
    err = error(path)
    assert f"people.toml:{line_of(path, '[[people]]')}:" in str(err)


@pytest.mark.parametrize("text", [
    # [person] written with single brackets: a table, not an array of tables.
    '# staff\n[person]\nlogin = "jbloggs"\nname = "Jo Bloggs"\n',
    '# staff\nperson = ["jbloggs"]\n',
    '# staff\nrota = ["jbloggs"]\n',
    '# staff\nabsence = [1, 2]\n',
])
def test_entries_that_are_not_tables_are_reported_not_crashed_on(home: Path,
                                                                 text: str) -> None:
    path = Paths(home).people
    path.write_text(text)
    err = error(path)
    assert "people.toml:2:" in str(err)
    assert "must be written as [[" in str(err)


def test_current_login_prefers_oncall_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_USER", "asmith")
    assert current_login() == "asmith"


def test_on_call_defaults_to_now(home: Path) -> None:
    now = datetime.now(UTC)
    path = write(home, f"""
        [[person]]
        login = "jbloggs"
        name = "Jo Bloggs"

        [[rota]]
        login = "jbloggs"
        start = {(now - timedelta(days=1)).isoformat()}
        end = {(now + timedelta(days=1)).isoformat()}
    """)
    assert [p.login for p in load_directory(path).on_call()] == ["jbloggs"]
