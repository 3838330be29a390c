"""Choose which meetings to hold (the "match list"): an integer program over the candidate pairs.

Given a :class:`~matching.events.meetings.MatchProblem`, :func:`choose_meetings` picks a set of buyer-IKM
pairs that maximises

    sum_p (score_p + meet_bonus * [p in meet]) * x_p  -  fairness_weight * sum_i s_i

subject to

- ``sum_{p has buyer b} x_p <= max_per_buyer[b]`` and ``sum_{p has IKM i} x_p <= max_per_ikm[i]``;
- ``sum_p x_p <= capacity`` (usable (slot, table) places);
- ``x_p = 1`` for ``fixed`` and ``must_meet`` pairs, and no ``no_thanks`` pair is a variable at all;
- soft fairness: ``sum_{p has IKM i} x_p + s_i >= target_i`` with ``s_i >= 0``, where
  ``target_i = min(min_per_ikm, max_per_ikm[i], usable candidates of i)``; a candidate is usable when
  neither side has a zero cap and the capacity is positive (or when it is fixed/must-meet).

The constraint matrix (buyer rows, IKM rows, one all-ones row, slack columns) is totally unimodular, so the
LP relaxation is integral and HiGHS usually closes the MIP at the root; ``lp_bound`` is that relaxation's
optimum and ``gap`` measures the distance to it. Pairs are fed to the solver in sorted (buyer, IKM) order, so
the same problem always gives the same answer. A participant missing from ``max_per_buyer``/``max_per_ikm``
is limited only by ``capacity``.

Errors::

    MatchingError
    └── AssignmentInfeasible   fixed/must-meet pairs alone break a cap, the capacity, or a "no thanks"
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from matching.errors import MatchingError
from matching.events.meetings import MatchProblem, Meeting, Pair

__all__ = ["AssignmentInfeasible", "MatchResult", "choose_meetings"]


class AssignmentInfeasible(MatchingError):
    """Raised when the fixed and must-meet pairs cannot all be held: they exceed a participant's cap or the
    event's capacity, or one of them is also marked "no thanks"."""


@dataclass
class MatchResult:
    """The chosen meetings and how good they are against the LP bound."""

    meetings: list[Meeting]
    objective: float  # score + bonuses - fairness penalty of the chosen meetings
    lp_bound: float  # optimum of the LP relaxation of the same model
    gap: float  # (lp_bound - objective) / max(|lp_bound|, 1e-9)
    ikm_shortfall: dict[str, int] = field(default_factory=dict)  # IKM -> meetings missing to min_per_ikm
    status: str = "optimal"  # "optimal", "time_limit" (feasible, maybe not optimal) or "greedy" (fallback)
    seconds: float = 0.0


@dataclass
class _Model:
    pairs: list[Pair]
    scores: np.ndarray  # raw ranker score per pair
    weights: np.ndarray  # objective coefficient per pair (score + meet bonus)
    forced: np.ndarray  # bool per pair: fixed or must-meet
    ikms: list[str]  # IKMs with a positive fairness target
    targets: np.ndarray  # fairness target per entry of ``ikms``
    c: np.ndarray  # minimisation objective over [x, s]
    constraints: list[LinearConstraint]
    bounds: Bounds


def _cap(caps: dict[str, int], who: str) -> float:
    return float(caps[who]) if who in caps else np.inf


def _check_forced(problem: MatchProblem, forced: set[Pair]) -> None:
    clash = sorted(forced & problem.no_thanks)
    if clash:
        buyer, ikm = clash[0]
        raise AssignmentInfeasible(
            f"pair (buyer {buyer!r}, IKM {ikm!r}) is both fixed/must-meet and 'no thanks'"
        )
    for side, caps, index in (("buyer", problem.max_per_buyer, 0), ("IKM", problem.max_per_ikm, 1)):
        counts: dict[str, int] = defaultdict(int)
        for pair in forced:
            counts[pair[index]] += 1
        for who in sorted(counts):
            if counts[who] > _cap(caps, who):
                raise AssignmentInfeasible(
                    f"{side} {who!r} has {counts[who]} fixed/must-meet meetings but its cap is {caps[who]}"
                )
    if len(forced) > problem.capacity:
        raise AssignmentInfeasible(
            f"{len(forced)} fixed/must-meet meetings exceed the event capacity of {problem.capacity}"
        )


