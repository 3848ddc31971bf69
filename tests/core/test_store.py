"""The record store: TinyDB behind atomic writes, locks and split files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from oncall.model import Record, Site
from oncall.store import (
    AtomicJSONStorage,
    Repository,
    SiteRepository,
    Store,
    StoreError,
)


def site(n: int | str, **kw) -> Site:
    values = {"id": f"site-{n}", "platform": "x", "name": f"Site {n}",
              "handle": f"@site{n}", "tier": "local"}
    values.update(kw)
    return Site(**values)


@dataclass
class Note(Record):
    id: str
    incident: str
    text: str = ""


class NoteRepository(Repository[Note]):
    """A kind split into one file per incident."""

    kind = "notes"
    record = Note

    def _partition(self, obj: Note | None = None) -> str | None:
        return obj.incident if obj is not None else None


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


@pytest.fixture
def sites(store: Store) -> SiteRepository:
    return SiteRepository(store)


def raw_table(path: Path, table: str) -> dict[str, dict]:
    return json.loads(path.read_text(encoding="utf-8"))[table]


# --- basic operations ----------------------------------------------------------------


def test_put_then_get_round_trips_every_field(sites: SiteRepository) -> None:
    original = site(1, platform="mastodon", area="Stafford", owner="phale",
                    requires_disclaimer=False, keyring_key="oncall/site-1")
    assert sites.put(original) is original
    assert sites.get("site-1") == original
    assert sites.get("site-2") is None


def test_all_returns_records_in_insertion_order(sites: SiteRepository) -> None:
    assert sites.all() == []
    for n in (3, 1, 2):
        sites.put(site(n))
    assert [s.id for s in sites.all()] == ["site-3", "site-1", "site-2"]


def test_put_with_existing_key_replaces_not_duplicates(sites: SiteRepository,
                                                      store: Store) -> None:
    sites.put(site(1, name="Old"))
    sites.put(site(2))
    sites.put(site(1, name="New"))
    assert [(s.id, s.name) for s in sites.all()] == [("site-1", "New"), ("site-2", "Site 2")]
    assert len(raw_table(store.path_for("sites"), "sites")) == 2


def test_change_mutates_under_one_lock_and_persists(sites: SiteRepository,
                                                    store: Store) -> None:
    sites.put(site(1))
    sites.put(site(2))

    def rename(s: Site) -> None:
        s.name = "Renamed"

    changed = sites.change("site-2", rename)
    assert changed.name == "Renamed"
    # A fresh Store (another process) sees the change; the other record is untouched.
    again = SiteRepository(Store(store.root))
    assert again.get("site-2").name == "Renamed"
    assert again.get("site-1").name == "Site 1"


def test_change_of_missing_record_raises_keyerror(sites: SiteRepository) -> None:
    sites.put(site(1))
    with pytest.raises(KeyError):
        sites.change("site-9", lambda s: None)
    assert [s.id for s in sites.all()] == ["site-1"]


def test_delete(sites: SiteRepository) -> None:
    sites.put(site(1))
    sites.put(site(2))
    assert sites.delete("site-1") is True
    assert sites.delete("site-1") is False
    assert sites.get("site-1") is None
    assert [s.id for s in sites.all()] == ["site-2"]


def test_put_many_inserts_and_replaces_in_one_write(sites: SiteRepository,
                                                    store: Store) -> None:
    sites.put(site(1, name="Old"))
    sites.put_many([site(2), site(1, name="New"), site(3)])
    assert [(s.id, s.name) for s in sites.all()] == [
        ("site-1", "New"), ("site-2", "Site 2"), ("site-3", "Site 3")]
    doc_ids = raw_table(store.path_for("sites"), "sites").keys()
    assert sorted(map(int, doc_ids)) == [1, 2, 3]


def test_put_many_of_nothing_writes_nothing(sites: SiteRepository, store: Store) -> None:
    sites.put_many([])
    assert not store.path_for("sites").exists()


def test_file_on_disk_is_plain_json_of_tables(sites: SiteRepository, store: Store) -> None:
    sites.put(site(1))
    path = store.path_for("sites")
    assert path == store.root / "sites.json"
    assert raw_table(path, "sites")["1"]["id"] == "site-1"


# --- partitions ----------------------------------------------------------------------


def test_partitioned_kind_writes_one_file_per_partition(store: Store) -> None:
    notes = NoteRepository(store)
    notes.put(Note("n1", "INC-2", "a"))
    notes.put(Note("n2", "INC-1", "b"))
    notes.put(Note("n3", "INC-2", "c"))

    assert store.path_for("notes", "INC-2") == store.root / "notes" / "INC-2.json"
    assert store.path_for("notes", "INC-1").is_file()
    assert store.path_for("notes", "INC-2").is_file()
    assert not store.path_for("notes").exists()
    assert store.partitions("notes") == ["INC-1", "INC-2"]

    assert [n.id for n in notes.all("INC-2")] == ["n1", "n3"]
    assert [n.id for n in notes.all("INC-1")] == ["n2"]
    assert notes.get("n1", "INC-2").text == "a"
    assert notes.get("n1", "INC-1") is None
    assert notes.all("INC-3") == []


def test_partitioned_change_delete_and_put_many(store: Store) -> None:
    notes = NoteRepository(store)
    notes.put_many([Note("n1", "INC-1"), Note("n2", "INC-1")])
    notes.put_many([Note("n3", "INC-2")])
    notes.change("n2", lambda n: setattr(n, "text", "edited"), "INC-1")
    assert notes.delete("n1", "INC-1") is True
    assert notes.delete("n3", "INC-1") is False  # it lives in INC-2
    assert [(n.id, n.text) for n in notes.all("INC-1")] == [("n2", "edited")]
    assert [n.id for n in notes.all("INC-2")] == ["n3"]


def test_partitions_ignores_temp_and_lock_files(store: Store) -> None:
    assert store.partitions("notes") == []
    NoteRepository(store).put(Note("n1", "2026"))
    directory = store.root / "notes"
    (directory / ".2027.json.abc123.tmp").write_text("{")
    (directory / ".hidden.json").write_text("{}")
    assert (directory / "2026.json.lock").exists()
    assert store.partitions("notes") == ["2026"]


def test_a_partition_may_split_once(store: Store) -> None:
    assert store.path_for("notes", "a/b") == store.root / "notes" / "a" / "b.json"
    with pytest.raises(StoreError, match="unsafe"):
        store.path_for("a/b")  # a kind never splits


@pytest.mark.parametrize("name", [
    "../escape", "a/b/c", "a/..", "a/", "/abs", "", ".hidden", "..", "a b", "x" * 102,
    "tab\tname", "new\nline", "trailing-newline\n", "é",
])
def test_unsafe_partition_and_kind_names_are_rejected(store: Store, name: str) -> None:
    with pytest.raises(StoreError, match="unsafe"):
        store.path_for("notes", name)
    with pytest.raises(StoreError, match="unsafe"):
        store.path_for(name)
    with pytest.raises(StoreError):
        NoteRepository(store).put(Note("n1", name))
    # Nothing was written anywhere near the store.
    assert not store.root.parent.joinpath("escape.json").exists()
    assert not any(p.suffix == ".json" for p in store.root.parent.rglob("*"))


@pytest.mark.parametrize("name", ["INC-2026-0001", "2026", "a", "a.b_c-d", "x" * 101])
def test_safe_partition_names_are_accepted(store: Store, name: str) -> None:
    assert store.path_for("notes", name) == store.root / "notes" / f"{name}.json"


# --- corruption ----------------------------------------------------------------------


def test_corrupt_json_gives_storeerror_naming_the_file(sites: SiteRepository,
                                                       store: Store) -> None:
    path = store.path_for("sites")
    path.parent.mkdir(parents=True)
    torn = b'{"sites":{"1":{"id":"site-1","na'
    path.write_bytes(torn)
    for call in (sites.all, lambda: sites.get("site-1"), lambda: sites.put(site(2)),
                 lambda: sites.delete("site-1")):
        with pytest.raises(StoreError) as info:
            call()
        assert str(path) in str(info.value)
        assert "line 1" in str(info.value)
    # A failed write must not have "repaired" the file by overwriting it.
    assert path.read_bytes() == torn


def test_json_that_is_not_an_object_is_rejected(store: Store) -> None:
    path = store.path_for("sites")
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2]")
    with pytest.raises(StoreError, match=str(path).replace(".", r"\.")):
        SiteRepository(store).all()


def test_empty_file_reads_as_empty_store(store: Store) -> None:
    path = store.path_for("sites")
    path.parent.mkdir(parents=True)
    path.write_text("  \n")
    sites = SiteRepository(store)
    assert sites.all() == []
    sites.put(site(1))
    assert [s.id for s in sites.all()] == ["site-1"]


def test_storage_write_is_atomic_replace(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    storage = AtomicJSONStorage(path)
    assert storage.read() is None
    storage.write({"t": {"1": {"a": "é"}}})
    assert not path.exists()  # kept until the locked operation ends...
    storage.flush()  # ...then written once
    assert storage.read() == {"t": {"1": {"a": "é"}}}
    # A reader that opened the file before a write still reads the whole old content:
    # the write made a new file and renamed it over, it never changed the old in place.
    with path.open("rb") as reader:
        before = path.stat().st_ino
        writer = AtomicJSONStorage(path)
        writer.write({"t": {"1": {"a": "new" * 1000}}})
        writer.flush()
        assert json.loads(reader.read()) == {"t": {"1": {"a": "é"}}}
    assert path.stat().st_ino != before
    assert AtomicJSONStorage(path).read() == {"t": {"1": {"a": "new" * 1000}}}
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]


# --- two processes -------------------------------------------------------------------


def test_two_stores_interleaving_inserts_never_reuse_an_id(tmp_path: Path) -> None:
    root = tmp_path / "data"
    a, b = SiteRepository(Store(root)), SiteRepository(Store(root))
    expected = []
    for n in range(30):
        repo = a if n % 3 else b  # a, a, b, a, a, b ... both keep writing
        repo.put(site(n))
        expected.append(f"site-{n}")
        if n % 7 == 6:
            # The other "process" adds a batch in between.
            batch = [site(f"{n}-{k}") for k in range(3)]
            (b if repo is a else a).put_many(batch)
            expected += [s.id for s in batch]
    for repo in (a, b):
        assert [s.id for s in repo.all()] == expected
    table = raw_table(Store(root).path_for("sites"), "sites")
    assert len(table) == len(expected)
    assert sorted(int(k) for k in table) == list(range(1, len(expected) + 1))


def test_two_stores_see_each_others_deletes_and_changes(tmp_path: Path) -> None:
    root = tmp_path / "data"
    a, b = SiteRepository(Store(root)), SiteRepository(Store(root))
    a.put(site(1))
    a.put(site(2))
    assert b.delete("site-2")
    a.put(site(3))
    b.change("site-1", lambda s: setattr(s, "name", "by b"))
    b.put(site(4))
    assert [(s.id, s.name) for s in a.all()] == [
        ("site-1", "by b"), ("site-3", "Site 3"), ("site-4", "Site 4")]
    table = raw_table(root / "sites.json", "sites")
    assert len(table) == 3
    assert len({d["id"] for d in table.values()}) == 3


# --- stale temp files ----------------------------------------------------------------


def test_stale_temp_files_removed_on_first_write(store: Store) -> None:
    store.root.mkdir(parents=True)
    stale = store.root / ".sites.json.0123456789ab.tmp"
    stale.write_text('{"sites":{"1":')
    other = store.root / ".incidents.json.0123456789ab.tmp"
    other.write_text("{")
    sites = SiteRepository(store)

    assert sites.all() == []  # a read neither fails on nor removes the temp file
    assert stale.exists()

    sites.put(site(1))
    assert not stale.exists()
    assert other.exists()  # belongs to another file; left for its own writer
    assert sorted(p.name for p in store.root.iterdir()) == [
        ".incidents.json.0123456789ab.tmp", "sites.json", "sites.json.lock"]


def test_stale_temp_files_removed_in_a_partition(store: Store) -> None:
    directory = store.root / "notes"
    directory.mkdir(parents=True)
    stale = directory / ".INC-1.json.deadbeef0000.tmp"
    stale.write_text("{")
    NoteRepository(store).put(Note("n1", "INC-1"))
    assert not stale.exists()
    assert store.partitions("notes") == ["INC-1"]
