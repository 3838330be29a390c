"""The judged-set registry, condensed-list scoring, and evaluating a bundled set from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching import Settings
from matching.errors import ConfigError
from matching.lab.analysis import open_judged_set
from matching.learning.judged_sets import JUDGED_SETS, judged_set, judged_set_files
from matching.learning.metrics import condense, evaluate_run, ndcg_at_k
from tests.helpers import run_cli


@pytest.mark.parametrize("name", sorted(JUDGED_SETS))
def test_every_registered_set_has_its_files(name: str) -> None:
    files = judged_set(name)
    for path in (files.catalogue / "ikms.csv", files.catalogue / "products.csv", files.buyers, files.qrels):
        assert path.is_file(), path
    assert (files.catalogue, files.qrels) == judged_set_files(name)


def test_the_prdect_sets_share_a_catalogue_with_their_own_buyers() -> None:
    indonesian, english = judged_set("prdect-id"), judged_set("prdect-en")
    assert indonesian.catalogue == english.catalogue
    assert indonesian.buyers != english.buyers and indonesian.qrels != english.qrels
    assert not indonesian.condensed and not english.condensed  # every listing is graded
    assert judged_set("dev2").buyers == judged_set("dev2").catalogue / "buyers.csv"


def test_an_unknown_set_is_a_config_error_listing_the_sets() -> None:
    with pytest.raises(ConfigError, match="prdect-id"):
        judged_set("nope")


def test_open_judged_set_imports_the_catalogue_and_the_sets_buyers(tmp_path: Path) -> None:
    engine, buyers, qrels = open_judged_set("prdect-en", Settings(home=tmp_path, encoder="hashing"))
    try:
        assert len(engine.store.ikms()) == len(engine.store.products()) == 1322
        assert len(buyers) == 48 and {b.buyer_id for b in buyers} == set(qrels)
        assert {b.attributes["language"] for b in buyers} == {"en"}
    finally:
        engine.close()


def test_condense_drops_unjudged_items_only() -> None:
    judged = {"a": 2, "b": 0, "c": 1}
    assert condense(["x", "a", "y", "b", "c"], judged) == ["a", "b", "c"]


def test_condensed_scoring_ignores_unjudged_items_but_not_judged_zeros() -> None:
    qrels = {"q": {"good": 2, "bad": 0}}
    run = {"q": [("unjudged1", 3.0), ("unjudged2", 2.0), ("good", 1.0)]}
    plain = evaluate_run(run, qrels, k=10)
    condensed = evaluate_run(run, qrels, k=10, condensed=True)
    assert plain.ndcg == pytest.approx(ndcg_at_k(["u1", "u2", "good"], qrels["q"]))
    assert plain.ndcg < 1.0 and condensed.ndcg == pytest.approx(1.0)
    # a judged non-relevant item still costs a place
    with_zero = {"q": [("bad", 3.0), ("good", 1.0)]}
    assert evaluate_run(with_zero, qrels, k=10, condensed=True).ndcg < 1.0


def test_condensed_lists_are_cut_at_k_after_condensing() -> None:
    qrels = {"q": {"good": 1}}
    run = {"q": [(f"u{i}", 1.0) for i in range(10)] + [("good", 0.5)]}
    assert evaluate_run(run, qrels, k=10).ndcg == 0.0
    assert evaluate_run(run, qrels, k=10, condensed=True).ndcg == pytest.approx(1.0)


def test_cli_evaluates_a_bundled_set_in_its_own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))  # this checkout's code
    result = run_cli("evaluate", "--set", "prdect-en", "--json", home=home, fast=True)
    both = run_cli("evaluate", "--set", "prdect-en", "--qrels", __file__, home=home, fast=True)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert {(r["system"], r["split"]) for r in rows} >= {("bm25", "en"), ("dense", "en"), ("engine", "en")}
    assert all(r["queries"] == 48 for r in rows if r["split"] in {"all", "en"})
    assert (home / "judged-sets" / "prdect-en").is_dir()
    assert not (home / "matching.sqlite").exists()  # the home's own store is left alone
    assert both.returncode == 2 and "not both" in both.stderr
