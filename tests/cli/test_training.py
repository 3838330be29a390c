"""`matching train` with meeting outcomes, and `matching models` on what it made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching import Engine, Settings, demo_data_dir
from tests.helpers import run_cli

DEMO = demo_data_dir()
QRELS = DEMO.parent / "dev" / "qrels.txt"


def test_train_with_outcomes_makes_a_version_that_models_can_list_use_and_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    models = home / "models"  # trained versions are written into the data home
    monkeypatch.delenv("MATCHING_MODELS_DIR", raising=False)
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.events.create((DEMO / "event.yaml").read_text(encoding="utf-8"), event_id="demo")
    engine.events.plan("demo", time_limit=1)
    meetings = engine.events.meetings("demo")[:6]
    for meeting, rating in zip(meetings, ["deal_agreed", "insufficient_interest"] * 3, strict=True):
        engine.events.record_outcome("demo", meeting["buyer_id"], meeting["ikm_id"], day_outcome=rating)
    engine.close()

    trained = run_cli(
        "train", "--buyers", str(DEMO / "buyers.csv"), "--qrels", str(QRELS), "--name", "ranker-v7",
        "--folds", "2", "--outcomes", home=home, fast=True,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    config = json.loads((models / "ranker-v7" / "config.json").read_text())
    assert config["meeting_outcomes"] == {"outcomes": 6, "labelled": 6, "events": 1}
    assert "6 labelled meeting outcomes from 1 event(s)" in (models / "ranker-v7" / "README.md").read_text()

    listed = run_cli("models", "list", home=home, fast=True)
    assert "ranker-v7" in listed.stdout and "weights" in listed.stdout
    assert "ranker-v1" in listed.stdout  # the bundled versions are listed beside the trained ones
    compared = run_cli("models", "compare", "weights", "ranker-v7", home=home, fast=True)
    assert compared.returncode == 0, compared.stderr
    assert "ndcg@10" in compared.stdout and "ranker-v7" in compared.stdout
    assert run_cli("models", "use", "ranker-v9", home=home).returncode == 2
    assert run_cli("models", "use", "ranker-v7", home=home).returncode == 0
    assert (home / "active-ranker").read_text().strip() == "ranker-v7"

    # outcomes alone (no curated qrels): only the pairs that met are training rows, not every candidate
    alone = run_cli("train", "--name", "ranker-v8", "--folds", "2", "--outcomes", home=home, fast=True)
    assert alone.returncode == 0, alone.stderr
    config = json.loads((models / "ranker-v8" / "config.json").read_text())
    assert config["rows"] == 6 and config["qrels_file"] is None  # every pair that met, none other
    assert config["training_data"] == "meeting outcomes"
    assert run_cli("train", "--name", "ranker-v9", home=home).returncode == 2  # nothing to learn from
    lone = run_cli("train", "--name", "ranker-v9", "--qrels", str(QRELS), home=home)
    assert lone.returncode == 2 and "--buyers and --qrels go together" in lone.stderr


def test_a_pair_that_met_is_a_training_row_even_when_search_would_not_propose_it(tmp_path: Path) -> None:
    from matching.learning.training import training_set

    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.index()
    buyer = engine.read_buyers(DEMO / "buyers.csv")[0]
    searcher, queries = engine.searcher(), engine.encode_buyers([buyer], cached=False)
    proposed = set(training_set(searcher, queries, {}, k=10).ikms)
    outsider = next(i for i in sorted(engine.searcher().catalogue.ikms) if i not in proposed)
    met = {buyer.buyer_id: {outsider: 3}}
    assert len(training_set(searcher, queries, met, partial={buyer.buyer_id}).y) == 0  # lost without extra
    data = training_set(searcher, queries, met, partial={buyer.buyer_id}, extra=met)
    assert data.ikms.tolist() == [outsider] and data.y.tolist() == [3.0]
    assert data.X[0].any()  # real features, not a blank row
    gone = training_set(
        searcher, queries, {buyer.buyer_id: {"NO-SUCH-IKM": 3}}, extra={buyer.buyer_id: ["NO-SUCH-IKM"]}
    )
    assert "NO-SUCH-IKM" not in gone.ikms  # an IKM no longer in the catalogue has no features: left out
    engine.close()
