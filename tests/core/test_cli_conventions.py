"""The command line as the ecosystem expects it: help with examples and exit codes,
global options after the command too, --debug writing a log that holds no secret, shell
completion, and package metadata."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from oncall.cli import build_parser, main
from oncall.debuglog import start_debug_log
from oncall.demo import build_demo

ROOT = Path(__file__).resolve().parents[2]


def test_help_gives_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "oncall demo" in out
    assert "exit codes:" in out and "4 the procedure refuses" in out


def test_global_options_follow_the_command_too(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    build_demo(home, with_incident=False)
    before = build_parser().parse_args(["--home", str(home), "log", "verify"])
    after = build_parser().parse_args(["log", "verify", "--home", str(home)])
    assert before.home == after.home == str(home)
    # Given before, not overwritten by the subcommand's default.
    assert build_parser().parse_args(["--theme", "mono", "sites", "list"]).theme == "mono"
    assert main(["log", "verify", "--home", str(home), "--user", "sokafor"]) == 0
    assert "verified" in capsys.readouterr().out


def test_debug_log_holds_what_happened_but_no_secret(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        path = start_debug_log(build_parser().parse_args(["--debug"]), tmp_path)
        logging.getLogger("httpx").info("HTTP Request: POST https://api.x.com/2/tweets "
                                        "Authorization: Bearer AAAAsecretTOKEN123")
        logging.getLogger("httpcore").debug('{"access_token": "tok-987654"} sent')
        logging.getLogger("keyring.backend").debug("password for corp-x is hunter2hunter2")
        try:
            raise RuntimeError("refresh failed: password=opensesame42")
        except RuntimeError:
            logging.getLogger("oncall.ui").debug("worker error", exc_info=True)
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
                root.removeHandler(handler)
        root.setLevel(level)
        sys.excepthook = sys.__excepthook__
    text = path.read_text()
    assert "api.x.com" in text and "RuntimeError" in text and "Python" in text
    for secret in ("AAAAsecretTOKEN123", "tok-987654", "hunter2hunter2", "opensesame42"):
        assert secret not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_shell_completion_answers_without_starting_anything(tmp_path: Path) -> None:
    env = {**os.environ, "_ARGCOMPLETE": "1", "COMP_LINE": "oncall va", "COMP_POINT": "9",
           "_ARGCOMPLETE_IFS": "\n"}
    out = tmp_path / "completions"
    env["_ARGCOMPLETE_STDOUT_FILENAME"] = str(out)
    subprocess.run([sys.executable, "-m", "oncall"], env=env, check=False, timeout=60,
                   capture_output=True)
    assert "vault" in out.read_text().split()


def test_package_metadata_is_complete_and_private() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "Private :: Do Not Upload" in meta["classifiers"]
    assert meta["license"] and meta["urls"]
    assert (ROOT / "oncall" / "py.typed").exists()


def test_no_default_names_a_real_force() -> None:
    from oncall.config import ForceSettings

    defaults = ForceSettings()
    assert defaults.website == "" and "police.uk" not in defaults.disclaimer
