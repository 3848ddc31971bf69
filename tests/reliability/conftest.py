"""Fixtures for the multi-process reliability tests."""

from __future__ import annotations

import os
import subprocess
import sys
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


def run_together(script: str, target: Path, workers: int, per_worker: int,
                 env: dict[str, str]) -> None:
    """Run `workers` copies of `script` (argv: target, worker number, per_worker), each
    waiting for "go" after printing "ready", released at once so their writes overlap.
    Fails the test if any child fails; kills them all if anything goes wrong."""
    children = [
        subprocess.Popen([sys.executable, "-c", script, str(target), str(w), str(per_worker)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, text=True)
        for w in range(workers)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            _, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


@pytest.fixture(params=["in turn", "on every core"])
def walk_either_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each tamper is caught, with the same line, whether the walk checks signatures in
    turn or hands them to worker processes (a long walk, two cores or more)."""
    if request.param == "on every core":
        import oncall.sigpool

        monkeypatch.setattr(oncall.sigpool, "MIN_BYTES", 0)
        monkeypatch.setattr(oncall.sigpool, "BATCH", 2)
        monkeypatch.setattr(oncall.sigpool, "usable_cores", lambda: 2)
    return str(request.param)
