"""Identity is the Unix login; acting as someone else only in a home that allows it."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from oncall.cli import main
from oncall.session import IdentityRefused, open_session

REAL = getpass.getuser()


@pytest.fixture
def force_home(demo_home: Path) -> Path:
    """The demo home made into a force's: no login override, and the real login in the
    staff directory as a press officer."""
    config = demo_home / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert "allow_login_override = true" in text
    config.write_text(text.replace("allow_login_override = true",
                                   "allow_login_override = false"), encoding="utf-8")
    people = demo_home / "people.toml"
    people.write_text(people.read_text(encoding="utf-8") +
                      f'\n[[person]]\nlogin = "{REAL}"\nname = "Real Officer"\n'
                      'roles = ["press_officer"]\n', encoding="utf-8")
    return demo_home


def test_oncall_user_is_ignored_in_a_force_home(force_home: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_USER", "rellison")
    session = open_session(force_home)
    assert session.user.login == REAL and session.ignored_user == "rellison"
    entry = session.record("test.action")
    assert entry.actor == REAL and "unix_login" not in entry.details


def test_user_flag_is_refused_in_a_force_home(force_home: Path) -> None:
    with pytest.raises(IdentityRefused) as caught:
        open_session(force_home, "rellison")
    assert "--user" in str(caught.value) and REAL in str(caught.value)


def test_cli_says_oncall_user_was_ignored(force_home: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_USER", "rellison")
    assert main(["--home", str(force_home), "sites", "list"]) == 0
    assert f"ONCALL_USER=rellison ignored: in this home you act as your Unix login, {REAL}" \
        in capsys.readouterr().err


def test_the_unix_login_is_who_acts_in_a_force_home(force_home: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONCALL_USER")
    session = open_session(force_home)
    assert session.user.login == REAL and session.acting_for == ""
    entry = session.record("test.action")
    assert entry.actor == REAL and "unix_login" not in entry.details


def test_cli_refuses_another_login_with_one_line(force_home: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONCALL_USER")
    assert main(["--home", str(force_home), "--user", "mkowalski", "sites", "list"]) == 2
    err = capsys.readouterr().err
    assert "--user asks to act as 'mkowalski'" in err and "Traceback" not in err


def test_a_demo_home_logs_both_logins(demo_home: Path) -> None:
    session = open_session(demo_home, "mkowalski")
    entry = session.record("test.action", details={"x": 1})
    assert entry.actor == "mkowalski"
    assert entry.details == {"x": 1, "unix_login": REAL}
