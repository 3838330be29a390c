"""The notebooks' tables and sweeps (matching.lab.analysis, matching.lab.tuning) on the demo catalogue and dev
set, with the fast deterministic encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matching import Engine, Settings
from matching.common.regions import provinces
from matching.lab.analysis import (
    breakdown,
    case_table,
    catalogue_frame,
    failure_cases,
    load_dev_set,
    notebook_engine,
    per_buyer_metrics,
    province_centroids,
    province_counts,
)
from matching.lab.tuning import learned_sweep, run_metrics, searcher_sweep, weight_sweep
from matching.learning.baselines import evaluate_systems, system_runs
from matching.learning.training import training_set


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = Engine(Settings(home=tmp_path_factory.mktemp("home"), encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.index()
    return engine


@pytest.fixture(scope="module")
def dev():
    return load_dev_set()


@pytest.fixture(scope="module")
def runs(demo: Engine, dev):
    return system_runs(demo.searcher(), demo.encode_buyers(dev.buyers, cached=False))


def test_province_centroids_cover_the_38_provinces_inside_indonesia() -> None:
    frame = province_centroids()
    assert len(frame) == 38 and sorted(frame["province"]) == sorted(provinces().names())
    assert frame["lon"].between(94, 142).all() and frame["lat"].between(-11.5, 6.5).all()
    jakarta = frame.set_index("province").loc["DKI Jakarta"]
    assert abs(jakarta["lon"] - 106.8) < 0.5 and abs(jakarta["lat"] + 6.2) < 0.5


def test_notebook_engine_uses_matching_home_else_a_new_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHING_HOME", str(tmp_path / "shared"))
    assert notebook_engine(encoder="hashing").settings.home == tmp_path / "shared"
    monkeypatch.delenv("MATCHING_HOME")
    first, second = notebook_engine().settings.home, notebook_engine().settings.home
    assert first != second and first.is_dir() and "matching-notebook-" in first.name
    assert notebook_engine(home=tmp_path / "given").settings.home == tmp_path / "given"


def test_catalogue_frame_has_one_row_per_ikm_and_counts_match_the_store(demo: Engine) -> None:
    frame = catalogue_frame(demo)
    stats = demo.stats()
    assert len(frame) == stats["ikms"] == frame["ikm_id"].nunique()
    assert frame["products"].sum() == stats["products"]
    assert frame["ovop_stars"].dropna().between(0, 5).all()
    row = frame.set_index("ikm_id").loc["I0001"]  # tenun sarung and dompet in NTT (demo ikms.csv, row 2)
    assert row["province"] == "Nusa Tenggara Timur" and row["region"] == "Bali-Nusa Tenggara"
    assert row["main_material"] == "tenun" and "tenun sarung" in row["makes"]

    counts = province_counts(frame)
    assert len(counts) == 38 and counts["ikms"].sum() == stats["ikms"]
    assert counts["ikms"].is_monotonic_decreasing
    assert dict(zip(counts["province"], counts["ikms"], strict=True)) == {
        p: stats["ikms_by_province"].get(p, 0) for p in provinces().names()
    }


def test_per_buyer_metrics_average_to_the_system_metrics(runs, dev) -> None:
    per_buyer = per_buyer_metrics(runs, dev.qrels)
    results = evaluate_systems(runs, dev.qrels)
    assert set(per_buyer["system"]) == {"bm25", "dense", "engine"}
    for system, by_split in results.items():
        mine = per_buyer[per_buyer["system"] == system]
        assert len(mine) == by_split["all"].queries
        assert mine["ndcg@10"].mean() == pytest.approx(by_split["all"].ndcg)
        assert mine["recall@10"].mean() == pytest.approx(by_split["all"].recall)
        english = mine[mine["language"] == "en"]
        assert english["mrr@10"].mean() == pytest.approx(by_split["en"].mrr)


def test_breakdown_counts_a_buyer_under_each_of_its_materials() -> None:
    per_buyer = pd.DataFrame(
        {
            "system": ["a", "a", "b", "b"],
            "buyer_id": ["B1", "B2", "B1", "B2"],
            "language": ["en", "id", "en", "id"],
            "ndcg@10": [1.0, 0.5, 0.2, 0.4],
        }
    )
    latent = pd.DataFrame({"materials": [["rotan", "bambu"], ["rotan"]]}, index=["B1", "B2"])
    table = breakdown(per_buyer, latent, "materials")
    assert table.loc["rotan", "buyers"] == 2 and table.loc["bambu", "buyers"] == 1
    assert table.loc["rotan", "a"] == pytest.approx(0.75) and table.loc["bambu", "b"] == pytest.approx(0.2)
    by_language = breakdown(per_buyer, latent, "language")
    assert by_language.loc["id", "a"] == pytest.approx(0.5)


def test_failure_cases_are_the_lowest_ndcg_buyers_with_their_need(runs, dev) -> None:
    per_buyer = per_buyer_metrics(runs, dev.qrels)
    cases = failure_cases(per_buyer, dev, system="bm25", n=4)
    assert len(cases) == 4 and cases["ndcg@10"].is_monotonic_increasing
    worst = per_buyer[per_buyer["system"] == "bm25"]["ndcg@10"].min()
    assert cases["ndcg@10"].iloc[0] == worst
    first = cases.iloc[0]
    assert first["requirement"] == next(b.requirement for b in dev.buyers if b.buyer_id == first["buyer_id"])
    assert first["category"] == dev.latent.loc[first["buyer_id"], "category"]


def test_case_table_shows_the_top_then_the_best_graded_ikms_missed(demo: Engine) -> None:
    catalogue = catalogue_frame(demo)
    grades = {"I0001": 1, "I0002": 3, "I0003": 3, "I0004": 2}
    table = case_table(catalogue, [("I0001", 2.0), ("I0002", 1.5), ("I0010", 1.0)], grades, k=2)
    assert table["ikm_id"].tolist() == ["I0001", "I0002", "I0003"]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    assert table["grade"].tolist() == [1, 3, 3]
    assert table["name"].notna().all()
    with_twos = case_table(catalogue, [("I0001", 2.0)], grades, k=1, missed_grade=2)
    assert with_twos["ikm_id"].tolist() == ["I0001", "I0004"]


def test_weight_sweep_scales_one_weight_at_a_time(demo: Engine, runs, dev) -> None:
    queries = demo.encode_buyers(dev.buyers)
    sweep = weight_sweep(
        demo, queries, dev.qrels, factors=(0.0, 1.0, 3.0), features=["province_ok", "bm25_max"]
    )
    assert len(sweep) == 6 and set(sweep["feature"]) == {"province_ok", "bm25_max"}
    assert sweep.loc[sweep["factor"] == 0.0, "weight"].eq(0.0).all()
    unchanged = sweep[sweep["factor"] == 1.0]
    engine_ndcg = evaluate_systems(runs, dev.qrels)["engine"]["all"].ndcg
    assert unchanged["ndcg@10"].tolist() == pytest.approx([engine_ndcg, engine_ndcg])
    assert {"mrr@10", "recall@10", "ndcg@10_en", "ndcg@10_id"} <= set(sweep.columns)


def test_searcher_sweep_deeper_candidates_never_fewer(demo: Engine, dev) -> None:
    queries = demo.encode_buyers(dev.buyers[:20])
    sweep = searcher_sweep(demo, queries, dev.qrels, "fetch_factor", [5, 20])
    assert sweep["fetch_factor"].tolist() == [5, 20]
    assert sweep["candidates"].is_monotonic_increasing and (sweep["ms_per_buyer"] > 0).all()
    assert demo.searcher().fetch_factor == 5  # the engine's own searcher is left as it was
    with pytest.raises(ValueError, match="no knob"):
        searcher_sweep(demo, queries, dev.qrels, "no_such_knob", [1])


def test_run_metrics_split_by_language() -> None:
    qrels = {"B1": {"I1": 3}, "B2": {"I2": 3}}
    metrics = run_metrics({"B1": [("I1", 1.0)], "B2": [("I9", 1.0)]}, qrels, {"B1": "en", "B2": "id"})
    assert metrics["ndcg@10"] == pytest.approx(0.5)
    assert metrics["ndcg@10_en"] == 1.0 and metrics["ndcg@10_id"] == 0.0


def test_learned_sweep_cross_validates_each_value(demo: Engine, dev) -> None:
    data = training_set(demo.searcher(), demo.encode_buyers(dev.buyers[:30], cached=False), dev.qrels)
    sweep = learned_sweep(data, dev.qrels, "max_iter", [5, 20], base_params={"max_leaf_nodes": 7}, n_splits=3)
    assert sweep["max_iter"].tolist() == [5, 20]
    assert sweep["ndcg@10"].between(0, 1).all() and (sweep["fold_std"] >= 0).all()
    assert not np.isnan(sweep[["ndcg@10_en", "ndcg@10_id"]].to_numpy()).any()
