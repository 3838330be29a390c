"""Leave-one-set-out selection of the ranker (matching.learning.selection) on synthetic candidate rows."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

from matching.learning.selection import (
    WEIGHTS,
    JudgedRows,
    candidates,
    ceiling,
    fallback_gaps,
    leave_one_set_out,
    loso_splits,
    score_set,
    select,
)
from matching.learning.training import TrainingSet
from matching.ranking.features import FEATURE_NAMES

N = len(FEATURE_NAMES)


def _set(name: str, marker: float, *, buyers: int = 12, per: int = 15, seed: int = 0) -> JudgedRows:
    """Candidates whose grade follows ``capacity_ratio`` (ignored by the hand-set weights) where ``joint_max``
    is high; column 0 carries ``marker`` so a fit can tell which set a row came from."""
    rng = np.random.default_rng(seed)
    X = rng.random((buyers * per, N))
    X[:, 0] = marker
    joint = X[:, FEATURE_NAMES.index("joint_max")]
    ratio = X[:, FEATURE_NAMES.index("capacity_ratio")]
    y = np.where(joint > 0.5, np.where(ratio > 0.5, 3, 1), 0).astype(float)
    ids = np.repeat([f"{name}-B{b:02d}" for b in range(buyers)], per)
    ikms = np.array([f"I{i:04d}" for i in range(len(y))])
    qrels: dict[str, dict[str, int]] = {b: {} for b in set(ids)}
    for b, i, g in zip(ids, ikms, y, strict=True):
        if g:
            qrels[str(b)][str(i)] = int(g)
    languages = {b: ("en" if n % 2 else "id") for n, b in enumerate(sorted(qrels))}
    return JudgedRows(name, TrainingSet(X, y, ids, ikms, languages), qrels)


def _quick(seed: int) -> dict[str, Any]:
    """The candidate grid with fewer trees (the test sets are small; the grid is what is under test)."""
    return {
        name: est if name == WEIGHTS else est.set_params(max_iter=40)
        for name, est in candidates(seed).items()
    }


class _Spy(RegressorMixin, BaseEstimator):
    """Records the set markers (column 0) of the rows it was fitted on; scores by ``joint_max``."""

    fitted: ClassVar[list[set[float]]] = []

    def fit(self, X: np.ndarray, y: np.ndarray) -> _Spy:
        _Spy.fitted.append(set(np.unique(X[:, 0]).tolist()))
        self.fitted_ = True
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return X[:, FEATURE_NAMES.index("joint_max")]


def test_loso_never_trains_on_the_held_out_set() -> None:
    sets = [_set("a", 1.0), _set("b", 2.0, seed=1), _set("c", 3.0, seed=2)]
    assert loso_splits(["a", "b", "c"]) == [("a", ["b", "c"]), ("b", ["a", "c"]), ("c", ["a", "b"])]
    _Spy.fitted = []
    results = leave_one_set_out(sets, {"spy": _Spy()})
    markers = {"a": 1.0, "b": 2.0, "c": 3.0}
    assert _Spy.fitted == [{2.0, 3.0}, {1.0, 3.0}, {1.0, 2.0}]  # one fit per held-out set, never on it
    for held, metrics in results["spy"].items():
        assert held not in metrics["trained_on"]
        assert markers[held] not in {markers[s] for s in metrics["trained_on"]}
        assert metrics["train_rows"] == sum(len(s.data.y) for s in sets if s.name != held)
    with pytest.raises(ValueError, match="two judged sets"):
        loso_splits(["a"])


def test_learned_candidates_beat_the_weights_where_the_weights_miss_a_feature_and_are_chosen() -> None:
    sets = [_set("a", 0.5), _set("b", 0.5, seed=1)]
    results = leave_one_set_out(sets, _quick(0))
    chosen, summary = select(results)
    assert chosen != WEIGHTS and chosen.startswith("trees ")
    assert summary[chosen]["mean"] > summary[WEIGHTS]["mean"] + 0.05
    assert summary[chosen]["mean"] == max(row["mean"] for row in summary.values())
    for s in sets:  # no ranker beats the ideal order of the candidate lists
        top = ceiling(s)["all"]["ndcg@10"]
        assert top == pytest.approx(1.0)
        assert all(results[c][s.name]["all"]["ndcg@10"] <= top + 1e-9 for c in results)
        assert (
            results[chosen][s.name]["en"]["queries"] + results[chosen][s.name]["id"]["queries"]
            == (results[chosen][s.name]["all"]["queries"])
        )


def _results(table: dict[str, dict[str, float]]) -> dict[str, dict[str, dict[str, Any]]]:
    blank = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@10": 0.0, "queries": 0}
    return {
        c: {
            s: {"all": {**blank, "ndcg@10": v, "queries": 5}, "en": blank, "id": blank}
            for s, v in row.items()
        }
        for c, row in table.items()
    }


def test_select_takes_the_best_mean_then_the_best_worst_set_then_the_weights() -> None:
    best_mean = {WEIGHTS: {"a": 0.9, "b": 0.6}, "x": {"a": 0.8, "b": 0.8}, "y": {"a": 0.95, "b": 0.5}}
    assert select(_results(best_mean))[0] == "x"  # mean 0.80 beats 0.75 and 0.725
    tie = {WEIGHTS: {"a": 0.9, "b": 0.7}, "x": {"a": 0.85, "b": 0.75}}  # same mean: the better worst set
    assert select(_results(tie))[0] == "x"
    same = {"x": {"a": 0.8, "b": 0.7}, WEIGHTS: {"a": 0.8, "b": 0.7}}
    assert select(_results(same))[0] == WEIGHTS  # a model must beat the fallback to replace it
    _, summary = select(_results(best_mean))
    assert summary["y"]["worst"] == 0.5 and summary["y"]["sets"] == {"a": 0.95, "b": 0.5}


def test_selection_is_deterministic_with_a_seed() -> None:
    sets = [_set("a", 0.5), _set("b", 0.5, seed=1)]
    first = leave_one_set_out(sets, _quick(7))
    again = leave_one_set_out(sets, _quick(7))
    assert first == again
    assert {est.random_state for name, est in candidates(7).items() if name != WEIGHTS} == {7}
    assert select(first) == select(again)


def test_condensed_lists_drop_unjudged_items_before_ndcg() -> None:
    rows = _set("a", 0.5, buyers=4, per=10)
    sparse = {b: {i: g for i, g in grades.items() if g == 3} for b, grades in rows.qrels.items()}
    judged = {(b, i) for b, grades in sparse.items() for i in grades}
    # scores: every unjudged candidate first, the judged ones after
    scores = np.array(
        [
            0.0 if (str(b), str(i)) in judged else 1.0
            for b, i in zip(rows.data.buyers, rows.data.ikms, strict=True)
        ]
    )
    full = score_set(JudgedRows("a", rows.data, sparse), scores)["all"]["ndcg@10"]
    condensed = score_set(JudgedRows("a", rows.data, sparse, condensed=True), scores)["all"]["ndcg@10"]
    assert condensed == pytest.approx(1.0) and full < 0.9


def test_fallback_gaps_put_the_set_with_most_room_first() -> None:
    easy = _set("easy", 0.5, buyers=6)
    X = easy.data.X.copy()
    X[:, FEATURE_NAMES.index("capacity_ratio")] = 0.0  # grades follow joint_max alone: the weights do well
    y = np.where(X[:, FEATURE_NAMES.index("joint_max")] > 0.5, 1, 0).astype(float)
    qrels = {
        str(b): {
            str(i): int(g)
            for i, g, bb in zip(easy.data.ikms, y, easy.data.buyers, strict=True)
            if g and bb == b
        }
        for b in set(easy.data.buyers)
    }
    easy = JudgedRows("easy", TrainingSet(X, y, easy.data.buyers, easy.data.ikms, easy.data.languages), qrels)
    hard = _set("hard", 0.5, buyers=6, seed=3)
    gaps = fallback_gaps([easy, hard])
    assert [g["set"] for g in gaps] == ["hard", "easy"]
    assert gaps[0]["gap"] > gaps[1]["gap"] >= 0
    assert all(g["gap"] == pytest.approx(g["ceiling"] - g["fallback"]) for g in gaps)


def test_a_judged_buyer_without_candidate_rows_counts_zero() -> None:
    rows = _set("a", 0.5, buyers=4, per=10)
    lost = "a-B99"  # judged, but retrieval proposed none of its IKMs: no rows
    qrels = {**rows.qrels, lost: {"I9999": 3}}
    data = TrainingSet(
        rows.data.X, rows.data.y, rows.data.buyers, rows.data.ikms, {**rows.data.languages, lost: "en"}
    )
    with_lost = score_set(JudgedRows("a", data, qrels), rows.data.y.astype(float))
    without = score_set(rows, rows.data.y.astype(float))
    assert with_lost["all"]["queries"] == without["all"]["queries"] + 1
    assert with_lost["all"]["ndcg@10"] == pytest.approx(without["all"]["ndcg@10"] * 4 / 5)
