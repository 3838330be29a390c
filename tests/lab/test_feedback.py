from __future__ import annotations

import numpy as np

from matching import Engine
from matching.lab.feedback import simulate_loop
from matching.learning.training import TrainingSet
from matching.ranking.features import FEATURE_NAMES

N = len(FEATURE_NAMES)


def _season(
    n_buyers: int = 40, per: int = 40, seed: int = 0
) -> tuple[TrainingSet, dict[str, dict[str, int]]]:
    """Candidates whose true grade depends on ``capacity_ratio``, a feature the hand-set weights ignore."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_buyers * per, N))
    joint = X[:, FEATURE_NAMES.index("joint_max")]
    ratio = X[:, FEATURE_NAMES.index("capacity_ratio")]
    y = np.where(joint > 0.5, np.where(ratio > 0.5, 3, 1), 0).astype(float)
    buyers = np.repeat([f"B{b:02d}" for b in range(n_buyers)], per)
    ikms = np.array([f"I{i:04d}" for i in range(len(y))])
    truth: dict[str, dict[str, int]] = {b: {} for b in set(buyers)}
    for b, i, g in zip(buyers, ikms, y, strict=True):
        if g:
            truth[b][i] = int(g)
    return TrainingSet(X, y, buyers, ikms, {b: "en" for b in truth}), truth


def test_retraining_from_outcomes_learns_what_the_fallback_misses(engine: Engine) -> None:
    data, truth = _season()
    result = simulate_loop(engine, [], truth, data=data, noise=0.1, meetings=10, explore=4, folds=4)
    assert result["buyers"] == 40 and result["meetings"] == 40 * 14
    assert 0 < result["outcomes_with_label"] <= result["meetings"] - result["not_held"]
    assert result["gain_ndcg@10"] > 0.05, result
    assert set(result["retrained"]) == {"all", "en", "id"}


def test_outcomes_that_are_pure_noise_do_not_beat_the_fallback(engine: Engine) -> None:
    data, truth = _season(seed=1)
    before = simulate_loop(engine, [], truth, data=data, noise=1.0, meetings=10, explore=4, folds=4)
    assert before["gain_ndcg@10"] < 0.02, before


def test_curated_rows_are_learned_from_and_reported(engine: Engine) -> None:
    data, truth = _season(seed=2)
    curated, _ = _season(n_buyers=30, seed=3)
    result = simulate_loop(engine, [], truth, data=data, curated=curated, noise=0.2, folds=4)
    assert result["curated_rows"] == len(curated.y)
    assert result["curated_only"]["all"]["ndcg@10"] > result["fallback"]["all"]["ndcg@10"] + 0.05
