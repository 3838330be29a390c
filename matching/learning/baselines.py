"""The engine beside its baselines on one judged buyer set, split by query language.

Systems, all from the same run: ``bm25`` (BM25 on raw folded text, no stemming, no lexicon), ``dense``
(IKMs by their best product's cosine with the default encoder), ``engine`` (the full pipeline).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from matching.app.engine import Engine
from matching.catalogue.schema import Buyer
from matching.learning.metrics import Metrics, Qrels, evaluate_run
from matching.ranking.searcher import lexical_only
from matching.retrieval.query import detect_language

__all__ = ["SystemRuns", "buyer_language", "compare_models", "evaluate_systems", "system_runs"]

Run = dict[str, list[tuple[str, float]]]


def buyer_language(buyer: Buyer) -> str:
    """The buyer's query language: the ``language`` column when given, else detected from the text."""
    given = (buyer.attributes.get("language") or "").strip().lower()
    return given if given in {"en", "id"} else detect_language(buyer.requirement)


@dataclass
class SystemRuns:
    runs: dict[str, Run]
    languages: dict[str, str]


def system_runs(
    engine: Engine, buyers: Sequence[Buyer], *, k: int = 10, progress: Callable[[int], None] | None = None
) -> SystemRuns:
    """Rankings of every buyer by each system."""
    searcher = engine.searcher()
    raw_bm25 = engine.lexical_index(searcher.catalogue, concepts=False, stemmed=False)
    needs = [engine.buyer_needs(b) for b in buyers]
    vectors = engine.encoder.encode_queries([n.text for n in needs])
    runs: dict[str, Run] = {"bm25": {}, "dense": {}, "engine": {}}
    for buyer, need, vector in zip(buyers, needs, vectors, strict=True):
        runs["bm25"][buyer.buyer_id] = lexical_only(raw_bm25, searcher.catalogue, buyer.requirement, k)
        runs["dense"][buyer.buyer_id] = searcher.dense_only(vector, k)
        runs["engine"][buyer.buyer_id] = [
            (m.ikm_id, m.score) for m in searcher.rank(need, k, query_vector=vector)
        ]
        if progress:
            progress(1)
    return SystemRuns(runs, {b.buyer_id: buyer_language(b) for b in buyers})


def evaluate_systems(runs: SystemRuns, qrels: Qrels, *, k: int = 10) -> dict[str, dict[str, Metrics]]:
    """Metrics per system for all buyers and per language (``all``, ``en``, ``id``)."""
    splits: dict[str, list[str]] = {"all": list(runs.languages)}
    for lang in ("en", "id"):
        splits[lang] = [q for q, language in runs.languages.items() if language == lang]
    return {
        system: {name: evaluate_run(run, qrels, k=k, queries=ids) for name, ids in splits.items()}
        for system, run in runs.runs.items()
    }


def metrics_table(results: dict[str, dict[str, Metrics]]) -> list[dict[str, Any]]:
    """Flat rows (system, split, ndcg@10, mrr@10, recall@10, queries) for printing or JSON."""
    return [
        {"system": system, "split": split, **metrics.as_dict()}
        for system, by_split in results.items()
        for split, metrics in by_split.items()
    ]


def compare_models(
    engine: Engine, names: Sequence[str], buyers: Sequence[Buyer], qrels: Qrels, *, k: int = 10
) -> dict[str, dict[str, Metrics]]:
    """Each model version (``weights`` or a folder of the models dir) ranking the same buyers over the same
    index and candidates, judged by the same qrels: metrics for all buyers and per language."""
    import copy

    from matching.ranking.model_registry import resolve_ranker

    base = engine.searcher()
    needs = [engine.buyer_needs(b) for b in buyers]
    vectors = engine.encoder.encode_queries([n.text for n in needs])
    runs: dict[str, Run] = {}
    for name in names:
        searcher = copy.copy(base)
        searcher.ranker, _ = resolve_ranker(name, engine.settings.models_dir)
        runs[name] = {
            b.buyer_id: [(m.ikm_id, m.score) for m in searcher.rank(n, k, query_vector=v)]
            for b, n, v in zip(buyers, needs, vectors, strict=True)
        }
    return evaluate_systems(SystemRuns(runs, {b.buyer_id: buyer_language(b) for b in buyers}), qrels, k=k)