def _build(problem: MatchProblem) -> _Model:
    forced_set = set(problem.fixed) | set(problem.must_meet)
    _check_forced(problem, forced_set)
    candidates = {p: float(s) for p, s in problem.scores.items() if p not in problem.no_thanks}
    for pair in forced_set:
        candidates.setdefault(pair, 0.0)
    # A pair with a zero cap on either side can never be chosen: drop it (forced pairs passed the check).
    pairs = sorted(
        p
        for p in candidates
        if p in forced_set or (_cap(problem.max_per_buyer, p[0]) > 0 and _cap(problem.max_per_ikm, p[1]) > 0)
    )
    if problem.capacity <= 0:
        pairs = [p for p in pairs if p in forced_set]
    n = len(pairs)
    scores = np.array([candidates[p] for p in pairs], dtype=float)
    weights = scores + problem.meet_bonus * np.array([p in problem.meet for p in pairs], dtype=float)
    forced = np.array([p in forced_set for p in pairs], dtype=bool)

    buyer_ids = sorted({p[0] for p in pairs})
    ikm_ids = sorted({p[1] for p in pairs})
    b_index = {b: k for k, b in enumerate(buyer_ids)}
    i_index = {i: k for k, i in enumerate(ikm_ids)}
    cols = np.arange(n)
    b_rows = np.array([b_index[p[0]] for p in pairs], dtype=int)
    i_rows = np.array([i_index[p[1]] for p in pairs], dtype=int)
    ones = np.ones(n)

    n_candidates = np.bincount(i_rows, minlength=len(ikm_ids))
    all_targets = np.array(
        [
            min(problem.min_per_ikm, _cap(problem.max_per_ikm, i), n_candidates[k])
            for k, i in enumerate(ikm_ids)
        ],
        dtype=float,
    )
    fair = np.flatnonzero(all_targets > 0)
    targets = all_targets[fair]
    m = len(fair)

    a_buyer = sparse.csr_array((ones, (b_rows, cols)), shape=(len(buyer_ids), n + m))
    a_ikm = sparse.csr_array((ones, (i_rows, cols)), shape=(len(ikm_ids), n + m))
    b_caps = np.array([_cap(problem.max_per_buyer, b) for b in buyer_ids])
    i_caps = np.array([_cap(problem.max_per_ikm, i) for i in ikm_ids])
    total = sparse.csr_array(np.concatenate([ones, np.zeros(m)])[None, :])
    constraints = [
        LinearConstraint(a_buyer, -np.inf, b_caps),
        LinearConstraint(a_ikm, -np.inf, i_caps),
        LinearConstraint(total, -np.inf, float(problem.capacity)),
    ]
    if m:
        fair_rows = np.concatenate([np.searchsorted(fair, i_rows[np.isin(i_rows, fair)]), np.arange(m)])
        fair_cols = np.concatenate([cols[np.isin(i_rows, fair)], n + np.arange(m)])
        a_fair = sparse.csr_array((np.ones(len(fair_cols)), (fair_rows, fair_cols)), shape=(m, n + m))
        constraints.append(LinearConstraint(a_fair, targets, np.inf))

    c = -np.concatenate([weights, np.full(m, -problem.fairness_weight)])
    lower = np.concatenate([forced.astype(float), np.zeros(m)])
    upper = np.concatenate([np.ones(n), targets])
    return _Model(
        pairs=pairs,
        scores=scores,
        weights=weights,
        forced=forced,
        ikms=[ikm_ids[k] for k in fair],
        targets=targets,
        c=c,
        constraints=constraints,
        bounds=Bounds(lower, upper),
    )


