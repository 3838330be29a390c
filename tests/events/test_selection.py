from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import MatchingError
from matching.events.meetings import MatchProblem, Pair
from matching.events.selection import AssignmentInfeasible, MatchResult, choose_meetings


def random_problem(seed: int, *, n_buyers: int = 3, n_ikms: int = 4, n_pairs: int = 10) -> MatchProblem:
    rng = random.Random(seed)
    buyers = [f"b{k}" for k in range(n_buyers)]
    ikms = [f"i{k}" for k in range(n_ikms)]
    all_pairs = [(b, i) for b in buyers for i in ikms]
    pairs = rng.sample(all_pairs, min(n_pairs, len(all_pairs)))
    scores = {p: round(rng.uniform(-0.2, 1.0), 3) for p in pairs}
    extra = rng.sample(pairs, min(4, len(pairs)))
    return MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer={b: rng.randint(0, 3) for b in buyers},
        max_per_ikm={i: rng.randint(0, 3) for i in ikms},
        capacity=rng.randint(1, 8),
        min_per_ikm=rng.randint(0, 2),
        meet=set(extra[:1]),
        no_thanks=set(extra[1:2]),
        meet_bonus=0.5,
        fairness_weight=rng.choice([0.3, 2.0, 10.0]),
    )


def model_value(problem: MatchProblem, chosen: set[Pair]) -> float:
    """The objective of the model, from its definition (independent of the implementation)."""
    candidates = {p: s for p, s in problem.scores.items() if p not in problem.no_thanks}
    for p in problem.fixed | problem.must_meet:
        candidates.setdefault(p, 0.0)
    per_ikm = Counter(i for _, i in chosen)
    value = sum(candidates[p] + problem.meet_bonus * (p in problem.meet) for p in chosen)
    forced = problem.fixed | problem.must_meet
    usable = [
        p
        for p in candidates
        if p in forced
        or (
            problem.capacity > 0
            and problem.max_per_buyer.get(p[0], 1) > 0
            and problem.max_per_ikm.get(p[1], 1) > 0
        )
    ]
    n_cand = Counter(i for _, i in usable)
    for i in {i for _, i in candidates}:
        target = min(problem.min_per_ikm, problem.max_per_ikm.get(i, 10**9), n_cand[i])
        value -= problem.fairness_weight * max(0, target - per_ikm[i])
    return value


def feasible(problem: MatchProblem, chosen: set[Pair]) -> bool:
    per_buyer = Counter(b for b, _ in chosen)
    per_ikm = Counter(i for _, i in chosen)
    return (
        len(chosen) <= problem.capacity
        and all(n <= problem.max_per_buyer.get(b, 10**9) for b, n in per_buyer.items())
        and all(n <= problem.max_per_ikm.get(i, 10**9) for i, n in per_ikm.items())
        and not chosen & problem.no_thanks
        and (problem.fixed | problem.must_meet) <= chosen
    )


def brute_force(problem: MatchProblem) -> float:
    pairs = sorted(set(problem.scores) - problem.no_thanks | problem.fixed | problem.must_meet)
    best = -float("inf")
    for k in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, k):
            chosen = set(subset)
            if feasible(problem, chosen):
                best = max(best, model_value(problem, chosen))
    return best


def check_constraints(problem: MatchProblem, result: MatchResult) -> None:
    chosen = [m.pair for m in result.meetings]
    assert len(chosen) == len(set(chosen))
    assert feasible(problem, set(chosen))
    assert all(m.fixed == (m.pair in problem.fixed) for m in result.meetings)
    assert result.objective == pytest.approx(model_value(problem, set(chosen)), abs=1e-9)
    assert result.objective <= result.lp_bound + 1e-6
    per_ikm = Counter(m.ikm for m in result.meetings)
    for i in set(problem.ikms) | {i for _, i in chosen}:
        if per_ikm[i] < problem.min_per_ikm:
            assert result.ikm_shortfall[i] == problem.min_per_ikm - per_ikm[i]
        else:
            assert i not in result.ikm_shortfall


@pytest.mark.parametrize("seed", range(40))
def test_exact_optimum_matches_brute_force(seed: int) -> None:
    problem = random_problem(seed)
    result = choose_meetings(problem)
    check_constraints(problem, result)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute_force(problem), abs=1e-6)


def test_fixed_and_must_meet_are_chosen_even_when_scores_are_low() -> None:
    problem = MatchProblem(
        buyers=["b1", "b2"],
        ikms=["i1", "i2"],
        scores={("b1", "i1"): 0.9, ("b1", "i2"): -1.0, ("b2", "i1"): 0.8},
        max_per_buyer={"b1": 1, "b2": 2},
        max_per_ikm={"i1": 2, "i2": 2},
        capacity=5,
        must_meet={("b1", "i2")},
        fixed={("b2", "i2")},  # not among the scored pairs: scored 0
    )
    result = choose_meetings(problem)
    pairs = {m.pair for m in result.meetings}
    assert {("b1", "i2"), ("b2", "i2"), ("b2", "i1")} == pairs
    fixed = [m for m in result.meetings if m.fixed]
    assert [(m.pair, m.score) for m in fixed] == [(("b2", "i2"), 0.0)]
    check_constraints(problem, result)


