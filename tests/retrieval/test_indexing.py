"""Incremental, atomic indexing through the engine (hashing encoder; the real model has its own tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete

from matching import Engine, Entity, Settings
from matching.catalogue.report import ValidatedBatch
from matching.retrieval.dense_index import VectorIndex
from matching.retrieval.embedding_cache import EmbeddingCache
from matching.store.tables import ProductRow


@pytest.fixture
def indexed(tmp_path: Path) -> Engine:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    first = engine.index()
    assert first.upserted == first.products == len(engine.store.products())
    assert 0 < first.embedded <= first.products  # identical texts are embedded once
    return engine


def _edit(engine: Engine, fraction: float) -> list[str]:
    products = engine.store.products()
    step = int(1 / fraction)
    changed = [
        p.model_copy(update={"description": (p.description or "") + " edisi 2027"}) for p in products[::step]
    ]
    batch = ValidatedBatch()
    batch.records[Entity.PRODUCTS] = changed
    engine.store.write(batch)
    return [p.product_id for p in changed]


def test_reindex_after_one_percent_changes_embeds_only_those(indexed: Engine) -> None:
    changed = _edit(indexed, 0.01)
    report = indexed.index()
    assert report.embedded == report.upserted == len(changed)
    assert report.unchanged == report.products - len(changed)
    again = indexed.index()
    assert (again.embedded, again.upserted, again.deleted) == (0, 0, 0)


def test_deleted_products_leave_the_index(indexed: Engine) -> None:
    gone = [p.product_id for p in indexed.store.products()[:5]]
    with indexed.store.session() as session:
        session.execute(delete(ProductRow).where(ProductRow.product_id.in_(gone)))
        session.commit()
    report = indexed.index()
    assert report.deleted == 5 and report.embedded == 0
    dense = VectorIndex.load(indexed.settings.home / "index" / "dense")
    assert not set(gone) & set(dense.ids())


def test_the_search_breadth_follows_the_setting_without_a_rebuild(tmp_path: Path) -> None:
    """``MATCHING_EF_SEARCH`` applies to an HNSW index when it is built and to one saved with another."""
    home = tmp_path / "home"
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights", index_kind="hnsw", ef_search=40))
    engine.import_demo()
    engine.index()
    dense = engine.searcher().dense
    assert (dense.backend, dense.ef_search) == ("hnsw", 40)
    saved = VectorIndex.load(home / "index" / "dense")
    engine.close()

    wider = Engine(Settings(home=home, encoder="hashing", ranker="weights", index_kind="hnsw", ef_search=700))
    report = wider.index()
    assert (report.embedded, report.upserted) == (0, 0)
    dense = wider.searcher().dense
    assert dense.version == saved.version  # the same saved graph, not a rebuild
    assert dense.ef_search == dense._index.hnsw.efSearch == 700
    wider.close()
    assert Settings(home=home).ef_search == 512  # the default for a million products (BENCHMARKS.md)


def test_a_crash_while_saving_leaves_the_previous_index_usable(
    indexed: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = indexed.settings.home / "index" / "dense"
    before = set(VectorIndex.load(directory).ids())
    changed = _edit(indexed, 0.02)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt("power cut while writing the index")

    monkeypatch.setattr("matching.retrieval.dense_index._write_faiss", crash)
    with pytest.raises(KeyboardInterrupt):
        indexed.index()
    monkeypatch.undo()

    survivor = VectorIndex.load(directory)
    assert set(survivor.ids()) == before
    fresh = Engine(Settings(home=indexed.settings.home, encoder="hashing", ranker="weights"))
    assert fresh.search("tas anyaman pandan", k=3)  # reindexes what changed, then answers
    assert fresh.index().upserted == 0
    assert set(VectorIndex.load(directory).ids()) == before
    assert changed


SLOW_INDEX = """
import sys, time
from pathlib import Path
from matching import Engine, Settings
from matching.retrieval.encoders import HashingEncoder

class SlowEncoder(HashingEncoder):
    # the hashing encoder, slowed per batch; tells the test (one line per batch) how far it got
    def encode_passages(self, texts, *, progress=None):
        time.sleep(0.05)
        vectors = super().encode_passages(texts, progress=progress)
        with open(sys.argv[2], "a") as log:
            log.write(f"{len(texts)}\\n")
        return vectors

engine = Engine(Settings(home=Path(sys.argv[1]), encoder="hashing", ranker="weights", embed_batch=20))
engine._encoder = SlowEncoder()
engine.index()
"""


def test_a_killed_index_keeps_its_finished_batches_and_a_restart_embeds_the_rest(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    distinct = len(set(engine._catalogue().texts()[1]))
    assert distinct > 200  # enough batches of 20 to kill the run part-way
    batches = tmp_path / "batches.txt"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    run = subprocess.Popen([sys.executable, "-c", SLOW_INDEX, str(home), str(batches)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.poll() is None:
            if batches.exists() and len(batches.read_text().split()) >= 4:
                break
            time.sleep(0.01)
        assert run.poll() is None, "the index run ended before it could be killed"
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL
    assert not VectorIndex.exists(home / "index" / "dense")  # killed before saving the index

    with EmbeddingCache(home / "cache" / "embeddings.sqlite") as cache:
        kept = cache.count(engine.encoder.model_id)
    assert 4 * 20 <= kept < distinct and kept % 20 == 0  # whole batches only
    report = engine.index()  # the restart
    assert report.embedded == distinct - kept
    assert report.products == len(engine.store.products())
