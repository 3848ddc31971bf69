"""Group commit: writes asked for at the same moment by concurrent tasks go to disk as
one batch, one lock and one fsync, instead of queueing for the lock one by one.

A fan-out's sites all claim their deliveries at once and mostly answer at once: with a
durable write (and a signed log line) each, the last site's request started only after
eighteen fsyncs, and the results waited the same again. Each caller still gets its own
answer (or its own error) and still only after its write is durable; the batch is just
whatever arrived while the previous one was being written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Batches `submit` calls into calls of `flush`, run in a thread.

    `flush(items)` returns one result per item; a result that is an exception is
    raised to that item's caller alone. An exception from `flush` itself goes to every
    caller of that batch.
    """

    def __init__(self, flush: Callable[[Sequence[T]], Sequence[R | BaseException]]) -> None:
        self._flush = flush
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._running = False
        self._task: asyncio.Task[None] | None = None  # kept so it is not collected

    async def submit(self, item: T) -> R:
        """Queue `item`; return its result once its batch is written."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        if not self._running:
            # A task of its own: the first caller answers as soon as its batch is written,
            # not after whatever arrives later.
            self._running = True
            self._task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            await self._drain_all()
        finally:
            self._running = False
            for _, future in self._waiting:  # only when cancelled: nobody waits for ever
                future.cancel()
            self._waiting = []

    async def _drain_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await asyncio.to_thread(self._flush, [item for item, _ in batch])
            except BaseException as exc:  # the whole batch failed: each caller hears it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
