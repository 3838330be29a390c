"""Choose and schedule together: a match list in which every chosen meeting gets a place.

:func:`choose_and_schedule` runs :func:`~matching.events.selection.choose_meetings` (which already drops
pairs that share no free slot and keeps each window of the day within what it can hold), then
:func:`~matching.events.scheduling.schedule_meetings`. Must-meet pairs and, per IKM, its best meetings up to
the fairness floor are *required*: the scheduler places them first and never trades one for two others.
When meetings are still left out (windows overlap in ways the selection's rows cannot see), a refill round
keeps every placed meeting where it is and chooses again among the pairs not yet tried, for the places,
slots and caps that are left, with each IKM's floor lowered by the meetings it already has. At most
``rounds`` rounds; it stops early when everything chosen is placed or nothing new can be chosen. The
scheduler's ``time_limit`` is shared: 60% for the first round, the rest split among the refill rounds.

The result is a :class:`DayPlan`: the match result over all rounds (objective, shortfalls and floor notes
measured on the original problem; ``lp_bound`` of the first round, an upper bound on any schedulable
choice), the final schedule, how many rounds ran, the meetings chosen but never placed that the plan
misses (a must-meet or confirmed pair, or an IKM left below its floor), with why, and the meetings tried
that found no place and were replaced by others.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from matching.events.meetings import MatchProblem, Meeting, Pair, ScheduleProblem, slot_usage
from matching.events.scheduling import ScheduleResult, schedule_meetings
from matching.events.selection import MatchResult, choose_meetings, evaluate

__all__ = ["DayPlan", "choose_and_schedule", "required_pairs"]


@dataclass
class DayPlan:
    """Meetings chosen and placed over one or more rounds."""

    match: MatchResult
    schedule: ScheduleResult
    rounds: int = 1
    # chosen but never placed, and why: a must-meet or confirmed pair, or a meeting of an IKM left below
    # its fairness floor (a real shortfall of the plan)
    left_out: list[tuple[Meeting, str]] = field(default_factory=list)
    # tried in a round, found no place, and another meeting took the place it would have had
    replaced: list[tuple[Meeting, str]] = field(default_factory=list)


def required_pairs(problem: MatchProblem, meetings: list[Meeting]) -> set[Pair]:
    """Must-meet and confirmed pairs, and per IKM its best chosen meetings up to its fairness floor."""
    required = {m.pair for m in meetings if m.pair in problem.must_meet or m.pair in problem.fixed}
    by_ikm: dict[str, list[Meeting]] = defaultdict(list)
    for m in meetings:
        by_ikm[m.ikm].append(m)
    for ikm, ms in by_ikm.items():
        best = sorted(ms, key=lambda m: (m.pair not in required, -m.score, m.buyer))
        required.update(m.pair for m in best[: problem.floor(ikm)])
    return required


def _refill(problem: MatchProblem, placed: list[Meeting], tried: set[Pair]) -> MatchProblem:
    """The problem of what is left: untried pairs, the free slots, places and caps after ``placed``."""
    used, per_slot = slot_usage(placed)
    people = [*problem.buyers, *problem.ikms]
    slot_places = {s: max(0, problem.places(s) - per_slot[s]) for s in range(problem.n_slots)}
    return replace(
        problem,
        scores={p: s for p, s in problem.scores.items() if p not in tried},
        max_per_buyer={b: max(0, c - len(used[b])) for b, c in problem.max_per_buyer.items()},
        max_per_ikm={i: max(0, c - len(used[i])) for i, c in problem.max_per_ikm.items()},
        capacity=sum(slot_places.values()) if problem.tables > 0 else problem.capacity - len(placed),
        must_meet=set(),
        fixed=set(),
        availability={
            p: problem.free_slots(p) - used[p] for p in people if used[p] or p in problem.availability
        },
        slot_places=slot_places,
        floor_per_ikm={i: max(0, problem.floor(i) - len(used[i])) for i in problem.ikms},
    )


def choose_and_schedule(
    problem: MatchProblem,
    day: ScheduleProblem,
    *,
    prepare: Callable[[Meeting], Meeting] = lambda m: m,
    time_limit: float = 10.0,
    drop_unplaceable: bool = False,
    rounds: int = 3,
) -> DayPlan:
    """Choose the meetings of ``problem`` and place them on ``day`` (its meetings are ignored); see the
    module docstring. ``prepare`` finishes a chosen meeting before it is placed (a confirmed meeting's slot
    and table, its reason). Raises :class:`~matching.events.selection.AssignmentInfeasible` as
    :func:`~matching.events.selection.choose_meetings` does."""
    started = time.perf_counter()
    first = choose_meetings(problem, time_limit=time_limit)
    meetings = [prepare(m) for m in first.meetings]
    confirmed = {m.pair for m in meetings if m.fixed}
    required = required_pairs(problem, meetings)
    tried = {m.pair for m in meetings}
    # The scheduler's time: 60% to the first round, 20% to each refill round (they place few meetings).
    later_limit = time_limit * 0.4 / max(1, rounds - 1)
    schedule = schedule_meetings(
        replace(day, meetings=meetings, required=required),
        time_limit=time_limit * (0.6 if rounds > 1 else 1.0),
        drop_unplaceable=True,
    )
    done = 1
    while schedule.unplaced and done < rounds:
        placed = schedule.meetings
        left = _refill(problem, placed, tried)
        if not left.scores or left.capacity <= 0:
            break
        more = [prepare(m) for m in choose_meetings(left, time_limit=time_limit, bound=False).meetings]
        more = [m for m in more if m.pair not in tried]
        if not more:
            break
        done += 1
        tried.update(m.pair for m in more)
        required |= required_pairs(left, more)
        pinned = [m if m.fixed else replace(m, fixed=True) for m in placed]
        again = schedule_meetings(
            replace(day, meetings=[*pinned, *more], required=required),
            time_limit=later_limit,
            drop_unplaceable=True,
        )
        kept = {p.pair for p in placed} - confirmed
        again.meetings = [replace(m, fixed=False) if m.pair in kept else m for m in again.meetings]
        again.unplaced = [*schedule.unplaced, *again.unplaced]
        again.seconds += schedule.seconds
        schedule = again
    placed_pairs = {m.pair for m in schedule.meetings}
    per_ikm: defaultdict[str, int] = defaultdict(int)
    for m in schedule.meetings:
        per_ikm[m.ikm] += 1
    left_out: list[tuple[Meeting, str]] = []
    replaced: list[tuple[Meeting, str]] = []
    for m, why in schedule.unplaced:
        if m.pair in placed_pairs:
            continue
        short = m.pair in problem.must_meet or m.pair in confirmed or per_ikm[m.ikm] < problem.floor(m.ikm)
        (left_out if short else replaced).append((m, why))
    schedule.unplaced = left_out
    if left_out and not drop_unplaceable:
        schedule.status = "incomplete"
    match = evaluate(
        problem,
        schedule.meetings,
        lp_bound=first.lp_bound,
        status=first.status,
        seconds=time.perf_counter() - started - schedule.seconds,
    )
    return DayPlan(match=match, schedule=schedule, rounds=done, left_out=left_out, replaced=replaced)
