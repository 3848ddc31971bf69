"""Writes asked for at the same moment go to disk together, each caller still getting
its own answer: the group commit under the fan-out, and the batched store and log."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from oncall.actionlog import ActionLog, Pending
from oncall.groupcommit import GroupCommit
from oncall.model import Site
from oncall.store import Conflict, SiteRepository, Store


async def test_concurrent_submits_are_flushed_together_and_answered_one_by_one() -> None:
    batches: list[list[int]] = []

    def flush(items: Sequence[int]) -> list[int | BaseException]:
        batches.append(list(items))
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    commit: GroupCommit[int, int] = GroupCommit(flush)
    results = await asyncio.gather(*(commit.submit(i) for i in range(6)),
                                   return_exceptions=True)
    assert results[0] == 0 and results[2] == 20 and results[4] == 40
    assert [str(r) for r in results[1::2]] == ["odd 1", "odd 3", "odd 5"]
    assert sum(len(b) for b in batches) == 6 and len(batches) <= 2  # not one each
    assert [i for b in batches for i in b] == list(range(6))  # in the order asked


async def test_a_failed_batch_is_every_callers_error_and_the_next_batch_still_runs() -> None:
    calls = 0

    def flush(items: Sequence[str]) -> list[str | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        return [s.upper() for s in items]

    commit: GroupCommit[str, str] = GroupCommit(flush)
    first = await asyncio.gather(commit.submit("a"), return_exceptions=True)
    assert isinstance(first[0], OSError)
    assert await commit.submit("b") == "B"


def site(n: int, name: str = "Page") -> Site:
    return Site(id=f"s{n}", platform="facebook", name=name, handle="h", tier="local")


def test_swap_many_sets_each_or_returns_its_conflict_in_one_write(tmp_path: Path) -> None:
    repo = SiteRepository(Store(tmp_path))
    repo.put_many([site(1), site(2), site(3)])
    path = tmp_path / "sites.json"
    inode = path.stat().st_ino

    def rename(expect: str, to: str):
        def update(current: Site | None) -> Site:
            if current is None or current.name != expect:
                raise Conflict("changed", current)
            return site(int(current.id[1:]), to)
        return update

    out = repo.swap_many([("s1", rename("Page", "One")), ("s2", rename("Other", "Two")),
                          ("s3", rename("Page", "Three"))])
    assert [o.name if isinstance(o, Site) else "conflict" for o in out] == [
        "One", "conflict", "Three"]
    assert isinstance(out[1], Conflict) and out[1].current.name == "Page"  # type: ignore[union-attr]
    assert [s.name for s in repo.all()] == ["One", "Page", "Three"]
    assert path.stat().st_ino != inode  # written (atomically), once for all three


def test_append_many_chains_signs_and_writes_all_at_once(tmp_path: Path) -> None:
    log = ActionLog(tmp_path / "log", key_dir=tmp_path / "keys", author="sokafor")
    log.append("sokafor", "Press Officer", "first")
    entries = log.append_many([Pending("sokafor", "Press Officer", f"post.sent.{n}",
                                       "INC-1", f"site {n}", {"n": n}) for n in range(5)])
    assert [e.seq for e in entries] == [2, 3, 4, 5, 6]
    result = log.verify()
    assert result.ok and result.count == 6 and result.signed == 6
    with pytest.raises(ValueError, match="secret"):
        log.append_many([Pending("sokafor", "Press Officer", "ok"),
                         Pending("sokafor", "Press Officer", "bad", details={"password": "x"})])
    assert log.verify().count == 6  # all or none
