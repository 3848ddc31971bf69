"""Records kept in TinyDB, made safe for crashes and for several officers at once.

TinyDB's own JSONStorage rewrites its file in place (a crash can leave half a
file) and knows nothing of other processes (each caches its next document id).
So every file here is read and written through `AtomicJSONStorage`, every
read-modify-write holds an flock on the file's sidecar lock, the id cache is
reset inside that lock, and records are split into one file per kind (and per
partition, such as an incident, for kinds that grow) so that no write has to
rewrite years of history.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from oncall.fsio import (
    UnreadableFile,
    atomic_write,
    file_lock,
    lock_path_for,
    make_dirs,
    read_regular,
    remove_stale_temps,
)
from oncall.model import Incident, Record, Site

# A records file past this is not oncall's (years of posts are a few tens of MB): refused
# with one line rather than read into memory.
MAX_STORE_BYTES = 512 << 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")


class StoreError(Exception):
    """The store could not be read or written; names the file."""


class ReadOnly(StoreError):
    """This session may not change any record (Professional Standards monitor
    read-only); nothing was written. The refusal has been logged."""


class Conflict(Exception):
    """A compare-and-set found the record other than expected (another officer, or another
    task of this one, changed it first). Carries the record as it is now, or None."""

    def __init__(self, message: str, current: object = None) -> None:
        super().__init__(message)
        self.current = current


class AtomicJSONStorage(Storage):
    """A TinyDB storage that never leaves a torn file (see fsio.atomic_write)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # One instance lives for one locked operation (see Store.table), during which
        # nobody else can change the file: so parse it once, not on every TinyDB call.
        self._cache: dict[str, dict[str, Any]] | None = None
        self._dirty = False

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._cache is not None:
            return self._cache
        try:
            raw = read_regular(self.path, MAX_STORE_BYTES)
        except FileNotFoundError:
            return None
        except UnreadableFile as exc:
            raise StoreError(f"{self.path}: {exc.strerror}") from None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except UnicodeDecodeError:
            raise StoreError(f"{self.path}: not UTF-8 JSON") from None
        except json.JSONDecodeError as exc:
            raise StoreError(
                f"{self.path}: unreadable JSON at line {exc.lineno} column {exc.colno}"
            ) from None
        if not isinstance(data, dict):
            raise StoreError(f"{self.path}: expected a JSON object of tables")
        self._cache = data
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        # Kept until the locked operation ends (Store.table flushes it): several changes
        # made under one lock cost one write and one fsync, not one each.
        self._cache = data
        self._dirty = True

    def flush(self) -> None:
        """Write what the operation changed, atomically and durably."""
        if self._dirty and self._cache is not None:
            payload = json.dumps(self._cache, ensure_ascii=False,
                                 separators=(",", ":")).encode("utf-8")
            atomic_write(self.path, payload)
            self._dirty = False

    def close(self) -> None:
        pass


class Store:
    """The record files under one data directory."""

    def __init__(self, root: Path,
                 refuse_writes: Callable[[str], ReadOnly] | None = None) -> None:
        """`refuse_writes`: set for a read-only session; called with the record kind of
        any write, it logs the refusal and returns the error raised in its place."""
        self.root = Path(root)
        self._cleaned: set[Path] = set()
        self.refuse_writes = refuse_writes

    def path_for(self, kind: str, partition: str | None = None) -> Path:
        """The file holding `kind` records (of one `partition`, if the kind is split)."""
        parts = [kind, *(partition.split("/", 1) if partition is not None else ())]
        for part in parts:
            if not _SAFE_NAME.fullmatch(part):
                raise StoreError(f"unsafe record file name {part!r}")
        if partition is None:
            return self.root / f"{kind}.json"
        # "incident/post": a kind split twice, one small file per post
        return self.root.joinpath(*parts[:-1]) / f"{parts[-1]}.json"

    def partitions(self, kind: str) -> list[str]:
        """The partitions that exist for a split kind, sorted."""
        directory = self.root / kind
        if not directory.is_dir():
            return []
        return sorted(p.stem for p in directory.glob("*.json") if not p.name.startswith("."))

    @contextlib.contextmanager
    def table(self, kind: str, partition: str | None = None, *,
              write: bool = False) -> Iterator[Table]:
        """Open one record file's table under its lock (exclusive when `write`). A
        read-only session's write is refused here, below every caller: the shell, a
        scheduler and every screen alike."""
        if write and self.refuse_writes is not None:
            raise self.refuse_writes(kind)
        path = self.path_for(kind, partition)
        make_dirs(path.parent)
        with file_lock(lock_path_for(path), exclusive=write):
            if write and path not in self._cleaned:
                remove_stale_temps(path)
                self._cleaned.add(path)
            db = TinyDB(path, storage=AtomicJSONStorage)
            try:
                # cache_size=0: another process may have changed the file since our last look.
                table = db.table(kind, cache_size=0)
                table._next_id = None  # TinyDB's per-process id cache
                yield table
                # Only an operation that ran to its end is written: one that raised
                # (a Conflict, a bug) leaves the file as it was.
                storage = db.storage
                if isinstance(storage, AtomicJSONStorage):
                    storage.flush()
            finally:
                db.close()


