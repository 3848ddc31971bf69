"""The shared home's files are the press office group's: read and written by the group,
never by anyone else, whatever the umask of the officer who made them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from oncall.demo import DEMO_KEY_DIR, build_demo
from oncall.session import open_session


@pytest.fixture
def umask_022() -> object:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_under_umask_022_nothing_is_world_readable_and_the_group_can_write(
        tmp_path: Path, umask_022: object) -> None:
    home = tmp_path / "home"
    build_demo(home)
    session = open_session(home, "sokafor")
    session.record("test.entry", subject="a new month file and HEAD")
    seen = 0
    for path in home.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert not mode & 0o007, f"{path} is {oct(mode)}: readable by anyone"
        if DEMO_KEY_DIR in path.parts:  # an officer's private signing keys: theirs alone
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}: a private key others can read"
        elif path.is_dir():
            assert mode & 0o070 == 0o070 and mode & stat.S_ISGID, f"{path} {oct(mode)}"
        elif path.name != "vault.sealed":  # the encrypted vault stays its owner's (0600)
            assert mode & 0o060 == 0o060, f"{path} is {oct(mode)}: the group cannot write"
        seen += 1
    assert seen > 10


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a read-only home anyway")
def test_a_read_only_home_serves_the_reading_commands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from oncall.cli import main

    home = tmp_path / "home"
    build_demo(home)
    for lock in home.rglob("*.lock"):
        lock.unlink()
    for path in [home, *home.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
    try:
        assert main(["sites", "list", "--home", str(home), "--user", "sokafor"]) == 0
        assert "corp-x" in capsys.readouterr().out
    finally:
        for path in [home, *home.rglob("*")]:
            path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)


def test_a_read_only_file_system_still_serves_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """As root (CI) permissions do not stop writes; a read-only file system does, for
    everyone: every open that could write fails with EROFS, as on a read-only mount."""
    import errno

    import oncall.fsio as fsio
    from oncall.cli import main

    home = tmp_path / "home"
    build_demo(home)
    for lock in home.rglob("*.lock"):
        lock.unlink()
    real_open = os.open

    def read_only(path: object, flags: int, *args: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(fsio.os, "open", read_only)
    assert main(["sites", "list", "--home", str(home), "--user", "sokafor"]) == 0
    assert "corp-x" in capsys.readouterr().out
