"""Fine-tuning the encoder: training pairs from labels, the buyer split, a tiny real fine-tune of e5-small."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from matching import ConfigError, Engine, demo_data_dir
from matching.app.training import load_catalogue
from matching.catalogue.schema import Buyer
from matching.learning.baselines import buyer_language
from matching.learning.finetuning import (
    PASSAGE_PROMPT,
    QUERY_PROMPT,
    FinetuneParams,
    base_encoder_folder,
    fine_tune,
    outcome_pairs,
    qrels_pairs,
    sample_pairs,
    save_model_record,
    split_buyers,
)
from matching.learning.metrics import Qrels, read_qrels
from matching.retrieval.documents import Catalogue

QRELS = demo_data_dir().parent / "dev" / "qrels.txt"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def buyers() -> list[Buyer]:
    return Engine.read_buyers(demo_data_dir() / "buyers.csv")


@pytest.fixture(scope="module")
def qrels() -> Qrels:
    return read_qrels(QRELS)


def test_split_is_by_buyer_seeded_and_stratified_by_language(buyers: list[Buyer]) -> None:
    train, held = split_buyers(buyers, holdout=0.3, seed=0)
    assert not set(train) & set(held)
    assert set(train) | set(held) == {b.buyer_id for b in buyers}
    assert len(held) == pytest.approx(0.3 * len(buyers), abs=1)
    languages = {b.buyer_id: buyer_language(b) for b in buyers}
    assert {languages[b] for b in held} == {"en", "id"}
    assert split_buyers(buyers, holdout=0.3, seed=0) == (train, held)
    assert split_buyers(buyers, holdout=0.3, seed=1) != (train, held)
    assert split_buyers(buyers, holdout=0, seed=0)[1] == []
    with pytest.raises(ConfigError, match="holdout"):
        split_buyers(buyers, holdout=1.0)


def test_pairs_come_only_from_training_buyers_with_prompts(
    buyers: list[Buyer], qrels: Qrels, catalogue: Catalogue
) -> None:
    train, held = split_buyers(buyers, holdout=0.3, seed=0)
    pairs = qrels_pairs(buyers, qrels, catalogue, buyer_ids=train)
    assert pairs and not {p.buyer_id for p in pairs} & set(held)
    requirement = {b.buyer_id: b.requirement for b in buyers}
    for pair in pairs:
        assert pair.grade >= 2 and qrels[pair.buyer_id][pair.ikm_id] == pair.grade
        assert pair.query == QUERY_PROMPT + requirement[pair.buyer_id]
        product = catalogue.products[pair.product_id]
        assert product.ikm_id == pair.ikm_id
        assert pair.passage == PASSAGE_PROMPT + product.text
    # grade >= 2 means the IKM makes the asked product type: the chosen product is mostly of that type
    from matching.retrieval.query import parse_needs

    typed = [p for p in pairs if parse_needs(requirement[p.buyer_id]).products]
    on_type = [
        p
        for p in typed
        if catalogue.products[p.product_id].products & set(parse_needs(requirement[p.buyer_id]).products)
    ]
    assert len(on_type) >= 0.9 * len(typed)


def test_pairs_and_samples_are_deterministic(buyers: list[Buyer], qrels: Qrels, catalogue: Catalogue) -> None:
    train, _ = split_buyers(buyers, seed=0)
    pairs = qrels_pairs(buyers, qrels, catalogue, buyer_ids=train)
    assert qrels_pairs(buyers, qrels, catalogue, buyer_ids=train) == pairs
    sample = sample_pairs(pairs, max_pairs=64, seed=0)
    assert sample == sample_pairs(pairs, max_pairs=64, seed=0)
    assert sample != sample_pairs(pairs, max_pairs=64, seed=1)
    assert len(sample) == 64 and len({p.buyer_id for p in sample}) == 64  # one per buyer first
    assert len(sample_pairs(pairs, seed=0)) == len({(p.buyer_id, p.product_id) for p in pairs})
    assert sample_pairs(pairs + pairs[:5], seed=0) == sample_pairs(pairs, seed=0)  # duplicates kept once


def test_outcome_pairs_take_positive_outcomes_only(buyers: list[Buyer], catalogue: Catalogue) -> None:
    ikm = sorted(catalogue.ikms)[:4]
    outcomes = [
        ("B001", ikm[0], 3),
        ("B001", ikm[1], True),
        ("B001", ikm[2], 1),
        ("B002", ikm[3], 2),
        ("B003", ikm[0], 3),
        ("B999", ikm[0], 3),  # unknown buyer
        ("B001", "I-missing", 3),  # unknown IKM
    ]
    pairs = outcome_pairs(buyers, outcomes, catalogue, buyer_ids=["B001", "B002"])
    assert {(p.buyer_id, p.ikm_id) for p in pairs} == {("B001", ikm[0]), ("B001", ikm[1]), ("B002", ikm[3])}
    assert {p.source for p in pairs} == {"outcomes"}


@pytest.fixture(scope="module")
def offline() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        yield


def test_tiny_fine_tune_of_e5_small_saves_a_loadable_encoder(
    tmp_path_factory: pytest.TempPathFactory,
    offline: None,
    buyers: list[Buyer],
    qrels: Qrels,
    catalogue: Catalogue,
) -> None:
    from matching.retrieval.encoders import load_encoder

    home = tmp_path_factory.mktemp("ft-home")
    base, base_id = base_encoder_folder("e5-small", home=home)
    train, _ = split_buyers(buyers, seed=0)
    pairs = sample_pairs(qrels_pairs(buyers, qrels, catalogue, buyer_ids=train), max_pairs=8, seed=0)
    out = tmp_path_factory.mktemp("models") / "encoder-tiny"
    steps: list[int] = []
    started = time.perf_counter()
    params = FinetuneParams(batch_size=4, max_steps=2, learning_rate=1e-4, threads=1)
    result = fine_tune(base, pairs, out, params, progress=steps.append)
    assert time.perf_counter() - started < 120
    assert result.steps == 2 and len(steps) == 2 and len(result.losses) == 2
    save_model_record(
        out, {"name": "encoder-tiny", "base_model": base_id}, {"training": result.steps}, "# card"
    )
    assert json.loads((out / "config.json").read_text())["matching"]["base_model"] == base_id
    assert (out / "README.md").read_text() == "# card"

    texts = ["keranjang rotan untuk hotel", "woven pandan bags"]
    tuned = load_encoder(str(out), home=home, progress=False)
    original = load_encoder("e5-small", home=home, progress=False)
    assert tuned.dim == 384 and getattr(tuned, "query_prompt", None) == QUERY_PROMPT
    for encode in ("encode_queries", "encode_passages"):
        after, before = getattr(tuned, encode)(texts), getattr(original, encode)(texts)
        assert after.shape == (2, 384) and after.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)
        assert not np.allclose(after, before, atol=1e-4)
        assert (after * before).sum(axis=1).min() > 0.9  # two small steps: still close to the base

    # saving again replaces the model; a folder that is not a model is never replaced
    fine_tune(base, pairs, out, FinetuneParams(batch_size=4, max_steps=1, threads=1))
    assert (out / "model.safetensors").exists() and not (out / "metrics.json").exists()
    stranger = tmp_path_factory.mktemp("not-a-model")
    (stranger / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not a model folder"):
        fine_tune(base, pairs, stranger, FinetuneParams(batch_size=4, max_steps=1, threads=1))
    assert (stranger / "notes.txt").read_text() == "keep me"


@pytest.mark.slow  # two full embeddings of the demo catalogue (~1-2.5 min on 2 cores)
def test_finetune_command_saves_record_metrics_and_card(tmp_path: Path, offline: None) -> None:
    from tests.helpers import run_cli

    out = tmp_path / "encoder-minilm-ft"
    result = run_cli(
        "finetune",
        "--buyers", str(demo_data_dir() / "buyers.csv"),
        "--qrels", str(QRELS),
        "--base", "minilm",
        "--max-pairs", "8",
        "--batch-size", "4",
        "--max-steps", "1",
        "--threads", "1",
        "--out", str(out),
        home=tmp_path / "home",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "held-out buyers" in result.stdout and "MATCHING_ENCODER=" in result.stdout
    record = json.loads((out / "config.json").read_text())["matching"]
    assert record["base_model"]["spec"] == "minilm" and record["data"]["pairs"] == 8
    assert record["params"]["max_steps"] == 1 and record["code_version"]
    metrics = json.loads((out / "metrics.json").read_text())
    held = record["data"]["held_out_buyers"]
    assert metrics["held_out_buyers"] == len(held) == 40
    for encoder in ("base", "finetuned"):
        systems = metrics[encoder]["metrics"]
        assert set(systems) == {"bm25", "dense", "engine", "engine-weights"}
        assert systems["dense"]["all"]["queries"] == 40
    assert metrics["base"]["metrics"]["bm25"] == metrics["finetuned"]["metrics"]["bm25"]
    card = (out / "README.md").read_text()
    assert "| dense | all |" in card and "--max-steps 1" in card and "Known limits" in card
    # the rebuild command writes where this one did, and the folder is named by a path that works anywhere
    assert f"--out {out.resolve()}" in card and f"export MATCHING_ENCODER={out.resolve()} " in card


def test_an_encoder_folder_without_weights_names_the_command_that_rebuilds_them(tmp_path: Path) -> None:
    from matching.retrieval.encoders import load_encoder

    folder = tmp_path / "encoder-e5-ft-v9"
    folder.mkdir()
    for name in ("config.json", "metrics.json"):  # what git holds of a fine-tuned encoder
        (folder / name).write_text("{}")
    (folder / "README.md").write_text("matching finetune --name encoder-e5-ft-v9\n")
    with pytest.raises(ConfigError, match=r"no weights.*rebuild them with the command in .*README\.md"):
        load_encoder(str(folder), home=tmp_path / "home", progress=False)


def test_the_card_warns_about_a_learned_ranker_only_when_one_is_in_use() -> None:
    from matching.learning.model_cards import ranker_note

    assert ranker_note("weights") == ""  # the hand-set weights do not depend on the encoder's training
    note = ranker_note("ranker-v1")
    assert "`ranker-v1`" in note and "Retrain the ranker" in note and note.endswith("\n")
