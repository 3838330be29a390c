"""Tests for the dense vector index: search contract, upsert/delete, persistence, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.errors import MatchingError
from matching.retrieval.dense_index import IndexCorrupt, VectorIndex

REPO = Path(__file__).resolve().parents[2]
DIM = 8


def unit(rng: np.random.Generator, n: int, dim: int = 32) -> np.ndarray:
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_vector(draw_signs: list[int], draw_axes: list[int]) -> np.ndarray:
    """A unit vector with four entries of +-0.5: inner products are exact multiples of 0.25 (many ties)."""
    v = np.zeros(DIM, dtype=np.float32)
    v[draw_axes] = 0.5 * np.asarray(draw_signs, dtype=np.float32)
    return v


exact_vectors = st.builds(
    exact_vector,
    st.lists(st.sampled_from([-1, 1]), min_size=4, max_size=4),
    st.lists(st.integers(0, DIM - 1), min_size=4, max_size=4, unique=True),
)


def brute_force(store: dict[str, np.ndarray], query: np.ndarray, k: int) -> list[tuple[str, float]]:
    scored = [(id_, float(vec @ query)) for id_, vec in store.items()]
    return sorted(scored, key=lambda p: (-p[1], p[0]))[:k]


def filled(kind: str = "flat", n: int = 200, seed: int = 0, **kwargs: object) -> VectorIndex:
    index = VectorIndex(32, kind=kind, **kwargs)  # type: ignore[arg-type]
    index.upsert([f"p{i:04d}" for i in range(n)], unit(np.random.default_rng(seed), n))
    return index


# -- search contract ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_search_shape_order_and_scores(kind: str) -> None:
    index = filled(kind)
    queries = unit(np.random.default_rng(1), 5)
    results = index.search(queries, 10)
    assert len(results) == 5
    for query, hits in zip(queries, results, strict=True):
        assert len(hits) == 10
        assert len({id_ for id_, _ in hits}) == 10
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        for id_, score in hits:
            assert score == pytest.approx(float(index.vector(id_) @ query), abs=1e-5)


def test_flat_search_is_exact() -> None:
    rng = np.random.default_rng(2)
    vectors = unit(rng, 300)
    index = VectorIndex(32, kind="flat")
    ids = [f"p{i:04d}" for i in range(300)]
    index.upsert(ids, vectors)
    query = unit(rng, 1)
    expected = np.argsort(-(vectors @ query[0]))[:10]
    assert [id_ for id_, _ in index.search(query, 10)[0]] == [ids[i] for i in expected]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_k_larger_than_size_and_empty_cases(kind: str) -> None:
    index = filled(kind, n=7)
    query = unit(np.random.default_rng(3), 2)
    assert [len(hits) for hits in index.search(query, 100)] == [7, 7]
    assert index.search(query, 0) == [[], []]
    assert VectorIndex(32, kind=kind).search(query, 5) == [[], []]  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        index.search(query[:, :5], 3)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_ties_are_broken_by_id(kind: str) -> None:
    rng = np.random.default_rng(4)
    same = unit(rng, 1)
    tied_ids = [f"t{i:03d}" for i in rng.permutation(60)]  # more ties than k + the fetch margin
    index = VectorIndex(32, kind=kind)  # type: ignore[arg-type]
    index.upsert(tied_ids, np.repeat(same, 60, axis=0))
    index.upsert([f"o{i}" for i in range(40)], unit(rng, 40))
    hits = index.search(same, 5)[0]
    assert [id_ for id_, _ in hits] == ["t000", "t001", "t002", "t003", "t004"]
    assert index.search(same, 5) == index.search(same, 5)


def test_search_leaves_the_thread_setting_alone() -> None:
    import faiss

    index = filled(n=50)
    before = faiss.omp_get_max_threads()
    index.search(unit(np.random.default_rng(12), 1), 3)
    index.search(unit(np.random.default_rng(12), 40), 3)
    assert faiss.omp_get_max_threads() == before


# -- changes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_upsert_replaces_and_delete_removes(kind: str) -> None:
    index = filled(kind, n=50)
    rng = np.random.default_rng(5)
    new = unit(rng, 1)
    index.upsert(["p0003"], new)
    assert len(index) == 50
    np.testing.assert_allclose(index.vector("p0003"), new[0], atol=1e-6)
    assert index.search(new, 1)[0][0][0] == "p0003"
    assert index.delete(["p0003", "p0004", "nope", "p0003"]) == 2
    assert len(index) == 48 and "p0003" not in index
    assert "p0003" not in index.ids()
    for hits in index.search(unit(rng, 20), 50):
        assert {"p0003", "p0004"}.isdisjoint(id_ for id_, _ in hits)
        assert len(hits) == 48
    with pytest.raises(KeyError):
        index.vector("p0003")


def test_upsert_validates_input() -> None:
    index = VectorIndex(4, kind="flat")
    with pytest.raises(ValueError):
        index.upsert(["a", "b"], np.ones((1, 4)))
    with pytest.raises(ValueError):
        index.upsert(["a"], np.ones((1, 5)))
    with pytest.raises(ValueError):
        index.upsert(["a"], np.full((1, 4), np.nan))
    index.upsert(["a", "a"], np.asarray([[1, 0, 0, 0], [0, 2, 0, 0]], dtype=np.float32))
    np.testing.assert_allclose(index.vector("a"), [0, 1, 0, 0])  # last row wins, normalised


operations = st.lists(
    st.one_of(
        st.tuples(st.just("upsert"), st.lists(st.tuples(st.integers(0, 40), exact_vectors), max_size=12)),
        st.tuples(st.just("delete"), st.lists(st.integers(0, 45), max_size=8)),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, queries=st.lists(exact_vectors, min_size=1, max_size=3), k=st.integers(1, 50))
def test_random_changes_match_brute_force(
    ops: list[tuple[str, list]], queries: list[np.ndarray], k: int
) -> None:
    index = VectorIndex(DIM, kind="flat")
    store = apply(index, ops)
    assert sorted(index.ids()) == sorted(store)
    got = index.search(np.asarray(queries), k)
    assert got == [brute_force(store, q, k) for q in queries]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, queries=st.lists(exact_vectors, min_size=1, max_size=3), k=st.integers(1, 50))
def test_random_changes_keep_hnsw_consistent(
    ops: list[tuple[str, list]], queries: list[np.ndarray], k: int
) -> None:
    index = VectorIndex(DIM, kind="hnsw", max_dead_fraction=0.5)
    store = apply(index, ops)
    assert sorted(index.ids()) == sorted(store)
    for query, hits in zip(queries, index.search(np.asarray(queries), k), strict=True):
        assert len(hits) <= min(k, len(store))
        assert hits == sorted(hits, key=lambda p: (-p[1], p[0]))
        assert all(store[id_] @ query == score for id_, score in hits)


def apply(index: VectorIndex, ops: list[tuple[str, list]]) -> dict[str, np.ndarray]:
    """Run upserts/deletes on the index and on a plain dict; return the dict."""
    store: dict[str, np.ndarray] = {}
    for op, items in ops:
        if op == "upsert":
            ids = [f"id{i:02d}" for i, _ in items]
            vectors = np.asarray([v for _, v in items], dtype=np.float32).reshape(-1, DIM)
            index.upsert(ids, vectors)
            store.update(zip(ids, vectors, strict=True))
        else:
            ids = [f"id{i:02d}" for i in items]
            assert index.delete(ids) == len({i for i in ids if i in store})
            for id_ in ids:
                store.pop(id_, None)
    return store


def test_auto_switches_to_hnsw_and_back() -> None:
    rng = np.random.default_rng(6)
    index = VectorIndex(32, hnsw_threshold=100)
    index.upsert([f"p{i:03d}" for i in range(100)], unit(rng, 100))
    assert index.backend == "flat"
    index.upsert([f"q{i:03d}" for i in range(20)], unit(rng, 20))
    assert index.backend == "hnsw" and len(index) == 120
    index.delete([f"p{i:03d}" for i in range(90)])
    assert index.backend == "flat" and len(index) == 30
    assert {id_ for hits in index.search(unit(rng, 5), 30) for id_, _ in hits} == set(index.ids())


def test_hnsw_tombstones_never_leak_and_compact() -> None:
    rng = np.random.default_rng(7)
    index = VectorIndex(32, kind="hnsw", max_dead_fraction=0.9)
    vectors = unit(rng, 200)
    index.upsert([f"p{i:03d}" for i in range(200)], vectors)
    gone = [f"p{i:03d}" for i in range(0, 200, 2)]
    index.delete(gone)
    hits = index.search(vectors[:20], 10)
    assert all(id_ not in gone for row in hits for id_, _ in row)
    assert [row[0][0] for row in hits[1::2]] == [f"p{i:03d}" for i in range(1, 20, 2)]
    index.max_dead_fraction = 0.25
    index.delete(["p001"])  # crosses the dead fraction: rebuilt from live vectors
    assert len(index) == 99 and index.backend == "hnsw"
    assert index.search(vectors[3:4], 1)[0][0][0] == "p003"


def test_hnsw_recall_on_clustered_data() -> None:
    rng = np.random.default_rng(8)
    centres = unit(rng, 20)
    points = centres[rng.integers(0, 20, 3000)] + 0.3 * unit(rng, 3000)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    ids = [f"p{i:05d}" for i in range(3000)]
    exact, approx = VectorIndex(32, kind="flat"), VectorIndex(32, kind="hnsw")
    exact.upsert(ids, points)
    approx.upsert(ids, points)
    queries = unit(rng, 50)
    overlap = [
        len({i for i, _ in a} & {i for i, _ in e})
        for a, e in zip(approx.search(queries, 10), exact.search(queries, 10), strict=True)
    ]
    assert sum(overlap) / 500 >= 0.95


# -- persistence ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_save_load_round_trip(tmp_path: Path, kind: str) -> None:
    index = filled(kind, n=120, ef_search=77)
    index.delete(["p0005", "p0050"])
    index.upsert(["p0007", "new"], unit(np.random.default_rng(9), 2))
    index.save(tmp_path / "dense", {"model_id": "hashing-32"})
    loaded = VectorIndex.load(tmp_path / "dense")
    assert loaded.meta == {"model_id": "hashing-32"}
    assert (loaded.backend, loaded.ef_search, loaded.dim) == (kind, 77, 32)
    assert loaded.ids() == index.ids()
    queries = unit(np.random.default_rng(10), 10)
    assert loaded.search(queries, 15) == index.search(queries, 15)
    np.testing.assert_array_equal(loaded.vector("new"), index.vector("new"))
    loaded.upsert(["later"], queries[:1])  # a loaded index keeps accepting changes
    loaded.delete(["p0001"])
    assert loaded.search(queries[:1], 1)[0][0][0] == "later" and len(loaded) == len(index)


def test_versions_are_kept_and_pruned(tmp_path: Path) -> None:
    directory = tmp_path / "dense"
    assert not VectorIndex.exists(directory)
    with pytest.raises(FileNotFoundError):
        VectorIndex.load(directory)
    index = filled(n=10)
    for round_ in range(4):
        index.upsert([f"r{round_}"], unit(np.random.default_rng(round_), 1))
        index.save(directory, {"round": round_})
    versions = sorted(p.name for p in directory.iterdir() if p.name.startswith("v"))
    assert versions == ["v000003", "v000004"]
    assert (directory / "CURRENT").read_text().strip() == "v000004"
    assert VectorIndex.load(directory).meta == {"round": 3}
    previous = VectorIndex.load(directory, version="v000003")
    assert previous.meta == {"round": 2} and "r3" not in previous


def _saved(tmp_path: Path) -> Path:
    directory = tmp_path / "dense"
    filled(n=30).save(directory, {"model_id": "m"})
    return directory / "v000001"


def _rewrite_meta(version: Path, **changes: object) -> None:
    record = json.loads((version / "meta.json").read_text())
    record.update(changes)
    (version / "meta.json").write_text(json.dumps(record))


@pytest.mark.parametrize(
    "tamper",
    [
        "swap_ids",
        "drop_id_with_checksum",
        "dim",
        "truncate_faiss",
        "not_json",
        "pointer",
        "missing_file",
    ],
)
def test_load_detects_tampering(tmp_path: Path, tamper: str) -> None:
    version = _saved(tmp_path)
    ids = json.loads((version / "ids.json").read_text())
    if tamper == "swap_ids":
        ids[0], ids[1] = ids[1], ids[0]
        (version / "ids.json").write_text(json.dumps(ids))
    elif tamper == "drop_id_with_checksum":
        import hashlib

        data = json.dumps(ids[:-1]).encode()
        (version / "ids.json").write_bytes(data)
        _rewrite_meta(version, ids_sha256=hashlib.sha256(data).hexdigest())
    elif tamper == "dim":
        _rewrite_meta(version, dim=16)
    elif tamper == "truncate_faiss":
        data = (version / "index.faiss").read_bytes()
        (version / "index.faiss").write_bytes(data[: len(data) // 2])
        _rewrite_meta(version, faiss_bytes=len(data) // 2)
    elif tamper == "not_json":
        (version / "meta.json").write_text("{")
    elif tamper == "pointer":
        (version.parent / "CURRENT").write_text("../elsewhere\n")
    elif tamper == "missing_file":
        (version / "index.faiss").unlink()
    with pytest.raises(IndexCorrupt) as info:
        VectorIndex.load(version.parent)
    assert isinstance(info.value, MatchingError)


# -- crash safety and concurrent readers -------------------------------------------------------------------

CHILD = """
import sys, time
from pathlib import Path
import numpy as np
import matching.retrieval.dense_index as mod
from matching.retrieval.dense_index import VectorIndex

