"""Choosing the default ranker across judged sets by leave-one-set-out (LOSO) evaluation.

Every judged set gives the candidate rows of its own catalogue (:func:`matching.learning.training.
training_set`: what the ranker must order, labelled by the set's grades). For each candidate ranker
(:func:`candidates`: the hand-set weights, which need no fitting, and the small
:data:`~matching.learning.training.PARAM_GRID` of :class:`~matching.ranking.rankers.LearnedRanker`) and for
each set in turn, the candidate is fitted on the rows of every *other* set and scores the held-out set's
candidate lists (nDCG@10, MRR@10, recall@10, all buyers and per query language). A set's **ceiling** is the
ideal reordering of its candidate lists (scores = the true grades): what no ranker can beat on those lists.

:func:`select` picks the default: the best **mean** held-out nDCG@10 over the sets; means equal to three
decimals are a tie, broken by the better **worst** set, then in favour of the hand-set weights (a model
must beat the fallback to replace it), then by grid order.

A set flagged ``condensed`` in the registry (sparse judgements) is scored on condensed lists: the unjudged
IKMs are dropped from each ranking before nDCG (:func:`matching.learning.metrics.condense`).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from matching.learning.metrics import Qrels, evaluate_run
from matching.learning.training import PARAM_GRID, TrainingSet, _run_from_scores
from matching.ranking.rankers import LearnedRanker, WeightedRanker

__all__ = [
    "SPLITS",
    "WEIGHTS",
    "JudgedRows",
    "candidates",
    "ceiling",
    "fallback_gaps",
    "leave_one_set_out",
    "loso_splits",
    "score_set",
    "select",
]

SPLITS = ("all", "en", "id")
WEIGHTS = "weights"  # the hand-set weights' candidate name


@dataclass(frozen=True)
class JudgedRows:
    """One judged set's candidate rows and grades, ready for LOSO."""

    name: str
    data: TrainingSet
    qrels: Qrels
    condensed: bool = False  # sparse judgements: drop unjudged IKMs before nDCG


def candidates(random_state: int = 0) -> dict[str, Any]:
    """The candidate rankers by name, in grid order: ``weights`` first, then every
    :data:`~matching.learning.training.PARAM_GRID` setting of the learned ranker (seeded)."""
    out: dict[str, Any] = {WEIGHTS: WeightedRanker()}
    keys = list(PARAM_GRID)
    for values in itertools.product(*(PARAM_GRID[key] for key in keys)):
        params = dict(zip(keys, values, strict=True))
        label = "trees " + " ".join(f"{key}={value}" for key, value in params.items())
        out[label] = LearnedRanker(random_state=random_state, **params)
    return out


def loso_splits(names: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``(held-out set, sets trained on)`` for each set: every other set, never the held-out one."""
    if len(names) < 2:
        raise ValueError(f"leave-one-set-out needs two judged sets or more, got {list(names)}")
    return [(held, [n for n in names if n != held]) for held in names]


def score_set(rows: JudgedRows, scores: np.ndarray, *, k: int = 10) -> dict[str, dict[str, float]]:
    """Metrics of ranking each buyer's candidates of ``rows`` by ``scores``: all buyers and per language."""
    data = rows.data
    # condensed lists drop the unjudged items first, so the run keeps every candidate until then
    run = _run_from_scores(data, scores, np.arange(len(data.y)), len(data.y) if rows.condensed else k)
    out = {}
    for split in SPLITS:
        # every buyer of the set: one without a candidate row (retrieval found nothing judged) counts zero
        ids = [q for q, lang in data.languages.items() if split == "all" or lang == split]
        out[split] = evaluate_run(run, rows.qrels, k=k, queries=ids, condensed=rows.condensed).as_dict()
    return out


def ceiling(rows: JudgedRows, *, k: int = 10) -> dict[str, dict[str, float]]:
    """The best any ranker can do on ``rows``' candidate lists: each list ordered by its true grades.

    Below 1 where a buyer's relevant IKMs are missing from its candidates (retrieval lost them).
    """
    return score_set(rows, rows.data.y.astype(float), k=k)


def leave_one_set_out(
    sets: Sequence[JudgedRows],
    estimators: Mapping[str, Any],
    *,
    k: int = 10,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """``results[candidate][held-out set]``: the held-out metrics per split (as :func:`score_set`) plus
    ``trained_on`` (the set names) and ``train_rows``, for every candidate in ``estimators``.

    Trees are fitted single-threaded (small fits on a shared two-core machine: OpenMP threads cost more
    than they give). ``progress`` receives one line per fit.
    """
    by_name = {s.name: s for s in sets}
    if len(by_name) != len(sets):
        raise ValueError("two judged sets with one name")
    results: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in estimators}
    with threadpool_limits(limits=1, user_api="openmp"):
        for held, train in loso_splits(list(by_name)):
            X = np.vstack([by_name[n].data.X for n in train])
            y = np.concatenate([by_name[n].data.y for n in train])
            test = by_name[held]
            for name, estimator in estimators.items():
                model = clone(estimator).fit(X, y)
                metrics: dict[str, Any] = score_set(test, model.predict(test.data.X), k=k)
                results[name][held] = {**metrics, "trained_on": train, "train_rows": len(y)}
                if progress:
                    progress(f"held out {held}: {name}: nDCG@10 {metrics['all']['ndcg@10']:.4f}")
    return results


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def select(
    results: Mapping[str, Mapping[str, Mapping[str, Any]]], *, decimals: int = 3
) -> tuple[str, dict[str, dict[str, Any]]]:
    """The chosen candidate and a summary per candidate: mean and worst held-out nDCG@10 over the sets
    (``mean``, ``worst``), the mean per language over the sets that have buyers in it (``mean_en``,
    ``mean_id``), and each set's nDCG@10 (``sets``). Rule in the module docstring."""
    summary: dict[str, dict[str, Any]] = {}
    for name, per_set in results.items():
        scores = {s: float(m["all"]["ndcg@10"]) for s, m in per_set.items()}
        row: dict[str, Any] = {
            "mean": statistics.fmean(scores.values()),
            "worst": min(scores.values()),
            "sets": scores,
        }
        for lang in ("en", "id"):
            row[f"mean_{lang}"] = _mean([m[lang]["ndcg@10"] for m in per_set.values() if m[lang]["queries"]])
        summary[name] = row
    order = list(results)

    def key(name: str) -> tuple[float, float, bool, int]:
        row = summary[name]
        return (
            -round(row["mean"], decimals),
            -round(row["worst"], decimals),
            name != WEIGHTS,
            order.index(name),
        )

    return min(order, key=key), summary


def fallback_gaps(sets: Sequence[JudgedRows], *, k: int = 10) -> list[dict[str, Any]]:
    """Per set: the hand-set weights' nDCG@10 on its candidate lists, the ceiling, and the gap between
    them; widest gap first (where outcome-based retraining has the most room to help)."""
    weights = WeightedRanker().fit(np.zeros((1, sets[0].data.X.shape[1]))) if sets else None
    rows = []
    for s in sets:
        assert weights is not None
        fallback = score_set(s, weights.predict(s.data.X), k=k)["all"]["ndcg@10"]
        best = ceiling(s, k=k)["all"]["ndcg@10"]
        rows.append({"set": s.name, "fallback": fallback, "ceiling": best, "gap": best - fallback})
    return sorted(rows, key=lambda r: (-r["gap"], r["set"]))
