"""Choosing the model version a data home ranks with, and switching it under a running engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from matching import ConfigError, Engine, Settings
from matching.ranking.features import FEATURE_NAMES
from matching.ranking.model_registry import (
    BUNDLED_MODELS,
    default_model,
    model_info,
    model_versions,
    resolve_ranker,
    save_ranker,
)
from matching.ranking.rankers import ColumnsRanker, LearnedRanker, WeightedRanker

REPO_MODELS = Path(__file__).resolve().parents[2] / "models"
BUNDLED = [p.name for p in model_versions(Path("/nonexistent"))]  # the shipped versions, oldest first


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
    assert versions.use_model("newest") == BUNDLED[-1]  # follows new versions from now on
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
    versions.use_model("ranker-v1")  # back to the trained model
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


def test_the_bundled_versions_are_the_repositorys_models_folder() -> None:
    shipped = {p.relative_to(BUNDLED_MODELS) for p in BUNDLED_MODELS.rglob("*") if p.is_file()}
    assert {Path("README.md"), Path("ranker-v1/ranker.joblib"), Path("ranker-v1/README.md")} <= shipped
    assert (BUNDLED_MODELS / "ranker-v1" / "config.json").read_bytes() == (
        REPO_MODELS / "ranker-v1" / "config.json"
    ).read_bytes()


def test_a_new_data_home_finds_the_bundled_versions_and_writes_none(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = Engine(Settings(home=home, encoder="hashing", ranker="auto"))
    assert engine.settings.models_dir == home / "models"  # trained models live in the data home
    engine.import_demo()
    assert engine.use_model("ranker-v1") == "ranker-v1"  # none in the home: the bundled one
    engine.search("tas anyaman pandan untuk toko oleh-oleh", k=3)
    assert engine.ranker_version == "ranker-v1"
    assert engine.use_model("newest") == BUNDLED[-1]  # newest looks at the bundled versions too
    assert [row["bundled"] for row in model_info(engine.settings.models_dir)] == [False] + [True] * len(
        BUNDLED
    )
    assert not any(p.name.startswith("ranker") for p in (home / "models").glob("*"))  # nothing copied
    engine.close()


def _save(folder: Path, **config: str) -> WeightedRanker:
    ranker = WeightedRanker().fit(np.zeros((1, len(FEATURE_NAMES))))
    save_ranker(ranker, folder, config={"features": list(FEATURE_NAMES), **config}, metrics={}, card="# c\n")
    return ranker


def test_a_version_in_the_data_home_wins_over_the_bundled_one_of_that_name(tmp_path: Path) -> None:
    models = tmp_path / "models"
    _save(models / "ranker-v1", trained="2099-01-01")
    ranker, version = resolve_ranker("ranker-v1", models)
    assert version == "ranker-v1" and isinstance(ranker, WeightedRanker)  # the home's, not the bundled
    bundled = resolve_ranker("ranker-v1", tmp_path / "empty")[0]  # trained before today's last features
    assert isinstance(bundled, ColumnsRanker) and isinstance(bundled.ranker, LearnedRanker)
    assert [p.name for p in model_versions(models)] == BUNDLED  # ranker-v1 listed once: the home's
    assert model_versions(models)[0] == models / "ranker-v1"
    row = model_info(models)[1]
    assert (row["name"], row["trained"], row["bundled"]) == ("ranker-v1", "2099-01-01", False)
    assert isinstance(resolve_ranker("newest", models, bundled=None)[0], WeightedRanker)


def test_newest_is_the_newest_of_the_data_home_and_the_bundled_versions(tmp_path: Path) -> None:
    models = tmp_path / "models"
    _save(models / "ranker-v0")
    assert resolve_ranker("newest", models)[1] == BUNDLED[-1]  # the bundled ones are newer
    assert [p.name for p in model_versions(models)] == ["ranker-v0", *BUNDLED]
    _save(models / "ranker-v50")
    assert resolve_ranker("newest", models)[1] == "ranker-v50"
    assert resolve_ranker("newest", models, bundled=None)[1] == "ranker-v50"
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", models_dir=models))
    with pytest.raises(ConfigError, match=", ".join(["ranker-v0", *BUNDLED, "ranker-v50"])):
        engine.use_model("ranker-v99")
    engine.close()


def test_trained_models_go_to_the_data_home_unless_the_models_dir_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MATCHING_MODELS_DIR", raising=False)
    monkeypatch.setenv("MATCHING_HOME", str(tmp_path / "home"))
    assert Settings().models_dir == tmp_path / "home" / "models"
    assert Settings(home=tmp_path / "other").models_dir == tmp_path / "other" / "models"
    monkeypatch.setenv("MATCHING_MODELS_DIR", str(tmp_path / "mine"))
    assert Settings().models_dir == tmp_path / "mine"


def _save_loso(folder: Path, encoder: str, second: str | None) -> None:
    ranker = LearnedRanker(max_iter=5).fit(
        np.random.default_rng(0).random((40, len(FEATURE_NAMES))), np.arange(40) % 3
    )
    config = {
        "features": list(FEATURE_NAMES),
        "selection": "leave-one-set-out",
        "encoder": encoder,
        "second_encoder": second,
    }
    save_ranker(ranker, folder, config=config, metrics={}, card="# c\n")


def test_auto_is_the_bundled_leave_one_set_out_choice_for_the_engines_encoders(tmp_path: Path) -> None:
    bundled, models = tmp_path / "bundled", tmp_path / "models"
    _save(bundled / "ranker-v1")  # not chosen by leave-one-set-out: never the default
    _save_loso(bundled / "ranker-v2", "e5@1", "use@2")
    _save_loso(bundled / "ranker-v3", "e5@1", None)
    _save(bundled / "ranker-v4", selection="grouped-cv", encoder="e5@1")

    def auto(encoders: tuple[str, str | None] | None) -> str:
        return resolve_ranker("auto", models, bundled=bundled, encoders=encoders)[1]

    assert auto(("e5@1", "use@2")) == "ranker-v2"
    assert auto(("e5@1", None)) == "ranker-v3"  # without the second encoder: the one trained without it
    assert auto(("e5@9", "use@2")) == "weights"  # another encoder: its features are on another scale
    assert auto(None) == "weights"
    assert isinstance(
        resolve_ranker("auto", models, bundled=bundled, encoders=("e5@1", "use@2"))[0], LearnedRanker
    )
    assert default_model(bundled, ("e5@1", None)) == bundled / "ranker-v3"
    assert resolve_ranker("weights", models, bundled=bundled, encoders=("e5@1", "use@2"))[1] == "weights"
    # a version trained in the data home is never the default, even one chosen by leave-one-set-out
    _save_loso(models / "ranker-v5", "e5@1", None)
    assert auto(("e5@1", None)) == "ranker-v3"


def test_auto_falls_back_to_the_weights_loudly_when_the_default_does_not_load(tmp_path: Path) -> None:
    bundled = tmp_path / "bundled"
    _save_loso(bundled / "ranker-v2", "e5@1", None)
    (bundled / "ranker-v2" / "ranker.joblib").write_bytes(b"not a model")
    with pytest.warns(UserWarning, match="cannot load .*ranker-v2.*using hand-set weights"):
        ranker, version = resolve_ranker(
            "auto", tmp_path / "models", bundled=bundled, encoders=("e5@1", None)
        )
    assert version == "weights" and isinstance(ranker, WeightedRanker)


def test_the_shipped_default_matches_the_shipped_selection() -> None:
    """The bundled leave-one-set-out version is the default for the encoders it records, only for those."""
    chosen = [
        p
        for p in (BUNDLED_MODELS / name for name in BUNDLED)
        if json.loads((p / "config.json").read_text()).get("selection") == "leave-one-set-out"
    ]
    assert chosen, "no bundled version was chosen by leave-one-set-out"
    config = json.loads((chosen[-1] / "config.json").read_text())
    encoders = (config["encoder"], config["second_encoder"])
    assert default_model(BUNDLED_MODELS, encoders) == chosen[-1]
    version = resolve_ranker("auto", Path("/nonexistent"), encoders=encoders)[1]
    assert version == chosen[-1].name
    assert (
        resolve_ranker("auto", Path("/nonexistent"), encoders=(config["encoder"], "other@1"))[1] == "weights"
    )
