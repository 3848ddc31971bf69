"""Signatures checked in worker processes (oncall.sigpool): the earliest bad one is
reported, as if each had been checked in turn, and a worker lost on the way costs time,
never the verdict."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import oncall.sigpool
from oncall.signing import KeyDir
from oncall.sigpool import SignaturePool, Where, check_batch


def items(tmp_path: Path, n: int, bad: set[int]) -> list[tuple[str, str, bytes]]:
    signer = KeyDir(tmp_path / "keys").signer("sokafor")
    out = []
    for i in range(n):
        message = f"{i:064x}".encode("ascii")
        signature = signer.sign(message)
        if i in bad:  # signed for another message: a forged or altered entry
            signature = signer.sign(b"x" + message)
        out.append((signer.public, signature, message))
    return out


def test_a_batch_names_each_signature_that_does_not_verify(tmp_path: Path) -> None:
    assert check_batch(items(tmp_path, 6, {1, 4})) == [1, 4]
    assert check_batch(items(tmp_path, 3, set())) == []


def run(pool: SignaturePool, batch: list[tuple[str, str, bytes]]) -> Where | None:
    try:
        for i, (key, sig, message) in enumerate(batch):
            pool.add(key, sig, message, Where(i + 1, i, Path("2026-12.jsonl"), i + 1))
        return pool.finish()
    finally:
        pool.close()


def test_the_earliest_bad_signature_is_the_one_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oncall.sigpool, "BATCH", 3)
    found = run(SignaturePool(2), items(tmp_path, 20, {17, 8, 12}))
    assert found == Where(9, 8, Path("2026-12.jsonl"), 9)
    assert run(SignaturePool(2), items(tmp_path, 20, set())) is None


def test_a_worker_killed_on_the_way_costs_no_verdict(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oncall.sigpool, "BATCH", 2)
    pool = SignaturePool(2)
    batch = items(tmp_path, 12, {9})
    key, sig, message = batch[0]
    pool.add(key, sig, message, Where(1, 0, Path("a"), 1))
    pool.add(key, sig, message, Where(1, 0, Path("a"), 1))  # a batch: the workers start
    for pid in list(pool._executor._processes):  # type: ignore[union-attr]
        os.kill(pid, signal.SIGKILL)
    found = run(pool, batch[1:])
    assert found is not None and found.seq == 9  # batch[9] is the 9th added here


def test_a_short_walk_or_one_core_checks_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SignaturePool.for_walk(oncall.sigpool.MIN_BYTES - 1) is None
    monkeypatch.setattr(oncall.sigpool, "usable_cores", lambda: 1)
    assert SignaturePool.for_walk(oncall.sigpool.MIN_BYTES * 10) is None
