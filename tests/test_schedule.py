from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.check import Violation, check_schedule, idle_gaps
from matching.meetings import Meeting, ScheduleProblem
from matching.schedule import ScheduleResult, schedule_meetings


def random_problem(seed: int, *, ikm_fixed_tables: bool, n_fixed: int, tight: bool) -> ScheduleProblem:
    rng = random.Random(seed)
    n_slots = rng.randint(1, 6)
    buyers = [f"b{k}" for k in range(rng.randint(1, 5))]
    ikms = [f"i{k}" for k in range(rng.randint(1, 6))]
    pairs = [(b, i) for b in buyers for i in ikms]
    chosen = rng.sample(pairs, rng.randint(0, min(len(pairs), 14)))
    meetings = [Meeting(b, i, round(rng.random(), 3)) for b, i in chosen]
    n_tables = rng.randint(1, 2) if tight else rng.randint(2, 8)
    tables = [f"T{t}" for t in range(n_tables)]
    availability = {
        p: set(rng.sample(range(n_slots), rng.randint(0, n_slots)))
        for p in buyers + ikms
        if rng.random() < 0.4
    }
    for k in rng.sample(range(len(meetings)), min(n_fixed, len(meetings))):
        m = meetings[k]
        meetings[k] = Meeting(m.buyer, m.ikm, m.score, rng.randrange(n_slots), rng.choice(tables), fixed=True)
    ikm_tables = {}
    if ikm_fixed_tables and rng.random() < 0.5:
        ikm_tables = {
            i: t for i, t in zip(rng.sample(ikms, len(ikms)), tables, strict=False) if rng.random() < 0.5
        }
    return ScheduleProblem(meetings, n_slots, tables, availability, ikm_fixed_tables, ikm_tables)


def _same(a: Meeting, b: Meeting) -> bool:
    return (a.buyer, a.ikm) == (b.buyer, b.ikm)


def assert_consistent(problem: ScheduleProblem, result: ScheduleResult) -> None:
    unplaced = [m for m, _ in result.unplaced]
    for v in check_schedule(problem, result.meetings):
        # only a confirmed meeting that itself broke a rule may be missing, and it is reported
        assert v.kind == "fixed_moved" and v.meetings[0] in unplaced, v.message
    placed = sorted((m.buyer, m.ikm) for m in result.meetings)
    left = sorted((m.buyer, m.ikm) for m in unplaced)
    assert sorted(placed + left) == sorted(m.pair for m in problem.meetings)
    assert all(reason for _, reason in result.unplaced)
    kept = [f for f in problem.meetings if f.fixed and f not in unplaced]
    assert all(f in result.meetings for f in kept)
    assert result.idle_gaps_total == sum(idle_gaps(result.meetings).values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    ikm_fixed_tables=st.booleans(),
    n_fixed=st.integers(0, 3),
    tight=st.booleans(),
    drop=st.booleans(),
)
def test_every_schedule_passes_the_checker(
    seed: int, ikm_fixed_tables: bool, n_fixed: int, tight: bool, drop: bool
) -> None:
    problem = random_problem(seed, ikm_fixed_tables=ikm_fixed_tables, n_fixed=n_fixed, tight=tight)
    result = schedule_meetings(problem, time_limit=2.0, drop_unplaceable=drop)
    assert_consistent(problem, result)
    if result.unplaced and not drop:
        assert result.status == "incomplete"


def test_fixed_meetings_keep_slot_and_table() -> None:
    fixed = Meeting("b0", "i0", 0.5, slot=2, table="T1", fixed=True)
    problem = ScheduleProblem(
        [fixed, Meeting("b0", "i1", 0.9), Meeting("b1", "i0", 0.8), Meeting("b1", "i1", 0.7)],
        n_slots=3,
        tables=["T0", "T1"],
        availability={},
    )
    result = schedule_meetings(problem, time_limit=2.0)
    assert fixed in result.meetings
    assert result.unplaced == []
    assert check_schedule(problem, result.meetings, fixed=[fixed]) == []


def test_unplaceable_meetings_are_reported_with_reasons() -> None:
    problem = ScheduleProblem(
        [Meeting("b0", f"i{k}", 0.1 * k) for k in range(3)] + [Meeting("b1", "i9", 0.5)],
        n_slots=4,
        tables=["T0"],
        availability={"b0": {0, 1}, "b1": {3}, "i9": {0}},
    )
    result = schedule_meetings(problem, time_limit=2.0)
    reasons = dict(((m.buyer, m.ikm), r) for m, r in result.unplaced)
    assert reasons[("b1", "i9")] == "no common free slot for b1 and i9"
    assert sum(r == "buyer b0 is free in 2 slots but has 3 meetings" for r in reasons.values()) == 1
    assert result.status == "incomplete"
    assert check_schedule(problem, result.meetings) == []


