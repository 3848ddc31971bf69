"""Checking a long walk's signatures on every core.

The first walk of a year's log (no checkpoint of its own, no colleague's attested walk
to start from) must check about a million Ed25519 signatures, some 0.1 ms each on one
core of the comms host: a minute or two of one core's work that nothing can skip, since
each signature is all that proves who wrote its entry. The chain, the order and the
keys' owners must be checked in order, by one process; the signatures need not be. They
are handed, in batches, to worker processes while the walk goes on, and the earliest
failure among them is the one reported, as if they had been checked in turn.

A worker is `python -m oncall.sigpool`, fed one JSON line per batch on its standard
input and answering one line each: a new process (never a fork of a threaded console)
over plain pipes, so a worker that dies shows as a closed pipe and its batch is checked
here instead, never waited for. (concurrent.futures' process pool
can hang for good on Python 3.11 when a worker dies while a batch is being written to
it: CPython gh-94777.)
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from oncall.signing import verify

# Below this many bytes still to walk (about 50,000 entries), starting processes costs
# more than it saves.
MIN_BYTES = 24 << 20
BATCH = 4096
# Batches handed out and not yet answered, per worker: one being checked, one waiting.
AHEAD = 2
# A worker told to stop (its input closed) that has not gone by then is killed.
STOP_SECONDS = 5.0

Item = tuple[str, str, bytes]  # public key, signature, message


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


def first_bad(items: Sequence[Item]) -> int:
    """The position of the first of `items` whose signature does not verify, or -1."""
    for i, (key, sig, message) in enumerate(items):
        if not verify(key, sig, message):
            return i
    return -1


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    alive: bool = True


@dataclass(frozen=True)
class _Batch:
    worker: _Worker | None  # None: already checked here
    items: list[Item]
    where: list[Where]
    bad: int = -1  # when checked here


class SignaturePool:
    """Signatures checked in worker processes, in batches, with a bounded number in
    flight; `failed` is the earliest failure found so far."""

    def __init__(self, workers: int) -> None:
        root = Path(__file__).resolve().parents[1]  # so `-m` finds this very package
        self._workers: list[_Worker] = []
        try:
            for _ in range(workers):
                self._workers.append(_Worker(subprocess.Popen(
                    [sys.executable, "-m", "oncall.sigpool"], cwd=root,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL)))
        except OSError:
            self.close()
            raise
        self._next = 0
        self._items: list[Item] = []
        self._where: list[Where] = []
        self._pending: deque[_Batch] = deque()
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
        except OSError:
            return None  # no processes here (a limit, a sandbox): check in turn

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
        self._pending.append(self._hand_out(items, where))
        while len(self._pending) > AHEAD * max(1, len(self._workers)):
            self._collect_oldest()

    def _hand_out(self, items: list[Item], where: list[Where]) -> _Batch:
        line = json.dumps([[k, s, m.decode("ascii", "replace")] for k, s, m in items],
                          ensure_ascii=True).encode("ascii") + b"\n"
        for _ in range(len(self._workers)):
            worker = self._workers[self._next]
            self._next = (self._next + 1) % len(self._workers)
            if not worker.alive:
                continue
            try:
                assert worker.process.stdin is not None
                worker.process.stdin.write(line)
                worker.process.stdin.flush()
                return _Batch(worker, items, where)
            except OSError:  # it has gone (a broken pipe): the next one, or here
                worker.alive = False
        return _Batch(None, items, where, first_bad(items))

    def _collect_oldest(self) -> None:
        batch = self._pending.popleft()
        bad = batch.bad
        if batch.worker is not None:
            answer = _read_answer(batch.worker)
            bad = first_bad(batch.items) if answer is None else answer
        if bad >= 0 and self.failed is None:
            self.failed = batch.where[bad]  # batches are collected in order

    def finish(self) -> Where | None:
        """Wait for every signature handed in; the earliest that failed, if any."""
        self._submit()
        while self._pending:
            self._collect_oldest()
        return self.failed

    def close(self) -> None:
        """Stop the workers: their input closed, then killed if they linger."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                if worker.process.stdin is not None:
                    worker.process.stdin.close()
        for worker in self._workers:
            try:
                worker.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            if worker.process.stdout is not None:
                worker.process.stdout.close()


def _read_answer(worker: _Worker) -> int | None:
    """The worker's answer to its oldest batch; None if it has gone or answered nonsense
    (the batch is then checked here)."""
    if not worker.alive or worker.process.stdout is None:
        return None
    try:
        line = worker.process.stdout.readline()
        if line.endswith(b"\n"):
            return int(line)
    except (OSError, ValueError):
        pass
    worker.alive = False
    return None


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """A worker's loop: a batch per line in, the first bad position (or -1) per line out,
    until its input ends."""
    for line in source:
        items = [(str(k), str(s), str(m).encode("ascii", "replace"))
                 for k, s, m in json.loads(line)]
        sink.write(b"%d\n" % first_bad(items))
        sink.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
