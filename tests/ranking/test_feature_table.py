"""FeatureTable computes build_features' matrix, for any needs and any set of IKMs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import Engine, Settings
from matching.ranking.feature_table import FeatureTable
from matching.ranking.features import FEATURE_NAMES, build_features
from matching.retrieval.documents import Catalogue
from matching.retrieval.lexicon import lexicon
from matching.retrieval.query import BuyerNeeds


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalogue, list[BuyerNeeds]]:
    """The demo catalogue with the gaps real data has and the demo data lacks, and the demo buyers' needs."""
    engine = Engine(Settings(home=Path(tmp_path_factory.mktemp("home")), encoder="hashing"))
    engine.import_demo()
    needs = [engine.buyer_needs(b) for b in engine.store.buyers()]
    ikms = engine.store.ikms()
    products = engine.store.products()
    engine.close()
    unknown = {
        "capacity_per_month": None,
        "min_order_qty": None,
        "lead_time_days": None,
        "ovop_stars": None,
        "export_markets": [],
    }
    ikms = [i.model_copy(update=unknown) if n % 5 == 0 else i for n, i in enumerate(ikms)]
    # IKMs without products, sorting first, last and in between
    ikms += [ikms[n].model_copy(update={"ikm_id": new}) for n, new in enumerate(["A-EMPTY", "I0100-x", "Z"])]
    products = [p.model_copy(update={"price_idr": None}) if n % 4 == 0 else p for n, p in enumerate(products)]
    return Catalogue.build(ikms, products, lex=lexicon()), needs


@pytest.fixture(scope="module")
def table(demo: tuple[Catalogue, list[BuyerNeeds]]) -> FeatureTable:
    return FeatureTable(demo[0], lexicon())


def _signals(catalogue: Catalogue, seed: int, *, hits: int = 40) -> tuple[dict[str, float], dict[str, float]]:
    """Cosines and BM25 hits on a coarse grid, so that ties (and the tie-breaking rules) are common."""
    rng = np.random.default_rng(seed)
    ids = sorted(catalogue.products)
    dense = dict(zip(ids, (np.round(rng.uniform(-0.25, 1.0, len(ids)) * 8) / 8).tolist(), strict=True))
    picked = rng.choice(len(ids), size=min(hits, len(ids)), replace=False)
    bm25 = {ids[i]: float(rng.integers(1, 6)) for i in picked}
    if seed % 3 == 0:
        bm25["NOT-IN-CATALOGUE"] = 7.5  # counts for the query's best BM25, belongs to no IKM
    return dense, bm25


def _assert_same(
    table: FeatureTable,
    catalogue: Catalogue,
    needs: BuyerNeeds,
    ikm_ids: list[str],
    dense: dict[str, float],
    bm25: dict[str, float],
) -> None:
    positions = table.positions(ikm_ids)
    ordered = [table.ikm_ids[p] for p in positions]
    assert ordered == sorted(set(ikm_ids) & set(catalogue.ikms))
    cosines = np.array([dense[table.product_ids[r]] for r in table.product_rows(positions)])
    text = {pid: score * 1.5 for pid, score in list(bm25.items())[::2]}  # the query's own words: other hits
    second = {pid: (value * 7919) % 1.0 for pid, value in dense.items()}  # a second encoder's cosines
    seconds = np.array([second[table.product_ids[r]] for r in table.product_rows(positions)])
    got = table.matrix(needs, positions, cosines, bm25, text, seconds)
    expected, _ = build_features(needs, ordered, catalogue, dense, bm25, lexicon(), text, second)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_matrix_equals_build_features_for_every_demo_buyer(
    demo: tuple[Catalogue, list[BuyerNeeds]], table: FeatureTable
) -> None:
    catalogue, buyers = demo
    ikm_ids = sorted(catalogue.ikms)
    assert any(not catalogue.ikms[i].product_ids for i in ikm_ids)
    for seed, needs in enumerate(buyers):
        dense, bm25 = _signals(catalogue, seed)
        _assert_same(table, catalogue, needs, ikm_ids, dense, bm25)


def test_matrix_of_needs_that_ask_for_nothing(
    demo: tuple[Catalogue, list[BuyerNeeds]], table: FeatureTable
) -> None:
    catalogue, _ = demo
    dense, _ = _signals(catalogue, 1)
    _assert_same(table, catalogue, BuyerNeeds(), sorted(catalogue.ikms), dense, {})


def test_unknown_and_repeated_ids_are_dropped(table: FeatureTable) -> None:
    first, second = table.ikm_ids[:2]
    positions = table.positions([second, "NO-SUCH-IKM", first, second])
    assert [table.ikm_ids[p] for p in positions] == [first, second]
    assert table.positions(["NO-SUCH-IKM"]).size == 0
    assert table.matrix(BuyerNeeds(), table.positions([]), np.zeros(0), {}).shape == (0, len(FEATURE_NAMES))


@st.composite
def _needs(draw: st.DrawFn, catalogue: Catalogue) -> BuyerNeeds:
    materials = [*sorted({c for p in catalogue.products.values() for c in p.materials}), "no-such-material"]
    kinds = [*sorted({c for p in catalogue.products.values() for c in p.products}), "no-such-product"]
    certs = [*sorted({c for i in catalogue.ikms.values() for c in i.certifications}), "NO-SUCH-CERT"]
    provinces = [*sorted({i.ikm.province for i in catalogue.ikms.values()}), "Atlantis"]
    maybe = st.none() | st.integers(0, 3000)
    return BuyerNeeds(
        materials=draw(st.lists(st.sampled_from(materials), max_size=3)),
        products=draw(st.lists(st.sampled_from(kinds), max_size=3)),
        quantity=draw(maybe),
        quantity_period=draw(st.sampled_from([None, "month", "order", "year"])),
        certifications=draw(st.lists(st.sampled_from(certs), max_size=2)),
        provinces=draw(st.lists(st.sampled_from(provinces), max_size=3)),
        max_unit_price_idr=draw(st.none() | st.integers(0, 1_500_000)),
        deadline_days=draw(st.none() | st.integers(0, 150)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_matrix_equals_build_features_for_any_needs_and_ikms(
    demo: tuple[Catalogue, list[BuyerNeeds]], table: FeatureTable, data: st.DataObject
) -> None:
    catalogue, _ = demo
    needs = data.draw(_needs(catalogue))
    everyone = sorted(catalogue.ikms)
    ikm_ids = data.draw(st.lists(st.sampled_from([*everyone, "NO-SUCH-IKM"]), min_size=1, max_size=60))
    dense, bm25 = _signals(catalogue, data.draw(st.integers(0, 10_000)), hits=data.draw(st.integers(0, 60)))
    _assert_same(table, catalogue, needs, ikm_ids, dense, bm25)