def test_drop_unplaceable_drops_the_lowest_scores() -> None:
    problem = ScheduleProblem(
        [Meeting("b0", f"i{k}", score) for k, score in enumerate([0.9, 0.1, 0.5])],
        n_slots=2,
        tables=["T0"],
        availability={},
    )
    result = schedule_meetings(problem, time_limit=2.0, drop_unplaceable=True)
    assert [m.ikm for m, _ in result.unplaced] == ["i1"]
    assert result.status in {"optimal", "feasible"}


def test_table_capacity_reason() -> None:
    problem = ScheduleProblem(
        [Meeting(f"b{k}", f"i{k}") for k in range(3)], n_slots=1, tables=["T0", "T1"], availability={}
    )
    result = schedule_meetings(problem, time_limit=2.0)
    assert len(result.meetings) == 2
    assert result.unplaced[0][1].startswith("slot capacity: tables full")


def test_ikm_fixed_tables_give_each_ikm_one_table() -> None:
    meetings = [Meeting(f"b{b}", f"i{i}") for b in range(3) for i in range(3)]
    problem = ScheduleProblem(
        meetings,
        n_slots=3,
        tables=["A", "B", "C"],
        availability={},
        ikm_fixed_tables=True,
        ikm_tables={"i2": "A"},
    )
    result = schedule_meetings(problem, time_limit=2.0)
    assert result.unplaced == []
    assert {m.table for m in result.meetings if m.ikm == "i2"} == {"A"}
    assert check_schedule(problem, result.meetings) == []
    assert result.idle_gaps_total == 0
    short = ScheduleProblem(meetings, n_slots=3, tables=["A", "B"], availability={}, ikm_fixed_tables=True)
    result = schedule_meetings(short, time_limit=2.0)
    assert {r for _, r in result.unplaced} == {"no table left for IKM i2: 2 tables for 3 IKMs"}


def test_schedule_is_deterministic() -> None:
    problem = random_problem(7, ikm_fixed_tables=False, n_fixed=2, tight=True)
    assert (
        schedule_meetings(problem, time_limit=2.0).meetings
        == schedule_meetings(problem, time_limit=2.0).meetings
    )


def kinds(violations: list[Violation]) -> set[str]:
    return {v.kind for v in violations}


def test_checker_finds_each_violation_kind() -> None:
    problem = ScheduleProblem(
        [],
        n_slots=3,
        tables=["T0", "T1"],
        availability={"b2": {0}},
        ikm_fixed_tables=True,
        ikm_tables={"i5": "T1"},
    )
    bad = [
        Meeting("b0", "i0"),  # unscheduled
        Meeting("b1", "i1", slot=5, table="T0"),  # slot out of range
        Meeting("b1", "i2", slot=1, table="T9"),  # unknown table
        Meeting("b3", "i3", slot=0, table="T0"),
        Meeting("b3", "i4", slot=0, table="T0"),  # b3 double-booked and T0 clash
        Meeting("b2", "i3", slot=2, table="T0"),  # b2 unavailable; i3 now at one table, fine
        Meeting("b4", "i5", slot=1, table="T0"),  # i5 not at its preset T1
        Meeting("b4", "i4", slot=2, table="T1"),  # i4 at two tables; b4 over cap 1
    ]
    fixed = [Meeting("b9", "i9", slot=1, table="T1", fixed=True)]
    found = check_schedule(
        problem, bad, max_per_buyer={"b4": 1}, max_per_ikm={"i3": 5}, no_thanks={("b2", "i3")}, fixed=fixed
    )
    assert kinds(found) == {
        "unscheduled",
        "slot_range",
        "unknown_table",
        "double_booked",
        "table_clash",
        "unavailable",
        "cap",
        "no_thanks",
        "fixed_moved",
        "ikm_table",
    }
    by_kind = {v.kind: v for v in found}
    assert "b3" in by_kind["double_booked"].message and "slot 0" in by_kind["double_booked"].message
    assert "T0" in by_kind["table_clash"].message and len(by_kind["table_clash"].meetings) == 2
    assert "b2" in by_kind["unavailable"].message
    assert sum(v.kind == "ikm_table" for v in found) == 2
    assert check_schedule(problem, bad[3:4]) == []


def test_idle_gaps() -> None:
    meetings = [
        Meeting("b", "i0", slot=0),
        Meeting("b", "i1", slot=3),
        Meeting("b", "i2", slot=4),
        Meeting("c", "i0", slot=1),
        Meeting("d", "i3"),
    ]
    assert idle_gaps(meetings) == {"b": 2, "c": 0, "i0": 0, "i1": 0, "i2": 0}
    assert idle_gaps([]) == {}
