"""The tamper set a colleague with write access to the home could try, each caught by
`oncall log verify` with a clear line: re-hashed edits, forged entries in another's
name, swapped keys, stripped signatures, removed months, a replaced or emptied log."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from oncall.actionlog import ActionLog, NotYourName, seal
from oncall.anchors import AnchorError, anchor, read_anchors
from oncall.cli import main
from oncall.demo import DEMO_KEY_DIR, build_demo
from oncall.session import open_session
from oncall.signing import KeyDir, Signer, SigningKeyError

# Every test here, with signatures checked in turn and on every core (conftest).
pytestmark = pytest.mark.usefixtures("walk_either_way")

Lines = list[dict]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A demo home whose signed log holds entries by two officers, anchored by the
    demo and once more part-way (the demo's witness is `witness.log` in the home).
    Built where each test runs, not copied: an anchor names the home's path."""
    home = tmp_path / "home"
    build_demo(home, with_incident=False)
    press, web = open_session(home, "sokafor"), open_session(home, "mkowalski")
    for n in range(6):
        (press if n % 2 else web).record("post.sent", subject=f"site-{n}", details={"n": n})
    anchor(press)
    for n in range(6, 9):
        press.record("post.sent", subject=f"site-{n}", details={"n": n})
    return home


def verify(home: Path, anchors: bool = True):  # -> VerifyResult
    session = open_session(home, "sokafor")
    found = read_anchors(session.settings.log.anchor_read, home).anchors if anchors else []
    return session.log.verify(session.directory.pins(), found)


def the_file(home: Path) -> Path:
    files = [p for p in ActionLog(home / "log").files() if p.stat().st_size]
    assert len(files) == 1
    return files[0]


def read(home: Path) -> Lines:
    return [json.loads(raw) for raw in the_file(home).read_bytes().splitlines()]


def write(home: Path, entries: Lines) -> None:
    """Write `entries` back as a forger would: re-chained and re-hashed from the first,
    each keeping its signature unless it was given a new one, HEAD rewritten."""
    prev = "0" * 64
    for seq, entry in enumerate(entries, start=1):
        entry["seq"], entry["prev"] = seq, prev
        seal(entry)
        prev = entry["hash"]
    the_file(home).write_bytes(b"".join(
        json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for e in entries))
    (home / "log" / "HEAD").write_text(f"{len(entries)} {prev}\n")


def signed_by(entry: dict, signer: Signer) -> dict:
    """`entry` re-keyed, re-hashed and signed by `signer` (the forger's own key)."""
    entry["key"] = signer.public
    seal(entry)
    entry["sig"] = signer.sign(entry["hash"].encode("ascii"))
    return entry


def forger(tmp_path: Path, login: str = "mallory") -> Signer:
    return KeyDir(tmp_path / "forger-keys").signer(login)


def fails(home: Path, reason: str, anchors: bool = True) -> None:
    result = verify(home, anchors)
    assert not result.ok, str(result)
    assert reason in result.reason, result.reason


def test_the_pristine_log_is_signed_anchored_and_says_what_it_cannot_prove(
        home: Path) -> None:
    result = verify(home)
    assert result.ok and result.count == 13
    assert result.signed == 13 and result.unsigned == 0
    assert set(result.keys) == {"sokafor", "mkowalski"}
    assert result.anchors_read == result.anchors_matched == 2  # the demo's and ours
    text = str(result)
    assert "signatures: 13 entries signed" in text
    assert "anchors: 2 of 2 read match the log" in text
    assert "entries 10-13 come after the last anchor" in text
    assert "trusted from their first use" in text


def test_an_edit_re_hashed_with_a_new_head_breaks_the_signatures(home: Path) -> None:
    entries = read(home)
    entries[4]["details"] = {"n": 999}
    write(home, entries)
    fails(home, "entry 5: the signature does not match")


def test_an_edit_re_signed_with_the_forgers_own_key_names_whose_key_it_is(
        home: Path, tmp_path: Path) -> None:
    entries = read(home)
    # mallory holds sokafor's home login but not their key: she signs with her own
    entries[6]["details"] = {"n": 999}
    signed_by(entries[6], KeyDir(home / DEMO_KEY_DIR).signer("mkowalski"))
    write(home, entries)
    fails(home, "entry 7 names 'sokafor' as its author but is signed with 'mkowalski''s key")


def test_a_line_deleted_and_the_rest_renumbered_breaks_the_signatures(home: Path) -> None:
    entries = read(home)
    del entries[3]
    write(home, entries)
    fails(home, "the signature does not match")


def test_a_forged_entry_in_another_officers_name_is_caught(home: Path, tmp_path: Path) -> None:
    entries = read(home)
    forged = dict(entries[-1], action="credential.revealed", subject="corp-fb", seq=14,
                  prev=entries[-1]["hash"])
    entries.append(signed_by(forged, forger(tmp_path, "sokafor")))
    write(home, entries)
    fails(home, "entry 14 by 'sokafor' is signed with a new key")


