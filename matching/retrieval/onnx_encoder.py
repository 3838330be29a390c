"""A sentence-transformers folder run by ONNX Runtime: the vectors of PyTorch, without torch at query time.

:func:`export_onnx` traces a folder's transformer, mean pooling and L2 normalisation into one ONNX graph
(``onnx/model.onnx`` inside the folder, beside an ``onnx/export.json`` that records which weights it was
traced from). It needs torch, transformers and onnx, and runs once, when the folder is built (or on first
use of an older folder). :class:`OnnxEncoder` then needs only ``onnxruntime``, ``tokenizers`` and numpy: it
tokenises with the folder's fast tokenizer (``tokenizer.json``, truncated at the folder's
``max_seq_length``), adds the folder's prompts (e5: ``query: `` / ``passage: ``) and runs the graph.

On multilingual-e5-small the vectors equal the PyTorch path's to ~1e-7 (cosine >= 0.9999998 on the demo
buyers' requirements), so both paths share one model id and one embedding cache. BENCHMARKS.md, "Query
encoder and service (issue 17)", has the speed: 1 intra-op thread is the default. On a quiet 2-core
machine 2 threads encode a query in ~3/4 of one thread's time, but the service on a machine busy with
other work served 21 searches/s with 1 thread and 14/s with 2 (``MATCHING_ENCODER_THREADS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.errors import ConfigError

__all__ = ["ONNX_FILE", "OnnxEncoder", "export_onnx", "onnx_export_key"]

ONNX_FILE = "onnx/model.onnx"
_EXPORT_INFO = "onnx/export.json"
_EXPORTER_VERSION = 1
_OPSET = 17


def onnx_export_key(folder: Path) -> str:
    """What an export of ``folder`` depends on: its configuration and weights files (names, sizes and the
    first and last MiB of each weights file, so a rebuilt folder is told apart without reading 470 MB)."""
    hasher = hashlib.sha256(f"exporter {_EXPORTER_VERSION} opset {_OPSET}".encode())
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        if (folder / name).exists():
            hasher.update(name.encode() + (folder / name).read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        size = weights.stat().st_size
        hasher.update(f"{weights.name} {size}".encode())
        with weights.open("rb") as handle:
            hasher.update(handle.read(1 << 20))
            handle.seek(max(0, size - (1 << 20)))
            hasher.update(handle.read(1 << 20))
    return hasher.hexdigest()[:16]


def _exported(folder: Path) -> bool:
    info = folder / _EXPORT_INFO
    if not (folder / ONNX_FILE).exists() or not info.exists():
        return False
    try:
        return bool(json.loads(info.read_text())["key"] == onnx_export_key(folder))
    except (ValueError, KeyError):
        return False


def export_onnx(folder: Path) -> Path:
    """The ONNX graph of the sentence-transformers ``folder`` (mean pooling + normalisation), exported on
    first call and reused while the folder's weights stay the same. Written atomically (a temporary file
    renamed into place). Needs torch, transformers and onnx."""
    folder = Path(folder)
    target = folder / ONNX_FILE
    if _exported(folder):
        return target
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ConfigError(
            f"exporting {folder} to ONNX needs torch, transformers and onnx ({exc.name} is missing)"
        ) from exc

    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class _Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    ids = torch.tensor([[0, 41, 1294, 12, 3251, 2], [0, 41, 1294, 2, 1, 1]], dtype=torch.long)
    mask = (ids != 1).long()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=target.parent, prefix=".model-", suffix=".onnx")
    os.close(handle)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # the tracer's notes on Python-side branches (shape checks that hold for every input here)
            warnings.simplefilter("ignore", category=torch.jit.TracerWarning)  # type: ignore[attr-defined]
            warnings.filterwarnings("ignore", message="Exporting aten::index operator")
            torch.onnx.export(
                _Pooled(model),
                (ids, mask),
                staging,
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "attention_mask": {0: "batch", 1: "tokens"},
                    "embedding": {0: "batch"},
                },
                opset_version=_OPSET,
                dynamo=False,
            )
        os.replace(staging, target)
    finally:
        Path(staging).unlink(missing_ok=True)
    info = {"key": onnx_export_key(folder), "opset": _OPSET, "torch": torch.__version__}
    (folder / _EXPORT_INFO).write_text(json.dumps(info, indent=2) + "\n")
    return target


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


class OnnxEncoder:
    """A sentence-transformers folder exported by :func:`export_onnx`, run by ONNX Runtime on the CPU.

    ``threads`` is ONNX Runtime's intra-op thread count (one session; runs from several threads are safe).
    Passages are encoded in length-sorted batches of ``batch_size`` so padding stays small."""

    def __init__(self, path: Path, *, model_id: str | None = None, batch_size: int = 64, threads: int = 1):
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ConfigError(
                f"the ONNX encoder needs onnxruntime and tokenizers ({exc.name} is missing)"
            ) from exc
        self.path = Path(path)
        if not (self.path / ONNX_FILE).exists():
            raise ConfigError(f"{self.path} has no {ONNX_FILE}; export it with export_onnx()")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # idle threads spinning for work cost the other core more than they save on a busy 2-core machine
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(self.path / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.threads = threads
        settings = _read_json(self.path / "sentence_bert_config.json")
        self.max_length = int(settings.get("max_seq_length") or 512)
        self.tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_length)
        special = _read_json(self.path / "special_tokens_map.json").get("pad_token", "<pad>")
        pad_token = special["content"] if isinstance(special, dict) else str(special)
        pad_id = self.tokenizer.token_to_id(pad_token)
        self.pad_id = 1 if pad_id is None else int(pad_id)
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        prompts = _read_json(self.path / "config_sentence_transformers.json").get("prompts") or {}
        self.query_prompt = str(prompts.get("query", ""))
        self.passage_prompt = str(prompts.get("passage", prompts.get("document", "")))
        self.batch_size = batch_size
        self.model_id = model_id or f"onnx:{self.path.name}"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prompt + t for t in texts])

    def encode_passages(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        return self._encode([self.passage_prompt + t for t in texts], progress=progress)

    def _encode(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(texts), self.batch_size):
            picked = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in picked)
            ids = np.full((len(picked), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(picked), width), dtype=np.int64)
            for row, i in enumerate(picked):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            out[picked] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            if progress:
                progress(len(picked))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        unit: np.ndarray = out / np.maximum(norms, 1e-12)
        return unit
