from __future__ import annotations

import math
from pathlib import Path

import pytest

from matching.learning.metrics import (
    evaluate_run,
    mrr_at_k,
    ndcg_at_k,
    read_qrels,
    read_run,
    recall_best_at_k,
    write_run,
)


def test_ndcg_by_hand() -> None:
    grades = {"a": 3, "b": 1, "c": 2}
    ranking = ["b", "a", "x"]
    dcg = (2**1 - 1) / math.log2(2) + (2**3 - 1) / math.log2(3)
    idcg = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(ranking, grades) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["a", "c", "b"], grades) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], {}) == 0.0


def test_mrr_and_recall_of_best_grade() -> None:
    grades = {"a": 3, "b": 3, "c": 1}
    assert mrr_at_k(["x", "c", "a"], grades) == pytest.approx(0.5)
    assert recall_best_at_k(["x", "c", "a"], grades) == pytest.approx(0.5)
    assert recall_best_at_k(["x"] * 10 + ["a"], grades) == 0.0


def test_trec_files_round_trip_and_missing_queries_count_zero(tmp_path: Path) -> None:
    qrels_path = tmp_path / "qrels.txt"
    qrels_path.write_text("B1 0 I1 3\nB1 0 I2 0\nB2 0 I3 2\n")
    qrels = read_qrels(qrels_path)
    run = {"B1": [("I1", 2.0), ("I2", 1.0)]}
    write_run(run, tmp_path / "run.txt", tag="t")
    assert (tmp_path / "run.txt").read_text().splitlines()[0] == "B1 Q0 I1 1 2.000000 t"
    assert read_run(tmp_path / "run.txt") == run
    metrics = evaluate_run(read_run(tmp_path / "run.txt"), qrels)
    assert metrics.queries == 2
    assert metrics.ndcg == pytest.approx(0.5)
