"""Checking a long walk's signatures on every core.

The first walk of a year's log (no checkpoint of its own, no colleague's attested walk
to start from) must check about a million Ed25519 signatures, some 120 µs each on one
core of the comms host: two minutes of one core's work that nothing can skip, since each
signature is all that proves who wrote its entry. The chain, the order and the keys'
owners must be checked in order, by one process; the signatures need not be. They are
handed, in batches, to worker processes, while the walk goes on, and the earliest
failure among them is the one reported, as if they had been checked in turn.

Workers are started by "spawn", never "fork": the console walks the log in a thread, and
forking a threaded process can leave a lock held for ever in the child.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from oncall.signing import verify

# Below this many bytes still to walk (about 50,000 entries), starting processes costs
# more than it saves.
MIN_BYTES = 24 << 20
BATCH = 4096
# Batches in flight per worker: enough to keep each busy, few enough to keep memory flat.
AHEAD = 3


@dataclass(frozen=True)
class Where:
    """An entry whose signature is checked away from the walk: enough to report it."""

    seq: int
    count: int  # entries walked before it
    path: Path
    line: int


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_batch(items: Sequence[tuple[str, str, bytes]]) -> list[int]:
    """The positions in `items` ((public key, signature, message)) that do not verify.
    Runs in a worker process."""
    return [i for i, (key, sig, message) in enumerate(items) if not verify(key, sig, message)]


class SignaturePool:
    """Signatures checked in worker processes, in batches, with a bounded number in
    flight; `failed` is the earliest failure found so far."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._executor = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        self._items: list[tuple[str, str, bytes]] = []
        self._where: list[Where] = []
        self._pending: deque[tuple[Future[list[int]], list[tuple[str, str, bytes]],
                                   list[Where]]] = deque()
        self.failed: Where | None = None

    @classmethod
    def for_walk(cls, remaining_bytes: int) -> SignaturePool | None:
        """A pool when the walk ahead is long enough, and there is more than one core,
        to be worth one; else None (check each signature in turn)."""
        cores = usable_cores()
        if cores < 2 or remaining_bytes < MIN_BYTES:
            return None
        try:
            return cls(cores)
        except (OSError, ValueError, NotImplementedError):
            return None  # no processes here (a sandbox, a limit): check in turn

    def add(self, key: str, signature: str, message: bytes, where: Where) -> None:
        """Check `signature` of `message` by `key`, later, elsewhere."""
        self._items.append((key, signature, message))
        self._where.append(where)
        if len(self._items) >= BATCH:
            self._submit()

    def _submit(self) -> None:
        if not self._items:
            return
        items, where = self._items, self._where
        self._items, self._where = [], []
        try:
            future = self._executor.submit(check_batch, items)
        except RuntimeError:  # the pool broke (a worker killed): check here instead
            future = Future()
            future.set_result(check_batch(items))
        self._pending.append((future, items, where))
        while self._pending and (self._pending[0][0].done()
                                 or len(self._pending) > self._workers * AHEAD):
            self._collect_oldest()

    def _collect_oldest(self) -> None:
        future, items, where = self._pending.popleft()
        try:
            bad = future.result()
        except Exception:  # a lost worker costs time, never a verdict
            bad = check_batch(items)
        if bad and self.failed is None:
            self.failed = where[bad[0]]  # batches are collected in order

    def finish(self) -> Where | None:
        """Wait for every signature handed in; the earliest that failed, if any."""
        self._submit()
        while self._pending:
            self._collect_oldest()
        return self.failed

    def close(self) -> None:
        """Stop the workers, dropping what they have not started."""
        self._executor.shutdown(wait=True, cancel_futures=True)
