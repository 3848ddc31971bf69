"""The action log: append-only, hash-chained JSON Lines that Professional Standards can trust.

One file per month under `log/` (`2026-11.jsonl`). Each entry carries `prev`,
the hash of the entry before it (across month files), and `hash`, the SHA-256
of `prev` followed by the canonical JSON of the entry without its hash. An
edited, removed or reordered line breaks the chain at that line, and `HEAD`
(the last sequence number and hash, rewritten atomically after each append)
catches lines cut from the end. Appends hold an flock on `log/.lock` and are
fsynced before the call returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall.fsio import (
    SHARED_FILE_MODE,
    atomic_write,
    file_lock,
    fsync_dir,
    make_dirs,
    open_regular,
    read_regular,
    set_mode,
)
from oncall.logverify import AnchorLike, Checkpoint, VerifyResult, canonical, next_month, walk
from oncall.model import LogEntry
from oncall.secret import SECRET_KEYS, Secret
from oncall.timeutil import utcnow

if TYPE_CHECKING:
    from oncall.signing import Signer

GENESIS = "0" * 64
_FIELDS = ("seq", "at", "actor", "role", "action", "incident", "subject", "details", "prev")
__all__ = ["GENESIS", "ActionLog", "LogCorrupt", "NotYourName", "Pending", "SecretInLogError",
           "VerifyResult", "canonical", "seal"]


class SecretInLogError(ValueError):
    """Raised when a caller tries to log a secret. Never includes the value."""


class LogCorrupt(Exception):
    """A log file cannot be parsed at all (for readers other than `verify`)."""


@dataclass(frozen=True)
class Pending:
    """An entry to append (see ActionLog.append_many)."""

    actor: str
    role: str
    action: str
    incident: str | None = None
    subject: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class NotYourName(ValueError):
    """A signed log was asked to write an entry in someone else's name."""


def seal(entry: dict[str, Any]) -> dict[str, Any]:
    """Set `entry["hash"]` from its `prev` and content; return it."""
    digest = hashlib.sha256(entry["prev"].encode("ascii") + canonical(entry))
    entry["hash"] = digest.hexdigest()
    return entry


