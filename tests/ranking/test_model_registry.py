"""Choosing the model version a data home ranks with, and switching it under a running engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matching import ConfigError, Engine, Settings

REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture
def versions(tmp_path: Path) -> Engine:
    models = tmp_path / "models"
    shutil.copytree(REPO_MODELS / "ranker-v1", models / "ranker-v1")
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="auto", models_dir=models))
    engine.import_demo()
    yield engine
    engine.close()


def test_the_weights_rank_until_a_model_is_chosen(versions: Engine) -> None:
    versions.searcher()
    assert versions.ranker_version == "weights"  # a trained model is there, but nobody chose it
    assert versions.use_model("ranker-v1") == "ranker-v1"
    assert versions.ranker_spec() == "ranker-v1"
    assert versions.use_model("newest") == "ranker-v1"  # follows new versions from now on
    assert versions.ranker_spec() == "newest"
    assert versions.use_model(None) == "weights"
    assert versions.ranker_spec() == "auto"


def test_switching_models_needs_no_rebuild_and_switches_back(versions: Engine) -> None:
    query = "tas anyaman pandan untuk toko oleh-oleh"
    versions.use_model("ranker-v1")
    before = versions.search(query, k=5)
    searcher = versions.searcher()
    versions.use_model("weights")
    _, version, _ = versions.search_batch([(query, {})], k=5, wait=False)
    assert version == "weights"
    switched = versions.searcher(wait=False)
    assert switched is not searcher and switched.catalogue is searcher.catalogue  # same index, new ranker
    versions.use_model("newest")  # back to the trained model
    again, version, _ = versions.search_batch([(query, {})], k=5, wait=False)
    assert version == "ranker-v1"
    assert [e.ikm_id for e in again[0]] == [e.ikm_id for e in before]


def test_unknown_models_are_refused_with_the_known_ones(versions: Engine) -> None:
    with pytest.raises(ConfigError, match="ranker-v1"):
        versions.use_model("ranker-v9")
    assert versions.ranker_spec() == "auto"


def test_an_explicit_ranker_setting_wins_over_the_chosen_model(tmp_path: Path) -> None:
    engine = Engine(
        Settings(home=tmp_path / "home", encoder="hashing", ranker="weights", models_dir=REPO_MODELS)
    )
    engine.use_model("ranker-v1")
    assert engine.ranker_spec() == "weights"
    engine.close()


def test_a_running_service_switches_model_and_back_without_a_restart(versions: Engine) -> None:
    from fastapi.testclient import TestClient

    from service import create_app

    _, key = versions.keys.create("public", "kiosk")
    body = {"text": "rattan laundry baskets, 800 pcs/month, SVLK", "limit": 3}

    def version(client: TestClient) -> str:
        answer = client.post("/api/v1/search", json=body, headers={"X-API-Key": key})
        assert answer.status_code == 200
        return answer.json()["model_version"]

    with TestClient(create_app(engine=versions)) as client:
        assert version(client) == "weights"
        Engine(versions.settings).use_model("ranker-v1")  # e.g. `matching models use ranker-v1` elsewhere
        assert version(client) == "ranker-v1"
        Engine(versions.settings).use_model("weights")  # e.g. `matching models use weights` elsewhere
        assert version(client) == "weights"
        Engine(versions.settings).use_model("ranker-v1")
        assert version(client) == "ranker-v1"