def test_no_thanks_never_chosen() -> None:
    problem = MatchProblem(
        buyers=["b1"],
        ikms=["i1", "i2"],
        scores={("b1", "i1"): 5.0, ("b1", "i2"): 0.1},
        max_per_buyer={"b1": 2},
        max_per_ikm={"i1": 1, "i2": 1},
        capacity=2,
        no_thanks={("b1", "i1")},
        min_per_ikm=1,
    )
    result = choose_meetings(problem)
    assert [m.pair for m in result.meetings] == [("b1", "i2")]
    assert result.ikm_shortfall == {"i1": 1}


def test_fairness_lifts_low_score_ikm_to_its_minimum() -> None:
    buyers = ["b1", "b2", "b3", "b4"]
    scores = {(b, "star"): 1.0 for b in buyers} | {(b, "quiet"): 0.05 for b in buyers}
    base = dict(
        buyers=buyers,
        ikms=["star", "quiet"],
        scores=scores,
        max_per_buyer=dict.fromkeys(buyers, 1),
        max_per_ikm={"star": 4, "quiet": 4},
        capacity=4,
    )
    without = choose_meetings(MatchProblem(**base))  # type: ignore[arg-type]
    assert Counter(m.ikm for m in without.meetings) == {"star": 4}
    # Each missing meeting below the minimum costs 1.0: 2 + 2 x 0.05 beats 3 + 0.05 - 1 and 4 - 2.
    with_min = choose_meetings(MatchProblem(**base, min_per_ikm=2, fairness_weight=1.0))  # type: ignore[arg-type]
    assert Counter(m.ikm for m in with_min.meetings) == {"star": 2, "quiet": 2}
    assert with_min.ikm_shortfall == {}
    assert with_min.objective == pytest.approx(2.1)


def test_fairness_is_soft_when_capacity_is_short() -> None:
    problem = MatchProblem(
        buyers=["b1"],
        ikms=["i1", "i2", "i3"],
        scores={("b1", "i1"): 0.5, ("b1", "i2"): 0.4, ("b1", "i3"): 0.3},
        max_per_buyer={"b1": 3},
        max_per_ikm=dict.fromkeys(["i1", "i2", "i3"], 2),
        capacity=2,
        min_per_ikm=1,
    )
    result = choose_meetings(problem)
    assert {m.ikm for m in result.meetings} == {"i1", "i2"}
    assert result.ikm_shortfall == {"i3": 1}
    assert result.objective == pytest.approx(0.9 - 10.0)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"must_meet": {("b1", "i1"), ("b1", "i2")}}, "buyer 'b1'"),
        ({"fixed": {("b1", "i1"), ("b2", "i1")}, "max_per_ikm": {"i1": 1, "i2": 3}}, "IKM 'i1'"),
        ({"must_meet": {("b1", "i1"), ("b2", "i2")}, "capacity": 1}, "capacity"),
        ({"must_meet": {("b2", "i2")}, "no_thanks": {("b2", "i2")}}, "'b2'"),
    ],
)
def test_infeasible_must_meets_raise_naming_the_participant(changes: dict[str, object], named: str) -> None:
    base: dict[str, object] = dict(
        buyers=["b1", "b2"],
        ikms=["i1", "i2"],
        scores={("b1", "i1"): 1.0, ("b2", "i2"): 1.0},
        max_per_buyer={"b1": 1, "b2": 3},
        max_per_ikm={"i1": 3, "i2": 3},
        capacity=10,
    )
    problem = MatchProblem(**(base | changes))  # type: ignore[arg-type]
    with pytest.raises(AssignmentInfeasible, match=named) as info:
        choose_meetings(problem)
    assert isinstance(info.value, MatchingError)


def test_deterministic_with_ties() -> None:
    buyers = [f"b{k}" for k in range(6)]
    ikms = [f"i{k}" for k in range(6)]
    scores = {(b, i): 1.0 for b in buyers for i in ikms}
    problem = MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer=dict.fromkeys(buyers, 2),
        max_per_ikm=dict.fromkeys(ikms, 2),
        capacity=9,
        min_per_ikm=1,
    )
    first = choose_meetings(problem)
    reordered = dataclasses.replace(problem, scores=dict(reversed(list(scores.items()))))
    for again in (choose_meetings(problem), choose_meetings(reordered)):
        assert again.meetings == first.meetings
        assert again.objective == first.objective
    assert len(first.meetings) == 9


def test_empty_problem() -> None:
    problem = MatchProblem(
        buyers=[], ikms=["i1"], scores={}, max_per_buyer={}, max_per_ikm={}, capacity=3, min_per_ikm=1
    )
    result = choose_meetings(problem)
    assert result.meetings == [] and result.objective == 0.0 and result.ikm_shortfall == {"i1": 1}


