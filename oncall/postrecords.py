"""Where posts and their deliveries are kept: posts one file per incident, deliveries
one file per post.

Kept apart from the posting engine so that what only reads them (the dashboard's
update cadence, views) does not load the HTTP stack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from oncall.model import Delivery, DeliveryState, Incident, PostRecord
from oncall.owners import is_live
from oncall.store import Conflict, Repository

if TYPE_CHECKING:
    from oncall.session import Session

S = DeliveryState
# In flight: someone's process holds them, or held them when it stopped.
OPEN_STATES = {S.QUEUED.value, S.SENDING.value, S.WAITING.value}
# Sent or not, nobody knows: the officer must look and decide.
DECIDE_STATES = {S.UNKNOWN.value}


class PostRepository(Repository[PostRecord]):
    kind = "posts"
    record = PostRecord

    def _partition(self, obj: PostRecord | None = None) -> str | None:
        return obj.incident if obj else None


class DeliveryRepository(Repository[Delivery]):
    """Deliveries, one small file per post (`deliveries/<incident>/<post>.json`): a state
    change rewrites only its own post's few records, however many posts the incident
    holds (one file per incident made a 20-site fan-out into a long incident slower with
    every post). An incident's file from before is split up on its first write."""

    kind = "deliveries"
    record = Delivery

    @staticmethod
    def where(delivery: Delivery) -> str:
        """The partition a delivery is kept in."""
        return f"{delivery.incident}/{delivery.post}"

    def _partition(self, obj: Delivery | None = None) -> str | None:
        return self.where(obj) if obj else None

    def all(self, partition: str | None = None) -> list[Delivery]:
        """Every delivery of an incident (`partition` is its id), or of one post
        ("incident/post"), oldest post first."""
        if partition is None or "/" in partition:
            return super().all(partition)
        found: dict[str, Delivery] = {}
        for part in self.store.partitions(self.kind, partition):
            for d in super().all(part):
                found[d.id] = d
        if self.store.path_for(self.kind, partition).exists():  # from before the split
            for d in super().all(partition):
                found.setdefault(d.id, d)
        return sorted(found.values(), key=lambda d: d.post)

    def for_post(self, incident: str, post: str) -> list[Delivery]:
        """The deliveries of one post: one small file read."""
        self._split_legacy(incident)
        return super().all(f"{incident}/{post}")

    def put(self, obj: Delivery) -> Delivery:
        self._split_legacy(obj.incident)
        return super().put(obj)

    def put_many(self, objs: list[Delivery]) -> None:
        by_post: dict[str, list[Delivery]] = {}
        for d in objs:
            by_post.setdefault(self.where(d), []).append(d)
        for group in by_post.values():
            self._split_legacy(group[0].incident)
            super().put_many(group)

    def swap(self, key: str, update: Callable[[Delivery | None], Delivery],
             partition: str | None = None) -> Delivery:
        if partition is not None:
            self._split_legacy(partition.split("/", 1)[0])
        return super().swap(key, update, partition)

    def swap_many(self, updates: list[tuple[str, Callable[[Delivery | None], Delivery]]],
                  partition: str | None = None) -> list[Delivery | Conflict]:
        if partition is not None:
            self._split_legacy(partition.split("/", 1)[0])
        return super().swap_many(updates, partition)

    def change(self, key: str, mutate: Callable[[Delivery], None],
               partition: str | None = None) -> Delivery:
        if partition is not None:
            self._split_legacy(partition.split("/", 1)[0])
        return super().change(key, mutate, partition)

    def _split_legacy(self, incident: str) -> None:
        """Move an incident's one-file deliveries into one file per post, under the old
        file's lock, so no write lands in a file that is about to go."""
        legacy = self.store.path_for(self.kind, incident)
        if not legacy.exists():
            return
        with self.store.table(self.kind, incident, write=True) as table:
            held = [Delivery.from_dict(dict(doc)) for doc in table.all()]
            if not held:
                return
            by_post: dict[str, list[Delivery]] = {}
            for d in held:
                by_post.setdefault(self.where(d), []).append(d)
            for part, group in by_post.items():
                with self.store.table(self.kind, part, write=True) as post_table:
                    have = {doc.get(self.key) for doc in post_table.all()}
                    post_table.insert_multiple([d.to_dict() for d in group if d.id not in have])
            table.truncate()
        legacy.unlink(missing_ok=True)


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


# path -> (identity, size and change time when read; its deliveries not yet final)
_PENDING: dict[Path, tuple[tuple[int, int, int, int], list[Delivery]]] = {}


def _pending(repo: DeliveryRepository, incident: str) -> list[Delivery]:
    """An incident's deliveries that are not final (sent, failed, retracted...), reading
    only the post files that changed since this process last looked: the dashboard asks
    every few seconds, and a long incident holds hundreds of posts whose sends are long
    over. The deliveries returned are read-only views, never written back."""
    out: list[Delivery] = []
    store = repo.store
    parts = store.partitions(repo.kind, incident)
    legacy = store.path_for(repo.kind, incident)
    for part in [*parts, *([incident] if legacy.exists() else [])]:
        path = store.path_for(repo.kind, part)
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        cached = _PENDING.get(path)
        # A file changed in the last two seconds may change again within the clock's
        # granularity, size and inode unchanged: read it ("racy" entries, as git has).
        recent = time.time_ns() - info.st_mtime_ns < 2_000_000_000
        if cached is None or cached[0] != key or recent:
            held = [d for d in Repository.all(repo, part)
                    if d.state in OPEN_STATES or d.state in DECIDE_STATES]
            cached = _PENDING[path] = (key, held)
        out.extend(cached[1])
    return out


__all__ = ["DECIDE_STATES", "OPEN_STATES", "DeliveryRepository", "PostRepository", "unresolved"]
