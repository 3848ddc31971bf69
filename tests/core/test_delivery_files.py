"""Deliveries are kept one small file per post, so a change to one send rewrites only
its own post's records however long the incident has run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from oncall.model import Delivery
from oncall.postrecords import DeliveryRepository
from oncall.store import Store


def delivery(post: str, site: str, incident: str = "INC-1") -> Delivery:
    return Delivery(id=f"{post}.{site}", post=post, incident=incident, site=site,
                    platform="facebook", text="Road closed.", key=f"{post}:{site}")


def test_each_post_has_its_own_file_and_a_change_rewrites_only_it(tmp_path: Path) -> None:
    repo = DeliveryRepository(Store(tmp_path))
    repo.put_many([delivery(f"P{n}", site) for n in range(3) for site in ("fb", "x")])
    files = sorted((tmp_path / "deliveries" / "INC-1").glob("*.json"))
    assert [f.name for f in files] == ["P0.json", "P1.json", "P2.json"]
    before = {f.name: (f.stat().st_ino, f.read_bytes()) for f in files}
    target = repo.for_post("INC-1", "P1")[0]
    repo.swap(target.id, lambda d: Delivery.from_dict({**d.to_dict(), "state": "sent"})
              if d else target, repo.where(target))
    after = {f.name: (f.stat().st_ino, f.read_bytes()) for f in files}
    assert after["P0.json"] == before["P0.json"] and after["P2.json"] == before["P2.json"]
    assert after["P1.json"] != before["P1.json"]
    assert [d.state for d in repo.for_post("INC-1", "P1")] == ["sent", "queued"]
    assert len(repo.all("INC-1")) == 6


def test_an_incidents_single_file_from_before_is_read_then_split_on_first_write(
        tmp_path: Path) -> None:
    old = tmp_path / "deliveries" / "INC-1.json"
    old.parent.mkdir(parents=True)
    records = {str(i + 1): delivery(f"P{i // 2}", ("fb", "x")[i % 2]).to_dict()
               for i in range(4)}
    old.write_text(json.dumps({"deliveries": records}))
    repo = DeliveryRepository(Store(tmp_path))
    assert sorted(d.id for d in repo.all("INC-1")) == ["P0.fb", "P0.x", "P1.fb", "P1.x"]
    repo.change("P0.fb", lambda d: setattr(d, "attempts", 1), partition="INC-1/P0")
    assert not old.exists()
    assert sorted(d.id for d in repo.all("INC-1")) == ["P0.fb", "P0.x", "P1.fb", "P1.x"]
    assert [d.attempts for d in repo.for_post("INC-1", "P0")] == [1, 0]
    assert [d.id for d in repo.for_post("INC-1", "P1")] == ["P1.fb", "P1.x"]


def test_the_outbox_scan_reads_only_post_files_that_changed(
        tmp_path: Path, demo_session, monkeypatch) -> None:
    import os

    from oncall import postrecords
    from oncall.model import Incident
    from oncall.store import Repository

    repo = DeliveryRepository(demo_session.store)
    sent = [Delivery.from_dict({**delivery(f"P{n}", "fb").to_dict(), "state": "sent"})
            for n in range(5)]
    repo.put_many([*sent, Delivery.from_dict({**delivery("P9", "fb").to_dict(),
                                              "state": "unknown"})])
    for path in (demo_session.store.root / "deliveries" / "INC-1").glob("*.json"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 10**10))
    incident = Incident(id="INC-1", title="t", kind="missing",
                        opened_at=datetime.now(UTC), opened_by="sokafor")
    reads: list[str] = []
    real = Repository.all
    monkeypatch.setattr(Repository, "all", lambda self, part=None: reads.append(part)
                        or real(self, part))
    assert [d.id for d in postrecords.unresolved(demo_session, [incident])] == ["P9.fb"]
    assert len(reads) == 6
    reads.clear()
    assert [d.id for d in postrecords.unresolved(demo_session, [incident])] == ["P9.fb"]
    assert reads == []  # nothing changed: nothing read
    repo.swap("P9.fb", lambda d: Delivery.from_dict({**d.to_dict(), "state": "failed"})
              if d else d, "INC-1/P9")
    assert postrecords.unresolved(demo_session, [incident]) == []
    assert reads == ["INC-1/P9"]


def test_posts_are_kept_a_file_each_and_an_old_incident_file_is_read_then_split(
        tmp_path: Path) -> None:
    from datetime import timedelta

    from oncall.model import PostRecord
    from oncall.postrecords import PostRepository

    start = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)

    def post(n: int) -> PostRecord:
        return PostRecord(id=f"P{n}", incident="INC-1", author="sokafor",
                          created_at=start + timedelta(minutes=n), body=f"Update {n}")

    old = tmp_path / "posts" / "INC-1.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"posts": {"1": post(2).to_dict(), "2": post(0).to_dict()}}))
    repo = PostRepository(Store(tmp_path))
    assert [p.id for p in repo.all("INC-1")] == ["P0", "P2"]  # oldest first
    assert repo.get("P2", "INC-1") == post(2)
    repo.put(post(1))  # the first write splits the old file
    assert not old.exists()
    assert sorted(p.name for p in (tmp_path / "posts" / "INC-1").glob("*.json")) == [
        "P0.json", "P1.json", "P2.json"]
    assert [p.id for p in repo.all("INC-1")] == ["P0", "P1", "P2"]
    assert repo.get("P0", "INC-1") == post(0) and repo.get("P9", "INC-1") is None


def test_an_unchanged_incident_directory_is_not_listed_again(
        tmp_path: Path, monkeypatch) -> None:
    """The dashboard's idle refresh: one stat per open incident, no listing, no per-post
    stat, while nothing is written; a write (a rename into the directory) is seen."""
    import os

    from oncall import postrecords

    repo = DeliveryRepository(Store(tmp_path))
    repo.put_many([delivery(f"P{n}", "fb") for n in range(4)])
    directory = tmp_path / "deliveries" / "INC-1"

    def age(path: Path, seconds: int) -> None:  # past the two seconds of "racy" changes
        mtime = path.stat().st_mtime_ns - seconds * 10**9
        os.utime(path, ns=(mtime, mtime))

    for path in [directory, *directory.glob("*.json")]:
        age(path, 10)
    listings: list[str] = []
    real = os.scandir
    monkeypatch.setattr(postrecords.os, "scandir",
                        lambda path: listings.append(str(path)) or real(path))
    assert len(repo.all("INC-1")) == 4 and len(listings) == 1
    assert len(repo.all("INC-1")) == 4 and len(listings) == 1  # unchanged: kept
    other = DeliveryRepository(Store(tmp_path))  # another officer's process, say
    other.put_many([delivery("P7", "fb")])
    assert len(repo.all("INC-1")) == 5  # the directory changed just now: listed again
    age(directory, 5)
    age(directory / "P7.json", 5)
    assert len(repo.all("INC-1")) == 5
    count = len(listings)
    assert len(repo.all("INC-1")) == 5 and len(listings) == count
