"""Embedding cache: a small SQLite file that remembers every vector an encoder produced.

Vectors are keyed by ``(model_id, sha256 of the exact UTF-8 text)``, so re-indexing a catalogue in which 1%
of the product texts changed encodes only that 1%. The file lives in the data home (e.g.
``<home>/cache/embeddings.sqlite``) and uses write-ahead logging: any number of processes may read while
one writes, and writers queue behind each other (``busy_timeout``) instead of failing. WAL needs a local
file system (not a network share).

Vectors are stored exactly as the encoder returned them (float32, little-endian); the cache never
normalises or otherwise changes them. A ``model_id`` must name one model with one dimension: changing the
model (or its prompts or weights) must change the id.

Each batch :meth:`EmbeddingCache.embed` encodes is committed in its own transaction, so a run killed
(even by SIGKILL) keeps every batch it finished and a restart encodes only the rest. A cache file that
SQLite finds damaged (not a database, or a malformed image) is renamed ``<name>.damaged-<time>`` with a
warning and a new, empty cache takes its place: the cache only saves time, it never stops a run.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

__all__ = ["EmbeddingCache", "text_key"]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL,
    text_sha256 BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_sha256)
)
"""
_LOOKUP_CHUNK = 500  # keys per SELECT ... IN (...), well under SQLite's host-parameter limit


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file itself is damaged (not merely busy, locked or read-only)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return not isinstance(exc, sqlite3.OperationalError)


