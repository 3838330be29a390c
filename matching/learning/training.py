"""Training the learned ranker on graded labels, cross-validated grouped by buyer.

The training rows are the engine's own candidates for each judged buyer (what the ranker will have to
order at run time) with their named features; the label is the buyer's grade for that IKM (unjudged = 0).
Cross-validation folds never put one buyer in both train and test (``GroupKFold``); the reported metrics are
computed on out-of-fold scores, ranked per buyer and judged against the full qrels.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import subprocess
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from matching.learning.metrics import Qrels, evaluate_run
from matching.ranking.features import FEATURE_NAMES
from matching.ranking.queries import Queries
from matching.ranking.rankers import LearnedRanker
from matching.ranking.searcher import Searcher

__all__ = ["TrainingSet", "cross_validate", "fit_ranker", "training_set"]

# prior: start from the fallback's score (few or one-sided labels, e.g. meeting outcomes) or from nothing
PARAM_GRID: dict[str, list[Any]] = {
    "prior": [False, True],
    "learning_rate": [0.05, 0.1],
    "max_leaf_nodes": [7, 15],
}


@dataclass
class TrainingSet:
    X: np.ndarray
    y: np.ndarray
    buyers: np.ndarray  # buyer id per row (the CV group)
    ikms: np.ndarray  # ikm id per row
    languages: dict[str, str]


def training_set(
    searcher: Searcher,
    queries: Queries,
    qrels: Qrels,
    *,
    k: int = 10,
    progress: Callable[[int], None] | None = None,
    partial: Collection[str] = (),
    extra: Mapping[str, Collection[str]] | None = None,
) -> TrainingSet:
    """The candidate rows of every buyer of ``queries`` (what ``searcher`` would rank), labelled by ``qrels``
    (an unjudged candidate is grade 0).

    Buyers in ``partial`` are judged only where ``qrels`` names the pair (meeting outcomes label the pairs
    that met, nothing else): their other candidates are unknown, not irrelevant, and are left out.
    ``extra`` names IKMs per buyer that get a row even when the search would not have proposed them (pairs
    that met at an event: an organiser's own pick, or an older model's), if the catalogue still has them.
    """
    extra = extra or {}
    partial = set(partial)
    blocks: list[np.ndarray] = []
    labels: list[int] = []
    groups: list[str] = []
    ikms: list[str] = []
    for buyer, need, vector in zip(queries.buyers, queries.needs, queries.vectors, strict=True):
        ids, matrix = searcher.training_rows(
            need, k, query_vector=vector, extra=extra.get(buyer.buyer_id, ())
        )
        grades = qrels.get(buyer.buyer_id, {})
        if buyer.buyer_id in partial:
            keep = [j for j, i in enumerate(ids) if i in grades]
            ids, matrix = [ids[j] for j in keep], matrix[keep]
        blocks.append(matrix)
        labels += [grades.get(i, 0) for i in ids]
        groups += [buyer.buyer_id] * len(ids)
        ikms += ids
        if progress:
            progress(1)
    X = np.vstack(blocks) if blocks else np.zeros((0, len(FEATURE_NAMES)))
    return TrainingSet(
        X,
        np.asarray(labels, dtype=float),
        np.asarray(groups),
        np.asarray(ikms),
        dict(queries.languages),
    )


def _run_from_scores(
    data: TrainingSet, scores: np.ndarray, rows: np.ndarray, k: int
) -> dict[str, list[tuple[str, float]]]:
    run: dict[str, list[tuple[str, float]]] = {}
    for buyer in np.unique(data.buyers[rows]):
        mine = rows[data.buyers[rows] == buyer]
        order = sorted(mine, key=lambda i: (-scores[i], data.ikms[i]))[:k]
        run[str(buyer)] = [(str(data.ikms[i]), float(scores[i])) for i in order]
    return run


def cross_validate(
    estimator: Any, data: TrainingSet, qrels: Qrels, *, n_splits: int = 5, k: int = 10
) -> dict[str, Any]:
    """Out-of-fold nDCG/MRR/recall at ``k`` (all buyers and per language) and per-fold nDCG."""
    scores = np.zeros(len(data.y))
    folds: list[float] = []
    splitter = GroupKFold(n_splits=min(n_splits, len(np.unique(data.buyers))))
    for train, test in splitter.split(data.X, data.y, data.buyers):
        model = clone(estimator).fit(data.X[train], data.y[train])
        scores[test] = model.predict(data.X[test])
        fold_run = _run_from_scores(data, scores, test, k)
        folds.append(evaluate_run(fold_run, qrels, k=k, queries=list(fold_run)).ndcg)
    run = _run_from_scores(data, scores, np.arange(len(data.y)), k)
    out: dict[str, Any] = {"folds_ndcg@10": folds}
    for split in ("all", "en", "id"):
        ids = [q for q in run if split == "all" or data.languages.get(q) == split]
        out[split] = evaluate_run(run, qrels, k=k, queries=ids).as_dict()
    return out


def fit_ranker(
    data: TrainingSet, qrels: Qrels, *, random_state: int = 0, n_splits: int = 5
) -> tuple[LearnedRanker, dict[str, Any], list[dict[str, Any]]]:
    """Small grid search by grouped-CV nDCG; refit the best on all rows. Returns (ranker, best cv, grid)."""
    grid: list[dict[str, Any]] = []
    best: tuple[float, dict[str, Any], dict[str, Any]] | None = None
    keys = list(PARAM_GRID)
    for values in itertools.product(*(PARAM_GRID[key] for key in keys)):
        params = dict(zip(keys, values, strict=True))
        cv = cross_validate(
            LearnedRanker(random_state=random_state, **params), data, qrels, n_splits=n_splits
        )
        grid.append({"params": params, "ndcg@10": cv["all"]["ndcg@10"]})
        if best is None or cv["all"]["ndcg@10"] > best[0]:
            best = (cv["all"]["ndcg@10"], params, cv)
    assert best is not None
    ranker = LearnedRanker(random_state=random_state, **best[1]).fit(data.X, data.y)
    return ranker, {"params": best[1], **best[2]}, grid


def code_version() -> str:
    """``git describe`` of this checkout when available, else the package version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("ikm-matching")
    except PackageNotFoundError:  # run from a checkout that was never installed
        __version__ = "0.1.0"
    try:
        root = Path(__file__).resolve().parents[1]
        described = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        if described.returncode == 0 and described.stdout.strip():
            return f"{__version__}+{described.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def today() -> str:
    return dt.date.today().isoformat()
