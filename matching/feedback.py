"""The tuning loop end to end on simulated events: proposals -> outcomes -> retrained ranker -> better?

:func:`simulate_loop` plays a season of business-matching events on a judged buyer set:

1. the engine with the **fallback ranker** (hand-set weights) proposes each buyer's ``meetings`` best IKMs,
   plus ``explore`` random other candidates (organisers mix in a few unexpected pairs);
2. each meeting gets an outcome drawn from the ground truth with noise
   (:func:`matching.outcomes.simulate_outcomes`);
3. the outcomes become labels (:func:`matching.outcomes.outcome_labels`) and a :class:`LearnedRanker` is
   fitted on the labelled pairs only (pairs that never met are unknown, not irrelevant);
4. both rankers re-rank every candidate of buyers the retrained model never saw (grouped K-fold by buyer),
   judged by the full ground truth: nDCG@10 before (fallback) and after (retrained).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from matching.engine import Engine
from matching.evaluate import Qrels, evaluate_run
from matching.outcomes import outcome_labels, simulate_outcomes
from matching.rank import LearnedRanker
from matching.registry import resolve_ranker
from matching.schema import Buyer
from matching.train import _run_from_scores, training_set

__all__ = ["simulate_loop"]


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
) -> dict[str, Any]:
    """Before/after metrics of one simulated season (see the module docstring)."""
    rng = random.Random(seed)
    data = training_set(engine, buyers, truth, k=10)  # every candidate row; y = true grades (for judging)
    fallback, _ = resolve_ranker("weights", engine.settings.models_dir)
    base_scores = fallback.predict(data.X)
    proposed: list[tuple[str, str]] = []
    for buyer in np.unique(data.buyers):
        rows = np.flatnonzero(data.buyers == buyer)
        order = rows[np.lexsort((data.ikms[rows], -base_scores[rows]))]
        chosen = list(order[:meetings])
        rest = list(order[meetings:])
        chosen += rng.sample(rest, min(explore, len(rest)))
        proposed += [(str(buyer), str(data.ikms[i])) for i in chosen]
    outcomes = simulate_outcomes(proposed, truth, noise=noise, seed=seed)
    labels = outcome_labels(outcomes)
    labelled = np.array(
        [data.ikms[i] in labels.get(str(data.buyers[i]), {}) for i in range(len(data.y))], dtype=bool
    )
    y_outcome = np.array(
        [labels.get(str(b), {}).get(str(i), 0) for b, i in zip(data.buyers, data.ikms, strict=True)],
        dtype=float,
    )
    model = estimator if estimator is not None else LearnedRanker(random_state=seed, min_samples_leaf=10)
    after = np.zeros(len(data.y))
    splitter = GroupKFold(n_splits=min(folds, len(np.unique(data.buyers))))
    for train, test in splitter.split(data.X, data.y, data.buyers):
        fit_rows = train[labelled[train]]
        fitted = clone(model).fit(data.X[fit_rows], y_outcome[fit_rows])
        after[test] = fitted.predict(data.X[test])
    everyone = np.arange(len(data.y))
    result: dict[str, Any] = {
        "buyers": len(np.unique(data.buyers)),
        "meetings": len(proposed),
        "outcomes_with_label": int(labelled.sum()),
        "not_held": sum(o.day_outcome == "not_held" for o in outcomes),
        "noise": noise,
        "seed": seed,
    }
    for name, scores in (("fallback", base_scores), ("retrained", after)):
        run = _run_from_scores(data, scores, everyone, 10)
        result[name] = {
            split: evaluate_run(
                run, truth, queries=[q for q in run if split == "all" or data.languages.get(q) == split]
            ).as_dict()
            for split in ("all", "en", "id")
        }
    result["gain_ndcg@10"] = result["retrained"]["all"]["ndcg@10"] - result["fallback"]["all"]["ndcg@10"]
    return result
