"""Fixtures shared by every test layer."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall.demo import DEMO_USER, build_demo
from oncall.model import Site
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
    # Officers' signing keys are made on first use in their account: here, a test's own.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # verify checkpoints
    # Screens are read as UTF-8 unless a test asks for an ASCII-only terminal.
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    monkeypatch.delenv("ONCALL_ASCII", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


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


@pytest.fixture
def sandbox() -> Iterator[object]:
    """A local sandbox on a free port for one test (tests/sandbox has its own, which
    also checks that its threads end)."""
    from oncall.sandbox import Sandbox

    with Sandbox(port=0) as box:
        yield box


def point_at_sandbox(session: Session, sandbox: object) -> list[Site]:
    """Point every site of the session's registry at a running sandbox; returns the
    text-post sites (all but YouTube)."""
    sites = [replace(s, api_base=sandbox.base_for(s.platform))  # type: ignore[attr-defined]
             for s in session.sites.all()]
    session.sites.put_many(sites)
    return [s for s in sites if s.platform != "youtube"]


def open_demo_incident(session: Session, playbook: str = "missing-high-risk",
                       title: str = "Collision") -> str:
    """Open an incident from a shipped playbook; its id."""
    from oncall.incidents import Incidents
    from oncall.playbooks import load_library
    from oncall.resources import shipped_dir

    return Incidents(session).open(load_library(shipped_dir("playbooks")).playbooks[playbook],
                                   title).id