def test_a_forged_entry_is_caught_against_a_pinned_key_too(home: Path, tmp_path: Path) -> None:
    people = home / "people.toml"
    real = KeyDir(home / DEMO_KEY_DIR).signer("sokafor").public
    people.write_text(people.read_text().replace(
        'login = "sokafor"', f'login = "sokafor"\nsigning_keys = ["{real}"]', 1))
    assert verify(home).ok and verify(home).pinned == 1
    entries = read(home)
    entries[0] = signed_by(entries[0], forger(tmp_path, "sokafor"))
    write(home, entries)
    fails(home, "not a key pinned for them in people.toml")


def test_an_unsigned_entry_after_signing_began_is_caught(home: Path) -> None:
    entries = read(home)
    forged = {k: v for k, v in entries[-1].items() if k not in ("key", "sig")}
    entries.append(dict(forged, action="vault.revealed"))
    write(home, entries)
    fails(home, "entry 14 by 'sokafor' is not signed, though every entry since 1 is")


def test_a_stripped_signature_changes_the_hash(home: Path) -> None:
    path = the_file(home)
    lines = path.read_bytes().splitlines(keepends=True)
    entry = json.loads(lines[2])
    del entry["key"], entry["sig"]
    lines[2] = json.dumps(entry, separators=(",", ":")).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    fails(home, "hash mismatch")


def test_a_log_replaced_whole_is_caught_by_the_anchor(home: Path, tmp_path: Path) -> None:
    # The forger rewrites every entry as her own, so every signature is sound
    me = forger(tmp_path, "mallory")
    prev = "0" * 64
    entries = read(home)
    for entry in entries:
        entry.update(actor="mallory", details={}, prev=prev)
        prev = signed_by(entry, me)["hash"]
    the_file(home).write_bytes(b"".join(
        json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in entries))
    (home / "log" / "HEAD").write_text(f"{len(entries)} {prev}\n")
    assert verify(home, anchors=False).ok  # from the home alone it looks sound...
    fails(home, "is not the entry anchored at")  # ...but the witness remembers


def test_a_log_and_head_deleted_is_caught_by_the_anchor(home: Path) -> None:
    for path in (home / "log").iterdir():
        if path.suffix == ".jsonl" or path.name == "HEAD":
            path.unlink()
    assert verify(home, anchors=False).ok and verify(home, anchors=False).count == 0
    fails(home, "records entry 9, but the log ends at entry 0")


def test_lines_cut_from_the_end_with_head_rewritten_are_caught_when_anchored(
        home: Path) -> None:
    write(home, read(home)[:5])
    fails(home, "records entry 9, but the log ends at entry 5")


def test_a_missing_month_between_two_present_is_caught(home: Path) -> None:
    log = ActionLog(home / "log")
    (one,) = [p for p in log.files() if p.stat().st_size]
    year, month = map(int, one.stem.split("-"))
    for ahead in (1, 2):
        m = month + ahead
        (home / "log" / f"{year + (m - 1) // 12:04d}-{(m - 1) % 12 + 1:02d}.jsonl").touch()
    assert log.verify().ok
    middle = log.files()[-2]
    middle.unlink()
    result = log.verify()
    assert not result.ok and f"{middle.name} is missing between" in result.reason


