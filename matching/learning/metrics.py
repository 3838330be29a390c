"""Ranking metrics and TREC files, by the conventions of shared/EVALUATION.md (TREC / BEIR).

- Runs: ``qid Q0 docno rank score tag`` per line (qid = buyer_id, docno = ikm_id).
- Qrels: ``qid 0 docno grade`` per line; unlisted pairs are grade 0.
- nDCG@k with gain ``2^grade - 1`` and discount ``log2(rank + 1)``; MRR@k of the first relevant result
  (grade >= 1); recall@k of the best grade present for the query.
- Condensed lists (for sparse judgements, Sakai 2007): unjudged items are dropped from a ranking before
  it is cut at k; a judged item of grade 0 must then be listed in the qrels with grade 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matching.errors import ImportFileError

__all__ = [
    "Metrics",
    "condense",
    "evaluate_run",
    "mrr_at_k",
    "ndcg_at_k",
    "read_qrels",
    "read_run",
    "recall_best_at_k",
    "write_run",
]

Qrels = dict[str, dict[str, int]]
Run = dict[str, list[tuple[str, float]]]


def read_qrels(path: Path) -> Qrels:
    """Read TREC qrels; a line that is not ``qid iter docno grade`` is an error naming the line."""
    qrels: Qrels = defaultdict(dict)
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts or line.startswith("#"):
            continue
        if len(parts) != 4:
            raise ImportFileError(f"{path}: line {number}: expected 'qid 0 docno grade', got {line!r}")
        try:
            grade = int(parts[3])
        except ValueError as exc:
            raise ImportFileError(f"{path}: line {number}: grade {parts[3]!r} is not a whole number") from exc
        qrels[parts[0]][parts[2]] = grade
    return dict(qrels)


def read_run(path: Path) -> Run:
    """Read a TREC run file into per-query ``[(docno, score), ...]`` in rank order."""
    rows: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 6:
            raise ImportFileError(f"{path}: line {number}: expected 'qid Q0 docno rank score tag'")
        rows[parts[0]].append((int(parts[3]), parts[2], float(parts[4])))
    return {q: [(d, s) for _, d, s in sorted(r)] for q, r in rows.items()}


def write_run(run: Mapping[str, Sequence[tuple[str, float]]], path: Path, *, tag: str = "matching") -> None:
    """Write a TREC run file: ranks start at 1, in the given order."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for qid, ranking in run.items():
            for rank, (docno, score) in enumerate(ranking, start=1):
                handle.write(f"{qid} Q0 {docno} {rank} {score:.6f} {tag}\n")


def condense(ranking: Sequence[str], judged: Mapping[str, int]) -> list[str]:
    """``ranking`` without the items that have no judgement (of any grade, 0 included)."""
    return [doc for doc in ranking if doc in judged]


def ndcg_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(doc, 0) - 1) / math.log2(rank + 1) for rank, doc in enumerate(ranking[:k], 1))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    for rank, doc in enumerate(ranking[:k], 1):
        if grades.get(doc, 0) >= 1:
            return 1.0 / rank
    return 0.0


def recall_best_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    best = max(grades.values(), default=0)
    if best <= 0:
        return 0.0
    wanted = {d for d, g in grades.items() if g == best}
    return len(wanted.intersection(ranking[:k])) / len(wanted)


@dataclass(frozen=True)
class Metrics:
    """Mean metrics over the queries that have at least one relevant document."""

    ndcg: float
    mrr: float
    recall: float
    queries: int

    def as_dict(self) -> dict[str, float]:
        return {"ndcg@10": self.ndcg, "mrr@10": self.mrr, "recall@10": self.recall, "queries": self.queries}


def evaluate_run(
    run: Mapping[str, Sequence[tuple[str, float]]] | Mapping[str, Sequence[str]],
    qrels: Qrels,
    *,
    k: int = 10,
    queries: Iterable[str] | None = None,
    condensed: bool = False,
) -> Metrics:
    """Mean nDCG@k, MRR@k and recall@k over ``queries`` (default: every judged query with a relevant doc).

    A judged query missing from the run counts as zero, as in trec_eval. ``condensed`` scores each ranking
    with its unjudged items dropped (:func:`condense`), for sets whose judgements are sparse.
    """
    pool = queries if queries is not None else qrels
    chosen = [q for q in pool if max(qrels.get(q, {}).values(), default=0) > 0]
    if not chosen:
        return Metrics(0.0, 0.0, 0.0, 0)
    totals = [0.0, 0.0, 0.0]
    for qid in chosen:
        ranking = [item if isinstance(item, str) else item[0] for item in run.get(qid, [])]
        grades = qrels[qid]
        if condensed:
            ranking = condense(ranking, grades)
        totals[0] += ndcg_at_k(ranking, grades, k)
        totals[1] += mrr_at_k(ranking, grades, k)
        totals[2] += recall_best_at_k(ranking, grades, k)
    n = len(chosen)
    return Metrics(totals[0] / n, totals[1] / n, totals[2] / n, n)
