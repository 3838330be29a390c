"""Building and updating the product index incrementally.

Embeddings are cached by (model id, text hash) in ``<home>/cache/embeddings.sqlite``; the dense index in
``<home>/index/dense`` remembers the text hash of every product it holds, so a re-index embeds only new or
changed products, deletes removed ones, and saves a new version atomically (see
:mod:`matching.retrieval.dense_index`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from matching.retrieval.dense_index import Kind, VectorIndex
from matching.retrieval.documents import Catalogue
from matching.retrieval.embedding_cache import EmbeddingCache
from matching.retrieval.encoders import Encoder

__all__ = ["IndexReport", "update_dense_index"]


@dataclass(frozen=True)
class IndexReport:
    """What an index run did."""

    model_id: str
    backend: str
    products: int
    embedded: int  # texts the encoder actually ran on (cache misses)
    upserted: int  # products added or changed in the index
    deleted: int
    unchanged: int
    seconds: float
    version: str | None = None  # the saved version in force after the run (``v000007``)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def update_dense_index(
    directory: Path,
    catalogue: Catalogue,
    encoder: Encoder,
    cache: EmbeddingCache,
    *,
    kind: Kind = "auto",
    ef_search: int | None = None,
    rebuild: bool = False,
    revision: int | None = None,
    fill_cache: Callable[[list[str], Callable[[int], None] | None], int] | None = None,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> tuple[VectorIndex, IndexReport]:
    """Bring the dense index in ``directory`` in line with ``catalogue``; save it if anything changed.

    ``revision``, the catalogue revision ``catalogue`` was read at, is recorded with a saved version.
    ``ef_search``, when given, is the HNSW search breadth the index searches with, whatever it was saved with.
    ``fill_cache(texts, progress)``, when given, first encodes elsewhere (on a Ray cluster:
    :mod:`matching.retrieval.ray_embedding`) the texts the cache lacks and writes them to ``cache``,
    returning how many it encoded; then nothing is left to encode here.
    Texts are encoded ``batch_size`` at a time and each batch is committed to ``cache`` as soon as it is
    encoded, so a run killed part-way keeps its finished batches and the next run encodes only the rest.
    """
    started = time.perf_counter()
    index: VectorIndex | None = None
    if not rebuild and VectorIndex.exists(directory):
        index = VectorIndex.load(directory, ef_search=ef_search)
        if index.meta.get("model_id") != encoder.model_id or index.dim != encoder.dim:
            index = None  # another model: start afresh
    if index is None:
        index = VectorIndex(encoder.dim, kind=kind)
        if ef_search is not None:
            index.ef_search = ef_search
        index.meta = {"model_id": encoder.model_id, "hashes": {}}
    known: dict[str, str] = dict(index.meta.get("hashes", {}))
    ids, texts = catalogue.texts()
    hashes = {pid: _digest(text) for pid, text in zip(ids, texts, strict=True)}
    changed = [i for i, pid in enumerate(ids) if known.get(pid) != hashes[pid] or pid not in index]
    removed = [pid for pid in index.ids() if pid not in hashes]
    if on_total:
        on_total(len(changed))
    embedded = 0
    if changed:
        wanted = [texts[i] for i in changed]
        if fill_cache is not None:
            embedded = fill_cache(wanted, progress)
            if progress:  # the positions the texts encoded now fill twice or more, and those cached before
                progress(len(wanted) - embedded)
        vectors, here = cache.embed(
            encoder.model_id,
            wanted,
            lambda batch: encoder.encode_passages(batch),
            batch_size=batch_size,
            progress=None if fill_cache is not None else progress,
        )
        embedded += here
        index.upsert([ids[i] for i in changed], vectors)
    if removed:
        index.delete(removed)
    if changed or removed or not VectorIndex.exists(directory):
        meta: dict[str, Any] = {"model_id": encoder.model_id, "hashes": hashes}
        if revision is not None:
            meta["revision"] = revision
        index.save(directory, meta=meta)
    report = IndexReport(
        model_id=encoder.model_id,
        backend=index.backend,
        products=len(index),
        embedded=embedded,
        upserted=len(changed),
        deleted=len(removed),
        unchanged=len(ids) - len(changed),
        seconds=time.perf_counter() - started,
        version=index.version,
    )
    return index, report
