"""Knob sweeps for the staff notebooks: a ranking metric against one knob at a time, the others as they are.

- :func:`weight_sweep` scales one hand-set :class:`~matching.ranking.rankers.WeightedRanker` weight at a time.
- :func:`searcher_sweep` sets one :class:`~matching.ranking.searcher.Searcher` attribute (``fetch_factor``,
  ``max_concept_candidates`` ...) at a time: candidate depth against quality and time per buyer.
- :func:`learned_sweep` varies one :class:`~matching.ranking.rankers.LearnedRanker` hyperparameter, judged by
  cross-validation grouped by buyer (:func:`matching.learning.training.cross_validate`).

Every run goes through the engine's own ranking path (a copy of its searcher with one thing changed) over
queries encoded once, so a sweep costs ranking time only. Each returns a frame with one row per setting.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matching.app.engine import Engine
from matching.learning.metrics import Qrels, evaluate_run
from matching.learning.training import cross_validate
from matching.ranking.features import FEATURE_NAMES
from matching.ranking.queries import Queries
from matching.ranking.rankers import DEFAULT_WEIGHTS, LearnedRanker, WeightedRanker
from matching.ranking.searcher import Searcher

__all__ = ["learned_sweep", "run_metrics", "searcher_sweep", "weight_sweep"]

Run = dict[str, list[tuple[str, float]]]


def _run(searcher: Searcher, queries: Queries, k: int) -> Run:
    return {
        buyer.buyer_id: [(m.ikm_id, m.score) for m in searcher.rank(need, k, query_vector=vector)]
        for buyer, need, vector in zip(queries.buyers, queries.needs, queries.vectors, strict=True)
    }


def run_metrics(run: Run, qrels: Qrels, languages: Mapping[str, str], *, k: int = 10) -> dict[str, float]:
    """nDCG / MRR / recall at ``k`` over all buyers, and nDCG per language (``ndcg@10_en``, ``_id``)."""
    out = dict(evaluate_run(run, qrels, k=k, queries=list(run)).as_dict())
    for lang in ("en", "id"):
        ids = [q for q in run if languages.get(q) == lang]
        out[f"ndcg@10_{lang}"] = evaluate_run(run, qrels, k=k, queries=ids).ndcg
    return out


def _with_ranker(searcher: Searcher, ranker: Any) -> Searcher:
    changed = copy.copy(searcher)
    changed.ranker = ranker
    return changed


def weight_sweep(
    engine: Engine,
    queries: Queries,
    qrels: Qrels,
    *,
    factors: Iterable[float] = (0.0, 0.5, 1.0, 2.0, 4.0),
    features: Sequence[str] | None = None,
    base: Mapping[str, float] | None = None,
    k: int = 10,
) -> pd.DataFrame:
    """Each weight of ``base`` (default :data:`~matching.ranking.rankers.DEFAULT_WEIGHTS`) in ``features``
    (default all) multiplied by each factor, the other weights unchanged: one row per (feature, factor) with
    the metrics. Factor 1 is the base itself (the same for every feature)."""
    base = dict(DEFAULT_WEIGHTS if base is None else base)
    searcher = engine.searcher()
    dummy = np.zeros((1, len(FEATURE_NAMES)))
    factors = list(factors)
    seen: dict[tuple[float, ...], dict[str, float]] = {}  # factor 1 (or a zero weight) repeats a setting
    rows = []
    for feature in features or list(base):
        for factor in factors:
            weights = {**base, feature: base.get(feature, 0.0) * factor}
            key = tuple(weights.get(name, 0.0) for name in FEATURE_NAMES)
            if key not in seen:
                ranker = WeightedRanker(weights).fit(dummy)
                run = _run(_with_ranker(searcher, ranker), queries, k)
                seen[key] = run_metrics(run, qrels, queries.languages, k=k)
            rows.append({"feature": feature, "factor": factor, "weight": weights[feature], **seen[key]})
    return pd.DataFrame(rows)


def searcher_sweep(
    engine: Engine,
    queries: Queries,
    qrels: Qrels,
    knob: str,
    values: Iterable[Any],
    *,
    ranker: Any | None = None,
    k: int = 10,
) -> pd.DataFrame:
    """The searcher with ``knob`` (an attribute such as ``fetch_factor``) set to each value: metrics, mean
    candidate IKMs per buyer and milliseconds per buyer (retrieval + ranking, queries already encoded)."""
    base = engine.searcher()
    if not hasattr(base, knob):
        raise ValueError(f"the searcher has no knob {knob!r}")
    rows = []
    for value in values:
        searcher = _with_ranker(base, ranker if ranker is not None else base.ranker)
        setattr(searcher, knob, value)
        candidates = [
            len(searcher.candidates(need, vector, k)[0])
            for need, vector in zip(queries.needs, queries.vectors, strict=True)
        ]
        started = time.perf_counter()
        run = _run(searcher, queries, k)
        ms = 1000 * (time.perf_counter() - started) / max(1, len(run))
        metrics = run_metrics(run, qrels, queries.languages, k=k)
        rows.append({knob: value, **metrics, "candidates": float(np.mean(candidates)), "ms_per_buyer": ms})
    return pd.DataFrame(rows)


def learned_sweep(
    data: Any,
    qrels: Qrels,
    param: str,
    values: Iterable[Any],
    *,
    base_params: Mapping[str, Any] | None = None,
    n_splits: int = 5,
    random_state: int = 0,
) -> pd.DataFrame:
    """A :class:`~matching.ranking.rankers.LearnedRanker` with ``param`` set to each value (others from
    ``base_params``), cross-validated grouped by buyer on ``data`` (a
    :class:`matching.learning.training.TrainingSet`):
    out-of-fold metrics for all buyers and per language, and the spread of nDCG over the folds.

    The trees are fitted single-threaded: on a busy two-core machine OpenMP's spinning threads made a
    cross-validation 30x slower (measured: 46 s against 1.4 s).
    """
    from threadpoolctl import threadpool_limits

    rows = []
    for value in values:
        params = {**(base_params or {}), param: value}
        with threadpool_limits(limits=1, user_api="openmp"):
            cv = cross_validate(
                LearnedRanker(random_state=random_state, **params), data, qrels, n_splits=n_splits
            )
        folds = np.asarray(cv["folds_ndcg@10"], dtype=float)
        rows.append(
            {
                param: value,
                **cv["all"],
                "ndcg@10_en": cv["en"]["ndcg@10"],
                "ndcg@10_id": cv["id"]["ndcg@10"],
                "fold_std": float(folds.std()),
            }
        )
    return pd.DataFrame(rows)
