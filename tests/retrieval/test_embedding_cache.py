"""Tests for the embedding cache: hits, partial re-encoding, batching, persistence, concurrent access."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from matching.retrieval.embedding_cache import EmbeddingCache

REPO = Path(__file__).resolve().parents[2]


class CountingEncoder:
    """A deterministic fake encoder that records every batch it is asked to encode."""

    def __init__(self, dim: int = 16) -> None:
        self.dim = dim
        self.batches: list[list[str]] = []

    @property
    def encoded(self) -> list[str]:
        return [text for batch in self.batches for text in batch]

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        return np.random.default_rng(seed).normal(size=self.dim).astype(np.float32)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[EmbeddingCache]:
    with EmbeddingCache(tmp_path / "cache" / "embeddings.sqlite") as opened:
        yield opened


def catalogue(n: int) -> list[str]:
    return [f"anyaman rotan produk nomor {i} / rattan product {i}" for i in range(n)]


def test_first_call_encodes_each_distinct_text_once(cache: EmbeddingCache) -> None:
    encoder = CountingEncoder()
    texts = ["tas pandan", "rattan basket", "tas pandan", "", "rattan basket"]
    vectors, encoded = cache.embed("fake", texts, encoder)
    assert encoded == 3 and sorted(encoder.encoded) == ["", "rattan basket", "tas pandan"]
    assert vectors.shape == (5, 16) and vectors.dtype == np.float32
    for text, vector in zip(texts, vectors, strict=True):
        np.testing.assert_array_equal(vector, encoder.vector(text))


def test_hits_do_not_call_the_encoder(cache: EmbeddingCache) -> None:
    texts = catalogue(50)
    first, _ = cache.embed("fake", texts, CountingEncoder())
    encoder = CountingEncoder()
    again, encoded = cache.embed("fake", list(reversed(texts)), encoder)
    assert encoded == 0 and encoder.batches == []
    np.testing.assert_array_equal(again, first[::-1])  # bit-identical, in input order


def test_changing_one_percent_encodes_only_those(cache: EmbeddingCache) -> None:
    texts = catalogue(1000)
    cache.embed("fake", texts, CountingEncoder(), batch_size=128)
    changed = texts.copy()
    for i in range(0, 1000, 100):
        changed[i] += " (revisi)"
    encoder = CountingEncoder()
    vectors, encoded = cache.embed("fake", changed, encoder)
    assert encoded == 10 and sorted(encoder.encoded) == sorted(changed[i] for i in range(0, 1000, 100))
    np.testing.assert_array_equal(vectors[100], encoder.vector(changed[100]))
    np.testing.assert_array_equal(vectors[101], encoder.vector(texts[101]))
    assert not np.array_equal(vectors[100], encoder.vector(texts[100]))


def test_models_do_not_share_vectors(cache: EmbeddingCache) -> None:
    cache.embed("model-a", ["tikar"], CountingEncoder())
    encoder = CountingEncoder(dim=8)
    vectors, encoded = cache.embed("model-b", ["tikar"], encoder)
    assert encoded == 1 and vectors.shape == (1, 8)
    assert (cache.count("model-a"), cache.count("model-b"), len(cache)) == (1, 1, 2)


def test_missing_names_the_positions_not_cached_for_that_model(cache: EmbeddingCache) -> None:
    texts = catalogue(1200)  # more than one lookup chunk
    cache.embed("fake", texts[::3], CountingEncoder())
    expected = [i for i in range(1200) if i % 3]
    assert cache.missing("fake", texts) == expected == cache.get_many("fake", texts)[1]
    assert cache.missing("other", texts[:5]) == [0, 1, 2, 3, 4]
    assert cache.missing("fake", []) == []


def test_batches_and_progress(cache: EmbeddingCache) -> None:
    texts = catalogue(25)
    cache.embed("fake", texts[:5], CountingEncoder())
    encoder = CountingEncoder()
    steps: list[int] = []
    texts = [*texts, texts[7]]  # a duplicate fills two positions from one encoding
    _, encoded = cache.embed("fake", texts, encoder, batch_size=8, progress=steps.append)
    assert encoded == 20 and [len(b) for b in encoder.batches] == [8, 8, 4]
    assert steps[0] == 5 and sum(steps) == len(texts)


def test_get_many_reports_missing_positions(cache: EmbeddingCache) -> None:
    assert cache.get_many("fake", ["a", "b"]) == (None, [0, 1])
    encoder = CountingEncoder()
    cache.put_many("fake", ["b"], encoder(["b"]))
    vectors, missing = cache.get_many("fake", ["a", "b", "c"])
    assert missing == [0, 2] and vectors is not None
    np.testing.assert_array_equal(vectors[1], encoder.vector("b"))
    assert not vectors[0].any()


def test_interrupted_run_keeps_finished_batches(cache: EmbeddingCache) -> None:
    texts = catalogue(30)

    def failing(batch: list[str]) -> np.ndarray:
        if failing.calls == 1:  # type: ignore[attr-defined]
            raise RuntimeError("out of memory")
        failing.calls += 1  # type: ignore[attr-defined]
        return CountingEncoder()(batch)

    failing.calls = 0  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError):
        cache.embed("fake", texts, failing, batch_size=10)
    _, encoded = cache.embed("fake", texts, CountingEncoder(), batch_size=10)
    assert encoded == 20


def test_wrong_shapes_and_dimension_changes_are_refused(cache: EmbeddingCache) -> None:
    cache.embed("fake", ["a"], CountingEncoder(dim=16))
    with pytest.raises(ValueError, match="new model_id"):
        cache.embed("fake", ["a", "b"], CountingEncoder(dim=8))
    with pytest.raises(ValueError):
        cache.embed("fake", ["c", "d"], lambda batch: np.zeros((1, 16), np.float32))
    with pytest.raises(ValueError):
        cache.put_many("fake", ["e"], np.full((1, 16), np.nan))


def test_persists_across_reopen_and_close_is_final(tmp_path: Path) -> None:
    path = tmp_path / "embeddings.sqlite"
    with EmbeddingCache(path) as cache:
        first, _ = cache.embed("fake", catalogue(10), CountingEncoder())
    with EmbeddingCache(path) as cache:
        again, encoded = cache.embed("fake", catalogue(10), CountingEncoder())
    assert encoded == 0
    np.testing.assert_array_equal(again, first)
    with pytest.raises(RuntimeError, match="closed"):
        cache.get_many("fake", ["x"])


def test_empty_input(cache: EmbeddingCache) -> None:
    vectors, encoded = cache.embed("fake", [], CountingEncoder())
    assert encoded == 0 and vectors.shape[0] == 0


WRITER = """
import sys
from pathlib import Path
import numpy as np
from matching.retrieval.embedding_cache import EmbeddingCache

