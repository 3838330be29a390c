"""Time-slot scheduling: put chosen meetings into (slot, table) places with few idle gaps.

:func:`schedule_meetings` runs in four steps:

1. confirmed (``fixed``) meetings keep their slot and table; with ``ikm_fixed_tables`` every IKM gets one
   table for the day (its preset table, the table of a confirmed meeting, else the next free one);
2. a greedy pass places the most constrained meetings first (fewest common free slots), each in the slot
   that adds the fewest idle gaps for its two participants; a local search then moves single meetings and
   swaps pairs of meetings that share a participant while that removes idle gaps;
3. unless that left nothing to gain, a CP-SAT model (a boolean per meeting and allowed slot; one meeting
   per participant and slot; at most ``len(tables)`` meetings per slot) warm-started with those slots places
   as many meetings as possible, a ``required`` one (must-meet, fairness floor) counting as three (with
   ``drop_unplaceable``: then the highest total score, in hundredths), then minimises every participant's
   span (first to last slot); when not every meeting fits and that optimum is proven, a second pass keeps
   those placements and minimises the idle gaps themselves (span less meetings: who meets how often varies
   then, so equal spans can hide more gaps); the answer is kept only when it is at least as good;
4. tables are given per slot: confirmed ones first, then the rest in the event's table order.

Steps 1 and 2 live in :mod:`matching.events.placement`. Meetings that cannot be placed are never forced in:
they come back in ``unplaced`` with the binding reason. The result always passes
:func:`matching.events.checking.check_schedule`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from matching.events.checking import idle_gaps
from matching.events.meetings import Meeting, ScheduleProblem
from matching.events.placement import Plan, greedy, improve, pin_fixed

__all__ = ["ScheduleResult", "schedule_meetings"]


@dataclass
class ScheduleResult:
    """Scheduled meetings (slot and table set), the meetings left out with why, and quality figures.

    ``status`` is ``"optimal"`` (CP-SAT proved it, or there was nothing left to improve), ``"feasible"``
    (CP-SAT stopped at its time limit), ``"greedy"`` (the solver found nothing better),
    or ``"incomplete"`` when some meetings could not be placed and ``drop_unplaceable`` was not set.
    """

    meetings: list[Meeting]
    unplaced: list[tuple[Meeting, str]] = field(default_factory=list)
    idle_gaps_total: int = 0
    seconds: float = 0.0
    status: str = "optimal"


def _solve(
    plan: Plan, allowed: dict[int, list[int]], hint: dict[int, int], *, time_limit: float, weigh_scores: bool
) -> tuple[dict[int, int], str] | None:
    """Step 3: CP-SAT over the allowed slots, warm-started with ``hint``; None when it finds nothing."""
    model = cp_model.CpModel()
    n_slots = plan.problem.n_slots
    must_all = len(hint) == len(allowed)
    y: dict[int, dict[int, cp_model.IntVar]] = {
        k: {s: model.new_bool_var(f"y{k}_{s}") for s in slots} for k, slots in allowed.items()
    }
    at: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    mine: dict[str, list[int]] = defaultdict(list)
    own: dict[str, tuple[list[cp_model.IntVar], bool]] = {}  # participant -> (its variables, has confirmed)
    for k, ys in y.items():
        m = plan.movable[k]
        (model.add_exactly_one if must_all else model.add_at_most_one)(list(ys.values()))
        for s, var in ys.items():
            at[(m.buyer, s)].append(var)
            at[(m.ikm, s)].append(var)
            per_slot[s].append(var)
            model.add_hint(var, hint.get(k) == s)
        mine[m.buyer].append(k)
        mine[m.ikm].append(k)
    for vars_ in at.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    for s, vars_ in per_slot.items():
        if len(vars_) > plan.free_in(s):
            model.add(sum(vars_) <= plan.free_in(s))
    spans = []
    pinned_slots: dict[str, list[int]] = defaultdict(list)
    for m in plan.pinned:
        assert m.slot is not None
        pinned_slots[m.buyer].append(m.slot)
        pinned_slots[m.ikm].append(m.slot)
    for who, ks in sorted(mine.items()):
        if len(ks) + len(pinned_slots[who]) < 2:
            continue
        first, last = model.new_int_var(0, n_slots - 1, ""), model.new_int_var(0, n_slots - 1, "")
        model.add(first <= last)
        if must_all:  # every meeting takes its own slot: the span covers them all (tightens the bound)
            model.add(last - first >= len(ks) + len(pinned_slots[who]) - 1)
        for s in pinned_slots[who]:
            model.add(first <= s)
            model.add(last >= s)
        for k in ks:
            if must_all:
                slot = sum(s * var for s, var in y[k].items())
                model.add(first <= slot)
                model.add(last >= slot)
            else:
                for s, var in y[k].items():
                    model.add(first <= s).only_enforce_if(var)
                    model.add(last >= s).only_enforce_if(var)
        hinted = [*pinned_slots[who], *(hint[k] for k in ks if k in hint)]
        if hinted:
            model.add_hint(first, min(hinted))
            model.add_hint(last, max(hinted))
        spans.append(last - first)
        own[who] = ([var for k in ks for var in y[k].values()], bool(pinned_slots[who]))
    gaps = sum(spans)
    gain: cp_model.LinearExpr | int = 0
    if must_all:
        model.minimize(gaps)
    else:
        value = {k: _value(plan.movable[k]) if weigh_scores else 0 for k in y}
        per_meeting = sum(value.values()) + 1  # one more meeting beats any score gain
        required = plan.problem.required  # worth three meetings: never traded for two others
        unit = {k: (3 if plan.movable[k].pair in required else 1) * per_meeting + value[k] for k in y}
        weight = 2 * n_slots * len(y) + 1  # any placement gain beats any gap saving
        gain = sum(unit[k] * var for k, ys in y.items() for var in ys.values())
        model.maximize(weight * gain - gaps)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.max_deterministic_time = max(0.05, 0.8 * time_limit)  # stops the same way each run
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = {k: s for k, ys in y.items() for s, var in ys.items() if solver.boolean_value(var)}
    if must_all or status != cp_model.OPTIMAL:
        return chosen, "optimal" if status == cp_model.OPTIMAL else "feasible"
    return _fewest_gaps(model, solver, y, chosen, gain, gaps, own, time_limit - solver.wall_time)


def _fewest_gaps(
    model: cp_model.CpModel,
    solver: cp_model.CpSolver,
    y: dict[int, dict[int, cp_model.IntVar]],
    chosen: dict[int, int],
    gain: cp_model.LinearExpr | int,
    spans: cp_model.LinearExpr | int,
    own: dict[str, tuple[list[cp_model.IntVar], bool]],
    time_limit: float,
) -> tuple[dict[int, int], str]:
    """Second pass of step 3 when not every meeting fits and the first pass proved its optimum.

    The first pass minimises spans, which are the idle gaps only when who meets how often is settled; here
    the proven placements (and score) are kept and the true idle gaps (span + 1 - meetings, for each
    participant who meets) are minimised, starting from ``chosen``.
    """
    model.add(gain >= solver.value(gain))
    model.clear_hints()
    for k, ys in y.items():
        for s, var in ys.items():
            model.add_hint(var, chosen.get(k) == s)
    terms = [spans]
    for vars_, pinned in own.values():
        if pinned:  # meets anyway: only the count of its placed meetings varies
            terms.append(-sum(vars_))
        else:
            meets = model.new_bool_var("")
            for var in vars_:
                model.add_implication(var, meets)
            terms.append(meets - sum(vars_))
    model.minimize(sum(terms))
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.max_deterministic_time = max(0.05, 0.8 * time_limit)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return chosen, "feasible"  # placements proven, idle gaps not
    better = {k: s for k, ys in y.items() for s, var in ys.items() if solver.boolean_value(var)}
    return better, "optimal" if status == cp_model.OPTIMAL else "feasible"


def _reason(plan: Plan, m: Meeting, common: list[int], load: dict[int, int], counts: dict[str, int]) -> str:
    """The binding reason why ``m`` found no place."""
    problem = plan.problem
    if not common:
        return f"no common free slot for {m.buyer} and {m.ikm}"
    for side, who in (("buyer", m.buyer), ("IKM", m.ikm)):
        free = len(problem.available(who))
        if counts[who] > free:
            return f"{side} {who} is free in {free} slots but has {counts[who]} meetings"
    full = [s for s in common if load[s] >= plan.free_in(s)]
    if len(full) == len(common):
        return f"slot capacity: tables full in every common free slot of {m.buyer} and {m.ikm}"
    return (
        f"each of the {len(common)} slots {m.buyer} and {m.ikm} can both attend is taken by one of their "
        f"other meetings or has every table in use ({len(full)} full)"
    )


def _tables(plan: Plan, slots: dict[int, int]) -> list[Meeting]:
    """Step 4: tables per slot, confirmed ones first, then the rest in the event's table order."""
    problem = plan.problem
    out: list[Meeting] = []
    by_slot: dict[int, list[Meeting]] = defaultdict(list)
    for m in plan.pinned:
        if m.table is not None:
            out.append(m)
        else:
            by_slot[m.slot or 0].append(m)
    for k, s in sorted(slots.items()):
        by_slot[s].append(plan.movable[k])
    for s, ms in sorted(by_slot.items()):
        free = iter([t for t in problem.tables if t not in plan.pinned_tables[s]])
        for m in sorted(ms, key=lambda m: (not m.fixed, m.buyer, m.ikm)):
            table = plan.table_of[m.ikm] if problem.ikm_fixed_tables else next(free)
            out.append(Meeting(m.buyer, m.ikm, m.score, s, table, m.fixed, m.reason))
    return sorted(out, key=lambda m: (m.slot or 0, m.table or "", m.buyer, m.ikm))


