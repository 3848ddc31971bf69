"""Attested checkpoints: one officer's walk of the log spares the next verifier the
signatures it covers, and can neither be forged nor hide a change (oncall.logattest)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from oncall import signing
from oncall.anchors import anchor, verify_with_anchors
from oncall.demo import DEMO_KEY_DIR, build_demo
from oncall.logattest import _message, attestation_path
from oncall.session import Session, open_session
from oncall.signing import KeyDir


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    build_demo(home, with_incident=False)
    press, web = open_session(home, "sokafor"), open_session(home, "mkowalski")
    for n in range(8):
        (press if n % 2 else web).record("post.sent", subject=f"site-{n}", details={"n": n})
    anchor(press)
    return home


def pin(home: Path, *logins: str) -> None:
    people = home / "people.toml"
    text = people.read_text()
    for login in logins:
        key = KeyDir(home / DEMO_KEY_DIR).signer(login).public
        text = text.replace(f'login = "{login}"',
                            f'login = "{login}"\nsigning_keys = ["{key}"]', 1)
    people.write_text(text)


def verify_as(session: Session, account: Path, monkeypatch: pytest.MonkeyPatch,
              resume: bool = True):  # -> VerifyResult
    """Verify as the console does, from the account whose private state is `account`."""
    monkeypatch.setenv("XDG_STATE_HOME", str(account))
    return verify_with_anchors(session.log, session.directory.pins(),
                               session.settings.log.anchor_read, session.paths.home,
                               resume=resume)


@pytest.fixture
def signatures_checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    real = signing.verify

    def counting(public: str, signature: str, message: bytes) -> bool:
        checked.append(public)
        return real(public, signature, message)

    monkeypatch.setattr(signing, "verify", counting)
    return checked


def test_a_pinned_officers_walk_spares_the_next_verifier_its_signatures(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        signatures_checked: list[str]) -> None:
    pin(home, "sokafor")
    first = verify_as(open_session(home, "sokafor"), tmp_path / "a", monkeypatch)
    assert first.ok and first.resumed_at == 0
    assert attestation_path(home / "log", "sokafor").exists()
    walked = first.count
    open_session(home, "mkowalski").record("post.sent", subject="later")
    signatures_checked.clear()
    other = verify_as(open_session(home, "mkowalski"), tmp_path / "b", monkeypatch)
    assert other.ok and other.count == walked + 1
    assert other.resumed_at == walked and other.resumed_from.startswith("sokafor at ")
    assert "as sokafor at" in str(other) and "attested" in str(other)
    # Of mkowalski's five entries, only the one written since the attested walk.
    web_key = KeyDir(home / DEMO_KEY_DIR).signer("mkowalski").public
    assert signatures_checked.count(web_key) == 1


def test_no_attestation_without_a_pinned_key(home: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert verify_as(open_session(home, "sokafor"), tmp_path / "a", monkeypatch).ok
    assert not attestation_path(home / "log", "sokafor").exists()


def set_aside_after(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    tamper: Callable[[dict[str, str]], None]) -> list[str]:
    """sokafor (pinned) attests a walk, `tamper` changes the attestation's document, and
    mkowalski's first verify walks everything; returns its notes."""
    pin(home, "sokafor")
    assert verify_as(open_session(home, "sokafor"), tmp_path / "a", monkeypatch).ok
    path = attestation_path(home / "log", "sokafor")
    doc = json.loads(path.read_text())
    tamper(doc)
    path.write_text(json.dumps(doc))
    result = verify_as(open_session(home, "mkowalski"), tmp_path / "b", monkeypatch)
    assert result.ok and result.resumed_at == 0
    return result.notes


def test_an_altered_attestation_is_set_aside_and_the_walk_is_whole(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def one_more_signed(doc: dict[str, str]) -> None:
        body = json.loads(doc["checkpoint"])
        body["state"]["signed"] += 1
        doc["checkpoint"] = json.dumps(body)

    notes = set_aside_after(home, tmp_path, monkeypatch, one_more_signed)
    assert any("does not match its signature" in n for n in notes)


def test_an_attestation_signed_with_a_key_not_pinned_is_set_aside(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forger = KeyDir(tmp_path / "forger").signer("sokafor")  # a colleague's own key

    def re_signed(doc: dict[str, str]) -> None:
        doc["key"] = forger.public
        doc["sig"] = forger.sign(_message("sokafor", doc["at"], doc["checkpoint"]))

    notes = set_aside_after(home, tmp_path, monkeypatch, re_signed)
    assert any("not pinned for them" in n for n in notes)


def test_a_change_inside_the_attested_part_is_still_caught(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(home, "sokafor")
    assert verify_as(open_session(home, "sokafor"), tmp_path / "a", monkeypatch).ok
    (month,) = [p for p in (home / "log").glob("*.jsonl") if p.stat().st_size]
    month.write_bytes(month.read_bytes().replace(b'"n":3,', b'"n":9,', 1))
    result = verify_as(open_session(home, "mkowalski"), tmp_path / "b", monkeypatch)
    assert not result.ok and "hash mismatch" in result.reason


def test_a_walk_resting_on_anothers_attestation_is_not_attested_onwards(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(home, "sokafor", "mkowalski")
    assert verify_as(open_session(home, "sokafor"), tmp_path / "a", monkeypatch).ok
    web = open_session(home, "mkowalski")
    web.record("post.sent", subject="later")
    rested = verify_as(web, tmp_path / "b", monkeypatch)
    assert rested.ok and rested.resumed_from
    assert not attestation_path(home / "log", "mkowalski").exists()
    # Their own checkpoint rests on it too: walking again from it attests nothing.
    again = verify_as(open_session(home, "mkowalski"), tmp_path / "b", monkeypatch)
    assert again.ok and not attestation_path(home / "log", "mkowalski").exists()
    whole = verify_as(open_session(home, "mkowalski"), tmp_path / "b", monkeypatch,
                      resume=False)
    assert whole.ok and attestation_path(home / "log", "mkowalski").exists()


def test_the_cli_attests_a_pinned_officers_walk_and_another_account_builds_on_it(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from oncall.cli import main

    pin(home, "sokafor")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "a"))
    assert main(["--home", str(home), "--user", "sokafor", "log", "verify", "--full"]) == 0
    assert attestation_path(home / "log", "sokafor").exists()
    capsys.readouterr()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "b"))
    assert main(["--home", str(home), "--user", "mkowalski", "log", "verify"]) == 0
    out = capsys.readouterr().out
    assert "as sokafor at" in out and "attested" in out
