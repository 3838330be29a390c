"""The ranking pipeline end to end on the bundled demo data, with the fast hashing encoder."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matching import Engine, Settings, demo_data_dir
from matching.evaluate import read_qrels


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    home = tmp_path_factory.mktemp("demo-home")
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.index()
    return engine


def test_search_returns_ranked_explained_ikms(demo_engine: Engine) -> None:
    results = demo_engine.search("rattan laundry baskets, 800 pcs/month, SVLK", k=10)
    assert len(results) == 10
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    top = results[0]
    assert {m["concept"] for m in top.materials} == {"rotan"}
    assert {t["concept"] for t in top.product_types} == {"keranjang"}
    names = {c["name"]: c for c in top.constraints}
    assert names["capacity"]["wanted"] == 800
    assert names["certifications"]["wanted"] == ["SVLK"]
    assert "kapasitas" in names["capacity"]["id"] and "capacity" in names["capacity"]["en"]
    assert top.score_breakdown


def test_english_and_indonesian_queries_find_the_same_kind_of_ikm(demo_engine: Engine) -> None:
    english = demo_engine.search("pandan woven tote bags", k=5)
    indonesian = demo_engine.search("tas anyaman pandan", k=5)
    for results in (english, indonesian):
        assert all("pandan" in {m["concept"] for m in r.materials} for r in results[:3])
        assert all("tas" in {t["concept"] for t in r.product_types} for r in results[:3])


def test_infeasible_ikms_sink_below_feasible_ones(demo_engine: Engine) -> None:
    results = demo_engine.search("keranjang rotan", k=50, quantity=1000, certifications=["SVLK"])
    exact = [
        r
        for r in results
        if {m["concept"] for m in r.materials} == {"rotan"}
        and "keranjang" in {t["concept"] for t in r.product_types}
    ]
    feasible = [r.feasible for r in exact]
    assert True in feasible and False in feasible
    assert feasible == sorted(feasible, reverse=True)  # every feasible exact match before any infeasible one


def test_filter_mode_drops_infeasible(tmp_path: Path, demo_engine: Engine) -> None:
    strict = Engine(
        Settings(home=demo_engine.settings.home, encoder="hashing", ranker="weights", constraints="filter")
    )
    results = strict.search("keranjang rotan", k=50, quantity=1000, certifications=["SVLK"])
    assert results and all(r.feasible for r in results)


def test_structured_values_win_over_text(demo_engine: Engine) -> None:
    needs = demo_engine.needs("rattan baskets 800 pcs per month", quantity=3000)
    assert needs.quantity == 3000


def test_engine_beats_bm25_on_dev_set(demo_engine: Engine) -> None:
    from matching.experiments import evaluate_systems, system_runs

    buyers = demo_engine.read_buyers(demo_data_dir() / "buyers.csv")
    qrels = read_qrels(demo_data_dir().parent / "dev" / "qrels.txt")
    results = evaluate_systems(system_runs(demo_engine, buyers), qrels)
    assert results["engine"]["all"].ndcg > 1.5 * results["bm25"]["all"].ndcg
    assert results["engine"]["all"].queries == len(buyers)


def test_rank_for_buyers_not_in_store(demo_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "buyers.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["buyer_id", "company", "requirement"])
        writer.writerow(["X1", "Toko Oleh-oleh", "Butuh tikar mendong 300 lembar per bulan"])
    buyers = demo_engine.read_buyers(path)
    ranked = demo_engine.rank_buyers(buyers, k=5)
    assert list(ranked) == ["X1"] and len(ranked["X1"]) == 5


def test_score_ranks_exactly_the_given_ikms(demo_engine: Engine) -> None:
    searcher = demo_engine.searcher()
    wanted = sorted(searcher.catalogue.ikms)[:40]
    matches = searcher.score(demo_engine.needs("tas anyaman pandan"), [*wanted, "NO-SUCH-IKM"])
    assert sorted(m.ikm_id for m in matches) == wanted
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