directory, step, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
original = getattr(mod, step)

def hang(*args):
    if step == "_write_faiss":  # leave a half-written file behind
        args[1].write_bytes(b"\\0" * 1000)
    elif step == "_prune":
        original(*args)
    marker.write_text("started")
    time.sleep(60)

setattr(mod, step, hang)
index = VectorIndex(32, kind="flat")
rng = np.random.default_rng(99)
x = rng.normal(size=(500, 32)).astype(np.float32)
index.upsert([f"n{i}" for i in range(500)], x)
index.save(directory, {"version": "new"})
"""


def _kill_mid_save(directory: Path, step: str, tmp_path: Path) -> None:
    marker = tmp_path / f"marker-{step}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(directory), step, str(marker)], env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the child save ended before reaching the crash point"
            assert time.monotonic() < deadline, "the child save never reached the crash point"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)


@pytest.mark.parametrize("step", ["_write_faiss", "_write_bytes", "_swap_pointer"])
def test_crash_during_save_keeps_previous_version(tmp_path: Path, step: str) -> None:
    directory = tmp_path / "dense"
    old = filled(n=40)
    old.save(directory, {"version": "old"})
    _kill_mid_save(directory, step, tmp_path)
    loaded = VectorIndex.load(directory)
    assert loaded.meta == {"version": "old"} and loaded.ids() == old.ids()
    query = unit(np.random.default_rng(11), 3)
    assert loaded.search(query, 5) == old.search(query, 5)
    # the next save cleans up the crashed one and carries on
    old.save(directory, {"version": "after"})
    assert VectorIndex.load(directory).meta == {"version": "after"}
    assert sorted(p.name for p in directory.iterdir() if p.name not in (".lock", "CURRENT")) == [
        "v000001",
        "v000003",
    ]


def test_crash_after_pointer_swap_serves_new_version(tmp_path: Path) -> None:
    directory = tmp_path / "dense"
    filled(n=40).save(directory, {"version": "old"})
    _kill_mid_save(directory, "_prune", tmp_path)
    loaded = VectorIndex.load(directory)
    assert loaded.meta == {"version": "new"} and len(loaded) == 500


WRITER = """
import sys
from pathlib import Path
import numpy as np
from matching.retrieval.dense_index import VectorIndex