def _refuse_secrets(value: Any, path: str) -> None:
    if isinstance(value, Secret):
        raise SecretInLogError(f"refused to log a secret value at {path}")
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in SECRET_KEYS and item not in (None, "", False):
                raise SecretInLogError(f"refused to log {path}.{key}: secret-like field")
            _refuse_secrets(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _refuse_secrets(item, f"{path}[{i}]")


class ActionLog:
    """The action log under one directory."""

    def __init__(self, directory: Path, clock: Any = None, *, key_dir: Path | None = None,
                 author: str | None = None) -> None:
        """`key_dir` signs every entry with its author's key from that directory (see
        oncall.signing); `author`, when given, is the only actor this log writes for."""
        self.dir = Path(directory)
        self._clock = clock or utcnow
        self._key_dir = key_dir
        self._author = author
        self._signers: dict[str, Signer] = {}

    @property
    def author(self) -> str | None:
        """The only actor this log writes for, when it was opened for one officer."""
        return self._author

    def signer_for(self, actor: str) -> Signer | None:
        """The signer this log writes `actor`'s entries with (None: an unsigned log)."""
        if self._key_dir is None:
            return None
        if self._author is not None and actor != self._author:
            raise NotYourName(f"this console signs the log as {self._author!r}; it cannot "
                              f"write an entry in {actor!r}'s name")
        signer = self._signers.get(actor)
        if signer is None:
            from oncall.signing import KeyDir  # cryptography loads on the first append

            signer = self._signers[actor] = KeyDir(self._key_dir).signer(actor)
        return signer

    @property
    def _lock(self) -> Path:
        return self.dir / ".lock"

    @property
    def _head(self) -> Path:
        return self.dir / "HEAD"

    def files(self) -> list[Path]:
        """Month files, oldest first (their names sort by date)."""
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.glob("*.jsonl") if not p.name.startswith("."))

    def append(self, actor: str, role: str, action: str, *, incident: str | None = None,
               subject: str | None = None, details: dict[str, Any] | None = None) -> LogEntry:
        """Append one entry, durably, and return it as written.

        Raises SecretInLogError if anything in it is a Secret or a secret-named field,
        NotYourName for another actor than this log's author, and SigningKeyError (an
        OSError) when the author's signing key cannot be read or made.
        """
        return self.append_many([Pending(actor, role, action, incident, subject,
                                         details or {})])[0]

    def append_many(self, items: Sequence[Pending]) -> list[LogEntry]:
        """Append several entries in order under one lock, one write and one fsync (what
        a fan-out's sites report at the same moment); all are written or none is. The
        checks of `append` apply to each."""
        if not items:
            return []
        for item in items:
            _refuse_secrets({"actor": item.actor, "role": item.role, "action": item.action,
                             "incident": item.incident, "subject": item.subject}, "entry")
            _refuse_secrets(item.details, "details")
        signers = [self.signer_for(item.actor) for item in items]
        make_dirs(self.dir)
        with file_lock(self._lock):
            last = self._last_entry()
            seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
            head = self._read_head()
            if head is not None and head[0] > seq:
                # Lines were cut from the end since the last append. Chain from HEAD, so
                # the cut stays visible to `verify` instead of being papered over.
                seq, prev = head
            now = self._clock().astimezone(UTC)
            at = now.isoformat(timespec="microseconds").replace("+00:00", "Z")
            entries, lines = [], []
            for item, signer in zip(items, signers, strict=True):
                seq += 1
                body: dict[str, Any] = {
                    "seq": seq, "at": at, "actor": item.actor, "role": item.role,
                    "action": item.action, "incident": item.incident,
                    "subject": item.subject, "details": dict(item.details), "prev": prev,
                }
                if signer is not None:
                    body["key"] = signer.public
                entry = seal(body)
                if signer is not None:
                    entry["sig"] = signer.sign(entry["hash"].encode("ascii"))
                prev = entry["hash"]
                entries.append(entry)
                lines.append(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
            path = self.dir / f"{now:%Y-%m}.jsonl"
            new_file = not path.exists()
            if new_file and last is not None:
                self._keep_empty_months(str(last["at"])[:7], f"{now:%Y-%m}")
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, SHARED_FILE_MODE)
            try:
                if new_file:
                    set_mode(fd, SHARED_FILE_MODE)
                os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            if new_file:
                fsync_dir(self.dir)
            atomic_write(self._head, f"{seq} {prev}\n".encode("ascii"))
        return [LogEntry.from_dict(entry) for entry in entries]

    def _last_entry(self) -> dict[str, Any] | None:
        files = self.files()
        if files:
            _drop_torn_tail(files[-1])
        for path in reversed(files):
            raw = _last_line(path)
            if raw is not None:
                try:
                    last = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    last = None
                if not isinstance(last, dict) or not isinstance(last.get("seq"), int):
                    raise LogCorrupt(f"{path}: the last line is not a log entry; "
                                     "run `oncall log verify`")
                return last
        return None

    def entries(self, since_month: str = "") -> Iterator[LogEntry]:
        """Every entry, oldest first (no verification; see `verify`).

        `since_month` ("2026-11") skips the month files before it.
        """
        for path in self.files():
            if since_month and path.stem < since_month:
                continue
            with open_regular(path) as fh:
                for number, raw in enumerate(fh, start=1):
                    if not raw.strip():
                        continue
                    yield _entry(raw, path, number)

    def tail(self, n: int = 10) -> list[LogEntry]:
        """The last `n` entries, oldest first, read from the end of the newest files."""
        found: list[LogEntry] = []
        for path in reversed(self.files()):
            lines = _last_lines(path, n - len(found))
            found = [_entry(raw, path, None) for raw in lines] + found
            if len(found) >= n:
                break
        return found[-n:] if n > 0 else []

    def verify(self, pins: Mapping[str, Sequence[str]] | None = None,
               anchors: Sequence[AnchorLike] = (), *,
               checkpoints: Path | None = None, resume: bool = True,
               attested: Sequence[tuple[Checkpoint, str]] = ()) -> VerifyResult:
        """Walk every file: sequence, chain, hashes, month files, signatures (against
        the keys pinned in `pins`, login -> public keys, and each officer's first key),
        HEAD and `anchors`; report the first break and what could not be proved.

        `checkpoints`, a directory private to the verifier, lets a walk resume after the
        last one when the files it covered are byte for byte unchanged, and keeps the
        new position (a failure to keep it costs only time); failing that, the walk may
        resume after one of `attested` (checkpoints other officers signed, each with
        whose it is: see oncall.logattest). `resume=False` walks every entry again and
        keeps the new position all the same."""
        head = self._read_head()
        damaged = head is None and self._head.exists()
        saved = self._checkpoint_path(checkpoints) if checkpoints else None
        starts: list[tuple[Checkpoint, str]] = []
        if saved is not None and resume:
            with contextlib.suppress(OSError):
                own = Checkpoint.from_json(read_regular(saved, 64 << 20))
                if own is not None:
                    starts.append((own, ""))
        if resume:
            # Another's walk only when it reaches further than this account's own.
            furthest = starts[0][0].seq if starts else -1
            starts[:0] = [(c, by) for c, by in attested if c.seq > furthest]
        result = walk(self.dir, self.files(), head, damaged, pins or {}, anchors,
                      _check_line, starts)
        if saved is not None and result.ok and result.checkpoint is not None:
            with contextlib.suppress(OSError):
                make_dirs(saved.parent, 0o700)
                atomic_write(saved, result.checkpoint.to_json(), mode=0o600)
        return result

    def _checkpoint_path(self, directory: Path) -> Path:
        key = hashlib.sha256(str(self.dir.resolve()).encode("utf-8")).hexdigest()[:32]
        return directory / f"{key}.json"

    def _keep_empty_months(self, last_month: str, this_month: str) -> None:
        """Create an empty file for each month with no entries between the last entry's
        and this one, so that `verify` can treat a missing month file as removed."""
        month = next_month(last_month)
        while month is not None and month < this_month:
            path = self.dir / f"{month}.jsonl"
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, SHARED_FILE_MODE))
            month = next_month(month)

    def _read_head(self) -> tuple[int, str] | None:
        try:
            seq_text, digest = read_regular(self._head, 200).decode("ascii").split()
            if not _HEAD_HASH.fullmatch(digest) or int(seq_text) < 0:
                return None
            return int(seq_text), digest
        except (OSError, ValueError):
            return None