def _objective(model: _Model, chosen: np.ndarray, fairness_weight: float) -> float:
    counts: dict[str, int] = defaultdict(int)
    for k in np.flatnonzero(chosen):
        counts[model.pairs[k][1]] += 1
    missing = sum(max(0.0, t - counts[i]) for i, t in zip(model.ikms, model.targets, strict=True))
    return float(model.weights[chosen].sum() - fairness_weight * missing)


def _greedy(model: _Model, problem: MatchProblem) -> np.ndarray:
    """Fallback when the solver returns nothing: forced pairs, then best weight first within every cap."""
    chosen = model.forced.copy()
    used_b: dict[str, int] = defaultdict(int)
    used_i: dict[str, int] = defaultdict(int)
    for k in np.flatnonzero(chosen).tolist():
        used_b[model.pairs[k][0]] += 1
        used_i[model.pairs[k][1]] += 1
    total = int(chosen.sum())
    for k in sorted(range(len(model.pairs)), key=lambda k: (-model.weights[k], model.pairs[k])):
        buyer, ikm = model.pairs[k]
        if chosen[k] or model.weights[k] <= 0 or total >= problem.capacity:
            continue
        room_b = used_b[buyer] < _cap(problem.max_per_buyer, buyer)
        if room_b and used_i[ikm] < _cap(problem.max_per_ikm, ikm):
            chosen[k] = True
            used_b[buyer] += 1
            used_i[ikm] += 1
            total += 1
    return chosen


def choose_meetings(problem: MatchProblem, *, time_limit: float = 20.0) -> MatchResult:
    """Pick the meetings to hold; see the module docstring for the model.

    Raises :class:`AssignmentInfeasible` when the fixed and must-meet pairs alone cannot be held.
    """
    start = time.perf_counter()
    model = _build(problem)
    n = len(model.pairs)
    n_vars = len(model.c)
    if n_vars == 0:
        chosen = np.zeros(0, dtype=bool)
        lp_bound = 0.0
        status = "optimal"
    else:
        limit = max(time_limit, 0.1)
        lp = milp(
            model.c,
            constraints=model.constraints,
            bounds=model.bounds,
            integrality=np.zeros(n_vars),
            options={"time_limit": limit / 2, "disp": False},
        )
        spent = time.perf_counter() - start
        integrality = np.concatenate([np.ones(n), np.zeros(n_vars - n)])
        res = milp(
            model.c,
            constraints=model.constraints,
            bounds=model.bounds,
            integrality=integrality,
            options={"time_limit": max(limit - spent, 0.1), "disp": False, "mip_rel_gap": 1e-7},
        )
        if res.x is not None:
            chosen = res.x[:n] > 0.5
            status = "optimal" if res.status == 0 else "time_limit"
        else:
            chosen = _greedy(model, problem)
            status = "greedy"
        if lp.status == 0:
            lp_bound = -float(lp.fun)
        elif getattr(res, "mip_dual_bound", None) is not None:
            lp_bound = -float(res.mip_dual_bound)  # the LP timed out: the MIP's own bound is still valid
        else:
            lp_bound = float("inf")
    objective = _objective(model, chosen, problem.fairness_weight)

    meetings = []
    for k in np.flatnonzero(chosen):
        pair = model.pairs[k]
        if pair in problem.fixed:
            reason = "fixed"
        elif pair in problem.must_meet:
            reason = "must meet"
        elif pair in problem.meet:
            reason = "meet"
        else:
            reason = ""
        meetings.append(
            Meeting(
                pair[0], pair[1], score=float(model.scores[k]), fixed=pair in problem.fixed, reason=reason
            )
        )

    counts: dict[str, int] = defaultdict(int)
    for meeting in meetings:
        counts[meeting.ikm] += 1
    everyone = sorted(set(problem.ikms) | {p[1] for p in model.pairs})
    shortfall = {i: problem.min_per_ikm - counts[i] for i in everyone if counts[i] < problem.min_per_ikm}
    return MatchResult(
        meetings=meetings,
        objective=objective,
        lp_bound=lp_bound,
        gap=(lp_bound - objective) / max(abs(lp_bound), 1e-9),
        ikm_shortfall=shortfall,
        status=status,
        seconds=time.perf_counter() - start,
    )
