"""Walking the action log: chain, signatures, month files and anchors, and saying plainly
what the walk proved and what it could not.

What each check catches (see the threat model in the README):
- the hash chain: an edited, removed, inserted or reordered line;
- HEAD: lines cut from the end (unless HEAD was rewritten too);
- month files: a month file removed between two others (empty months are kept as
  empty files by `ActionLog.append`, so a gap is never innocent);
- signatures: an entry written in another officer's name, a signature stripped, an
  officer's key swapped (the key is inside the hashed fields, so it cannot be removed
  without re-hashing, and once the log is signed every later entry must be);
- anchors, read from a witness outside the home: a log re-hashed from some point on,
  replaced whole, emptied, or cut at the end with HEAD rewritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

from oncall.fsio import open_regular
from oncall.sigpool import SignaturePool, Where

_HASHED = ("seq", "at", "actor", "role", "action", "incident", "subject", "details", "prev")


def default_checkpoints() -> Path:
    """Where this account keeps its verification checkpoints: its own state directory,
    never the shared home (a colleague could forge a checkpoint there)."""
    from platformdirs import user_state_dir

    return Path(user_state_dir("oncall", appauthor=False)) / "verified"


class AnchorLike(Protocol):
    """What the walk needs of an anchor (oncall.anchors.Anchor)."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def by(self) -> str: ...
    @property
    def source(self) -> str: ...


@dataclass
class VerifyResult:
    """The outcome of walking the log: `ok` is False when tampering was found."""

    ok: bool
    count: int
    file: Path | None = None
    line: int | None = None
    reason: str = ""
    signed: int = 0
    unsigned: int = 0
    # login -> the public keys their entries were signed with, in order of first use
    keys: dict[str, list[str]] = field(default_factory=dict)
    pinned: int = 0
    anchors_read: int = 0
    anchors_matched: int = 0
    last_anchor: AnchorLike | None = None
    notes: list[str] = field(default_factory=list)  # what the walk could not prove
    resumed_at: int = 0  # entries up to here were proved unchanged since a checkpoint
    resumed_from: str = ""  # whose walk that was ("sokafor at ..."; "" this account's)
    checkpoint: Checkpoint | None = None  # where the next walk may resume

    def headline(self) -> str:
        """One line: the verdict."""
        if self.ok:
            return f"log verified: {self.count} entries, chain intact"
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"log verification FAILED at {where}: {self.reason} ({self.count} entries good)"

    def __str__(self) -> str:
        lines = [self.headline()]
        if not self.ok:
            return lines[0]
        if self.signed:
            people = len(self.keys)
            lines.append(f"  signatures: {self.signed} entries signed by their authors "
                         f"({people} officer{'s' if people != 1 else ''}, "
                         f"{self.pinned or 'none'} with a key pinned in people.toml)")
        if self.anchors_read:
            last = self.last_anchor
            tail = (f"; the latest covers entries 1-{last.seq} ({last.at} by {last.by})"
                    if last is not None else "")
            lines.append(f"  anchors: {self.anchors_matched} of {self.anchors_read} read "
                         f"match the log{tail}")
        if self.resumed_at and self.resumed_from:
            lines.append(f"  entries 1-{self.resumed_at}: byte for byte as {self.resumed_from}"
                         " attested having verified them, signed with their pinned key "
                         "(`--full` walks them here)")
        elif self.resumed_at:
            lines.append(f"  entries 1-{self.resumed_at}: byte for byte as this account last "
                         "verified them (`--full` walks them again)")
        lines.extend(f"  not proved: {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass
class _Walk:
    """The signature state carried from one entry to the next."""

    pins: Mapping[str, Sequence[str]]
    keys: dict[str, list[str]] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)  # public key -> its login
    first_signed: int = 0
    signed: int = 0
    unsigned: int = 0
    last_action: int = 0  # the last entry that is not an anchor's own record
    # Set for a long walk: signatures handed to worker processes instead of checked here.
    defer: Callable[[str, str, bytes], None] | None = None

    def save(self) -> dict[str, Any]:
        """What a checkpoint keeps of this state."""
        return {"keys": self.keys, "owner": self.owner, "first_signed": self.first_signed,
                "signed": self.signed, "unsigned": self.unsigned,
                "last_action": self.last_action}

    def restore(self, saved: Mapping[str, Any]) -> None:
        """Carry on from a checkpoint's state."""
        self.keys = {str(k): list(v) for k, v in dict(saved.get("keys", {})).items()}
        self.owner = {str(k): str(v) for k, v in dict(saved.get("owner", {})).items()}
        self.first_signed = int(saved.get("first_signed", 0))
        self.signed = int(saved.get("signed", 0))
        self.unsigned = int(saved.get("unsigned", 0))
        self.last_action = int(saved.get("last_action", 0))

    def check(self, entry: dict[str, Any]) -> str:
        """"" if `entry`'s signature is sound for its actor; else why not."""
        from oncall.signing import fingerprint, verify

        actor, seq = entry["actor"], entry["seq"]
        if entry["action"] != "log.anchored":
            self.last_action = seq
        key, sig = entry.get("key"), entry.get("sig")
        if key is None:
            if sig is not None:
                return "a signature without its key: the entry was altered"
            if self.first_signed:
                return (f"entry {seq} by {actor!r} is not signed, though every entry since "
                        f"{self.first_signed} is: it was written around the app, or its "
                        "signature removed")
            self.unsigned += 1
            return ""
        message = entry["hash"].encode("ascii")
        if isinstance(sig, str) and self.defer is not None:
            self.defer(key, sig, message)
        elif not isinstance(sig, str) or not verify(key, sig, message):
            return bad_signature(seq)
        owner = self.owner.get(key)
        if owner is not None and owner != actor:
            return (f"entry {seq} names {actor!r} as its author but is signed with "
                    f"{owner!r}'s key: written in another officer's name")
        pinned = self.pins.get(actor) or ()
        known = self.keys.setdefault(actor, [])
        if pinned and key not in pinned:
            return (f"entry {seq} by {actor!r} is signed with key {fingerprint(key)}, not a "
                    "key pinned for them in people.toml: someone else may have written it")
        if known and key not in known and not pinned:
            return (f"entry {seq} by {actor!r} is signed with a new key ({fingerprint(key)}, "
                    f"earlier {fingerprint(known[0])}): someone else may have written it; "
                    "if they really lost their key, pin the new one in people.toml")
        if key not in known:
            known.append(key)
        self.owner[key] = actor
        self.first_signed = self.first_signed or seq
        self.signed += 1
        return ""