_HEAD_HASH = re.compile(r"[0-9a-f]{64}")


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each given once: with a key twice, a reader sees the
    last ("actor" shadowed by a second "actor") while the hash was made over both."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _check_line(raw: bytes, prev: str, seq: int) -> tuple[dict[str, Any] | None, str]:
    """(the entry, "") if `raw` is the sound next entry after `seq`/`prev`; else (None, why)."""
    try:
        entry = json.loads(raw, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        return None, f"the key {str(exc)!r} appears twice in one entry (one shadows the other)"
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, "not valid JSON (line edited or truncated)"
    if not isinstance(entry, dict) or any(k not in entry for k in (*_FIELDS, "hash")):
        return None, "not a complete log entry"
    if entry["seq"] != seq + 1:
        return None, (f"expected entry {seq + 1}, found {entry['seq']} "
                      "(a line was removed or lines were reordered)")
    if entry["prev"] != prev:
        return None, "chain broken: prev does not match the hash of the line before"
    if seal(dict(entry))["hash"] != entry["hash"]:
        return None, "hash mismatch: the entry was edited"
    return entry, ""


def _entry(raw: bytes, path: Path, number: int | None) -> LogEntry:
    """One line as a LogEntry; LogCorrupt naming the file (and line) if it is not one."""
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            return LogEntry.from_dict(data)
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError):
        pass
    where = f"{path}:{number}" if number else f"{path} (near the end)"
    raise LogCorrupt(f"{where}: not a log entry; run `oncall log verify`")


def _drop_torn_tail(path: Path) -> None:
    """Cut a final line that has no newline: a write that a power cut interrupted.

    Such a line was never acknowledged (append returns only after the fsync of
    a whole line), so removing it loses nothing that any caller was told of.
    """
    with open_regular(path, "rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        pos = size
        while pos > 0:
            step = min(8192, pos)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step)
            cut = chunk.rfind(b"\n")
            if cut != -1:
                fh.truncate(pos + cut + 1)
                break
        else:
            fh.truncate(0)
        fh.flush()
        os.fsync(fh.fileno())


def _last_lines(path: Path, n: int, block: int = 8192) -> list[bytes]:
    """The last `n` non-empty lines of `path`, read backwards in blocks.

    Linear in what it reads: chunks are kept in a list and their newlines counted once,
    and the block doubles (to 1 MB) so a multi-megabyte entry takes a few reads, not a
    rebuilt buffer per 8 KB (an append after a 3 MB entry took seconds)."""
    if n <= 0:
        return []
    with open_regular(path) as fh:
        fh.seek(0, os.SEEK_END)
        pos = fh.tell()
        chunks: list[bytes] = []
        newlines = 0
        lines: list[bytes] = []
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step)
            chunks.append(chunk)
            newlines += chunk.count(b"\n")
            block = min(block * 2, 1 << 20)
            if newlines > n or pos == 0:
                # Enough line ends: split once; blank lines may mean reading on.
                pieces = b"".join(reversed(chunks)).split(b"\n")
                whole = pieces if pos == 0 else pieces[1:]  # the first may be cut
                lines = [line for line in whole if line.strip()]
                if len(lines) >= n:
                    break
    return lines[-n:]


def _last_line(path: Path) -> bytes | None:
    lines = _last_lines(path, 1)
    return lines[0] if lines else None
