"""Signatures checked in worker processes (oncall.sigpool): the earliest bad one is
reported, as if each had been checked in turn, and a worker lost on the way costs time,
never the verdict, and never a hang."""

from __future__ import annotations

import io
import json
import os
import signal
from pathlib import Path

import pytest

import oncall.sigpool
from oncall.signing import KeyDir
from oncall.sigpool import SignaturePool, Where, first_bad, serve


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


def test_a_batch_names_its_first_signature_that_does_not_verify(tmp_path: Path) -> None:
    assert first_bad(items(tmp_path, 6, {4, 1})) == 1
    assert first_bad(items(tmp_path, 3, set())) == -1


def test_a_worker_answers_a_line_per_batch_whatever_the_text(tmp_path: Path) -> None:
    good = items(tmp_path, 3, {2})
    hostile = [["ed25519:\n{\"x\"", "sig\nwith\u202enewlines", "00"]]
    batches = [[[k, s, m.decode()] for k, s, m in good], hostile]
    out = io.BytesIO()
    serve(io.BytesIO(b"".join(json.dumps(b).encode() + b"\n" for b in batches)), out)
    assert out.getvalue() == b"2\n0\n"


def where(i: int) -> Where:
    return Where(i + 1, i, Path("2026-12.jsonl"), i + 1)


def run(pool: SignaturePool, batch: list[tuple[str, str, bytes]],
        start: int = 0) -> Where | None:
    try:
        for i, (key, sig, message) in enumerate(batch, start=start):
            pool.add(key, sig, message, where(i))
        return pool.finish()
    finally:
        pool.close()


def test_the_earliest_bad_signature_is_the_one_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oncall.sigpool, "BATCH", 3)
    assert run(SignaturePool(2), items(tmp_path, 20, {17, 8, 12})) == where(8)
    assert run(SignaturePool(2), items(tmp_path, 20, set())) is None


@pytest.mark.parametrize("when", ["before its batch", "with batches out"])
def test_a_worker_killed_on_the_way_costs_no_verdict(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    monkeypatch.setattr(oncall.sigpool, "BATCH", 2)
    pool = SignaturePool(2)
    batch = items(tmp_path, 14, {11})
    if when == "with batches out":
        for i, (key, sig, message) in enumerate(batch[:6]):
            pool.add(key, sig, message, where(i))
    for worker in pool._workers:
        os.kill(worker.process.pid, signal.SIGKILL)
    start = 6 if when == "with batches out" else 0
    assert run(pool, batch[start:], start) == where(11)
    assert all(w.process.poll() is not None for w in pool._workers)


def test_a_short_walk_or_one_core_checks_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SignaturePool.for_walk(oncall.sigpool.MIN_BYTES - 1) is None
    monkeypatch.setattr(oncall.sigpool, "usable_cores", lambda: 1)
    assert SignaturePool.for_walk(oncall.sigpool.MIN_BYTES * 10) is None
