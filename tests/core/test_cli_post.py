"""`oncall post` and `oncall incident protect`, over real HTTP to the sandbox."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall.cli import main
from oncall.sandbox import Sandbox
from oncall.sandbox.state import Fault
from oncall.session import open_session
from tests.conftest import open_demo_incident, point_at_sandbox

LINK = "https://www.merciavale.police.uk/news/a34"
TEXT = f"The A34 at Mill Lane is closed after a collision. Please avoid the area. {LINK}"


@pytest.fixture
def home(demo_home: Path) -> Iterator[tuple[Path, str, Sandbox]]:
    with Sandbox(port=0) as sandbox:
        session = open_session(demo_home, "sokafor")
        point_at_sandbox(session, sandbox)
        incident = open_demo_incident(session, "road-collision", "Collision, A34")
        yield demo_home, incident, sandbox


def post(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path,
         *argv: str, stdin: str = "", user: str = "sokafor") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--home", str(home), "--user", user, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_sent_everywhere_exit_0(home: tuple[Path, str, Sandbox],
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    path, incident, sandbox = home
    code, out, err = post(capsys, monkeypatch, path, "post", "--incident", incident,
                          "--group", "corporate", "-", stdin=TEXT)
    assert code == 0, err
    lines = out.splitlines()
    assert sum(" sent " in line for line in lines) == 6
    assert any(line.startswith("corp-yt") and "skipped" in line for line in lines)
    assert "6 of 6 site(s) sent" in err
    assert {p["account"] for p in sandbox.state.posts()} == {
        "corp-fb", "corp-x", "corp-x-roads", "corp-masto", "corp-bsky", "corp-fb-recruit"}


def test_some_failed_exit_1_and_each_line_says_why(home: tuple[Path, str, Sandbox],
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path, incident, sandbox = home
    sandbox.inject("corp-x", Fault("server_error", times=-1))
    code, out, err = post(capsys, monkeypatch, path, "post", "--incident", incident,
                          "--site", "corp-x", "--site", "corp-fb", "-", stdin=TEXT)
    assert code == 1
    x_line = next(line for line in out.splitlines() if line.startswith("corp-x"))
    assert "FAILED" in x_line and "HTTP 500" in x_line
    assert "1 of 2 site(s) sent" in err


def test_blocked_exit_3_nothing_sent(home: tuple[Path, str, Sandbox],
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path, incident, sandbox = home
    code, _, err = post(capsys, monkeypatch, path, "post", "--incident", incident,
                        "--site", "corp-fb", "-", stdin=f"DC Liam Carver attended. {LINK}")
    assert code == 3 and "people.sensitive_role" in err and sandbox.state.posts() == []


def test_a_warning_needs_ack_which_is_logged(home: tuple[Path, str, Sandbox],
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path, incident, sandbox = home
    text = "The A34 at Mill Lane is closed. Please avoid the area."
    code, _, err = post(capsys, monkeypatch, path, "post", "--incident", incident,
                        "--site", "corp-fb", "-", stdin=text)
    assert code == 3 and "link.no_force_site" in err
    code, _, _ = post(capsys, monkeypatch, path, "post", "--incident", incident,
                      "--site", "corp-fb", "--ack", "link.no_force_site", "-", stdin=text)
    assert code == 0 and len(sandbox.state.posts()) == 1
    actions = [e.action for e in open_session(path, "sokafor").log.entries()]
    assert "policy.acknowledged" in actions


@pytest.mark.parametrize(("user", "site"), [("gmercer", "corp-fb"), ("thale", "corp-fb"),
                                            ("thale", "wren-fb")])
def test_refused_exit_4_nothing_sent(home: tuple[Path, str, Sandbox],
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch, user: str,
                                     site: str) -> None:
    path, incident, sandbox = home
    code, _, err = post(capsys, monkeypatch, path, "post", "--incident", incident,
                        "--site", site, "-", stdin=TEXT, user=user)
    assert code == 4 and "refused" in err and sandbox.state.posts() == []


def test_a_template_filled_from_fields(home: tuple[Path, str, Sandbox],
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path, incident, sandbox = home
    argv = ["post", "--incident", incident, "--site", "corp-fb", "--template",
            "common-holding", "--field", "what=a serious collision",
            "--field", "place=Mill Lane, Brackenford", "--field", "reported_time=now",
            "--field", "advice=Please avoid the area.", "--field", "incident_number=512"]
    code, _, err = post(capsys, monkeypatch, path, *argv)
    assert code == 0, err
    [sent] = sandbox.state.posts()
    assert "a serious collision in Mill Lane, Brackenford" in sent["text"]
    code, _, err = post(capsys, monkeypatch, path, *argv[:-2])
    assert code == 2 and "incident_number" in err


@pytest.mark.parametrize("argv", [
    ["--site", "corp-fb", "--group", "corporate", "-"],
    ["--group", "nonsense", "-"],
    ["--site", "corp-fb", "--field", "a=b", "-"],
    ["--site", "corp-fb", "/no/such/file"],
])
def test_bad_input_exit_2(home: tuple[Path, str, Sandbox], capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    path, incident, sandbox = home
    code, _, err = post(capsys, monkeypatch, path, "post", "--incident", incident, *argv,
                        stdin=TEXT)
    assert code == 2 and "Traceback" not in err and sandbox.state.posts() == []


def test_protect_reads_the_name_from_stdin_and_never_logs_it(
        home: tuple[Path, str, Sandbox], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path, incident, _ = home
    code, out, _ = post(capsys, monkeypatch, path, "incident", "protect", incident,
                        "--kind", "sexual_offence", "--name", stdin="Jane Doe\n")
    assert code == 0 and "1 protected name(s); sexual offence" in out
    code, _, err = post(capsys, monkeypatch, path, "post", "--incident", incident,
                        "--site", "corp-fb", "-", stdin=f"Ms Doe thanks you all. {LINK}")
    assert code == 3 and "court.victim_named" in err and "Doe" not in err
    log = "".join(p.read_text(encoding="utf-8") for p in (path / "log").glob("*.jsonl"))
    assert "Doe" not in log
    code, _, err = post(capsys, monkeypatch, path, "incident", "protect", incident,
                        "--name", stdin="Ann Other\n", user="gmercer")
    assert code == 4
