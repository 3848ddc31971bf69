"""Anchors: the log's head, signed, published to a witness outside the shared home.

Anyone who can write the home can rewrite the log from some entry on and re-hash the
rest, or replace it whole; the chain alone cannot tell. An anchor records the sequence
number and hash of the newest entry, signed by the officer who published it, in a place
officers cannot rewrite: the host's syslog by default (`logger`-style, tag "oncall"),
or a configured command given the anchor line on its standard input (a mail to
Professional Standards, a remote append-only store). `oncall log verify` reads anchors
back from files ([log] anchor_read or --anchors) and checks the log against each.

An anchor line is "oncall-anchor " followed by compact JSON, so it can be picked out of
a syslog file, a journal export or a saved mail whatever precedes it on its line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall.fsio import atomic_write, open_regular
from oncall.textsafe import printable
from oncall.timeutil import utcnow

if TYPE_CHECKING:
    from oncall.actionlog import ActionLog
    from oncall.logverify import VerifyResult
    from oncall.session import Session

TAG = "oncall-anchor "
_FIELDS = ("v", "home", "log", "seq", "hash", "at", "by", "key")
_COMMAND_TIMEOUT = 30
_READ_LIMIT = 256 << 20  # a year of syslog is large; anchors are a few lines of it


class AnchorError(Exception):
    """An anchor could not be published; the message names the witness and why."""


@dataclass(frozen=True)
class Anchor:
    """One published head of the log, as read back from a witness."""

    seq: int
    hash: str
    at: str
    by: str
    key: str
    home: str
    source: str  # where it was read: "file:line"


def _body(statement: dict[str, Any]) -> bytes:
    return json.dumps({k: statement[k] for k in _FIELDS}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True).encode("ascii")


def home_id(home: Path) -> str:
    """How an anchor names its home: the home's resolved path."""
    return str(Path(home).resolve())


def log_id(log_dir: Path) -> str:
    """How an anchor names its log: the hash of the log's first entry ("" if none).

    An anchor applies to a log when either its home path or its first entry matches:
    a home copied or mounted elsewhere keeps its first entry, and a log replaced in
    place keeps its path."""
    from oncall.actionlog import ActionLog

    for path in ActionLog(log_dir).files():
        try:
            with open_regular(path) as fh:
                first = fh.readline(1 << 20)
        except OSError:
            return ""
        if first.strip():
            try:
                return str(json.loads(first).get("hash", ""))
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                return ""
    return ""


def anchor(session: Session, now: datetime | None = None) -> Anchor:
    """Publish the log's current head to the witness and log that it was done.

    Raises AnchorError (the witness failed: nothing is logged as anchored) and the
    log's own errors (SigningKeyError when the officer's key cannot be read).
    """
    last = session.log.tail(1)
    if not last:
        raise AnchorError("the log is empty: there is nothing to anchor yet")
    head = last[0]
    signer = session.log.signer_for(session.user.login)
    if signer is None:
        raise AnchorError("this log is not signed, so an anchor could not be signed either")
    at = (now or utcnow()).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    statement: dict[str, Any] = {"v": 1, "home": home_id(session.paths.home),
                                 "log": log_id(session.paths.log), "seq": head.seq,
                                 "hash": head.hash, "at": at, "by": session.user.login,
                                 "key": signer.public}
    statement["sig"] = signer.sign(_body(statement))
    line = TAG + json.dumps(statement, sort_keys=True, separators=(",", ":"),
                            ensure_ascii=True)
    witness = publish(line, session.settings.log.anchor_command, session.paths.home)
    session.record("log.anchored", details={"seq": head.seq, "hash": head.hash,
                                            "witness": witness})
    atomic_write(session.paths.log / "ANCHORED", f"{head.seq} {at}\n".encode("ascii"))
    return Anchor(head.seq, head.hash, at, session.user.login, signer.public,
                  statement["home"], witness)


def anchor_quietly(session: Session, now: datetime | None = None) -> str:
    """Anchor, as the console does at an incident's close and on its interval: a failure
    is logged ("log.anchor_failed", with why) and returned as one line, never raised, so
    the action that asked for it stands. "" when anchored."""
    from oncall.signing import SigningKeyError

    try:
        anchor(session, now)
    except (AnchorError, SigningKeyError) as exc:
        reason = f"the log could not be anchored: {exc}"
    except OSError as exc:
        reason = f"the log could not be anchored: {exc.strerror or exc}"
    else:
        return ""
    try:
        session.record("log.anchor_failed", details={"reason": reason})
        # The next try waits for the interval too: a witness that is down must not
        # fill the log with a failure every refresh.
        last = last_anchored(session.paths.log)
        when = (now or utcnow()).astimezone(UTC).isoformat(timespec="seconds")
        atomic_write(session.paths.log / "ANCHORED",
                     f"{last[0] if last else 0} {when} failed\n".encode("ascii"))
    except (OSError, ValueError):
        pass  # the log itself cannot be written: the reason still reaches the officer
    return reason