def month_gaps(files: Iterable[Path]) -> str:
    """"" when the month files run without a gap; else the first missing month."""
    months = [p.stem for p in files]
    for before, after in pairwise(months):
        expected = next_month(before)
        if expected is not None and after != expected and after > expected:
            return (f"{expected}.jsonl is missing between {before}.jsonl and {after}.jsonl "
                    "(a month with no entries is kept as an empty file): a month was removed")
    return ""


def next_month(stem: str) -> str | None:
    try:
        year, month = (int(x) for x in stem.split("-"))
    except ValueError:
        return None
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


@dataclass
class Checkpoint:
    """How far a verifier has walked the log, kept in the verifier's own account (not
    the shared home, which colleagues can write): each month file's size, line count and
    SHA-256 at that point, and the walk's state there. A later walk that finds every
    such prefix byte for byte unchanged (one fast hash of the raw bytes, no parsing)
    resumes after it; any difference and the walk starts again from the first entry."""

    files: list[tuple[str, int, int, str]]  # name, size, lines, sha256 of those bytes
    seq: int
    hash: str
    count: int
    pins: str  # digest of the pinned keys the prefix was checked against
    anchored: dict[int, str]  # anchored sequence numbers matched so far, and their hashes
    state: dict[str, Any]
    # Whose attested walk the prefix rests on ("" when this verifier walked all of it):
    # only a checkpoint that rests on no one is attested onwards.
    rests_on: str = ""

    def to_json(self) -> bytes:
        return json.dumps({"files": self.files, "seq": self.seq, "hash": self.hash,
                           "count": self.count, "pins": self.pins,
                           "anchored": {str(k): v for k, v in self.anchored.items()},
                           "state": self.state, "rests_on": self.rests_on}).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Checkpoint | None:
        try:
            d = json.loads(raw)
            return cls([tuple(f) for f in d["files"]], int(d["seq"]), str(d["hash"]),
                       int(d["count"]), str(d["pins"]),
                       {int(k): str(v) for k, v in d["anchored"].items()}, dict(d["state"]),
                       str(d.get("rests_on", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def _pins_digest(pins: Mapping[str, Sequence[str]]) -> str:
    body = json.dumps({k: sorted(v) for k, v in pins.items()}, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _prefix_matches(path: Path, size: int, digest: str) -> hashlib._Hash | None:
    """The running SHA-256 of `path`'s first `size` bytes if they hash to `digest`."""
    hasher = hashlib.sha256()
    with open_regular(path) as fh:
        left = size
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                return None
            hasher.update(chunk)
            left -= len(chunk)
    return hasher if hasher.hexdigest() == digest else None


def walk(log_dir: Path, files: list[Path], head: tuple[int, str] | None, head_damaged: bool,
         pins: Mapping[str, Sequence[str]], anchors: Sequence[AnchorLike],
         check_line: Any, checkpoints: Sequence[tuple[Checkpoint, str]] = ()
         ) -> VerifyResult:
    """Check every line of `files` in order (after the first of `checkpoints` whose
    prefix is unchanged: each with who walked it, "" for this account), then HEAD and the
    anchors. A sound result carries a new checkpoint."""
    gap = month_gaps(files)
    if gap:
        return VerifyResult(False, 0, log_dir, None, gap)
    state = _Walk(pins)
    pins_digest = _pins_digest(pins)
    by_seq: dict[int, list[AnchorLike]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    matched: list[AnchorLike] = []
    anchored: dict[int, str] = {}
    prev, seq, count = "0" * 64, 0, 0
    start_file, start_size, start_lines = 0, 0, 0
    start_hasher: Any = None
    done_files: list[tuple[str, int, int, str]] = []
    checkpoint: Checkpoint | None = None
    resumed, walked_by = None, ""
    for candidate, by in checkpoints:
        resumed = _resume(candidate, files, pins_digest, by_seq)
        if resumed is not None:
            checkpoint, walked_by = candidate, by
            break
    if resumed is not None:
        assert checkpoint is not None
        done_files, start_file, start_size, start_lines, start_hasher = resumed
        state.restore(checkpoint.state)
        prev, seq, count = checkpoint.hash, checkpoint.seq, checkpoint.count
        anchored = dict(checkpoint.anchored)
        for old_seq, old_hash in checkpoint.anchored.items():
            for anchor in by_seq.pop(old_seq, ()):
                if anchor.hash != old_hash:  # an anchor read for the first time: walk all
                    return walk(log_dir, files, head, head_damaged, pins, anchors, check_line)
                matched.append(anchor)
    last_file: Path | None = files[start_file - 1] if start_file else None
    pool = SignaturePool.for_walk(sum(p.stat().st_size for p in files[start_file:])
                                  - start_size)
    try:
        here = Where(0, 0, log_dir, 0)
        if pool is not None:
            state.defer = lambda key, sig, message: pool.add(key, sig, message, here)

        def failed(path: Path | None, line: int | None, reason: str) -> VerifyResult:
            # A signature checked elsewhere and found bad belongs to this entry or an
            # earlier one: it is the first break, as it would have been checked in turn.
            bad = pool.finish() if pool is not None else None
            if bad is not None:
                return VerifyResult(False, bad.count, bad.path, bad.line,
                                    bad_signature(bad.seq), state.signed, state.unsigned,
                                    state.keys)
            return VerifyResult(False, count, path, line, reason, state.signed,
                                state.unsigned, state.keys)

        for index in range(start_file, len(files)):
            path = files[index]
            last_file = path
            resume_here = index == start_file and start_hasher is not None
            hasher = start_hasher if resume_here else hashlib.sha256()
            offset, first_line = (start_size, start_lines) if resume_here else (0, 0)
            number = first_line
            with open_regular(path) as fh:
                fh.seek(offset)
                for number, raw in enumerate(fh, start=first_line + 1):
                    hasher.update(raw)
                    entry, problem = check_line(raw, prev, seq)  # each line parsed once
                    if entry is None:
                        return failed(path, number, problem)
                    if not str(entry["at"]).startswith(path.stem):
                        return failed(path, number, f"entry {entry['seq']} is dated "
                                      f"{entry['at']} but sits in another month's file")
                    if pool is not None:
                        here = Where(entry["seq"], count, path, number)
                    problem = state.check(entry)
                    if problem or (pool is not None and pool.failed is not None):
                        return failed(path, number, problem)
                    prev, seq, count = entry["hash"], entry["seq"], count + 1
                    for anchor in by_seq.pop(seq, ()):
                        if anchor.hash != prev:
                            return failed(path, number, (
                                f"entry {seq} is not the entry anchored at {anchor.at} by "
                                f"{anchor.by} ({anchor.source}): the log was rewritten from "
                                "there or before"))
                        matched.append(anchor)
                        anchored[seq] = prev
                size = fh.tell()
            done_files.append((path.name, size, number, hasher.hexdigest()))
        if head_damaged:
            return failed(log_dir / "HEAD", None,
                          "HEAD is not '<sequence> <hash>': it was damaged or replaced")
        if head is not None:
            head_seq, head_hash = head
            if head_seq > seq:
                return failed(last_file or log_dir, None,
                              f"log ends at entry {seq} but HEAD records entry {head_seq}: "
                              "lines were removed from the end")
            if head_seq == seq and head_hash != prev:
                return failed(last_file, None, "the last entry does not match HEAD")
        if by_seq:
            furthest = max(by_seq)
            anchor = by_seq[furthest][0]
            return failed(last_file or log_dir, None, (
                f"the anchor of {anchor.at} by {anchor.by} ({anchor.source}) records entry "
                f"{furthest}, but the log ends at entry {seq}: entries were removed, or the "
                "log was replaced or emptied"))
        if pool is not None and pool.finish() is not None:
            return failed(None, None, "")
        result = VerifyResult(True, count, signed=state.signed, unsigned=state.unsigned,
                              keys=state.keys, anchors_read=len(anchors),
                              anchors_matched=len(matched))
        result.pinned = sum(1 for login in state.keys if pins.get(login))
        result.last_anchor = max(matched, key=lambda a: a.seq, default=None)
        result.notes = _notes(state, count, result.last_anchor, anchors)
        result.resumed_at = checkpoint.seq if resumed is not None and checkpoint else 0
        result.resumed_from = walked_by if resumed is not None else ""
        rests_on = (walked_by or (checkpoint.rests_on if checkpoint else "")) \
            if resumed is not None else ""
        result.checkpoint = Checkpoint(done_files, seq, prev, count, pins_digest, anchored,
                                       state.save(), rests_on)
        return result
    finally:
        if pool is not None:
            pool.close()


def _resume(checkpoint: Checkpoint | None, files: list[Path], pins_digest: str,
            by_seq: Mapping[int, Any]) -> tuple[list[tuple[str, int, int, str]], int, int,
                                                int, Any] | None:
    """Where a walk can resume after `checkpoint`, or None to walk from the start."""
    if checkpoint is None or checkpoint.pins != pins_digest or not checkpoint.files:
        return None
    if any(seq <= checkpoint.seq and seq not in checkpoint.anchored for seq in by_seq):
        return None  # an anchor inside the verified prefix that it has not matched yet
    names = [p.name for p in files]
    recorded = checkpoint.files
    if names[:len(recorded)] != [f[0] for f in recorded]:
        return None
    for path, (_, size, _, digest) in zip(files[:len(recorded) - 1], recorded[:-1],
                                          strict=True):
        if path.stat().st_size != size or _prefix_matches(path, size, digest) is None:
            return None
    _, size, lines, digest = recorded[-1]
    path = files[len(recorded) - 1]
    hasher = _prefix_matches(path, size, digest) if path.stat().st_size >= size else None
    if hasher is None:
        return None
    return list(recorded[:-1]), len(recorded) - 1, size, lines, hasher


def _notes(state: _Walk, count: int, last: AnchorLike | None,
           anchors: Sequence[AnchorLike]) -> list[str]:
    notes: list[str] = []
    if state.unsigned:
        notes.append(f"{state.unsigned} entries were written before signing began, so "
                     "their authors rest on the name they give")
    unpinned = sorted(login for login in state.keys if not state.pins.get(login))
    if unpinned:
        notes.append(f"keys of {len(unpinned)} officer(s) are trusted from their first use, "
                     "not pinned in people.toml (`oncall log keys` lists them)")
    if not anchors:
        notes.append("no anchor was read (`--anchors FILE` or [log] anchor_read): a log "
                     "replaced or emptied whole, or cut at the end with HEAD rewritten, "
                     "cannot be told from the home alone")
    elif last is not None and last.seq < state.last_action:
        notes.append(f"entries {last.seq + 1}-{count} come after the last anchor: cutting "
                     "them off together with HEAD would not be detected")
    return notes


def bad_signature(seq: int) -> str:
    """The one line for an entry whose signature fails, wherever it was checked."""
    return (f"entry {seq}: the signature does not match (the entry, its key or its "
            "signature was altered)")


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes hashed for an entry: its fields but `hash` and `sig`, sorted, compact.

    `key` is hashed when present, so a signature cannot be stripped without re-hashing
    (which the anchors expose); entries from before signing hash as they always did."""
    body = {k: entry[k] for k in _HASHED}
    if "key" in entry:
        body["key"] = entry["key"]
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