def test_a_quiet_month_is_kept_as_an_empty_file(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    times = iter([datetime(2026, 9, 30, 23, 0, tzinfo=UTC),
                  datetime(2026, 12, 1, 1, 0, tzinfo=UTC)])
    log = ActionLog(tmp_path / "log", clock=lambda: next(times))
    log.append("a", "Press Officer", "one")
    log.append("a", "Press Officer", "two")
    assert [p.name for p in log.files()] == ["2026-09.jsonl", "2026-10.jsonl", "2026-11.jsonl",
                                             "2026-12.jsonl"]
    assert log.verify().ok


def test_an_entry_moved_into_another_months_file_is_caught(home: Path) -> None:
    path = the_file(home)
    path.rename(path.with_name("2001-01.jsonl"))
    fails(home, "sits in another month's file")


def test_a_signed_log_writes_only_in_its_officers_name(home: Path) -> None:
    session = open_session(home, "sokafor")
    with pytest.raises(NotYourName, match="cannot write an entry in 'mkowalski'"):
        session.log.append("mkowalski", "Web Communications", "site.removed")
    assert verify(home).count == 13


def test_a_private_key_others_can_read_is_refused_and_never_shown(tmp_path: Path) -> None:
    keys = KeyDir(tmp_path / "keys")
    signer = keys.signer("sokafor")
    path = keys.path("sokafor")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert keys.signer("sokafor").public == signer.public  # made once, then read back
    secret = path.read_text().strip()
    assert secret not in repr(signer)
    os.chmod(path, 0o640)
    with pytest.raises(SigningKeyError, match="can be read by others") as caught:
        keys.signer("sokafor")
    assert secret not in str(caught.value)


def test_a_key_that_cannot_be_made_is_one_clear_error_and_nothing_is_logged(
        home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    session = open_session(home, "sokafor")
    session.log = ActionLog(home / "log", key_dir=blocker / "keys", author="sokafor")
    with pytest.raises(SigningKeyError, match=r"cannot (make|read) your signing key"):
        session.record("post.sent")
    assert verify(home).count == 13


def test_a_failing_witness_is_one_line_and_nothing_is_recorded_as_anchored(
        home: Path) -> None:
    config = home / "config.toml"
    config.write_text(config.read_text().replace(
        'anchor_command = ["sh", "-c", "umask 007; cat >> \\"$ONCALL_HOME_DIR/witness.log\\""]',
        'anchor_command = ["sh", "-c", "echo relay refused >&2; exit 3"]'))
    session = open_session(home, "sokafor")
    with pytest.raises(AnchorError, match="failed \\(exit 3\\): relay refused"):
        anchor(session)
    assert verify(home).count == 13


def test_the_cli_anchors_and_verify_reads_the_witness_back(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(home), "--user", "sokafor", "log", "anchor"]) == 0
    assert "anchored entry 13" in capsys.readouterr().out
    assert main(["--home", str(home), "log", "verify"]) == 0
    out = capsys.readouterr().out
    assert "anchors: 3 of 3 read match" in out and "after the last anchor" not in out
    write(home, read(home)[:10])
    assert main(["--home", str(home), "log", "verify"]) == 1
    assert "records entry 13, but the log ends at entry 10" in capsys.readouterr().err


def test_an_anchor_with_a_bad_signature_is_set_aside_and_named(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    witness = home / "witness.log"
    line = witness.read_text().splitlines()[0].replace('"seq":2', '"seq":1')
    witness.write_text(witness.read_text() + "Dec  4 03:00 host oncall[1]: " + line + "\n")
    assert main(["--home", str(home), "log", "verify"]) == 0
    out = capsys.readouterr().out
    assert "witness.log:3: the anchor's signature does not match" in out
    assert "anchors: 2 of 2 read match" in out


def test_log_keys_prints_lines_to_pin(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(home), "log", "keys"]) == 0
    out = capsys.readouterr().out
    real = KeyDir(home / DEMO_KEY_DIR).signer("mkowalski").public
    assert f'signing_keys = ["{real}"]' in out and "first use" in out


# --- resuming from a checkpoint ------------------------------------------------------------

def checkpointed(home: Path, tmp_path: Path):  # -> VerifyResult
    session = open_session(home, "sokafor")
    found = read_anchors(session.settings.log.anchor_read, home).anchors
    return session.log.verify(session.directory.pins(), found, checkpoints=tmp_path / "checkpoints")


def test_a_second_walk_resumes_after_the_first_and_checks_only_what_is_new(
        home: Path, tmp_path: Path) -> None:
    first = checkpointed(home, tmp_path)
    assert first.ok and first.resumed_at == 0
    open_session(home, "mkowalski").record("post.sent", subject="later")
    second = checkpointed(home, tmp_path)
    assert second.ok and second.resumed_at == 13 and second.count == 14
    assert second.signed == 14 and set(second.keys) == {"sokafor", "mkowalski"}
    assert "entries 1-13: byte for byte as this account last verified them" in str(second)
    third = checkpointed(home, tmp_path)
    assert third.ok and third.resumed_at == 14


def test_a_line_edited_inside_the_verified_part_is_still_caught(
        home: Path, tmp_path: Path) -> None:
    assert checkpointed(home, tmp_path).ok
    path = the_file(home)
    # Same length, so only the bytes differ: no hash field or chain is touched
    path.write_bytes(path.read_bytes().replace(b'"n":1,', b'"n":7,', 1))
    result = checkpointed(home, tmp_path)
    assert not result.ok and "hash mismatch" in result.reason and result.line == 5


def test_a_forgery_appended_after_a_checkpoint_is_caught(home: Path, tmp_path: Path) -> None:
    assert checkpointed(home, tmp_path).ok
    entries = read(home)
    forged = dict(entries[-1], action="credential.revealed", seq=14, prev=entries[-1]["hash"])
    entries.append(signed_by(forged, forger(tmp_path, "sokafor")))
    write(home, entries)
    result = checkpointed(home, tmp_path)
    assert not result.ok and "entry 14 by 'sokafor' is signed with a new key" in result.reason
    assert result.line == 14


def test_a_damaged_checkpoint_means_a_full_walk(home: Path, tmp_path: Path) -> None:
    assert checkpointed(home, tmp_path).ok
    (saved,) = (tmp_path / "checkpoints").iterdir()
    saved.write_text("{not json")
    result = checkpointed(home, tmp_path)
    assert result.ok and result.resumed_at == 0 and result.count == 13