def verify_with_anchors(log: ActionLog, pins: Mapping[str, Sequence[str]],
                        sources: Iterable[str], home: Path, *,
                        resume: bool = True) -> VerifyResult:
    """Verify `log` as the console and `oncall log verify` do: against `pins`, the
    anchors read from `sources`, this account's checkpoint and the checkpoints other
    officers attested (`resume=False` walks every entry again). Anchors and attestations
    that could not be read or were set aside are the result's first notes. A walk of
    this officer's own, with their key pinned, is attested in turn for the others."""
    from oncall.logattest import attest_walk, read_attestations
    from oncall.logverify import default_checkpoints

    reading = read_anchors(sources, home)
    attested, set_aside = read_attestations(log.dir, pins) if resume else ([], [])
    result = log.verify(pins, reading.anchors, checkpoints=default_checkpoints(),
                        resume=resume,
                        attested=[(a.checkpoint, a.label) for a in attested])
    result.notes[:0] = [*reading.problems, *set_aside]
    if result.ok:
        attest_walk(log, pins, result, attested)
    return result


def publish(line: str, command: tuple[str, ...], home: Path) -> str:
    """Send `line` to the witness; return its name. Raises AnchorError."""
    if not command:
        import syslog

        syslog.openlog("oncall", syslog.LOG_PID, syslog.LOG_AUTH)
        syslog.syslog(syslog.LOG_NOTICE, line)
        syslog.closelog()
        return "syslog"
    name = Path(command[0]).name
    env = {**os.environ, "ONCALL_HOME_DIR": str(home)}
    try:
        done = subprocess.run(command, input=line + "\n", text=True, capture_output=True,
                              timeout=_COMMAND_TIMEOUT, env=env, cwd=home, check=False)
    except FileNotFoundError:
        raise AnchorError(f"the anchor command {name!r} was not found") from None
    except subprocess.TimeoutExpired:
        raise AnchorError(f"the anchor command {name!r} did not finish in "
                          f"{_COMMAND_TIMEOUT} s") from None
    except OSError as exc:
        raise AnchorError(f"the anchor command {name!r} could not run: "
                          f"{exc.strerror or exc}") from None
    if done.returncode != 0:
        said = (done.stderr or "").strip().splitlines()
        why = printable(said[-1])[:200] if said else ""
        raise AnchorError(f"the anchor command {name!r} failed (exit {done.returncode})"
                          + (f": {why}" if why else ""))
    return f"command {name}"


def last_anchored(log_dir: Path) -> tuple[int, datetime] | None:
    """The sequence number and time of this home's last anchor, or of the last failed
    try (with the sequence anchored before it). A hint for timing, not a proof."""
    try:
        seq, at = (log_dir / "ANCHORED").read_text(encoding="ascii").split()[:2]
        return int(seq), datetime.fromisoformat(at.replace("Z", "+00:00"))
    except (OSError, ValueError):
        return None


def due(session: Session, now: datetime | None = None) -> bool:
    """True when the log has grown since the last anchor, which is older than
    `[log] anchor_every_minutes`."""
    now = now or utcnow()
    last = last_anchored(session.paths.log)
    head = session.log.tail(1)
    if not head:
        return False
    if last is None:
        return True
    seq, at = last
    minutes = session.settings.log.anchor_every_minutes
    # seq + 1: the anchor's own record does not call for another anchor
    return head[0].seq > seq + 1 and (now - at).total_seconds() >= minutes * 60


@dataclass
class Reading:
    """What was read from the witnesses: this home's anchors and what was set aside."""

    anchors: list[Anchor]
    problems: list[str]
    other_homes: int = 0


def read_anchors(sources: Iterable[str], home: Path) -> Reading:
    """Anchors of `home` found in each source (a file path, relative to the home, or
    "-" for standard input). Anchors with a bad signature are set aside and named."""
    from oncall.signing import verify

    reading = Reading([], [])
    wanted = home_id(home)
    first = log_id(Path(home) / "log")
    for source in sources:
        try:
            if source == "-":
                text = sys.stdin.read(_READ_LIMIT)
            else:
                from oncall.fsio import decode_utf8, read_regular

                path = Path(home) / Path(source).expanduser()
                text = decode_utf8(read_regular(path, _READ_LIMIT))
        except (OSError, ValueError) as exc:
            reading.problems.append(f"anchors could not be read from {printable(source)}: "
                                    f"{printable(str(exc))}")
            continue
        for number, raw in enumerate(text.splitlines(), start=1):
            where = f"{printable(source)}:{number}"
            at = raw.find(TAG + "{")
            if at == -1:
                continue
            try:
                statement = json.loads(raw[at + len(TAG):])
                ok = (isinstance(statement, dict) and all(k in statement for k in _FIELDS)
                      and isinstance(statement["seq"], int) and statement.get("v") == 1)
            except json.JSONDecodeError:
                ok = False
            if not ok:
                reading.problems.append(f"{where}: not a whole anchor (ignored)")
                continue
            if statement["home"] != wanted and (not first or statement["log"] != first):
                reading.other_homes += 1
                continue
            if not verify(str(statement["key"]), statement.get("sig", ""), _body(statement)):
                reading.problems.append(f"{where}: the anchor's signature does not match "
                                        "(ignored: anyone can write to syslog)")
                continue
            reading.anchors.append(Anchor(statement["seq"], str(statement["hash"]),
                                          str(statement["at"]), str(statement["by"]),
                                          str(statement["key"]), wanted, where))
    return reading
