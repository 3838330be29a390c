"""Choosing and scheduling together on days where some participants come for half the day."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching.events.checking import check_schedule
from matching.events.meetings import MatchProblem, Meeting, ScheduleProblem
from matching.events.rounds import choose_and_schedule, required_pairs
from matching.events.scheduling import schedule_meetings
from matching.events.selection import choose_meetings

MORNING, AFTERNOON = set(range(0, 4)), set(range(4, 8))


def half_day_event(seed: int, n_buyers: int = 10, n_ikms: int = 40, tables: int = 6) -> MatchProblem:
    """A random 8-slot day: 20% of buyers and 10% of IKMs come only in the morning or the afternoon;
    each buyer has 6 candidate IKMs with random scores; every IKM should meet at least once."""
    rng = random.Random(seed)
    buyers = [f"B{k:02d}" for k in range(n_buyers)]
    ikms = [f"I{k:02d}" for k in range(n_ikms)]
    availability = {}
    for who in rng.sample(buyers, n_buyers // 5) + rng.sample(ikms, n_ikms // 10):
        availability[who] = set(rng.choice([MORNING, AFTERNOON]))
    scores = {}
    for b in buyers:
        for i in rng.sample(ikms, 6):
            scores[(b, i)] = round(rng.random(), 3)
    for i in ikms:  # every IKM is somebody's candidate
        if not any(p[1] == i for p in scores):
            scores[(rng.choice(buyers), i)] = round(rng.random(), 3)
    n_slots = 8
    free = {p: len(availability.get(p, range(n_slots))) for p in [*buyers, *ikms]}
    return MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer={b: min(6, free[b]) for b in buyers},
        max_per_ikm={i: min(3, free[i]) for i in ikms},
        capacity=n_slots * tables,
        min_per_ikm=1,
        n_slots=n_slots,
        tables=tables,
        availability=availability,
    )


def day_of(problem: MatchProblem) -> ScheduleProblem:
    return ScheduleProblem(
        meetings=[],
        n_slots=problem.n_slots,
        tables=[str(t + 1) for t in range(problem.tables)],
        availability=problem.availability,
    )


def reachable_ikms(problem: MatchProblem) -> set[str]:
    return {i for (b, i) in problem.scores if problem.common_slots((b, i))}


def most_ikms_that_can_meet(problem: MatchProblem) -> int:
    """How many IKMs at most can have a meeting: a maximum matching of IKMs to buyer places (each buyer
    repeated as often as its cap), over pairs sharing a slot. Slots and tables are left out, so it is an
    upper bound for any schedule, found independently of the code under test."""
    places = [(b, k) for b in problem.buyers for k in range(problem.max_per_buyer[b])]
    column = {place: c for c, place in enumerate(places)}
    ikms = sorted(reachable_ikms(problem))
    rows, cols = [], []
    for r, i in enumerate(ikms):
        for b in problem.buyers:
            if (b, i) in problem.scores and problem.common_slots((b, i)):
                for k in range(problem.max_per_buyer[b]):
                    rows.append(r)
                    cols.append(column[(b, k)])
    graph = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(ikms), len(places)))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


@pytest.mark.parametrize("seed", range(8))
def test_every_chosen_meeting_is_placed_and_as_many_ikms_as_can_meet_do(seed: int) -> None:
    problem = half_day_event(seed)
    day = day_of(problem)
    planned = choose_and_schedule(problem, day, time_limit=5)
    placed = planned.schedule.meetings
    assert planned.left_out == []
    assert all(problem.common_slots(m.pair) for m in placed)
    counts = Counter(m.ikm for m in placed)
    assert len(counts) == most_ikms_that_can_meet(problem)  # as many IKMs at the floor as can be
    assert {i for i in problem.ikms if i not in reachable_ikms(problem)} <= set(planned.match.ikm_shortfall)
    checked = ScheduleProblem(placed, day.n_slots, day.tables, day.availability)
    assert (
        check_schedule(checked, placed, max_per_buyer=problem.max_per_buyer, max_per_ikm=problem.max_per_ikm)
        == []
    )
    assert planned.match.objective <= planned.match.lp_bound + 1e-6


def test_choosing_without_the_day_leaves_reachable_ikms_without_a_meeting() -> None:
    """The control: the old way (a match list blind to the day, then a schedule) fails these IKMs."""
    misses = 0
    for seed in range(8):
        problem = half_day_event(seed)
        blind = MatchProblem(
            buyers=problem.buyers,
            ikms=problem.ikms,
            scores=problem.scores,
            max_per_buyer=problem.max_per_buyer,
            max_per_ikm=problem.max_per_ikm,
            capacity=problem.capacity,
            min_per_ikm=1,
        )
        chosen = choose_meetings(blind, time_limit=5).meetings
        day = day_of(problem)
        day.meetings = chosen
        placed = schedule_meetings(day, time_limit=5, drop_unplaceable=True).meetings
        misses += most_ikms_that_can_meet(problem) - len({m.ikm for m in placed})
    assert misses > 0


def test_a_morning_ikm_gets_the_morning_buyer_not_a_better_scored_afternoon_one() -> None:
    problem = MatchProblem(
        buyers=["AM", "PM"],
        ikms=["I1", "I2"],
        scores={("PM", "I1"): 0.9, ("AM", "I1"): 0.3, ("PM", "I2"): 0.5, ("AM", "I2"): 0.2},
        max_per_buyer={"AM": 4, "PM": 4},
        max_per_ikm={"I1": 1, "I2": 1},
        capacity=8,
        min_per_ikm=1,
        n_slots=8,
        tables=1,
        availability={"I1": MORNING, "AM": MORNING, "PM": AFTERNOON},
    )
    planned = choose_and_schedule(problem, day_of(problem), time_limit=5)
    assert sorted(m.pair for m in planned.schedule.meetings) == [("AM", "I1"), ("PM", "I2")]
    assert all(m.slot in MORNING for m in planned.schedule.meetings if m.ikm == "I1")


def test_required_pairs_are_must_meets_and_each_ikms_best_up_to_its_floor() -> None:
    problem = MatchProblem(
        buyers=["B1", "B2", "B3"],
        ikms=["I1"],
        scores={},
        max_per_buyer={},
        max_per_ikm={},
        capacity=10,
        min_per_ikm=1,
        must_meet={("B3", "I1")},
    )
    chosen = [Meeting("B1", "I1", 0.9), Meeting("B2", "I1", 0.5), Meeting("B3", "I1", 0.1)]
    assert required_pairs(problem, chosen) == {("B3", "I1")}  # the must-meet already meets the floor
    problem.min_per_ikm = 2
    assert required_pairs(problem, chosen) == {("B3", "I1"), ("B1", "I1")}


def overlapping_shifts_event(seed: int) -> MatchProblem:
    """6 buyers, 14 IKMs, 8 slots, 3 tables; everyone on one of many overlapping 3-slot windows."""
    shifts = [set(range(s, s + 3)) for s in range(0, 6)]
    rng = random.Random(seed)
    buyers = [f"B{k}" for k in range(6)]
    ikms = [f"I{k}" for k in range(14)]
    availability = {who: rng.choice(shifts) for who in [*buyers, *ikms]}
    scores = {(b, i): round(rng.random(), 3) for b in buyers for i in ikms}
    return MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer={b: 3 for b in buyers},
        max_per_ikm={i: 2 for i in ikms},
        capacity=8 * 3,
        min_per_ikm=1,
        n_slots=8,
        tables=3,
        availability=availability,
    )


def test_refill_rounds_fill_places_a_first_choice_could_not_use() -> None:
    """Windows the selection's rows do not model (overlapping shifts) leave meetings unplaced in the first
    round; the next round keeps what was placed and fills the free places with other pairs."""
    problem = overlapping_shifts_event(3)
    one = choose_and_schedule(problem, day_of(problem), time_limit=5, rounds=1)
    three = choose_and_schedule(problem, day_of(problem), time_limit=5, rounds=3)
    assert len(three.schedule.meetings) >= len(one.schedule.meetings)
    assert three.match.objective >= one.match.objective - 1e-9
    placed_once = {m.pair: (m.slot, m.table) for m in one.schedule.meetings}
    if three.rounds > 1:  # what round one placed stays where it was
        later = {m.pair: (m.slot, m.table) for m in three.schedule.meetings}
        assert all(later.get(p) == at for p, at in placed_once.items())
        assert not any(m.fixed for m in three.schedule.meetings)


def test_meetings_not_placed_are_either_shortfalls_of_the_plan_or_replaced_by_others() -> None:
    """A meeting tried and not placed is *left out* only when the plan misses something for it (a
    must-meet pair, or its IKM below the floor); otherwise another meeting took its place: *replaced*."""
    seen = 0
    for seed in range(6):
        problem = overlapping_shifts_event(seed)
        problem.must_meet = {min(p for p in problem.scores if problem.common_slots(p))}
        planned = choose_and_schedule(problem, day_of(problem), time_limit=5, rounds=1)
        seen += len(planned.replaced) + len(planned.left_out)
        counts = Counter(m.ikm for m in planned.schedule.meetings)
        placed = {m.pair for m in planned.schedule.meetings}
        for m, why in planned.replaced:
            assert m.pair not in placed and m.pair not in problem.must_meet and why
            assert counts[m.ikm] >= problem.floor(m.ikm)
        for m, why in planned.left_out:
            assert m.pair not in placed and why
            assert m.pair in problem.must_meet or counts[m.ikm] < problem.floor(m.ikm)
        assert planned.schedule.unplaced == planned.left_out
    assert seen > 0  # these events do leave meetings unplaced in one round
