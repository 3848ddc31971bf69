"""Fixtures shared by every test layer."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall.demo import DEMO_USER, build_demo
from oncall.session import Session, open_session


def acting(details: dict[str, object]) -> dict[str, object]:
    """A log entry's details as written by a test session: tests act as a demo officer,
    and the log records the Unix login behind them too."""
    return {**details, "unix_login": getpass.getuser()}


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's real home, login or playbooks override."""
    monkeypatch.delenv("ONCALL_PLAYBOOKS", raising=False)
    monkeypatch.setenv("ONCALL_HOME", str(tmp_path / "unset-home"))
    monkeypatch.setenv("ONCALL_USER", DEMO_USER)


@pytest.fixture
def demo_home(tmp_path: Path) -> Path:
    """A freshly built demo force with no incident open."""
    home = tmp_path / "home"
    build_demo(home, now=datetime.now(UTC), with_incident=False)
    return home


@pytest.fixture
def live_demo_home(tmp_path: Path) -> Path:
    """The demo as `oncall demo` builds it: one incident part-way through its checklist."""
    home = tmp_path / "live"
    build_demo(home, now=datetime.now(UTC))
    return home


@pytest.fixture
def demo_session(demo_home: Path) -> Session:
    """A session on the demo force as the on-call press officer."""
    return open_session(demo_home, DEMO_USER)