def schedule_meetings(
    problem: ScheduleProblem,
    *,
    time_limit: float = 20.0,
    gap_time_limit: float = 2.0,
    drop_unplaceable: bool = False,
) -> ScheduleResult:
    """Give every meeting of ``problem`` a slot and a table; confirmed meetings keep theirs.

    Places as many meetings as possible and, among those schedules, minimises idle gaps within
    ``time_limit`` seconds. When the greedy pass and local search already place every meeting, the solver
    only hunts idle gaps, for at most ``gap_time_limit`` seconds (it rarely beats the local search on large
    events, and a gap is a comfort, not a rule). Meetings that do not fit come back in ``unplaced`` with
    the binding reason. With ``drop_unplaceable`` the lowest-score meetings are the ones left out and the
    status stays ``optimal``/``feasible``; without it any left-out meeting makes the status ``"incomplete"``.
    Nothing is raised. Deterministic for a given problem (one solver worker, fixed seed) when the
    solver proves optimality within the time limit.
    """
    start = time.perf_counter()
    plan = Plan(problem)
    pin_fixed(plan)
    allowed: dict[int, list[int]] = {}
    no_slot: list[int] = []
    for k, m in enumerate(plan.movable):
        if m.ikm in plan.bad_ikm:
            plan.unplaced.append((m, plan.bad_ikm[m.ikm]))
            continue
        common = sorted(
            (problem.available(m.buyer) & problem.available(m.ikm) & set(range(problem.n_slots)))
            - plan.busy[m.buyer]
            - plan.busy[m.ikm]
        )
        if common:
            allowed[k] = common
        else:
            no_slot.append(k)
    slots = greedy(plan, allowed)
    improve(plan, allowed, slots)
    status = "greedy"
    remaining = time_limit - (time.perf_counter() - start)
    all_placed = len(slots) == len(allowed)
    if not allowed or (all_placed and _quality(plan, slots, False)[2] == 0):
        status = "optimal"  # nothing to place, or everything placed without an idle gap: nothing to improve
    elif allowed and remaining > 0.05:
        budget = min(remaining, gap_time_limit) if all_placed else remaining
        solved = _solve(plan, allowed, slots, time_limit=budget, weigh_scores=drop_unplaceable)
        if solved is not None:
            better, solver_status = solved
            if _quality(plan, better, drop_unplaceable) >= _quality(plan, slots, drop_unplaceable):
                slots, status = better, solver_status
    counts: dict[str, int] = defaultdict(int)
    for m in problem.meetings:
        counts[m.buyer] += 1
        counts[m.ikm] += 1
    load: dict[int, int] = defaultdict(int)
    for s in slots.values():
        load[s] += 1
    for k in no_slot:
        plan.unplaced.append(
            (plan.movable[k], f"no common free slot for {plan.movable[k].buyer} and {plan.movable[k].ikm}")
        )
    for k in sorted(set(allowed) - set(slots)):
        plan.unplaced.append((plan.movable[k], _reason(plan, plan.movable[k], allowed[k], load, counts)))
    meetings = _tables(plan, slots)
    if plan.unplaced and not drop_unplaceable:
        status = "incomplete"
    return ScheduleResult(
        meetings=meetings,
        unplaced=plan.unplaced,
        idle_gaps_total=sum(idle_gaps(meetings).values()),
        seconds=time.perf_counter() - start,
        status=status,
    )


def _quality(plan: Plan, slots: dict[int, int], weigh_scores: bool) -> tuple[int, int, int]:
    """Placed meetings (a required one counting three), their total score (if weighed), minus idle gaps:
    larger is better."""
    placed = [Meeting(plan.movable[k].buyer, plan.movable[k].ikm, slot=s) for k, s in slots.items()]
    gaps = sum(idle_gaps([*plan.pinned, *placed]).values())
    score = sum(_value(plan.movable[k]) for k in slots) if weigh_scores else 0
    required = sum(plan.movable[k].pair in plan.problem.required for k in slots)
    return 2 * required + len(slots), score, -gaps


def _value(m: Meeting) -> int:
    """A meeting's score in whole hundredths, as the solver weighs it (exact sums, no float ties)."""
    return round(100 * max(0.0, min(1.0, m.score)))