R = TypeVar("R", bound=Record)


class Repository(Generic[R]):
    """Records of one kind, keyed by a string field. No TinyDB types leak out."""

    kind: str
    record: type[R]
    key: str = "id"

    def __init__(self, store: Store) -> None:
        self.store = store

    def _partition(self, obj: R | None = None) -> str | None:
        return None

    def all(self, partition: str | None = None) -> list[R]:
        """Every record, in insertion order."""
        with self.store.table(self.kind, partition) as table:
            return [self.record.from_dict(dict(doc)) for doc in table.all()]

    def get(self, key: str, partition: str | None = None) -> R | None:
        """The record whose key is `key`, or None."""
        with self.store.table(self.kind, partition) as table:
            found = table.get(lambda doc: doc.get(self.key) == key)
        return self.record.from_dict(dict(found)) if isinstance(found, dict) else None

    def put(self, obj: R) -> R:
        """Insert `obj`, or replace the record with the same key."""
        data = obj.to_dict()
        key = data[self.key]
        with self.store.table(self.kind, self._partition(obj), write=True) as table:
            # get() stops at the first match without building every Document: one scan,
            # then exactly one write either way.
            found = table.get(lambda doc: doc.get(self.key) == key)
            if isinstance(found, dict):
                table.update(data, doc_ids=[found.doc_id])
            else:
                table.insert(data)
        return obj

    def put_many(self, objs: list[R]) -> None:
        """Insert or replace many records of one partition in one write."""
        if not objs:
            return
        with self.store.table(self.kind, self._partition(objs[0]), write=True) as table:
            existing = {doc.get(self.key): doc.doc_id for doc in table.all()}
            new = []
            for obj in objs:
                data = obj.to_dict()
                if data[self.key] in existing:
                    table.update(data, doc_ids=[existing[data[self.key]]])
                else:
                    new.append(data)
            if new:
                table.insert_multiple(new)

    def change(self, key: str, mutate: Callable[[R], None],
               partition: str | None = None) -> R:
        """Read, change and write one record under a single lock; return it changed."""
        with self.store.table(self.kind, partition, write=True) as table:
            found = table.get(lambda doc: doc.get(self.key) == key)
            if not isinstance(found, dict):
                raise KeyError(key)
            obj = self.record.from_dict(dict(found))
            mutate(obj)
            table.update(obj.to_dict(), doc_ids=[found.doc_id])
        return obj

    def swap(self, key: str, update: Callable[[R | None], R],
             partition: str | None = None) -> R:
        """Compare-and-set one record under the file's exclusive lock.

        `update` gets the record as stored now (None if there is none) and returns the
        new record, or raises `Conflict` when it is not in the state the caller expected:
        then nothing is written. Two processes doing this at once are serialised by the
        lock, so exactly one sees the expected state."""
        with self.store.table(self.kind, partition, write=True) as table:
            found = table.get(lambda doc: doc.get(self.key) == key)
            current = self.record.from_dict(dict(found)) if isinstance(found, dict) else None
            new = update(current)
            data = new.to_dict()
            if data[self.key] != key:
                raise ValueError(f"swap of {key!r} returned a record keyed {data[self.key]!r}")
            if isinstance(found, dict):
                table.update(data, doc_ids=[found.doc_id])
            else:
                table.insert(data)
        return new

    def swap_many(self, updates: list[tuple[str, Callable[[R | None], R]]],
                  partition: str | None = None) -> list[R | Conflict]:
        """Several compare-and-sets in one file under one lock and one write: each
        update as `swap` does it, its Conflict returned in its place (and nothing of it
        written) rather than raised, so the others still go through."""
        out: list[R | Conflict] = []
        with self.store.table(self.kind, partition, write=True) as table:
            docs = {doc.get(self.key): doc for doc in table.all()}
            for key, update in updates:
                found = docs.get(key)
                current = self.record.from_dict(dict(found)) if found is not None else None
                try:
                    new = update(current)
                except Conflict as exc:
                    out.append(exc)
                    continue
                data = new.to_dict()
                if data[self.key] != key:
                    raise ValueError(f"swap of {key!r} returned a record keyed "
                                     f"{data[self.key]!r}")
                if found is not None:
                    table.update(data, doc_ids=[found.doc_id])
                    found.update(data)
                else:
                    docs[key] = table.get(doc_id=table.insert(data))  # type: ignore[assignment]
                out.append(new)
        return out

    def delete_if(self, key: str, check: Callable[[R], bool],
                  partition: str | None = None) -> R | None:
        """Remove the record only if `check` accepts it as stored now (compare-and-delete
        under the lock); returns what was removed, None if there was nothing. Raises
        Conflict, removing nothing, if it is not as expected."""
        with self.store.table(self.kind, partition, write=True) as table:
            found = table.get(lambda doc: doc.get(self.key) == key)
            if not isinstance(found, dict):
                return None
            current = self.record.from_dict(dict(found))
            if not check(current):
                raise Conflict("record changed", current)
            table.remove(doc_ids=[found.doc_id])
        return current

    def delete(self, key: str, partition: str | None = None) -> bool:
        """Remove the record; True if there was one."""
        with self.store.table(self.kind, partition, write=True) as table:
            return bool(table.remove(lambda doc: doc.get(self.key) == key))


