"""Attested checkpoints: a walk of the log one officer made, that another can build on.

Checking every signature of a year's log (a million entries) takes minutes on one
core: each Ed25519 verification costs about 0.15 ms, and nothing makes a million of
them fast. An account's own checkpoint (oncall.logverify.Checkpoint) spares it that
walk the second time, but every new account, and Professional Standards on their first
look, would pay it again.

So an officer whose key is pinned in people.toml, having walked the log, leaves an
attestation in the home: the checkpoint (each month file's size, line count and
SHA-256 at that point) signed with their key. Another verifier finds the files still
byte for byte as attested (hashing the raw bytes, no parsing: a second or two for a
year), and walks only what came after. What that trusts, and what it does not:

- the attesting officer's walk: their pinned key is as trusted as for their own
  entries, and `oncall log verify --full` walks everything again, trusting no one;
- nothing in the home: an attestation that was edited, or signed by a key not pinned
  for its officer, is set aside with a note, and a log changed anywhere inside the
  attested part no longer matches its digests, so the walk starts from the first entry
  and finds the change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from oncall.fsio import SHARED_FILE_MODE, atomic_write, make_dirs, read_regular
from oncall.logverify import Checkpoint, VerifyResult
from oncall.timeutil import utcnow

if TYPE_CHECKING:
    from oncall.actionlog import ActionLog
    from oncall.signing import Signer

ATTESTED = "attested"
_MAX_BYTES = 4 << 20  # a checkpoint holds a line per month file and each officer's keys


@dataclass(frozen=True)
class Attestation:
    """A checkpoint signed by the officer who walked the log up to it."""

    by: str
    at: str  # when, UTC, ISO 8601
    key: str  # the public key it is signed with
    checkpoint: Checkpoint

    @property
    def label(self) -> str:
        """'sokafor at 2026-12-04T18:56:40Z'."""
        return f"{self.by} at {self.at}"


def _message(by: str, at: str, body: str) -> bytes:
    return f"oncall attested checkpoint\n{by}\n{at}\n{body}".encode()


def attestation_path(log_dir: Path, login: str) -> Path:
    """Where `login`'s attestation is kept (logins are safe file names)."""
    return log_dir / ATTESTED / f"{login}.json"


def write_attestation(log_dir: Path, signer: Signer, checkpoint: Checkpoint,
                      at: str) -> Path:
    """Sign `checkpoint` as `signer` and keep it in the home, replacing that officer's
    previous one. Raises OSError."""
    login, public = signer.login, signer.public
    body = checkpoint.to_json().decode("utf-8")
    sig = signer.sign(_message(login, at, body))
    path = attestation_path(log_dir, login)
    make_dirs(path.parent)
    atomic_write(path, json.dumps({"by": login, "at": at, "key": public, "sig": sig,
                                   "checkpoint": body}).encode("utf-8"),
                 mode=SHARED_FILE_MODE)
    return path


def attest_walk(log: ActionLog, pins: Mapping[str, Sequence[str]], result: VerifyResult,
                attested: Sequence[Attestation]) -> None:
    """Sign `result`'s checkpoint for the other verifiers, when it is the walk of `log`'s
    own officer, reaches further than their last attestation, and their key is pinned
    (an unpinned key's attestation would be set aside by everyone). Best effort: a
    failure costs the others time, never a wrong answer."""
    from oncall.signing import SigningKeyError

    checkpoint = result.checkpoint
    author = log.author
    if checkpoint is None or checkpoint.rests_on or author is None or not pins.get(author):
        return  # (no key is made for an officer whose attestation no one would trust)
    before = max((a.checkpoint.seq for a in attested if a.by == author), default=0)
    if checkpoint.seq <= before:
        return
    try:
        signer = log.signer_for(author)
        if signer is None or signer.public not in pins[author]:
            return
        write_attestation(log.dir, signer, checkpoint,
                          utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
    except (OSError, SigningKeyError):
        return


def read_attestations(log_dir: Path, pins: Mapping[str, Sequence[str]]) -> tuple[
        list[Attestation], list[str]]:
    """The sound attestations in the home, the furthest first, and a note for each one
    set aside (unreadable, altered, or not signed with a key pinned for its officer)."""
    from oncall.signing import fingerprint, verify

    directory = log_dir / ATTESTED
    try:
        paths = sorted(p for p in directory.iterdir() if p.suffix == ".json"
                       and not p.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    except OSError as exc:
        return [], [f"attested checkpoints in {directory} could not be listed: "
                    f"{exc.strerror or exc}"]
    found: list[Attestation] = []
    notes: list[str] = []
    for path in paths:
        try:
            doc = json.loads(read_regular(path, _MAX_BYTES))
            by, at, key, sig, body = (doc["by"], doc["at"], doc["key"], doc["sig"],
                                      doc["checkpoint"])
            if not all(isinstance(v, str) for v in (by, at, key, sig, body)):
                raise TypeError
        except (OSError, ValueError, KeyError, TypeError):
            notes.append(f"the attested checkpoint {path.name} could not be read: set aside")
            continue
        if key not in (pins.get(by) or ()):
            notes.append(f"the attested checkpoint of {by!r} is signed with a key not pinned "
                         f"for them in people.toml ({fingerprint(key)}): set aside")
            continue
        checkpoint = Checkpoint.from_json(body.encode("utf-8"))
        if checkpoint is None or not verify(key, sig, _message(by, at, body)):
            notes.append(f"the attested checkpoint of {by!r} does not match its signature "
                         "(it was altered): set aside")
            continue
        found.append(Attestation(by, at, key, checkpoint))
    found.sort(key=lambda a: a.checkpoint.seq, reverse=True)
    return found, notes


__all__ = ["Attestation", "attest_walk", "attestation_path", "read_attestations",
           "write_attestation"]
