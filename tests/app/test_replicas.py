"""Replicas on one store and one shared folder (``MATCHING_SHARED_DIR``): each has its own data home
(embedding cache, models), and they share one versioned search index. What one replica indexed, another
loads without embedding it again; a change made through one is seen by the other as an outdated index; a
new version saved by another process is seen too, even when the catalogue did not change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matching import Engine, Settings
from matching.retrieval.dense_index import VectorIndex
from matching.retrieval.embedding_cache import EmbeddingCache
from tests.helpers import IKM_HEADER, IKM_ROWS, PRODUCT_HEADER, write_csv

NEW_PRODUCT = ["P900", "I0001", "Tas purun motif zebra", "tas jinjing purun anyaman zebra hitam putih",
               "purun", "tas", "185000"]  # fmt: skip


def _cached(home: Path, model_id: str) -> int:
    """How many product vectors this replica's own embedding cache holds."""
    path = home / "cache" / "embeddings.sqlite"
    if not path.exists():
        return 0
    with EmbeddingCache(path) as cache:
        return cache.count(model_id)


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two engines as two machines would run them: own homes, one SQLite store, one shared folder."""
    url = f"sqlite:///{tmp_path / 'store' / 'matching.sqlite'}"
    (tmp_path / "store").mkdir()
    shared = tmp_path / "shared"
    engines = [
        Engine(Settings(home=tmp_path / name, database_url=url, shared_dir=shared, encoder="hashing"))
        for name in ("a", "b")
    ]
    yield engines[0], engines[1]
    for engine in engines:
        engine.close()


def test_the_index_folders_live_in_the_shared_folder(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", shared_dir=tmp_path / "shared")
    assert settings.folder("index") == tmp_path / "shared" / "index"
    assert settings.folder("photos") == tmp_path / "shared" / "photos"
    assert Settings(home=tmp_path / "home").folder("events") == tmp_path / "home" / "events"  # by default


def test_a_replica_loads_what_another_indexed_and_follows_its_changes(
    replicas: tuple[Engine, Engine], tmp_path: Path
) -> None:
    a, b = replicas
    a.import_demo()
    a.searcher()
    model_id = a.encoder.model_id
    assert _cached(tmp_path / "a", model_id) > 0.9 * a.store.counts()["products"]  # a few texts repeat
    version = a.index_version
    assert version is not None
    assert VectorIndex.current_version(tmp_path / "shared" / "index" / "dense") == version

    b.searcher()
    assert b.index_version == version
    assert _cached(tmp_path / "b", model_id) == 0  # nothing embedded twice
    assert not b.index_outdated()

    write_csv(tmp_path / "ikms.csv", [IKM_HEADER, IKM_ROWS[0]])
    write_csv(tmp_path / "products.csv", [PRODUCT_HEADER, NEW_PRODUCT])
    a.import_files([tmp_path / "ikms.csv", tmp_path / "products.csv"])
    assert b.index_outdated()  # the catalogue moved on
    a.refresh()
    assert a.index_version != version

    b.refresh()
    assert b.index_version == a.index_version and not b.index_outdated()
    assert _cached(tmp_path / "b", model_id) == 0  # a embedded the new product; b only loaded the version
    found = b.search("tas purun motif zebra hitam putih", k=3)
    assert any(p["product_id"] == "P900" for match in found for p in match.products)


def test_a_new_index_version_alone_makes_a_replica_outdated(replicas: tuple[Engine, Engine]) -> None:
    a, b = replicas
    a.import_demo()
    b.searcher()
    revision = a.store.revision()
    a.index(rebuild=True)  # an operator's rebuild: the same catalogue, a new version
    assert a.store.revision() == revision
    assert b.index_outdated()
    b.refresh()
    assert not b.index_outdated()
    assert b.index_version == VectorIndex.current_version(a.settings.folder("index") / "dense")


def test_the_saved_version_records_the_catalogue_revision(replicas: tuple[Engine, Engine]) -> None:
    a, _ = replicas
    a.import_demo()
    report = a.index()
    loaded = VectorIndex.load(a.settings.folder("index") / "dense")
    assert loaded.version == report.version
    assert loaded.meta["revision"] == a.store.revision()


def test_on_sqlite_replicas_take_turns_by_a_file_lock(replicas: tuple[Engine, Engine]) -> None:
    from filelock import FileLock, Timeout

    a, _ = replicas
    with a.store.advisory_lock(0) as held:
        assert held is False  # SQLite has no advisory locks: the index folder's file lock stands in
    lock = a.settings.folder("index") / ".build.lock"
    with a._index_turn(), pytest.raises(Timeout):
        FileLock(lock).acquire(timeout=0.2)  # another process's turn waits
    with FileLock(lock).acquire(timeout=0.2):
        pass
