"""The command line: clear errors with exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncall.cli import main
from oncall.demo import build_demo


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_unknown_login_names_the_staff_file(demo_home: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--home", str(demo_home), "--user", "zz_nobody", "sites", "list")
    assert code == 2
    assert "'zz_nobody' is not in the staff directory" in err
    assert str(demo_home / "people.toml") in err
    assert "Traceback" not in err


def test_missing_home_explains_what_to_do(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--home", str(tmp_path / "nowhere"), "sites", "list")
    assert code == 2
    assert "no oncall home" in err and "oncall demo" in err


def test_bad_config_names_file_line_and_key(demo_home: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    config = demo_home / "config.toml"
    config.write_text('[ui]\ntheme = "corporate"\nclipboard_clear_seconds = "soon"\n'
                      "[ui_extra]\nx = 1\n")
    code, _, err = run(capsys, "--home", str(demo_home), "sites", "list")
    assert code == 2
    assert f"{config}:3: ui.clipboard_clear_seconds must be a whole number" in err
    assert f"{config}:4: unknown section [ui_extra]" in err


def test_sites_list_and_import(demo_home: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--home", str(demo_home), "sites", "list")
    assert code == 0
    assert len(out.splitlines()) == 20 and "Brackenford North" in out
    extra = tmp_path / "extra.toml"
    extra.write_text('[[site]]\nid = "new-fb"\nplatform = "facebook"\nname = "New page"\n'
                     'handle = "NewPage"\ntier = "corporate"\n')
    code, _, err = run(capsys, "--home", str(demo_home), "sites", "import", str(extra))
    assert code == 4 and "Only Web Communications" in err  # a press officer may not
    code, out, _ = run(capsys, "--home", str(demo_home), "--user", "mkowalski", "sites",
                       "import", str(extra))
    assert (code, out.strip()) == (0, f"imported 1 sites from {extra}")
    code, out, _ = run(capsys, "--home", str(demo_home), "log", "tail", "-n", "2", "--json")
    refused, imported = (json.loads(line) for line in out.splitlines())
    assert refused["action"] == "site.registry.refused" and refused["actor"] == "sokafor"
    assert imported["action"] == "site.registry.imported" and imported["actor"] == "mkowalski"


def test_bad_registry_names_line(demo_home: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[site]]\nid = "a"\nplatform = "myspace"\nname = "A"\nhandle = "a"\n'
                   'tier = "local"\n')
    code, _, err = run(capsys, "--home", str(demo_home), "--user", "mkowalski", "sites",
                       "import", str(bad))
    assert code == 2
    assert f"{bad}:3: unknown platform 'myspace'" in err
    assert f"{bad}:1: a local site needs its owning officer" in err


def test_log_tail_and_verify(demo_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--home", str(demo_home), "log", "tail")
    assert code == 0 and "shift.started" in out and "site.registry.imported" in out
    code, out, _ = run(capsys, "--home", str(demo_home), "log", "verify")
    assert code == 0 and "3 entries" in out


def test_demo_keep_builds_a_reusable_home(tmp_path: Path) -> None:
    home = tmp_path / "kept"
    build_demo(home)
    assert (home / "people.toml").exists() and (home / "config.toml").exists()
    assert len(list((home / "log").glob("*.jsonl"))) == 1


def test_check_exits_one_on_a_block_and_names_line_column_and_procedure(
        demo_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "draft.txt"
    text.write_text("Road closed.\nThanks to DC Liam Carver.\n")
    code, out, err = run(capsys, "--home", str(demo_home), "check", "--site", "corp-x",
                         str(text))
    assert code == 1
    assert f"{text}:2:14: BLOCK people.sensitive_role" in out
    assert "procedure: The sites should not identify colleagues in sensitive" in out
    assert "1 blocking" in err


def test_check_passes_with_warnings_only_and_reads_stdin(
        demo_home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Road closed, avoid the area.\n"))
    code, out, _ = run(capsys, "--home", str(demo_home), "check", "--site", "all", "--json",
                       "-")
    assert code == 0
    rules = [json.loads(line)["rule"] for line in out.splitlines()]
    assert "link.no_force_site" in rules and "platform.youtube_text" in rules


def test_check_unknown_site_is_a_usage_error(demo_home: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("hello")
    code, _, err = run(capsys, "--home", str(demo_home), "check", "--site", "nope", str(text))
    assert code == 2 and "unknown site(s): nope" in err


def test_work_set_aside_runs_in_a_child_and_reports_its_error_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import re

    from oncall.cli import _aside
    from oncall.cli_common import UsageError

    # As at `oncall demo`'s start: one thread. (Earlier tests in this process may have
    # left the vault's idle worker threads running, and _aside then rightly will not fork.)
    monkeypatch.setattr("threading.active_count", lambda: 1)
    marker = tmp_path / "built-by"
    wait = _aside(lambda: marker.write_text(str(os.getpid())))
    wait()
    assert marker.read_text() != str(os.getpid())  # another process did it

    def fails() -> None:
        raise ValueError("the shipped sites.toml is broken")

    with pytest.raises(UsageError, match=r"could not be built: the shipped sites\.toml is br"):
        _aside(fails)()
    missing = re.escape(str(tmp_path / "nowhere"))
    with pytest.raises(UsageError, match=f"could not be built: .*{missing}"):
        _aside(lambda: (tmp_path / "nowhere" / "x").read_text())()


def test_work_set_aside_in_a_threaded_process_runs_here_and_now(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from oncall.cli import _aside

    monkeypatch.setattr("threading.active_count", lambda: 2)
    marker = tmp_path / "built-by"
    wait = _aside(lambda: marker.write_text(str(os.getpid())))
    assert marker.read_text() == str(os.getpid())
    wait()
