"""Choose which meetings to hold (the "match list"): an integer program over the candidate pairs.

Given a :class:`~matching.events.meetings.MatchProblem`, :func:`choose_meetings` picks a set of buyer-IKM
pairs that maximises

    sum_p (score_p + meet_bonus * [p in meet]) * x_p  -  fairness_weight * sum_i s_i

subject to

- ``sum_{p has buyer b} x_p <= max_per_buyer[b]`` and ``sum_{p has IKM i} x_p <= max_per_ikm[i]``;
- ``sum_p x_p <= capacity`` (usable (slot, table) places);
- ``x_p = 1`` for ``fixed`` and ``must_meet`` pairs, and no ``no_thanks`` pair is a variable at all;
- soft fairness: ``sum_{p has IKM i} x_p + s_i >= target_i`` with ``s_i >= 0``, where
  ``target_i = min(floor_i, max_per_ikm[i], usable candidates of i)`` (``floor_i`` is ``min_per_ikm`` unless
  ``floor_per_ikm`` says otherwise); a candidate is usable when neither side has a zero cap, the capacity
  is positive and, when the day is known (``n_slots > 0``), both sides share a slot they can attend (or
  when it is fixed/must-meet: then sharing no slot raises);
- when the day is known, window rows (:func:`_window_rows`): for each narrower-than-the-day window W of
  slots that a pair's meeting must fall in, every participant holds at most ``|W|`` such meetings and the
  event at most the places of W. Without them a morning-only IKM could be given only afternoon buyers.

Without window rows the matrix (buyer rows, IKM rows, one all-ones row, slack columns) is totally
unimodular and HiGHS closes the MIP at the root; with them it usually still does. ``lp_bound`` is the LP
relaxation's optimum (an upper bound on any schedulable choice, since every row holds for a schedule) and
``gap`` measures the distance to it. When the solver stops at its time limit, a fairness-first greedy choice
replaces its incumbent if it scores higher. Pairs are fed to the solver in sorted (buyer, IKM) order, so
the same problem always gives the same answer. A participant missing from ``max_per_buyer``/``max_per_ikm``
is limited only by ``capacity``. ``floor_notes`` says, for an IKM left below its floor, why the event
could not give it that many (see :func:`floor_notes`).

Errors::

    MatchingError
    └── AssignmentInfeasible   fixed/must-meet pairs alone break a cap, the capacity, or a "no thanks",
                               or share no slot both sides can attend
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

__all__ = ["AssignmentInfeasible", "MatchResult", "choose_meetings", "evaluate", "floor_notes"]


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
    floor_notes: dict[str, str] = field(default_factory=dict)  # IKM -> why its floor cannot be reached
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
    rows: list[tuple[np.ndarray, float]]  # every "at most" row: the pairs it sums and its limit
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
    if problem.n_slots > 0:
        apart = sorted(p for p in forced if not problem.common_slots(p))
        if apart:
            buyer, ikm = apart[0]
            raise AssignmentInfeasible(
                f"buyer {buyer!r} and IKM {ikm!r} must meet but share no slot both can attend"
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


def _window_rows(problem: MatchProblem, pairs: list[Pair]) -> list[tuple[np.ndarray, float]]:
    """Rows that keep the chosen meetings schedulable when participants attend only part of the day.

    For every window W (the slots a chosen pair could use) narrower than the day: a participant holds at
    most |W| meetings that must fall inside W, and the event at most the places of W's slots. Each is
    implied by any schedule, so the LP bound stays an upper bound on what can be placed. At most
    ``_MAX_WINDOWS`` distinct windows (the most used) get rows; the refill rounds of
    :mod:`matching.events.rounds` cover the rest.
    """
    if problem.n_slots <= 0:
        return []
    day = frozenset(range(problem.n_slots))
    windows = [problem.common_slots(p) for p in pairs]
    use: dict[frozenset[int], int] = defaultdict(int)
    for w in windows:
        if w != day:
            use[w] += 1
    chosen = sorted(use, key=lambda w: (-use[w], sorted(w)))[:_MAX_WINDOWS]
    # A pair counts in every chosen window that contains its own window.
    rows: list[tuple[np.ndarray, float]] = []
    for w in chosen:
        inside = np.array([k for k, own in enumerate(windows) if own <= w], dtype=int)
        places = sum(problem.places(s) for s in w) if problem.tables > 0 else np.inf
        if len(inside) > places:
            rows.append((inside, float(places)))
        per: dict[str, list[int]] = defaultdict(list)
        for k in inside.tolist():
            per[pairs[k][0]].append(k)
            per[pairs[k][1]].append(k)
        for who in sorted(per):
            ks = per[who]
            limit = len(w & problem.free_slots(who))
            if len(ks) > limit:
                rows.append((np.array(ks, dtype=int), float(limit)))
    return rows


def _build(problem: MatchProblem) -> _Model:
    forced_set = set(problem.fixed) | set(problem.must_meet)
    _check_forced(problem, forced_set)
    candidates = {p: float(s) for p, s in problem.scores.items() if p not in problem.no_thanks}
    for pair in forced_set:
        candidates.setdefault(pair, 0.0)
    # A pair with a zero cap on either side, or (when the day is known) no slot both sides can attend,
    # can never be held: drop it (forced pairs passed the check).
    pairs = sorted(
        p
        for p in candidates
        if p in forced_set
        or (
            _cap(problem.max_per_buyer, p[0]) > 0
            and _cap(problem.max_per_ikm, p[1]) > 0
            and (problem.n_slots <= 0 or problem.common_slots(p))
        )
    )
    if problem.capacity <= 0:
        pairs = [p for p in pairs if p in forced_set]
    n = len(pairs)
    scores = np.array([candidates[p] for p in pairs], dtype=float)
    weights = scores + problem.meet_bonus * np.array([p in problem.meet for p in pairs], dtype=float)
    forced = np.array([p in forced_set for p in pairs], dtype=bool)

    by_buyer: dict[str, list[int]] = defaultdict(list)
    by_ikm: dict[str, list[int]] = defaultdict(list)
    for k, (buyer, ikm) in enumerate(pairs):
        by_buyer[buyer].append(k)
        by_ikm[ikm].append(k)
    rows: list[tuple[np.ndarray, float]] = []
    for groups, caps in ((by_buyer, problem.max_per_buyer), (by_ikm, problem.max_per_ikm)):
        for who in sorted(groups):
            if len(groups[who]) > _cap(caps, who):
                rows.append((np.array(groups[who], dtype=int), _cap(caps, who)))
    if n > problem.capacity:
        rows.append((np.arange(n), float(problem.capacity)))
    rows += _window_rows(problem, pairs)

    ikm_ids = sorted(by_ikm)
    all_targets = np.array(
        [min(problem.floor(i), _cap(problem.max_per_ikm, i), len(by_ikm[i])) for i in ikm_ids], dtype=float
    )
    fair = np.flatnonzero(all_targets > 0)
    targets = all_targets[fair]
    m = len(fair)

    constraints = []
    if rows:
        r_idx = np.concatenate([np.full(len(ks), r) for r, (ks, _) in enumerate(rows)])
        c_idx = np.concatenate([ks for ks, _ in rows])
        a_rows = sparse.csr_array((np.ones(len(c_idx)), (r_idx, c_idx)), shape=(len(rows), n + m))
        constraints.append(LinearConstraint(a_rows, -np.inf, np.array([limit for _, limit in rows])))
    if m:
        f_rows = np.concatenate([np.full(len(by_ikm[ikm_ids[f]]), r) for r, f in enumerate(fair)])
        f_cols = np.concatenate([np.array(by_ikm[ikm_ids[f]], dtype=int) for f in fair])
        fair_rows = np.concatenate([f_rows, np.arange(m)])
        fair_cols = np.concatenate([f_cols, n + np.arange(m)])
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
        rows=rows,
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


def _greedy(model: _Model) -> np.ndarray:
    """Fallback and check on the solver: forced pairs; then, for IKMs below their fairness target, their
    best pairs; then the best weight first. Every "at most" row of the model is kept."""
    chosen = model.forced.copy()
    rows_of: dict[int, list[int]] = defaultdict(list)
    for r, (ks, _) in enumerate(model.rows):
        for k in ks.tolist():
            rows_of[k].append(r)
    used = np.zeros(len(model.rows))
    for k in np.flatnonzero(chosen).tolist():
        used[rows_of[k]] += 1
    limits = np.array([limit for _, limit in model.rows])

    def take(k: int) -> bool:
        if chosen[k] or np.any(used[rows_of[k]] >= limits[rows_of[k]]):
            return False
        chosen[k] = True
        used[rows_of[k]] += 1
        return True

    order = sorted(range(len(model.pairs)), key=lambda k: (-model.weights[k], model.pairs[k]))
    target = dict(zip(model.ikms, model.targets.tolist(), strict=True))
    have: dict[str, int] = defaultdict(int)
    for k in np.flatnonzero(chosen).tolist():
        have[model.pairs[k][1]] += 1
    # Floors first, one round per level, so every IKM gets its first meeting before any gets its second.
    for level in range(1, int(max(target.values(), default=0)) + 1):
        for k in order:
            ikm = model.pairs[k][1]
            if have[ikm] < min(level, target.get(ikm, 0)) and take(k):
                have[ikm] += 1
    for k in order:
        if model.weights[k] > 0:
            take(k)
    return chosen


_MAX_WINDOWS = 64


def floor_notes(problem: MatchProblem, usable: list[Pair], shortfall: dict[str, int]) -> dict[str, str]:
    """Why each IKM short of its fairness floor could not reach it, when that is the event's doing (no
    candidate buyer, none sharing a free slot, too few, or its own cap); IKMs that could have reached it but
    lost to better pairs under the shared caps get no note."""
    candidates: dict[str, int] = defaultdict(int)
    for _, ikm in problem.scores:
        candidates[ikm] += 1
    reachable: dict[str, int] = defaultdict(int)
    for _, ikm in usable:
        reachable[ikm] += 1
    notes = {}
    for ikm in sorted(shortfall):
        floor, cap = problem.floor(ikm), _cap(problem.max_per_ikm, ikm)
        if candidates[ikm] == 0:
            notes[ikm] = "no candidate buyer"
        elif cap < floor:
            notes[ikm] = f"it can take only {int(cap)} meeting(s) (its cap or free slots)"
        elif reachable[ikm] == 0:
            notes[ikm] = f"none of its {candidates[ikm]} candidate buyer(s) shares a slot it can attend"
        elif reachable[ikm] < floor:
            notes[ikm] = f"only {reachable[ikm]} candidate buyer(s) share a slot it can attend"
    return notes


def choose_meetings(problem: MatchProblem, *, time_limit: float = 20.0, bound: bool = True) -> MatchResult:
    """Pick the meetings to hold; see the module docstring for the model. With ``bound=False`` the LP
    relaxation is not solved on its own (``lp_bound`` is then the solver's MIP bound).

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
        lp = (
            milp(
                model.c,
                constraints=model.constraints,
                bounds=model.bounds,
                integrality=np.zeros(n_vars),
                options={"time_limit": limit / 2, "disp": False},
            )
            if bound
            else None
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
            if status == "time_limit":  # a poor incumbent gives way to the greedy choice when that is better
                fallback = _greedy(model)
                w = problem.fairness_weight
                if _objective(model, fallback, w) > _objective(model, chosen, w):
                    chosen, status = fallback, "greedy"
        else:
            chosen = _greedy(model)
            status = "greedy"
        if lp is not None and lp.status == 0:
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

    return _result(problem, model, meetings, objective, lp_bound, status, time.perf_counter() - start)


def _result(
    problem: MatchProblem,
    model: _Model,
    meetings: list[Meeting],
    objective: float,
    lp_bound: float,
    status: str,
    seconds: float,
) -> MatchResult:
    """The result for ``meetings``, with the IKMs short of their floor and why."""
    counts: dict[str, int] = defaultdict(int)
    for meeting in meetings:
        counts[meeting.ikm] += 1
    everyone = sorted(set(problem.ikms) | {p[1] for p in model.pairs})
    shortfall = {i: problem.floor(i) - counts[i] for i in everyone if counts[i] < problem.floor(i)}
    return MatchResult(
        meetings=meetings,
        objective=objective,
        lp_bound=lp_bound,
        gap=(lp_bound - objective) / max(abs(lp_bound), 1e-9),
        ikm_shortfall=shortfall,
        floor_notes=floor_notes(problem, model.pairs, shortfall),
        status=status,
        seconds=seconds,
    )


def evaluate(
    problem: MatchProblem, held: list[Meeting], *, lp_bound: float, status: str, seconds: float
) -> MatchResult:
    """A :class:`MatchResult` for meetings chosen some other way (the rounds of
    :mod:`matching.events.rounds`): their objective on ``problem``, its shortfalls and floor notes."""
    model = _build(problem)
    index = {p: k for k, p in enumerate(model.pairs)}
    chosen = np.zeros(len(model.pairs), dtype=bool)
    for m in held:
        if m.pair in index:
            chosen[index[m.pair]] = True
    objective = _objective(model, chosen, problem.fairness_weight)
    return _result(problem, model, list(held), objective, lp_bound, status, seconds)
