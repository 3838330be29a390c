"""Re-scheduling: unaffected meetings never move, the result is valid, freed capacity is filled."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.errors import ConfigError
from matching.events.checking import check_schedule
from matching.events.meetings import MatchProblem, Meeting, Pair, ScheduleProblem
from matching.events.model import Event, parse_event
from matching.events.repair import Changes, Replan, replan
from matching.events.scheduling import schedule_meetings
from matching.events.selection import choose_meetings

SESSIONS = [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "15:00"}]  # 9 + 6 slots of 20'


def make_event(buyers: list[str], ikms: list[str], tables: int, **extra: Any) -> Event:
    data = {
        "name": "Uji",
        "slot_minutes": 20,
        "sessions": SESSIONS,
        "tables": tables,
        "max_meetings_per_buyer": 6,
        "max_meetings_per_ikm": 4,
        "min_meetings_per_ikm": 1,
        "buyers": buyers,
        "ikms": ikms,
    }
    return parse_event(data | extra)


def plan(event: Event, scores: dict[Pair, float]) -> list[Meeting]:
    """A valid plan without the engine: match list, then schedule."""
    buyers, ikms = list(event.buyers), list(event.ikms)
    n = len(event.slots())
    problem = MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer=dict.fromkeys(buyers, event.max_meetings_per_buyer or n),
        max_per_ikm=dict.fromkeys(ikms, event.max_meetings_per_ikm or n),
        capacity=n * len(event.table_names()),
        min_per_ikm=event.min_meetings_per_ikm,
    )
    meetings = choose_meetings(problem).meetings
    schedule = ScheduleProblem(meetings, n, event.table_names(), {}, event.ikm_fixed_tables)
    result = schedule_meetings(schedule, time_limit=2, gap_time_limit=0.1, drop_unplaceable=True)
    return result.meetings


def random_case(seed: int) -> tuple[Event, dict[Pair, float], list[Meeting], Changes]:
    rng = random.Random(seed)
    buyers = [f"B{k:02d}" for k in range(rng.randint(2, 8))]
    ikms = [f"I{k:02d}" for k in range(rng.randint(3, 16))]
    event = make_event(buyers, ikms, rng.randint(1, 6), ikm_fixed_tables=False)
    scores = {(b, i): round(rng.random(), 3) for b in buyers for i in ikms if rng.random() < 0.6}
    current = plan(event, scores)
    slots = event.slots()
    now = rng.choice([None, None, *[s.start.strftime("%H:%M") for s in slots]])
    late = {
        p: [{"start": rng.choice(["09:40", "10:20", "13:00"]), "end": "15:00"}]
        for p in rng.sample(buyers + ikms, rng.randint(0, 3))
    }
    changes = Changes.model_validate(
        {
            "now": now,
            "no_shows": rng.sample(buyers, rng.randint(0, 1)) + rng.sample(ikms, rng.randint(0, 3)),
            "cancelled": [
                {"buyer": m.buyer, "ikm": m.ikm} for m in rng.sample(current, min(2, len(current)))
            ],
            "availability": late,
        }
    )
    return event, scores, current, changes


def unaffected(event: Event, current: list[Meeting], changes: Changes, open_from: int) -> list[Meeting]:
    """Meetings the changes do not touch: the ones that must keep their slot and table."""
    absent = set(changes.no_shows)
    cancelled = {(c.buyer, c.ikm) for c in changes.cancelled}
    slots = event.slots()

    def can(p: str, s: int) -> bool:
        if p not in changes.availability:
            return True
        minute = slots[s].start.hour * 60 + slots[s].start.minute
        return any(w.start_minute <= minute and minute + 20 <= w.end_minute for w in changes.availability[p])

    return [
        m
        for m in current
        if not absent & set(m.pair)
        and m.pair not in cancelled
        and m.slot is not None
        and (m.slot < open_from or (can(m.buyer, m.slot) and can(m.ikm, m.slot)))
    ]


def assert_valid_repair(event: Event, current: list[Meeting], changes: Changes, result: Replan) -> None:
    assert result.violations == []
    placed = {m.pair: (m.slot, m.table) for m in result.meetings}
    for m in unaffected(event, current, changes, result.open_from):
        assert placed.get(m.pair) == (m.slot, m.table), f"{m.pair} moved or vanished"
    absent = set(changes.no_shows)
    assert not any(absent & set(m.pair) for m in result.meetings)
    old = {m.pair: (m.slot, m.table) for m in current}
    diff = {(c.kind, c.buyer, c.ikm) for c in result.changes}
    assert {("cancelled", *p) for p in old.keys() - placed.keys()} == {d for d in diff if d[0] == "cancelled"}
    assert {("added", *p) for p in placed.keys() - old.keys()} == {d for d in diff if d[0] == "added"}
    moved = {p for p in placed.keys() & old.keys() if placed[p] != old[p]}
    assert {("moved", *p) for p in moved} == {d for d in diff if d[0] == "moved"}
    for c in result.changes:  # nothing new lands in the past
        if c.new is not None and c.kind != "cancelled":
            assert c.new.slot is not None and c.new.slot >= result.open_from
    problem = ScheduleProblem(
        result.meetings, len(event.slots()), event.table_names(), {}, event.ikm_fixed_tables
    )
    assert not [v for v in check_schedule(problem, result.meetings) if v.kind != "unavailable"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6))
def test_repair_keeps_unaffected_meetings_and_stays_valid(seed: int) -> None:
    event, scores, current, changes = random_case(seed)
    result = replan(
        event,
        current,
        changes,
        buyers=list(event.buyers),
        ikms=list(event.ikms),
        scores=scores,
        time_limit=5,
        gap_time_limit=0.1,
    )
    assert_valid_repair(event, current, changes, result)


def test_freed_capacity_is_filled_with_the_best_free_pairs() -> None:
    buyers, ikms = ["B1", "B2"], ["I1", "I2", "I3"]
    event = make_event(buyers, ikms, 2, min_meetings_per_ikm=0, max_meetings_per_buyer=1)
    scores = {("B1", "I1"): 0.9, ("B1", "I3"): 0.5, ("B2", "I2"): 0.8, ("B2", "I3"): 0.4}
    current = plan(event, scores)
    assert {m.pair for m in current} == {("B1", "I1"), ("B2", "I2")}
    result = replan(
        event,
        current,
        Changes(no_shows=["I1"]),
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        time_limit=5,
        gap_time_limit=0.1,
    )
    assert {m.pair for m in result.meetings} == {("B1", "I3"), ("B2", "I2")}
    kinds = {(c.kind, c.buyer, c.ikm) for c in result.changes}
    assert kinds == {("cancelled", "B1", "I1"), ("added", "B1", "I3")}
    assert result.kept == 1
    assert "I1" in next(c.reason for c in result.changes if c.kind == "cancelled")


def test_late_arrival_moves_meetings_after_arrival_and_late_registrant_gets_meetings() -> None:
    buyers, ikms = ["B1", "B2"], ["I1", "I2", "I3", "I4"]
    event = make_event(buyers, ikms, 3, max_meetings_per_ikm=3)
    scores = {(b, i): 0.5 + 0.1 * k for k, (b, i) in enumerate((b, i) for b in buyers for i in ikms)}
    current = plan(event, scores)
    first = min(current, key=lambda m: m.slot or 0)
    late_ikm = first.ikm
    changes = Changes.model_validate(
        {"availability": {late_ikm: [{"start": "13:00", "end": "15:00"}]}, "new_buyers": ["B3"]}
    )
    scores |= {("B3", i): 0.95 for i in ikms}
    result = replan(
        event,
        current,
        changes,
        buyers=[*buyers, "B3"],
        ikms=ikms,
        scores=scores,
        time_limit=5,
        gap_time_limit=0.1,
    )
    assert_valid_repair(event, current, changes, result)
    afternoon = {s.index for s in event.slots() if s.start.hour >= 13}
    assert all(m.slot in afternoon for m in result.meetings if m.ikm == late_ikm)
    assert any(c.kind == "moved" and c.ikm == late_ikm for c in result.changes)
    assert any(m.buyer == "B3" for m in result.meetings)


def test_nothing_is_scheduled_before_now() -> None:
    buyers, ikms = ["B1", "B2", "B3"], [f"I{k}" for k in range(8)]
    event = make_event(buyers, ikms, 3)
    scores = {(b, i): 0.5 for b in buyers for i in ikms}
    current = plan(event, scores)
    changes = Changes.model_validate({"now": "11:00", "no_shows": ["B1"]})
    result = replan(
        event, current, changes, buyers=buyers, ikms=ikms, scores=scores, time_limit=5, gap_time_limit=0.1
    )
    assert_valid_repair(event, current, changes, result)
    eleven = next(s.index for s in event.slots() if s.start.hour == 11)
    before = {(m.pair, m.slot, m.table) for m in current if (m.slot or 0) < eleven and "B1" not in m.pair}
    assert before <= {(m.pair, m.slot, m.table) for m in result.meetings}
    assert all((c.new.slot or 0) >= eleven for c in result.changes if c.kind == "added" and c.new)


def test_ikms_keep_their_tables_with_fixed_tables() -> None:
    buyers, ikms = ["B1", "B2", "B3"], ["I1", "I2", "I3", "I4"]
    event = make_event(buyers, ikms, 5, ikm_fixed_tables=True)
    scores = {(b, i): 0.3 + 0.05 * k for k, (b, i) in enumerate((b, i) for b in buyers for i in ikms)}
    current = plan(event, scores)
    table_of = {m.ikm: m.table for m in current}
    changes = Changes(no_shows=["B2"])
    result = replan(
        event, current, changes, buyers=buyers, ikms=ikms, scores=scores, time_limit=5, gap_time_limit=0.1
    )
    assert_valid_repair(event, current, changes, result)
    assert all(m.table == table_of[m.ikm] for m in result.meetings if m.ikm in table_of)


# -- moves pinned by the organiser ---------------------------------------------------------------------


def _moves_case() -> tuple[Event, list[Meeting], dict[Pair, float]]:
    event = make_event(["B1", "B2"], ["I1", "I2", "I3"], 3, min_meetings_per_ikm=0)
    current = [
        Meeting("B1", "I1", 0.9, slot=0, table="1"),
        Meeting("B2", "I2", 0.8, slot=0, table="2"),
        Meeting("B1", "I2", 0.7, slot=1, table="1"),
    ]
    scores = {m.pair: m.score for m in current}
    return event, current, scores


def _replan(event: Event, current: list[Meeting], scores: dict[Pair, float], changes: Changes) -> Replan:
    return replan(event, current, changes, buyers=["B1", "B2"], ikms=["I1", "I2", "I3"], scores=scores)


def test_a_move_puts_the_meeting_where_the_organiser_said_and_nothing_else_moves() -> None:
    event, current, scores = _moves_case()
    changes = Changes.model_validate({"moves": [{"buyer": "B1", "ikm": "I1", "start": "10:00", "table": 3}]})
    result = _replan(event, current, scores, changes)
    placed = {m.pair: (m.slot, m.table) for m in result.meetings}
    assert placed[("B1", "I1")] == (3, "3")
    assert placed[("B2", "I2")] == (0, "2") and placed[("B1", "I2")] == (1, "1")
    moved = [c for c in result.changes if c.kind == "moved"]
    assert [(c.buyer, c.ikm, c.reason) for c in moved] == [("B1", "I1", "moved by the organiser")]
    assert result.violations == []


def test_a_swap_is_two_moves_checked_together() -> None:
    event, current, scores = _moves_case()
    changes = Changes.model_validate(
        {
            "moves": [
                {"buyer": "B1", "ikm": "I1", "start": "09:00", "table": "2"},
                {"buyer": "B2", "ikm": "I2", "start": "09:00", "table": "1"},
            ]
        }
    )
    result = _replan(event, current, scores, changes)
    placed = {m.pair: (m.slot, m.table) for m in result.meetings}
    assert placed[("B1", "I1")] == (0, "2") and placed[("B2", "I2")] == (0, "1")
    assert result.violations == []


def test_a_move_to_a_taken_place_or_a_busy_participant_is_refused_with_reasons() -> None:
    event, current, scores = _moves_case()
    for move, words in (
        ({"buyer": "B2", "ikm": "I2", "start": "09:20", "table": "1"}, "table 1 at 09:20 is taken by B1"),
        ({"buyer": "B2", "ikm": "I2", "start": "09:40", "table": "3"}, None),
        ({"buyer": "B1", "ikm": "I1", "start": "09:20", "table": "3"}, "B1 already meets I2 at 09:20"),
        ({"buyer": "B1", "ikm": "I1", "start": "09:10", "table": "3"}, "no slot starts at 09:10"),
        ({"buyer": "B1", "ikm": "I1", "start": "09:20", "table": "9"}, "no table '9'"),
        ({"buyer": "B1", "ikm": "I3", "start": "09:20", "table": "3"}, "the plan has no such meeting"),
    ):
        changes = Changes.model_validate({"moves": [move]})
        if words is None:
            assert _replan(event, current, scores, changes).violations == []
            continue
        try:
            _replan(event, current, scores, changes)
        except ConfigError as exc:
            assert words in str(exc)
        else:
            raise AssertionError(f"the move {move} was not refused")


def test_a_move_into_a_window_the_participant_cannot_attend_is_refused() -> None:
    event, current, scores = _moves_case()
    changes = Changes.model_validate(
        {
            "availability": {"B2": [{"start": "09:00", "end": "10:00"}]},
            "moves": [{"buyer": "B2", "ikm": "I2", "start": "13:00", "table": "1"}],
        }
    )
    try:
        _replan(event, current, scores, changes)
    except ConfigError as exc:
        assert "B2 is not available at 13:00" in str(exc)
    else:
        raise AssertionError("the move was not refused")
