"""An in-memory LRU cache of query embeddings in front of an encoder.

Searches repeat: a buyer's requirement is searched again with other filters, another page, another
language of the page. :class:`CachedQueryEncoder` wraps any :class:`~matching.retrieval.encoders.Encoder`
and keeps the last ``size`` query vectors, keyed by the encoder's ``model_id`` and the exact text the model
sees (prompt + query), so a changed model or prompt never meets an old vector. Passages go straight to the
wrapped encoder (they have their own on-disk cache, :mod:`matching.retrieval.embedding_cache`).

Thread-safe: the lock guards only the dictionary; encoding happens outside it, so two threads missing on
the same text may both encode it (the vectors are equal; the second write wins).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from matching.retrieval.encoders import Encoder

__all__ = ["CachedQueryEncoder"]


class CachedQueryEncoder:
    """``encoder`` with its query vectors kept in a bounded LRU cache of ``size`` entries (about 1.5 KiB
    each at 384 dimensions). ``size=0`` caches nothing but still counts the queries as misses."""

    def __init__(self, encoder: Encoder, size: int = 4096) -> None:
        self.encoder = encoder
        self.size = size
        self.model_id = encoder.model_id
        self.dim = encoder.dim
        self._prompt = str(getattr(encoder, "query_prompt", ""))
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __getattr__(self, name: str) -> Any:  # the wrapped encoder's other attributes (path, model, ...)
        if name == "encoder":
            raise AttributeError(name)
        return getattr(self.encoder, name)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        keys = [(self.model_id, self._prompt + t) for t in texts]
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        missing: dict[tuple[str, str], list[int]] = {}
        with self._lock:
            for row, key in enumerate(keys):
                vector = self._vectors.get(key)
                if vector is None:
                    missing.setdefault(key, []).append(row)
                    continue
                self._vectors.move_to_end(key)
                out[row] = vector
            self.hits += len(keys) - sum(map(len, missing.values()))
            self.misses += sum(map(len, missing.values()))
        if not missing:
            return out
        fresh = self.encoder.encode_queries([key[1][len(self._prompt) :] for key in missing])
        with self._lock:
            for (key, rows), vector in zip(missing.items(), fresh, strict=True):
                out[rows] = vector
                if self.size > 0:
                    stored = vector.copy()
                    stored.setflags(write=False)
                    self._vectors[key] = stored
                    self._vectors.move_to_end(key)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return out

    def encode_passages(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        return self.encoder.encode_passages(texts, progress=progress)

    def stats(self) -> dict[str, Any]:
        """Entries held, capacity, hits, misses and the hit rate since the cache was made."""
        with self._lock:
            asked = self.hits + self.misses
            return {
                "entries": len(self._vectors),
                "size": self.size,
                "hits": self.hits,
                "misses": self.misses,
                "hit_rate": round(self.hits / asked, 4) if asked else None,
            }

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