path, name = Path(sys.argv[1]), sys.argv[2]
with EmbeddingCache(path) as cache:
    for batch in range(60):
        texts = [f"{name} {batch} {i}" for i in range(50)]
        cache.put_many("fake", texts, np.full((50, 16), batch, dtype=np.float32))
"""


def test_readers_and_writers_in_several_processes(tmp_path: Path) -> None:
    path = tmp_path / "embeddings.sqlite"
    with EmbeddingCache(path) as cache:
        cache.embed("fake", catalogue(200), CountingEncoder())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(path), name], env=env)
        for name in ("w1", "w2")
    ]
    errors: list[BaseException] = []

    def read() -> None:
        try:
            with EmbeddingCache(path) as reader:
                while any(w.poll() is None for w in writers):
                    vectors, encoded = reader.embed("fake", catalogue(200), CountingEncoder())
                    assert encoded == 0 and vectors.shape == (200, 16)
                    found, _ = reader.get_many("fake", [f"w1 {b} 0" for b in range(60)])
                    assert found is None or found.shape == (60, 16)
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with EmbeddingCache(path) as cache:
        assert cache.count("fake") == 200 + 2 * 60 * 50
        vectors, missing = cache.get_many("fake", ["w2 59 49"])
        assert missing == [] and vectors is not None and (vectors == 59).all()


def test_a_file_that_is_not_a_database_is_set_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "embeddings.sqlite"
    path.write_bytes(b"this is no SQLite file, e.g. a disk that lost its first page" * 100)
    with caplog.at_level("WARNING"), EmbeddingCache(path) as cache:
        vectors, encoded = cache.embed("fake", catalogue(10), CountingEncoder())
    assert encoded == 10 and vectors.shape == (10, 16)
    assert "damaged" in caplog.text and str(path) in caplog.text
    aside = list(tmp_path.glob("embeddings.sqlite.damaged-*"))
    assert [p.name for p in aside if not p.name.endswith(("-wal", "-shm"))]
    with EmbeddingCache(path) as cache:
        assert cache.count("fake") == 10


def test_a_cache_damaged_while_open_is_set_aside_and_the_run_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "embeddings.sqlite"
    with EmbeddingCache(path) as cache:
        cache.embed("fake", catalogue(300), CountingEncoder())
    with EmbeddingCache(path) as cache:
        # damage every page after the first (the schema page) while the cache is open
        with path.open("r+b") as raw:
            raw.seek(8192)
            raw.write(b"\xff" * (path.stat().st_size - 8192))
        encoder = CountingEncoder()
        with caplog.at_level("WARNING"):
            vectors, encoded = cache.embed("fake", catalogue(300), encoder)
        assert vectors.shape == (300, 16) and encoded == 300
        np.testing.assert_array_equal(vectors[7], encoder.vector(catalogue(300)[7]))
    assert "damaged" in caplog.text
    with EmbeddingCache(path) as cache:
        assert cache.count("fake") == 300


def test_a_busy_cache_is_not_mistaken_for_a_damaged_one(tmp_path: Path) -> None:
    path = tmp_path / "embeddings.sqlite"
    with EmbeddingCache(path) as holder, EmbeddingCache(path, timeout=0.2) as other:
        holder.put_many("fake", ["a"], np.ones((1, 16), np.float32))
        conn = holder._connection()
        conn.execute("BEGIN IMMEDIATE")  # hold the write lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.put_many("fake", ["b"], np.ones((1, 16), np.float32))
        conn.execute("ROLLBACK")
    assert not list(tmp_path.glob("*.damaged-*"))
