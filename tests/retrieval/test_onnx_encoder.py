"""Tests for matching.retrieval.onnx_encoder: e5-small run by ONNX Runtime gives PyTorch's vectors (queries
and passages, Indonesian and English, one at a time or in padded batches, past the 512-token limit), the
export is made once and redone when it no longer matches the weights, and searching needs no torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from matching.retrieval.encoders import OnnxEncoder, SentenceTransformerEncoder, load_encoder
from matching.retrieval.onnx_encoder import ONNX_FILE, export_onnx

REPO = Path(__file__).resolve().parents[2]

TEXTS = [
    "Kami mencari tas anyaman pandan dari Tasikmalaya, 500 buah per bulan, pewarna alami.",
    "Rattan dining chairs for a hotel in Bali, SVLK certified, delivery within 60 days.",
    "tikar mendong",
    "Handmade seagrass baskets, MOQ 50 pcs, lead time 21 days; we export to Japan and the Netherlands.",
    "keranjang ketak Lombok — kotak tisu & nampan (ekspor ke Jepang)",
]


@pytest.fixture(scope="module")
def torch_encoder(e5_models: Path) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(e5_models, model_id="e5")


@pytest.fixture(scope="module")
def onnx_encoder(e5_models: Path) -> OnnxEncoder:
    return OnnxEncoder(e5_models, model_id="e5")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cosines: np.ndarray = (a * b).sum(axis=1)
    return cosines


def test_queries_and_passages_match_the_pytorch_path(
    torch_encoder: SentenceTransformerEncoder, onnx_encoder: OnnxEncoder
) -> None:
    for method in ("encode_queries", "encode_passages"):
        expected = getattr(torch_encoder, method)(TEXTS)
        got = getattr(onnx_encoder, method)(TEXTS)
        assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
        assert _cosines(got, expected).min() >= 0.999
        assert np.abs(got - expected).max() < 1e-4
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_one_at_a_time_equals_a_padded_batch(onnx_encoder: OnnxEncoder) -> None:
    batch = onnx_encoder.encode_queries(TEXTS)
    single = np.concatenate([onnx_encoder.encode_queries([t]) for t in TEXTS])
    assert np.abs(batch - single).max() < 1e-5


def test_prompts_make_queries_and_passages_differ(onnx_encoder: OnnxEncoder) -> None:
    assert (onnx_encoder.query_prompt, onnx_encoder.passage_prompt) == ("query: ", "passage: ")
    queries, passages = onnx_encoder.encode_queries(TEXTS[:1]), onnx_encoder.encode_passages(TEXTS[:1])
    assert _cosines(queries, passages)[0] < 0.999


def test_a_text_longer_than_the_model_is_truncated_like_pytorch(
    torch_encoder: SentenceTransformerEncoder, onnx_encoder: OnnxEncoder
) -> None:
    long = " ".join(TEXTS * 40)  # ~2,000 tokens
    got, expected = onnx_encoder.encode_passages([long]), torch_encoder.encode_passages([long])
    assert _cosines(got, expected)[0] >= 0.999
    assert len(onnx_encoder.tokenizer.encode("passage: " + long).ids) == 512


def test_passages_keep_their_order_and_report_progress(onnx_encoder: OnnxEncoder) -> None:
    seen: list[int] = []
    texts = TEXTS * 30  # several length-sorted batches of 64
    vectors = onnx_encoder.encode_passages(texts, progress=seen.append)
    assert sum(seen) == len(texts) and len(seen) == 3
    np.testing.assert_allclose(vectors[: len(TEXTS)], vectors[-len(TEXTS) :], atol=1e-5)
    assert onnx_encoder.encode_queries([]).shape == (0, 384)


def test_e5_small_loads_onnx_and_the_torch_spec_shares_its_model_id(e5_models: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / e5_models.name).symlink_to(e5_models, target_is_directory=True)
    onnx = load_encoder("e5-small", home=home, threads=2)
    torch_path = load_encoder("e5-small-torch", home=home)
    assert isinstance(onnx, OnnxEncoder) and isinstance(torch_path, SentenceTransformerEncoder)
    assert onnx.model_id == torch_path.model_id and onnx.threads == 2


def test_the_export_is_reused_and_redone_when_it_no_longer_matches(e5_models: Path, tmp_path: Path) -> None:
    folder = tmp_path / "e5"
    folder.mkdir()
    for item in e5_models.iterdir():  # the weights linked, the export the copy's own
        if item.name != "onnx":
            (folder / item.name).symlink_to(item)
    graph = export_onnx(folder)
    assert graph == folder / ONNX_FILE
    made = graph.stat().st_mtime_ns
    assert export_onnx(folder).stat().st_mtime_ns == made  # up to date: not exported again
    info = folder / "onnx" / "export.json"
    info.write_text(json.dumps({**json.loads(info.read_text()), "key": "an older build"}))
    export_onnx(folder)
    assert graph.stat().st_mtime_ns != made
    assert json.loads(info.read_text())["key"] != "an older build"
    assert not list((folder / "onnx").glob(".model-*"))  # no staging file left behind


def test_searching_with_e5_small_imports_no_torch(e5_models: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / e5_models.name).symlink_to(e5_models, target_is_directory=True)
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from matching import Engine, Settings
        engine = Engine(Settings(home=Path({str(home)!r}), encoder="e5-small", ranker="weights"))
        vector = engine.encoder.encode_queries(["tas anyaman pandan"])
        assert vector.shape == (1, 384), vector.shape
        print("torch" in sys.modules, "sentence_transformers" in sys.modules)
        """
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    assert out.stdout.split() == ["False", "False"], out.stderr[-2000:]
