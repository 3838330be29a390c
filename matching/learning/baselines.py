"""The engine beside its baselines on one judged buyer set, split by query language.

Systems, all from the same run: ``bm25`` (BM25 on raw folded text, no stemming, no lexicon), ``dense``
(IKMs by their best product's cosine with the default encoder), ``engine`` (the full pipeline).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.learning.metrics import Metrics, Qrels, evaluate_run
from matching.ranking.model_registry import resolve_ranker
from matching.ranking.queries import Queries, buyer_language
from matching.ranking.searcher import Searcher, lexical_only
from matching.retrieval.bm25 import LexicalIndex

__all__ = [
    "SystemRuns",
    "buyer_language",
    "compare_models",
    "engine_run",
    "evaluate_systems",
    "system_runs",
]

Run = dict[str, list[tuple[str, float]]]


@dataclass
class SystemRuns:
    runs: dict[str, Run]
    languages: dict[str, str]


def system_runs(
    searcher: Searcher, queries: Queries, *, k: int = 10, progress: Callable[[int], None] | None = None
) -> SystemRuns:
    """Rankings of every buyer of ``queries`` by each system over ``searcher``'s catalogue and index."""
    raw_bm25 = LexicalIndex(concepts=None, stemmed=False).fit(*searcher.catalogue.texts())
    runs: dict[str, Run] = {"bm25": {}, "dense": {}, "engine": {}}
    for buyer, need, vector in zip(queries.buyers, queries.needs, queries.vectors, strict=True):
        runs["bm25"][buyer.buyer_id] = lexical_only(raw_bm25, searcher.catalogue, buyer.requirement, k)
        runs["dense"][buyer.buyer_id] = searcher.dense_only(vector, k)
        runs["engine"][buyer.buyer_id] = [
            (m.ikm_id, m.score) for m in searcher.rank(need, k, query_vector=vector)
        ]
        if progress:
            progress(1)
    return SystemRuns(runs, dict(queries.languages))


def evaluate_systems(
    runs: SystemRuns, qrels: Qrels, *, k: int = 10, condensed: bool = False
) -> dict[str, dict[str, Metrics]]:
    """Metrics per system for all buyers and per language (``all``, ``en``, ``id``); ``condensed`` for a
    set with sparse judgements (:func:`matching.learning.metrics.condense`)."""
    splits: dict[str, list[str]] = {"all": list(runs.languages)}
    for lang in ("en", "id"):
        splits[lang] = [q for q, language in runs.languages.items() if language == lang]
    return {
        system: {
            name: evaluate_run(run, qrels, k=k, queries=ids, condensed=condensed)
            for name, ids in splits.items()
        }
        for system, run in runs.runs.items()
    }


def metrics_table(results: dict[str, dict[str, Metrics]]) -> list[dict[str, Any]]:
    """Flat rows (system, split, ndcg@10, mrr@10, recall@10, queries) for printing or JSON."""
    return [
        {"system": system, "split": split, **metrics.as_dict()}
        for system, by_split in results.items()
        for split, metrics in by_split.items()
    ]


def engine_run(searcher: Searcher, queries: Queries, k: int) -> Run:
    """The engine's ranking of every buyer of ``queries`` by ``searcher`` and its ranker, ``k`` a buyer."""
    return {
        b.buyer_id: [(m.ikm_id, m.score) for m in searcher.rank(n, k, query_vector=v)]
        for b, n, v in zip(queries.buyers, queries.needs, queries.vectors, strict=True)
    }


def compare_models(
    searcher: Searcher,
    queries: Queries,
    names: Sequence[str],
    qrels: Qrels,
    models_dir: Path,
    *,
    k: int = 10,
    encoders: tuple[str, str | None] | None = None,
) -> dict[str, dict[str, Metrics]]:
    """Each model version (``weights``, ``auto`` for the engine's ``encoders``, or a folder of
    ``models_dir``) ranking the same buyers over the same index and candidates, judged by the same qrels:
    metrics for all buyers and per language."""
    runs: dict[str, Run] = {}
    for name in names:
        changed = copy.copy(searcher)
        changed.ranker, _ = resolve_ranker(name, models_dir, encoders=encoders)
        runs[name] = engine_run(changed, queries, k)
    return evaluate_systems(SystemRuns(runs, dict(queries.languages)), qrels, k=k)