directory = Path(sys.argv[1])
rng = np.random.default_rng(0)
index = VectorIndex(32, kind="flat")
for round_ in range(1, 16):
    index.upsert([f"r{round_}-{i}" for i in range(300)], rng.normal(size=(300, 32)).astype(np.float32))
    index.save(directory, {"round": round_})
"""


def test_readers_see_only_complete_versions_while_saving(tmp_path: Path) -> None:
    directory = tmp_path / "dense"
    VectorIndex(32, kind="flat").save(directory, {"round": 0})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(directory)], env=env)
    seen: set[int] = set()
    try:
        while writer.poll() is None or not seen:
            index = VectorIndex.load(directory)
            round_ = index.meta["round"]
            assert len(index) == 300 * round_
            seen.add(round_)
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert VectorIndex.load(directory).meta == {"round": 15}


# -- lending the stored vectors to a searcher --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_matrix_rows_hold_the_vectors_of_the_ids(kind: str) -> None:
    index = filled(kind, n=300)
    index.upsert(["p0007"], unit(np.random.default_rng(5), 1))  # an update: in HNSW its row moves
    index.delete(["p0011"])
    ids = ["p0299", "p0007", "p0000", "p0150"]
    matrix, rows = index.matrix(ids)
    np.testing.assert_array_equal(matrix[rows], index.vectors(ids))
    assert not matrix.flags.writeable or kind == "flat"


def test_hnsw_lends_its_storage_without_a_copy_and_then_refuses_changes() -> None:
    import tracemalloc

    index = filled("hnsw", n=20_000)  # 20,000 x 32 float32: 2.4 MB
    ids = [f"p{i:04d}" for i in range(0, 20_000, 2)]
    tracemalloc.start()
    try:
        index.vectors(ids)  # the copy a searcher used to keep: 1.2 MB
        _, copied = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        matrix, rows = index.matrix(ids)
        _, lent = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert copied > 1_000_000
    assert lent < copied / 4  # the rows (80 kB) and the id lookups, not the vectors
    assert matrix.shape == (20_000, 32)
    with pytest.raises(RuntimeError, match="load a copy"):
        index.upsert(["p0001"], unit(np.random.default_rng(2), 1))
    with pytest.raises(RuntimeError, match="load a copy"):
        index.delete(["p0001"])
    np.testing.assert_array_equal(matrix[rows[:3]], index.vectors(ids[:3]))  # the view still reads true