def text_key(text: str) -> bytes:
    """The cache key of a text: the SHA-256 digest of its exact UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors by ``(model_id, text)`` in a SQLite file; safe for concurrent readers and writers.

    One instance may be shared by threads (calls are serialised); each process opens its own.
    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, path: Path, *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._timeout = timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            self._set_aside(exc)
            self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            conn.execute("PRAGMA page_size = 8192")  # a new file only: fits ~5 384-d vectors a page
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # a killed process loses no commit (WAL)
            conn.execute(_SCHEMA)
            conn.execute("SELECT model_id FROM embeddings LIMIT 1").fetchall()
        except BaseException:
            conn.close()
            raise
        return conn

    def _set_aside(self, exc: sqlite3.DatabaseError) -> None:
        """Rename a damaged cache file (and its WAL files) out of the way; the caller opens a new one."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = self.path.with_name(self.path.name + suffix)
            if part.exists():
                part.replace(aside.with_name(aside.name + suffix))
        log.warning(
            "embedding cache %s is damaged (%s); set aside as %s, starting an empty cache "
            "(vectors will be computed again)",
            self.path,
            exc,
            aside.name,
        )

    def _recover(self, exc: sqlite3.DatabaseError) -> None:
        """Called (holding the lock) when a query finds the file damaged: set it aside, open a new one."""
        if not _is_damage(exc):
            raise exc
        self._set_aside(exc)
        self._conn = self._open()

    # -- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; further calls raise ``RuntimeError``."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"embedding cache {self.path} is closed")
        return self._conn

    # -- raw access ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection().execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])

    def count(self, model_id: str) -> int:
        """How many vectors are cached for one model."""
        with self._lock:
            row = (
                self._connection()
                .execute("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,))
                .fetchone()
            )
        return int(row[0])

    def _lookup(
        self, model_id: str, keys: Sequence[bytes], *, vectors: bool = True
    ) -> dict[bytes, tuple[int, bytes]]:
        """The cached ``(dim, vector bytes)`` of each of ``keys`` found; with ``vectors=False`` only which
        are there (the values are then ``(0, b"")``: no vector is read)."""
        found: dict[bytes, tuple[int, bytes]] = {}
        unique = list(dict.fromkeys(keys))
        columns = "text_sha256, dim, vector" if vectors else "text_sha256, 0, x''"
        with self._lock:
            conn = self._connection()
            try:
                for start in range(0, len(unique), _LOOKUP_CHUNK):
                    chunk = unique[start : start + _LOOKUP_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(
                        f"SELECT {columns} FROM embeddings WHERE model_id = ? AND text_sha256 IN ({marks})",
                        (model_id, *chunk),
                    )
                    for key, dim, blob in rows:
                        found[bytes(key)] = (int(dim), bytes(blob))
            except sqlite3.DatabaseError as exc:
                self._recover(exc)  # a damaged file: nothing is cached any more
                return {}
        return found

    def missing(self, model_id: str, texts: Sequence[str]) -> list[int]:
        """The positions of ``texts`` not cached for ``model_id``, without reading any vector."""
        keys = [text_key(t) for t in texts]
        found = self._lookup(model_id, keys, vectors=False)
        return [i for i, key in enumerate(keys) if key not in found]

    def get_many(self, model_id: str, texts: Sequence[str]) -> tuple[np.ndarray | None, list[int]]:
        """Cached vectors of ``texts`` in input order, and the positions that are not cached.

        The array is ``(len(texts), dim)`` float32 with zero rows at the missing positions; it is ``None``
        when no text is cached (the dimension is then unknown).
        """
        keys = [text_key(t) for t in texts]
        found = self._lookup(model_id, keys)
        dims = {dim for dim, _ in found.values()}
        if len(dims) > 1:
            raise ValueError(f"cache holds vectors of several sizes {sorted(dims)} for {model_id!r}")
        missing = [i for i, key in enumerate(keys) if key not in found]
        if not found:
            return None, missing
        dim = dims.pop()
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            hit = found.get(key)
            if hit is not None:
                out[i] = np.frombuffer(hit[1], dtype="<f4")
        return out, missing

    def put_many(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per text (replacing what was there), in one transaction."""
        array = np.asarray(vectors)
        if array.ndim != 2 or array.shape[0] != len(texts):
            raise ValueError(f"expected {len(texts)} vectors as a 2-D array, got shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"refusing to cache non-finite vectors for {model_id!r}")
        array = np.ascontiguousarray(array, dtype="<f4")
        dim = int(array.shape[1])
        rows = [(model_id, text_key(t), dim, array[i].tobytes()) for i, t in enumerate(texts)]
        with self._lock:
            try:
                self._insert(rows)
            except sqlite3.DatabaseError as exc:
                self._recover(exc)
                self._insert(rows)

    def _insert(self, rows: list[tuple[str, bytes, int, bytes]]) -> None:
        """One transaction: all of ``rows`` or none (the caller holds the lock)."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model_id, text_sha256, dim, vector) VALUES (?, ?, ?, ?)",
                rows,
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- the main entry --------------------------------------------------------------------------------

    def embed(
        self,
        model_id: str,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        *,
        batch_size: int = 256,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Vectors of ``texts`` in input order, encoding only what the cache lacks.

        ``encode`` receives lists of at most ``batch_size`` distinct uncached texts; each batch is cached
        as soon as it is encoded, so an interrupted run resumes where it stopped. ``progress`` is called
        with increments of input positions filled (cached ones first), summing to ``len(texts)``.
        Returns the ``(len(texts), dim)`` float32 array and the number of texts actually encoded.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        cached, missing = self.get_many(model_id, texts)
        if progress and len(texts) - len(missing):
            progress(len(texts) - len(missing))
        # distinct missing texts, each with every input position it fills
        positions: dict[str, list[int]] = {}
        for i in missing:
            positions.setdefault(texts[i], []).append(i)
        # longest first: each batch holds texts of about one length, so an encoder pads little
        todo = sorted(positions, key=len, reverse=True)
        out = cached
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            vectors = np.asarray(encode(batch), dtype=np.float32)
            if vectors.ndim != 2 or vectors.shape[0] != len(batch):
                raise ValueError(
                    f"encoder for {model_id!r} returned shape {vectors.shape} for {len(batch)} texts"
                )
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            elif vectors.shape[1] != out.shape[1]:
                raise ValueError(
                    f"encoder for {model_id!r} returned {vectors.shape[1]}-d vectors but the cache holds "
                    f"{out.shape[1]}-d ones; give a changed model a new model_id"
                )
            self.put_many(model_id, batch, vectors)
            filled = 0
            for text, vector in zip(batch, vectors, strict=True):
                rows = positions[text]
                out[rows] = vector
                filled += len(rows)
            if progress:
                progress(filled)
        if out is None:  # no texts at all
            out = np.zeros((0, 0), dtype=np.float32)
        return out, len(todo)