def settled(info: os.stat_result) -> bool:
    """True when a file (or directory) last changed more than two seconds ago. One that
    changed more recently may change again within the clock's granularity, with its
    size and inode unchanged: a cache keyed by them must not trust it ("racy" entries,
    as git has)."""
    return time.time_ns() - info.st_mtime_ns >= 2_000_000_000


# path -> (its identity, size and change time when read; what was read)
_READ: dict[Path | str, tuple[tuple[int, int, int, int], list[Any]]] = {}


def cached_all(repo: Repository[R], part: str | None = None,
               path: Path | str | None = None) -> list[R]:
    """The records of one record file, re-read only when the file changed since this
    process last read it (the dashboard reads the incidents, and every post of every
    open incident, every few seconds; a long incident holds hundreds of posts).

    A file changed in the last two seconds is always read (see `settled`). The records
    returned are shared: callers replace them, never change them.
    A caller that lists a directory passes each file's path as the string it got (one
    Path object per file cost more than the stat) and always in that form."""
    path = path or repo.store.path_for(repo.kind, part)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return []
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    cached = _READ.get(path)
    if cached is None or cached[0] != key or not settled(info):
        cached = _READ[path] = (key, Repository.all(repo, part))
    return cached[1]


class SiteRepository(Repository[Site]):
    kind = "sites"
    record = Site


class IncidentRepository(Repository[Incident]):
    kind = "incidents"
    record = Incident

    def open_incidents(self) -> list[Incident]:
        """Incidents not yet closed, the most recently opened first (the file re-read
        only when it changed: the dashboard asks every few seconds)."""
        items = [i for i in cached_all(self) if i.is_open]
        return sorted(items, key=lambda i: i.opened_at, reverse=True)
