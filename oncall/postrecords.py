"""Where posts and their deliveries are kept: one small file per post of each.

Kept apart from the posting engine so that what only reads them (the dashboard's
update cadence, views) does not load the HTTP stack.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from oncall.model import Delivery, DeliveryState, Incident, PostRecord, Record
from oncall.owners import is_live
from oncall.store import Conflict, Repository, cached_all, settled

if TYPE_CHECKING:
    from oncall.session import Session

R = TypeVar("R", bound=Record)
# An incident's directory of per-post files -> (its identity and mtime; its records).
_LISTED: dict[str, tuple[tuple[int, int, int], list[Any]]] = {}
S = DeliveryState
# In flight: someone's process holds them, or held them when it stopped; or paused by a
# crisis hold, waiting for the officer who lifts it.
OPEN_STATES = {S.QUEUED.value, S.SENDING.value, S.WAITING.value, S.HELD.value}
# Sent or not, nobody knows: the officer must look and decide.
DECIDE_STATES = {S.UNKNOWN.value}


class _PerPost(Repository[R]):
    """Records kept one small file per post (`<kind>/<incident>/<post>.json`): a change
    rewrites only its own post's records, however many posts the incident holds (one
    file per incident made every write, and a 20-site fan-out, slower with every post).
    An incident's single file from before is read as well, and split up on its first
    write. Reading a whole incident re-reads only the files that changed since this
    process last read them."""

    def where(self, obj: R) -> str:
        """The partition `obj` is kept in: "incident/post"."""
        raise NotImplementedError

    def _order(self, obj: R) -> str:
        raise NotImplementedError

    def _partition(self, obj: R | None = None) -> str | None:
        return self.where(obj) if obj is not None else None

    def all(self, partition: str | None = None) -> list[R]:
        """Every record of an incident (`partition` is its id), oldest post first, or
        of one post ("incident/post")."""
        if partition is None or "/" in partition:
            return super().all(partition)
        found = {getattr(obj, self.key): obj for obj in self._per_post(partition)}
        if self.store.path_for(self.kind, partition).exists():  # from before the split
            for obj in super().all(partition):
                found.setdefault(getattr(obj, self.key), obj)
        return sorted(found.values(), key=self._order)

    def _per_post(self, partition: str) -> list[R]:
        """The records in an incident's directory of per-post files. The listing is
        kept while the directory itself is unchanged: every write to it is a rename
        (atomic_write), which changes the directory's mtime, so an idle dashboard makes
        one stat per open incident, not one per post. A directory changed in the last
        two seconds is always listed again (see cached_all)."""
        directory = str(self.store.path_for(self.kind, partition).with_suffix(""))
        try:
            info = os.stat(directory)
        except (FileNotFoundError, NotADirectoryError):
            return []
        key = (info.st_dev, info.st_ino, info.st_mtime_ns)
        kept = _LISTED.get(directory)
        if kept is not None and kept[0] == key and settled(info):
            return kept[1]
        try:
            # One directory read for names and sizes: the dashboard asks every few
            # seconds for every open incident, and a long one holds hundreds of posts.
            entries = [e for e in os.scandir(directory)
                       if e.name.endswith(".json") and not e.name.startswith(".")]
        except (FileNotFoundError, NotADirectoryError):
            entries = []
        records: list[R] = []
        for entry in sorted(entries, key=lambda e: e.name):
            records.extend(cached_all(self, f"{partition}/{entry.name[:-5]}", entry.path))
        _LISTED[directory] = (key, records)
        return records

    def put(self, obj: R) -> R:
        self._split_legacy(self.where(obj))
        return super().put(obj)

    def put_many(self, objs: list[R]) -> None:
        by_post: dict[str, list[R]] = {}
        for obj in objs:
            by_post.setdefault(self.where(obj), []).append(obj)
        for part, group in by_post.items():
            self._split_legacy(part)
            super().put_many(group)

    def swap(self, key: str, update: Callable[[R | None], R],
             partition: str | None = None) -> R:
        self._split_legacy(partition)
        return super().swap(key, update, partition)

    def swap_many(self, updates: list[tuple[str, Callable[[R | None], R]]],
                  partition: str | None = None) -> list[R | Conflict]:
        self._split_legacy(partition)
        return super().swap_many(updates, partition)

    def change(self, key: str, mutate: Callable[[R], None],
               partition: str | None = None) -> R:
        self._split_legacy(partition)
        return super().change(key, mutate, partition)

    def _split_legacy(self, partition: str | None) -> None:
        """Move an incident's one-file records into one file per post, under the old
        file's lock, so no write lands in a file that is about to go."""
        if partition is None:
            return
        incident = partition.split("/", 1)[0]
        legacy = self.store.path_for(self.kind, incident)
        if not legacy.exists():
            return
        with self.store.table(self.kind, incident, write=True) as table:
            held = [self.record.from_dict(dict(doc)) for doc in table.all()]
            if not held:
                return
            by_post: dict[str, list[R]] = {}
            for obj in held:
                by_post.setdefault(self.where(obj), []).append(obj)
            for part, group in by_post.items():
                with self.store.table(self.kind, part, write=True) as post_table:
                    have = {doc.get(self.key) for doc in post_table.all()}
                    post_table.insert_multiple([o.to_dict() for o in group
                                                if getattr(o, self.key) not in have])
            table.truncate()
        legacy.unlink(missing_ok=True)


class PostRepository(_PerPost[PostRecord]):
    kind = "posts"
    record = PostRecord

    def where(self, obj: PostRecord) -> str:
        return f"{obj.incident}/{obj.id}"

    def _order(self, obj: PostRecord) -> tuple[datetime, str]:  # type: ignore[override]
        return obj.created_at, obj.id

    def get(self, key: str, partition: str | None = None) -> PostRecord | None:
        """The post `key` of the incident `partition`."""
        if partition is None or "/" in partition:
            return super().get(key, partition)
        found = super().get(key, f"{partition}/{key}")
        if found is None and self.store.path_for(self.kind, partition).exists():
            found = super().get(key, partition)  # an incident's file from before
        return found


class DeliveryRepository(_PerPost[Delivery]):
    kind = "deliveries"
    record = Delivery

    def where(self, obj: Delivery) -> str:
        return f"{obj.incident}/{obj.post}"

    def _order(self, obj: Delivery) -> str:
        return obj.post

    def for_post(self, incident: str, post: str) -> list[Delivery]:
        """The deliveries of one post: one small file read."""
        self._split_legacy(incident)
        return Repository.all(self, f"{incident}/{post}")


def unresolved(session: Session, incidents: list[Incident] | None = None) -> list[Delivery]:
    """Deliveries a crash or a dropped session left undecided, across open incidents
    (pass them if already read): queued/sending/waiting with no live owner, and every
    `unknown`. Shown at start so nothing is re-sent without the officer's say."""
    repo = DeliveryRepository(session.store)
    out = []
    for incident in session.incidents.open_incidents() if incidents is None else incidents:
        for d in _pending(repo, incident.id):
            if d.state in DECIDE_STATES or (d.state in OPEN_STATES and not is_live(d.owner)):
                out.append(d)
    return out


def _pending(repo: DeliveryRepository, incident: str) -> list[Delivery]:
    """An incident's deliveries that are not final (sent, failed, retracted...)."""
    return [d for d in repo.all(incident)
            if d.state in OPEN_STATES or d.state in DECIDE_STATES]


__all__ = ["DECIDE_STATES", "OPEN_STATES", "DeliveryRepository", "PostRepository", "unresolved"]
