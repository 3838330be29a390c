"""The ranking pipeline end to end on the bundled demo data, with the fast hashing encoder."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matching import Engine, Settings, demo_data_dir
from matching.learning.metrics import read_qrels
from matching.ranking.searcher import ConstraintMode, Searcher
from matching.retrieval.dense_index import VectorIndex
from matching.retrieval.documents import Catalogue
from matching.retrieval.encoders import HashingEncoder
from matching.retrieval.query import BuyerNeeds
from tests.helpers import IKM_HEADER, IKM_ROWS, PRODUCT_HEADER, PRODUCT_ROWS, write_csv


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
    from matching.learning.baselines import evaluate_systems, system_runs

    buyers = demo_engine.read_buyers(demo_data_dir() / "buyers.csv")
    qrels = read_qrels(demo_data_dir().parent / "dev" / "qrels.txt")
    results = evaluate_systems(
        system_runs(demo_engine.searcher(), demo_engine.encode_buyers(buyers, cached=False)), qrels
    )
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


def _second(catalogue: Catalogue) -> tuple[HashingEncoder, VectorIndex]:
    """A second encoder and its index over ``catalogue`` (another hashing encoder: other vectors)."""
    encoder = HashingEncoder(dim=64)
    ids, texts = catalogue.texts()
    index = VectorIndex(encoder.dim, kind="flat")
    index.upsert(list(ids), encoder.encode_passages(list(texts)))
    return encoder, index


def _searcher(engine: Engine, mode: ConstraintMode, fetch_factor: int, *, second: bool = False) -> Searcher:
    base = engine.searcher()
    return Searcher(
        base.catalogue,
        encoder=base.encoder,
        dense=base.dense,
        lexical=base.lexical,
        ranker=base.ranker,
        lex=base.lex,
        constraint_mode=mode,
        fetch_factor=fetch_factor,
        second=_second(base.catalogue) if second else None,
    )


@pytest.mark.parametrize("second", [False, True])
@pytest.mark.parametrize("mode", ["penalty", "filter", "ignore"])
@pytest.mark.parametrize("fetch_factor", [5, 1000])
def test_score_equals_the_ranking_path(
    demo_engine: Engine, mode: ConstraintMode, fetch_factor: int, second: bool
) -> None:
    # the ranking path builds features IKM by IKM for what retrieval finds; score, given the same IKMs,
    # must return the same matches (with fetch_factor 1000 retrieval finds every IKM); with or without a
    # second encoder
    searcher = _searcher(demo_engine, mode, fetch_factor, second=second)
    buyers = demo_engine.store.buyers()
    needs = [demo_engine.buyer_needs(b) for b in buyers[:: 1 if fetch_factor == 5 else 4]]
    needs += [BuyerNeeds(), demo_engine.needs("tikar pandan 5000 pcs/month, SNI, Jawa Barat, max Rp 20.000")]
    vectors = searcher.encoder.encode_queries([n.text for n in needs])
    for n, vector in zip(needs, vectors, strict=True):
        ikm_ids = searcher.candidates(n, vector, 10).ikm_ids
        expected = searcher.rank(n, 10, query_vector=vector)
        assert searcher.score(n, ikm_ids, k=10, query_vector=vector) == expected
        if second and n.text and mode == "penalty":  # the second encoder's cosines count as text evidence
            assert any(m.features["second_norm"] > 0 for m in expected)


def test_the_second_encoder_adds_its_own_hits_to_the_candidates(demo_engine: Engine) -> None:
    plain, both = _searcher(demo_engine, "penalty", 5), _searcher(demo_engine, "penalty", 5, second=True)
    needs = demo_engine.needs("keranjang rotan untuk hotel")
    vector = plain.encoder.encode_queries([needs.text])[0]
    assert both.second is not None
    second_vector = both.second[0].encode_queries([needs.text])[0]
    hits = both.second[1].search(second_vector.reshape(1, -1), 50)[0]
    owners = {both.catalogue.products[pid].ikm_id for pid, _ in hits}
    found = both.candidates(needs, vector, 10)
    assert owners <= set(found.ikm_ids)
    assert found.second is not None and set(found.second) >= set(found.dense)
    assert plain.candidates(needs, vector, 10).second is None


def test_score_top_k_is_the_head_of_the_full_list(demo_engine: Engine) -> None:
    searcher = demo_engine.searcher()
    ikm_ids = sorted(searcher.catalogue.ikms)
    needs = demo_engine.needs("keranjang rotan 1000 pcs per bulan, SVLK")
    everything = searcher.score(needs, ikm_ids)
    assert sorted(m.ikm_id for m in everything) == ikm_ids
    assert searcher.score(needs, ikm_ids, k=10) == everything[:10]
    assert searcher.score(needs, ikm_ids[::-1], k=0) == []
    assert searcher.score(needs, ["NO-SUCH-IKM"], k=10) == []


def test_score_keeps_ikms_without_products_and_breaks_ties_by_id(
    engine: Engine, canonical_files: list[Path]
) -> None:
    empty = ["I0009", "UD Tanpa Produk", "Jawa Barat", "Bandung", "", "", "", "", "", "", "", "", "", "", ""]
    twin = ["I0004", *IKM_ROWS[2][1:]]  # I0003 again, with the same product
    write_csv(canonical_files[0], [IKM_HEADER, *IKM_ROWS, twin, empty])
    write_csv(canonical_files[1], [PRODUCT_HEADER, *PRODUCT_ROWS, ["P004", "I0004", *PRODUCT_ROWS[2][2:]]])
    engine.import_files(canonical_files)
    engine.index()
    searcher = engine.searcher()
    needs = engine.needs("rattan baskets 500 pcs/month, max Rp 200.000, within 60 days")
    matches = searcher.score(needs, ["I0009", "I0004", "I0003", "I0002", "I0001"])
    assert [m.ikm_id for m in matches[:2]] == ["I0003", "I0004"]  # equal in all but the id
    assert matches[0].score == matches[1].score
    assert sorted(m.ikm_id for m in matches) == ["I0001", "I0002", "I0003", "I0004", "I0009"]
    (bare,) = [m for m in matches if m.ikm_id == "I0009"]
    assert bare.features["dense_max"] == 0.0 and bare.features["price_ok"] == 0.5
    assert bare.evidence.best_products == []


def _fails(result: object) -> set[str]:
    return {c["name"] for c in result.constraints if c["status"] == "unmet"}  # type: ignore[attr-defined]


def test_hard_filters_drop_every_ikm_that_fails_a_stated_requirement(demo_engine: Engine) -> None:
    asked = {"quantity": 1000, "certifications": ["SVLK"], "max_unit_price_idr": 150_000, "deadline_days": 30}
    soft = demo_engine.search("keranjang rotan", k=50, **asked)
    hard = demo_engine.search("keranjang rotan", k=50, hard_filters=True, **asked)
    assert any(_fails(r) for r in soft)  # soft: failing IKMs stay, ranked lower
    assert hard and not any(_fails(r) for r in hard)  # hard: none fails any requirement
    passing_soft = [r.ikm_id for r in soft if not _fails(r)]
    kept = [r.ikm_id for r in hard]
    assert set(passing_soft) <= set(kept)  # every IKM that passes stays (more come from further down)
    assert [i for i in kept if i in passing_soft] == passing_soft  # in the same order


def test_meets_requirements_only_when_every_stated_requirement_is_known_to_hold(demo_engine: Engine) -> None:
    asked = {"quantity": 500, "max_unit_price_idr": 200_000, "deadline_days": 20}
    results = demo_engine.search("keranjang rotan", k=50, **asked)
    for r in results:
        statuses = {c["name"]: c["status"] for c in r.constraints}
        assert {"capacity", "price", "lead_time"} <= set(statuses)  # each stated requirement is checked
        assert r.meets_requirements == all(s == "met" for s in statuses.values())
    assert any(r.meets_requirements for r in results) and not all(r.meets_requirements for r in results)
    assert not any(r.meets_requirements for r in demo_engine.search("keranjang rotan", k=5))  # nothing asked


def test_weak_match_when_the_query_names_nothing_known_and_shares_no_word(demo_engine: Engine) -> None:
    from matching.ranking.explanations import weak_match

    assert weak_match(demo_engine.search("asdfgh qwerty zxcvb", k=20))
    assert not weak_match(demo_engine.search("keranjang rotan", k=20))  # the lexicon knows both words
    assert not weak_match([])  # nothing found is said otherwise
