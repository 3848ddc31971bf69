"""Fixtures for the multi-process reliability tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def child_env() -> dict[str, str]:
    """Environment for a child `sys.executable` that must import this checkout of oncall."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("ONCALL_HOME", None)
    return env


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
