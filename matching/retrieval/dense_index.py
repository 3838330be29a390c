"""Dense vector index: string ids -> L2-normalised float32 vectors, searched by cosine (inner product).

Two FAISS back ends, chosen by ``kind``:

``flat``  exact search, ``IndexIDMap2(IndexFlatIP)`` keyed by int64 labels; upsert and delete edit it in
          place (no rebuild).
``hnsw``  approximate search, ``IndexHNSWFlat`` (inner product). HNSW cannot remove vectors, so a delete
          or an update leaves a tombstone that searches filter out (``IDSelectorBitmap``); once more than
          ``max_dead_fraction`` of the graph is dead it is rebuilt from the live vectors.
``auto``  (default) flat up to ``hnsw_threshold`` vectors, HNSW above (switching costs one build; back to
          flat when a rebuild finds fewer than half the threshold).

Search follows the retrieval contract shared with :mod:`matching.retrieval.bm25`: ``search(queries, k)`` gives
per query up to ``k`` ``(id, score)`` pairs, best first, equal scores ordered by id, never a deleted id. A
saved index answers reproducibly; HNSW builds are multi-threaded, so two builds of the same data may differ
slightly. Searches may run in parallel threads; changes must not overlap with searches or other changes.

On disk (:meth:`VectorIndex.save`) every save is a new, complete version directory, and a small ``CURRENT``
file names the version in force::

    <directory>/CURRENT            "v000007\\n", replaced atomically (os.replace) after the version is synced
    <directory>/v000007/           index.faiss, ids.json (label -> id), meta.json (sizes, checksums, meta)
    <directory>/v000006/           the previous version, kept; older ones are pruned
    <directory>/.tmp-v000008-...   a save in progress (or one that crashed: removed by the next save)

Readers therefore never see a half-written index, and a crash during a save leaves the previous version
loadable. :meth:`VectorIndex.load` checks the id map against the FAISS file (count, SHA-256, dimension)
and raises :class:`IndexCorrupt` when they disagree.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np

from matching.errors import MatchingError

__all__ = ["IndexCorrupt", "VectorIndex"]

Kind = Literal["auto", "flat", "hnsw"]
FORMAT = 1
_VERSION = re.compile(r"v(\d{6,})")
_TIE_MARGIN = 8  # extra neighbours fetched so that ties at rank k can be ordered by id
# Below this many queries a search runs on the calling thread only: a single-query scan is memory-bound,
# and OpenMP fan-out on a busy machine costs a scheduler slice per query (scripts/bench_index.py).
_SMALL_BATCH = 20


class IndexCorrupt(MatchingError):
    """Raised when a saved vector index is unreadable or its id map disagrees with its FAISS file."""


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


class VectorIndex:
    """String ids -> unit vectors with exact (flat) or approximate (HNSW) inner-product search."""

    def __init__(
        self,
        dim: int,
        *,
        kind: Kind = "auto",
        hnsw_threshold: int = 50_000,
        hnsw_m: int = 32,
        ef_construction: int = 128,
        ef_search: int = 512,
        max_dead_fraction: float = 0.25,
    ) -> None:
        if dim < 1:
            raise ValueError(f"dim must be positive, got {dim}")
        if kind not in ("auto", "flat", "hnsw"):
            raise ValueError(f"kind must be 'auto', 'flat' or 'hnsw', got {kind!r}")
        self.dim = dim
        self.kind: Kind = kind
        self.hnsw_threshold = hnsw_threshold
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self._ef_search = ef_search
        self.max_dead_fraction = max_dead_fraction
        self.meta: dict[str, Any] = {}
        self.version: str | None = None  # the saved version this index was loaded from or last saved as
        self._label_of: dict[str, int] = {}  # live id -> FAISS label, in storage order
        self._id_by_label: list[str | None] = []  # FAISS label -> id, None once deleted
        self._alive_bits: np.ndarray | None = None  # cached HNSW selector bitmap
        self._lent = False  # whether matrix() handed out a view of the HNSW storage
        self._index: Any = self._empty("hnsw" if kind == "hnsw" else "flat")

    @property
    def ef_search(self) -> int:
        """HNSW search breadth (higher: better recall, slower); ignored by the flat index."""
        return self._ef_search

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        self._ef_search = value
        if self.backend == "hnsw":
            self._index.hnsw.efSearch = value

    # -- read access -----------------------------------------------------------------------------------

    @property
    def backend(self) -> Literal["flat", "hnsw"]:
        """The structure in use now: ``"flat"`` (exact) or ``"hnsw"`` (approximate)."""
        return "flat" if isinstance(self._index, faiss.IndexIDMap2) else "hnsw"

    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, id_: object) -> bool:
        return id_ in self._label_of

    def ids(self) -> list[str]:
        """Live ids in storage order (order of addition; an id updated in HNSW moves to the end)."""
        return list(self._label_of)

    def vector(self, id_: str) -> np.ndarray:
        """The stored (normalised) vector of one id; ``KeyError`` if absent."""
        return np.asarray(self._index.reconstruct(self._label_of[id_]), dtype=np.float32)

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of ``ids`` as one ``(n, dim)`` array, in one FAISS call; KeyError if absent."""
        if not ids:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(self._labels(ids)), dtype=np.float32)

    def _labels(self, ids: Sequence[str]) -> np.ndarray:
        """The FAISS label of each of ``ids`` (for HNSW, its row in the storage); KeyError if absent."""
        return np.fromiter((self._label_of[i] for i in ids), dtype=np.int64, count=len(ids))

    def matrix(self, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of ``ids`` for gathering many subsets later: ``(matrix, rows)``, ``matrix[rows[i]]``
        being the vector of ``ids[i]``.

        From HNSW, ``matrix`` is a read-only view of the index's own storage, not a copy (a million e5
        vectors are 1.5 GB, and a searcher held them twice), so from then on this index refuses changes
        (a refresh loads a new copy). From the flat index it is a copy of the vectors of ``ids``."""
        if self.backend != "hnsw" or not ids:
            return self.vectors(ids), np.arange(len(ids), dtype=np.int64)
        rows = self._labels(ids)
        total = int(self._index.ntotal)
        storage: Any = faiss.downcast_index(self._index.storage)  # an IndexFlat (get_xb: not in the stubs)
        view = faiss.rev_swig_ptr(storage.get_xb(), total * self.dim).reshape(total, self.dim)
        view.flags.writeable = False
        self._lent = True
        return view, rows

    def _check_unlent(self) -> None:
        if self._lent:  # a change may move or free the storage the view reads
            raise RuntimeError("this index lent its vectors (VectorIndex.matrix): load a copy to change it")

    # -- changes ---------------------------------------------------------------------------------------

    def upsert(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add or replace vectors (normalised on the way in); on repeated ids the last row wins."""
        self._check_unlent()
        array = self._as_matrix(vectors, "vectors")
        if len(ids) != array.shape[0]:
            raise ValueError(f"{len(ids)} ids but {array.shape[0]} vectors")
        last = {id_: row for row, id_ in enumerate(ids)}
        if any(not isinstance(id_, str) for id_ in last):
            raise TypeError("ids must be strings")
        if not last:
            return
        ids = list(last)
        array = array[list(last.values())]
        self._alive_bits = None
        if self.backend == "flat":
            old = [self._label_of[i] for i in ids if i in self._label_of]
            if old:
                self._index.remove_ids(np.asarray(old, dtype=np.int64))
            labels = []
            for id_ in ids:
                label = self._label_of.get(id_)
                if label is None:
                    label = len(self._id_by_label)
                    self._id_by_label.append(id_)
                    self._label_of[id_] = label
                labels.append(label)
            self._index.add_with_ids(array, np.asarray(labels, dtype=np.int64))
        else:
            for id_ in ids:
                if id_ in self._label_of:  # tombstone the old node; the id moves to the end
                    self._id_by_label[self._label_of.pop(id_)] = None
                self._label_of[id_] = len(self._id_by_label)
                self._id_by_label.append(id_)
            self._index.add(array)
        self._maybe_restructure()

    def delete(self, ids: Sequence[str]) -> int:
        """Remove ids (unknown ones are ignored); returns how many were removed."""
        self._check_unlent()
        labels = [self._label_of.pop(i) for i in dict.fromkeys(ids) if i in self._label_of]
        if not labels:
            return 0
        self._alive_bits = None
        for label in labels:
            self._id_by_label[label] = None
        if self.backend == "flat":
            self._index.remove_ids(np.asarray(labels, dtype=np.int64))
        self._maybe_restructure()
        return len(labels)

    def _wanted_backend(self, n: int) -> Literal["flat", "hnsw"]:
        if self.kind != "auto":
            return self.kind
        if self.backend == "flat":
            return "hnsw" if n > self.hnsw_threshold else "flat"
        return "flat" if n < self.hnsw_threshold // 2 else "hnsw"

    def _maybe_restructure(self) -> None:
        n = len(self._label_of)
        if self.backend == "flat":
            if self._wanted_backend(n) == "hnsw":
                self._rebuild("hnsw")
            return
        dead = len(self._id_by_label) - n
        if dead and dead > self.max_dead_fraction * len(self._id_by_label):
            self._rebuild(self._wanted_backend(n))

    def _rebuild(self, backend: Literal["flat", "hnsw"]) -> None:
        """Recreate the FAISS structure from the live vectors, relabelled 0..n-1 in storage order."""
        ids = list(self._label_of)
        old = np.asarray([self._label_of[i] for i in ids], dtype=np.int64)
        vectors = self._index.reconstruct_batch(old) if len(ids) else np.zeros((0, self.dim), np.float32)
        self._index = self._empty(backend)
        self._label_of = {id_: label for label, id_ in enumerate(ids)}
        self._id_by_label = list(ids)
        self._alive_bits = None
        if ids:
            if backend == "flat":
                self._index.add_with_ids(vectors, np.arange(len(ids), dtype=np.int64))
            else:
                self._index.add(vectors)

    def _empty(self, backend: Literal["flat", "hnsw"]) -> Any:
        if backend == "flat":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        index = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        index.hnsw.efSearch = self.ef_search
        return index

    # -- search ----------------------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Per query the ``k`` nearest ``(id, cosine)`` pairs, best first, ties ordered by id."""
        matrix = self._as_matrix(queries, "queries")
        n = len(self._label_of)
        if k <= 0 or n == 0:
            return [[] for _ in range(matrix.shape[0])]
        fetch = min(k + _TIE_MARGIN, n)
        results: list[list[tuple[str, float]]] = []
        with _omp_threads(1 if matrix.shape[0] < _SMALL_BATCH else None):
            scores, labels = self._raw_search(matrix, fetch)
            for row in range(matrix.shape[0]):
                ranked = self._ranked(scores[row], labels[row], k, fetch, n)
                wider = fetch
                while ranked is None:  # ties run past what was fetched: fetch more for this query
                    wider = min(wider * 2, n)
                    more_scores, more_labels = self._raw_search(matrix[row : row + 1], wider)
                    ranked = self._ranked(more_scores[0], more_labels[0], k, wider, n)
                results.append(ranked)
        return results

    def _raw_search(self, matrix: np.ndarray, fetch: int) -> tuple[np.ndarray, np.ndarray]:
        found: tuple[np.ndarray, np.ndarray]
        if self.backend == "flat":
            found = self._index.search(matrix, fetch)
            return found
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # in faiss, not in its stubs
        params.efSearch = max(self.ef_search, fetch)
        if len(self._id_by_label) > len(self._label_of):  # tombstones: search only live labels
            if self._alive_bits is None:
                alive = np.asarray([i is not None for i in self._id_by_label], dtype=bool)
                self._alive_bits = np.packbits(alive, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(self._id_by_label), faiss.swig_ptr(self._alive_bits))
            params.sel = selector  # ``selector`` stays referenced until the search returns
        found = self._index.search(matrix, fetch, params=params)
        return found

    def _ranked(
        self, scores: np.ndarray, labels: np.ndarray, k: int, fetch: int, n: int
    ) -> list[tuple[str, float]] | None:
        pairs: list[tuple[str, float]] = []
        for score, label in zip(scores.tolist(), labels.tolist(), strict=True):
            if label < 0:
                continue
            id_ = self._id_by_label[label]
            if id_ is not None:
                pairs.append((id_, score))
        pairs.sort(key=lambda p: (-p[1], p[0]))
        if len(pairs) == fetch and fetch < n and len(pairs) > k and pairs[-1][1] == pairs[k - 1][1]:
            return None
        return pairs[:k]

    def _as_matrix(self, values: np.ndarray, name: str) -> np.ndarray:
        array = np.asarray(values, dtype=np.float32)
        if array.ndim != 2 or array.shape[1] != self.dim:
            raise ValueError(f"{name} must have shape (n, {self.dim}), got {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name} contain NaN or infinite values")
        return _normalise(array)

    # -- persistence -----------------------------------------------------------------------------------

    def save(self, directory: Path, meta: dict[str, Any] | None = None, *, keep: int = 2) -> None:
        """Write a new version under ``directory`` and make it current atomically; keep ``keep`` versions.

        ``meta`` (JSON-serialisable, e.g. the encoder's model id) is stored with the index and comes back
        as :attr:`meta` on load.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        user_meta = dict(meta if meta is not None else self.meta)
        with _writer_lock(directory):
            current = _read_current(directory)
            name = f"v{_next_version(directory):06d}"  # never reuses a number, even a crashed one's
            _remove_leftovers(directory, current)
            tmp = directory / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
            tmp.mkdir()
            _write_faiss(self._index, tmp / "index.faiss")
            ids_bytes = json.dumps(self._id_by_label, ensure_ascii=False).encode("utf-8")
            _write_bytes(tmp / "ids.json", ids_bytes)
            record = {
                "format": FORMAT,
                "dim": self.dim,
                "params": self._params(),
                "backend": self.backend,
                "count": len(self._label_of),
                "labels": len(self._id_by_label),
                "ids_sha256": hashlib.sha256(ids_bytes).hexdigest(),
                "faiss_bytes": (tmp / "index.faiss").stat().st_size,
                "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "meta": user_meta,
            }
            _write_bytes(tmp / "meta.json", json.dumps(record, indent=2, ensure_ascii=False).encode())
            _fsync_dir(tmp)
            os.rename(tmp, directory / name)
            _fsync_dir(directory)
            _swap_pointer(directory, name)
            _prune(directory, name, keep)
        self.meta = user_meta
        self.version = name

    @staticmethod
    def current_version(directory: Path) -> str | None:
        """The version ``CURRENT`` names in ``directory`` now (``"v000007"``); None before any save."""
        return _read_current(Path(directory))

    @staticmethod
    def exists(directory: Path) -> bool:
        """Whether ``directory`` holds a saved index (a ``CURRENT`` pointer)."""
        return (Path(directory) / "CURRENT").is_file()

    @classmethod
    def load(
        cls, directory: Path, *, version: str | None = None, ef_search: int | None = None
    ) -> VectorIndex:
        """The current (or the named) version saved under ``directory``, verified against its id map.

        Raises ``FileNotFoundError`` when nothing was saved there and :class:`IndexCorrupt` when the files
        disagree with each other.
        """
        directory = Path(directory)
        name = version or _read_current(directory)
        while True:
            if name is None:
                raise FileNotFoundError(f"no vector index saved in {directory} (no CURRENT file)")
            try:
                index = cls._load_version(directory / name)
            except FileNotFoundError as exc:
                # retry only if a concurrent save moved CURRENT on and pruned the version we read
                again = version or _read_current(directory)
                if again == name:
                    raise IndexCorrupt(f"vector index version {directory / name} is incomplete") from exc
                name = again
                continue
            if ef_search is not None:
                index.ef_search = ef_search
            index.version = name
            return index

    @classmethod
    def _load_version(cls, path: Path) -> VectorIndex:
        try:
            record = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            ids_bytes = (path / "ids.json").read_bytes()
            id_by_label: list[str | None] = json.loads(ids_bytes)
        except ValueError as exc:
            raise IndexCorrupt(f"{path}: meta.json or ids.json is not valid JSON: {exc}") from exc
        faiss_path = path / "index.faiss"
        size = faiss_path.stat().st_size
        _check(record.get("format") == FORMAT, f"{path}: unknown index format {record.get('format')!r}")
        _check(
            hashlib.sha256(ids_bytes).hexdigest() == record["ids_sha256"],
            f"{path}/ids.json does not match the checksum in meta.json",
        )
        _check(size == record["faiss_bytes"], f"{faiss_path} has {size} bytes, meta.json says otherwise")
        try:
            raw = faiss.read_index(str(faiss_path))
        except RuntimeError as exc:
            raise IndexCorrupt(f"{faiss_path} cannot be read by FAISS: {exc}") from exc
        dim = int(record["dim"])
        _check(raw.d == dim, f"{faiss_path} holds {raw.d}-d vectors, meta.json says {dim}")
        live = {id_: label for label, id_ in enumerate(id_by_label) if id_ is not None}
        _check(
            len(live) == record["count"] and len(id_by_label) == record["labels"],
            f"{path}/ids.json maps {len(live)} live ids, meta.json says {record['count']}",
        )
        if isinstance(raw, faiss.IndexIDMap2):
            stored = np.sort(faiss.vector_to_array(raw.id_map))
            expected = np.fromiter(live.values(), dtype=np.int64, count=len(live))
            _check(np.array_equal(stored, expected), f"{faiss_path} labels disagree with ids.json")
        else:
            _check(isinstance(raw, faiss.IndexHNSWFlat), f"{faiss_path}: unexpected {type(raw).__name__}")
            _check(raw.ntotal == len(id_by_label), f"{faiss_path} holds {raw.ntotal} vectors, ids.json not")
        index = cls(dim, **record["params"])
        index._index = raw
        index.ef_search = index.ef_search  # applies it to the loaded graph
        index._id_by_label = id_by_label
        index._label_of = live
        index.meta = record["meta"]
        return index

    def _params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "hnsw_threshold": self.hnsw_threshold,
            "hnsw_m": self.hnsw_m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "max_dead_fraction": self.max_dead_fraction,
        }


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise IndexCorrupt(message)


# -- file-system helpers (module level so that tests can interrupt a save at a chosen step) -------------


def _write_faiss(index: Any, path: Path) -> None:
    faiss.write_index(index, str(path))
    _fsync_file(path)


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    _fsync_file(path)


def _swap_pointer(directory: Path, name: str) -> None:
    tmp = directory / f"CURRENT.tmp-{uuid.uuid4().hex[:8]}"
    _write_bytes(tmp, f"{name}\n".encode())
    os.replace(tmp, directory / "CURRENT")
    _fsync_dir(directory)


def _read_current(directory: Path) -> str | None:
    try:
        name = (directory / "CURRENT").read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{directory}/CURRENT cannot be read: {exc}") from exc
    if not _VERSION.fullmatch(name):
        raise IndexCorrupt(f"{directory}/CURRENT names {name!r}, not a version directory")
    return name


def _versions(directory: Path) -> list[int]:
    found = (_VERSION.fullmatch(p.name) for p in directory.iterdir() if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


def _next_version(directory: Path) -> int:
    numbers = _versions(directory)
    partial = (re.match(r"\.tmp-v(\d+)", p.name) for p in directory.glob(".tmp-v*"))
    numbers += [int(m.group(1)) for m in partial if m]
    return max(numbers, default=0) + 1


def _remove_leftovers(directory: Path, current: str | None) -> None:
    """Remove crashed saves: partial ``.tmp-*`` entries and complete versions newer than ``CURRENT``."""
    for path in directory.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in directory.glob("CURRENT.tmp-*"):
        path.unlink(missing_ok=True)
    if current is not None:
        newest = int(current[1:])
        for number in _versions(directory):
            if number > newest:
                shutil.rmtree(directory / f"v{number:06d}", ignore_errors=True)


def _prune(directory: Path, current: str, keep: int) -> None:
    newest = int(current[1:])
    older = [n for n in _versions(directory) if n <= newest]
    for number in older[: max(0, len(older) - max(keep, 1))]:
        shutil.rmtree(directory / f"v{number:06d}", ignore_errors=True)


@contextlib.contextmanager
def _omp_threads(count: int | None) -> Iterator[None]:
    """Run FAISS with ``count`` OpenMP threads on this thread (the setting is per thread), then restore."""
    if count is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


@contextlib.contextmanager
def _writer_lock(directory: Path) -> Iterator[None]:
    """Serialise saves into one directory across processes (advisory ``flock``; a no-op without fcntl)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
