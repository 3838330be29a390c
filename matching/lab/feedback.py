"""The tuning loop end to end on simulated events: proposals -> outcomes -> retrained ranker -> better?

:func:`simulate_loop` plays a season of business-matching events on a judged buyer set:

1. the engine with the **fallback ranker** (hand-set weights) proposes each buyer's ``meetings`` best IKMs,
   plus ``explore`` random other candidates (organisers mix in a few unexpected pairs);
2. each meeting gets an outcome drawn from the ground truth with noise
   (:func:`matching.learning.outcomes.simulate_outcomes`);
3. the outcomes become labels (:func:`matching.learning.outcomes.outcome_labels`) and a ranker is fitted on
   the labelled pairs only (pairs that never met are unknown, not irrelevant), together with the rows of
   ``curated`` when given (curated qrels of another catalogue: what a shipped model was trained on);
4. the rankers re-rank every candidate of buyers the retrained model never saw (grouped K-fold by buyer),
   judged by the full ground truth: nDCG@10 of the fallback (before) and of the retrained ranker (after),
   and, with ``curated``, of a ranker fitted on the curated rows alone (what outcomes add to them).

The default estimator is a :class:`~matching.ranking.rankers.LearnedRanker` with ``prior=True``: outcomes
label the pairs the fallback proposed, so a model fitted on them alone knows nothing of the pairs it never saw
ranked; starting from the fallback's score keeps its order there.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from matching.app.engine import Engine
from matching.catalogue.schema import Buyer
from matching.learning.metrics import Qrels, evaluate_run
from matching.learning.outcomes import outcome_labels, simulate_outcomes
from matching.learning.training import TrainingSet, _run_from_scores, training_set
from matching.ranking.model_registry import resolve_ranker
from matching.ranking.rankers import LearnedRanker

__all__ = ["DEFAULT_LOOP_ESTIMATOR", "proposals", "simulate_loop"]

# few, shallow trees, a small correction of the fallback: a few hundred labelled meetings of the pairs the
# fallback proposed do not support more. Deeper or more trees (100 of 7 leaves) fitted the outcomes' noise and
# lost up to 0.09 nDCG@10 against the fallback at noise 0.5 on dev and dev2 (scripts/simulate_loop.py).
DEFAULT_LOOP_ESTIMATOR = LearnedRanker(prior=True, max_iter=30, max_leaf_nodes=3, min_samples_leaf=40)


def proposals(
    data: TrainingSet, scores: np.ndarray, *, meetings: int, explore: int, rng: random.Random
) -> list[tuple[str, str]]:
    """(buyer, IKM) meetings: each buyer's ``meetings`` best by ``scores`` plus ``explore`` random others."""
    out: list[tuple[str, str]] = []
    for buyer in np.unique(data.buyers):
        rows = np.flatnonzero(data.buyers == buyer)
        order = rows[np.lexsort((data.ikms[rows], -scores[rows]))]
        chosen = list(order[:meetings])
        rest = list(order[meetings:])
        chosen += rng.sample(rest, min(explore, len(rest)))
        out += [(str(buyer), str(data.ikms[i])) for i in chosen]
    return out


def simulate_loop(
    engine: Engine,
    buyers: Sequence[Buyer],
    truth: Qrels,
    *,
    meetings: int = 8,
    explore: int = 2,
    noise: float = 0.2,
    folds: int = 5,
    seed: int = 0,
    estimator: Any | None = None,
    data: TrainingSet | None = None,
    curated: TrainingSet | None = None,
) -> dict[str, Any]:
    """Before/after metrics of one simulated season (see the module docstring).

    ``data``, when given, is the :func:`~matching.learning.training.training_set` of ``buyers`` computed
    beforehand (it is the slow
    part; notebooks reuse it across noise levels).
    """
    rng = random.Random(seed)
    if data is None:  # every candidate row; y = true grades (used for judging only)
        data = training_set(engine.searcher(), engine.encode_buyers(buyers, cached=False), truth, k=10)
    fallback, _ = resolve_ranker("weights", engine.settings.models_dir)
    base_scores = fallback.predict(data.X)
    proposed = proposals(data, base_scores, meetings=meetings, explore=explore, rng=rng)
    outcomes = simulate_outcomes(proposed, truth, noise=noise, seed=seed)
    labels = outcome_labels(outcomes)
    labelled = np.array(
        [data.ikms[i] in labels.get(str(data.buyers[i]), {}) for i in range(len(data.y))], dtype=bool
    )
    y_outcome = np.array(
        [labels.get(str(b), {}).get(str(i), 0) for b, i in zip(data.buyers, data.ikms, strict=True)],
        dtype=float,
    )
    model = estimator if estimator is not None else DEFAULT_LOOP_ESTIMATOR
    model = clone(model).set_params(random_state=seed) if "random_state" in model.get_params() else model
    systems: dict[str, np.ndarray] = {"fallback": base_scores, "retrained": np.zeros(len(data.y))}
    if curated is not None:
        systems["curated_only"] = clone(model).fit(curated.X, curated.y).predict(data.X)
    splitter = GroupKFold(n_splits=min(folds, len(np.unique(data.buyers))))
    with threadpool_limits(1):  # small fits: threads cost more than they give, and more on a busy machine
        for train, test in splitter.split(data.X, data.y, data.buyers):
            fit_rows = train[labelled[train]]
            X, y = data.X[fit_rows], y_outcome[fit_rows]
            if curated is not None:
                X, y = np.vstack([curated.X, X]), np.concatenate([curated.y, y])
            systems["retrained"][test] = clone(model).fit(X, y).predict(data.X[test])
    everyone = np.arange(len(data.y))
    result: dict[str, Any] = {
        "buyers": len(np.unique(data.buyers)),
        "meetings": len(proposed),
        "outcomes_with_label": int(labelled.sum()),
        "not_held": sum(o.day_outcome == "not_held" for o in outcomes),
        "curated_rows": 0 if curated is None else len(curated.y),
        "noise": noise,
        "seed": seed,
    }
    for name, scores in systems.items():
        run = _run_from_scores(data, scores, everyone, 10)
        result[name] = {
            split: evaluate_run(
                run, truth, queries=[q for q in run if split == "all" or data.languages.get(q) == split]
            ).as_dict()
            for split in ("all", "en", "id")
        }
    result["gain_ndcg@10"] = result["retrained"]["all"]["ndcg@10"] - result["fallback"]["all"]["ndcg@10"]
    return result