def test_medium_instance_is_near_lp_bound() -> None:
    rng = random.Random(7)
    buyers = [f"b{k:03d}" for k in range(60)]
    ikms = [f"i{k:03d}" for k in range(200)]
    scores = {(b, i): rng.random() for b in buyers for i in rng.sample(ikms, 20)}
    problem = MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer=dict.fromkeys(buyers, 8),
        max_per_ikm=dict.fromkeys(ikms, 6),
        capacity=300,
        min_per_ikm=1,
        must_meet=set(list(scores)[:5]),
    )
    result = choose_meetings(problem)
    check_constraints(problem, result)
    assert result.gap <= 0.01


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n_buyers=st.integers(1, 4),
    n_ikms=st.integers(1, 5),
    n_pairs=st.integers(0, 12),
    forced=st.integers(0, 2),
)
def test_property_constraints_hold(seed: int, n_buyers: int, n_ikms: int, n_pairs: int, forced: int) -> None:
    problem = random_problem(seed, n_buyers=n_buyers, n_ikms=n_ikms, n_pairs=n_pairs)
    rng = random.Random(seed)
    pool = sorted(set(problem.scores) - problem.no_thanks)
    problem.must_meet = set(rng.sample(pool, min(forced, len(pool))))
    problem.fixed = set(rng.sample(pool, min(1, len(pool)))) if forced == 2 else set()
    try:
        result = choose_meetings(problem)
    except AssignmentInfeasible:
        forced_pairs = problem.fixed | problem.must_meet
        assert not feasible(problem, forced_pairs)
        return
    check_constraints(problem, result)
    if len(set(problem.scores) | problem.must_meet | problem.fixed) <= 12:
        assert result.objective == pytest.approx(brute_force(problem), abs=1e-6)


# The day: pairs that share no slot, windows narrower than the day.

AM, PM = {0, 1}, {2, 3}


def day_problem(**changes: object) -> MatchProblem:
    problem = MatchProblem(
        buyers=["am", "pm", "all"],
        ikms=["i1", "i2", "i3"],
        scores={("pm", "i1"): 0.9, ("am", "i1"): 0.2, ("am", "i2"): 0.8, ("all", "i3"): 0.5},
        max_per_buyer={"am": 2, "pm": 2, "all": 4},
        max_per_ikm={"i1": 2, "i2": 2, "i3": 4},
        capacity=8,
        min_per_ikm=1,
        n_slots=4,
        tables=2,
        availability={"am": AM, "pm": PM, "i1": AM},
    )
    for name, value in changes.items():
        setattr(problem, name, value)
    return problem


def test_a_pair_sharing_no_slot_is_never_chosen() -> None:
    result = choose_meetings(day_problem())
    chosen = {m.pair for m in result.meetings}
    assert ("pm", "i1") not in chosen and ("am", "i1") in chosen
    assert result.ikm_shortfall == {}


def test_without_the_day_the_same_problem_chooses_the_pair_that_cannot_meet() -> None:
    result = choose_meetings(day_problem(n_slots=0))
    assert ("pm", "i1") in {m.pair for m in result.meetings}


def test_a_must_meet_pair_sharing_no_slot_is_refused_with_both_names() -> None:
    with pytest.raises(AssignmentInfeasible, match="'pm' and IKM 'i1' must meet but share no slot"):
        choose_meetings(day_problem(must_meet={("pm", "i1")}))


def test_a_window_holds_no_more_meetings_of_a_participant_than_its_slots() -> None:
    """i1 comes in the morning (2 slots): three morning buyers want it, only two can meet it."""
    problem = day_problem(
        buyers=["a", "b", "c"],
        ikms=["i1"],
        scores={("a", "i1"): 0.9, ("b", "i1"): 0.8, ("c", "i1"): 0.7},
        max_per_buyer={"a": 4, "b": 4, "c": 4},
        max_per_ikm={"i1": 4},
        availability={"i1": AM},
    )
    assert len(choose_meetings(problem).meetings) == 2


def test_a_window_holds_no_more_meetings_than_its_places() -> None:
    """Four morning-only IKMs, one table: the morning's two places hold two meetings."""
    ikms = ["i1", "i2", "i3", "i4"]
    problem = day_problem(
        buyers=["a", "b"],
        ikms=ikms,
        scores={(b, i): 0.5 for b in ("a", "b") for i in ikms},
        max_per_buyer={"a": 4, "b": 4},
        max_per_ikm=dict.fromkeys(ikms, 4),
        tables=1,
        capacity=4,
        min_per_ikm=0,
        availability=dict.fromkeys(ikms, AM),
    )
    result = choose_meetings(problem)
    assert len(result.meetings) == 2 and result.lp_bound == pytest.approx(1.0)


def test_floor_notes_say_why_a_floor_cannot_be_met() -> None:
    problem = day_problem(
        ikms=["i1", "i2", "i3", "i4"],
        scores={("pm", "i1"): 0.9, ("all", "i3"): 0.5},
        max_per_ikm={"i1": 2, "i2": 2, "i3": 0, "i4": 2},
    )
    notes = choose_meetings(problem).floor_notes
    assert notes == {
        "i1": "none of its 1 candidate buyer(s) shares a slot it can attend",
        "i2": "no candidate buyer",
        "i3": "it can take only 0 meeting(s) (its cap or free slots)",
        "i4": "no candidate buyer",
    }
