"""Re-scheduling on the day: repair a plan after no-shows, cancellations, late arrivals and late registrants.

The organiser writes what changed in a *changes file* (YAML or JSON)::

    plan: out/meetings.csv          # the plan in force (relative to this file); or --plan on the CLI
    now: "11:00"                    # optional: slots starting before this are history, never changed
    no_shows: [B007, I0042]         # did not come: all their meetings are cancelled
    cancelled:                      # single meetings called off
      - {buyer: B003, ikm: I0100, reason: "buyer left early"}
    availability:                   # new windows replace the event's (late arrival, leaving early)
      B010: [{start: "11:00", end: "16:00"}]
    new_buyers: [B131]              # late registrants (already in the store)
    new_ikms: [I0599]
    preferences:                    # wishes made on the day (must_meet is honoured where it fits)
      - {buyer: B131, ikm: I0007, kind: must_meet}
    moves:                          # meetings the organiser puts in another slot or at another table
      - {buyer: B003, ikm: I0081, start: "14:00", table: 5, reason: "buyer asked"}

:func:`replan` then builds a new plan in three steps:

1. **keep** every meeting of the plan that the changes do not touch, in its slot and at its table (a
   meeting in the past, before ``now``, is kept too); meetings of no-shows and cancelled meetings go;
2. **move** the meetings a new availability window no longer allows to a slot both sides can attend
   (never before ``now``); those that fit nowhere are cancelled with the reason;
3. **fill** the freed capacity: choose new meetings among the candidate pairs (the same objective as
   planning: ranker score, preference bonuses, caps and the fairness floor, with every held meeting
   fixed) and schedule them around the held ones, in up to three rounds, as chosen pairs may not find a
   common free slot.

A **move** pins a meeting of the plan to a new slot and table (a swap is two moves). It is checked before
anything is planned: the slot exists and is not past, the table exists (and is the IKM's own with
``ikm_fixed_tables``), both sides can attend the slot and have no other meeting in it, and no other meeting
holds the table then; :class:`ConfigError` names each problem. A move whose meeting already sits in that
place (an earlier move, kept in the accumulated changes) is a plain kept meeting; a move of a meeting that
was cancelled or whose participant is absent is ignored (the cancellation wins).

The :class:`Change` list is the diff against the old plan: ``moved``, ``added`` and ``cancelled`` meetings
with the reason, grouped per participant by :meth:`Replan.per_participant`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from matching.common.yaml_files import DataFileError, load_data_file
from matching.errors import ConfigError
from matching.events.checking import Violation, check_schedule
from matching.events.meetings import MatchProblem, Meeting, Pair, ScheduleProblem, slot_usage
from matching.events.model import ClockTime, Event, ParticipantId, Preference, TimeWindow
from matching.events.scheduling import ScheduleResult, schedule_meetings
from matching.events.selection import MatchResult, choose_meetings

__all__ = [
    "Cancellation",
    "Change",
    "Changes",
    "Move",
    "Replan",
    "available_after",
    "load_changes",
    "merge_changes",
    "open_from",
    "replan",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Cancellation(BaseModel):
    """One meeting called off."""

    model_config = _STRICT

    buyer: ParticipantId
    ikm: ParticipantId
    reason: str = ""


class Move(BaseModel):
    """One meeting pinned by the organiser to the slot starting at ``start`` and to ``table``."""

    model_config = _STRICT

    buyer: ParticipantId
    ikm: ParticipantId
    start: ClockTime
    table: str
    reason: str = ""

    @field_validator("table", mode="before")
    @classmethod
    def _table_name(cls, value: Any) -> Any:
        return str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else value


class Changes(BaseModel):
    """What happened since the plan was made; see the module docstring for the file format."""

    model_config = _STRICT

    plan: str | None = None
    now: ClockTime | None = None
    no_shows: list[ParticipantId] = Field(default_factory=list)
    cancelled: list[Cancellation] = Field(default_factory=list)
    availability: dict[ParticipantId, list[TimeWindow]] = Field(default_factory=dict)
    new_buyers: list[ParticipantId] = Field(default_factory=list)
    new_ikms: list[ParticipantId] = Field(default_factory=list)
    preferences: list[Preference] = Field(default_factory=list)
    moves: list[Move] = Field(default_factory=list)

    def is_empty(self) -> bool:
        """True when nothing happened on the day (``plan`` and ``now`` alone change nothing)."""
        return not (
            self.no_shows
            or self.cancelled
            or self.availability
            or self.new_buyers
            or self.new_ikms
            or self.preferences
            or self.moves
        )


ChangeKind = Literal["moved", "added", "cancelled"]


@dataclass(frozen=True)
class Change:
    """One difference between the old and the new plan."""

    kind: ChangeKind
    buyer: str
    ikm: str
    old: Meeting | None
    new: Meeting | None
    reason: str = ""


@dataclass
class Replan:
    """The repaired plan, its diff against the old one, and its quality."""

    meetings: list[Meeting]
    changes: list[Change]
    kept: int
    match: MatchResult
    schedule: ScheduleResult
    violations: list[Violation]
    open_from: int
    seconds: float = 0.0
    rounds: int = 0

    def per_participant(self) -> dict[str, list[Change]]:
        """Each participant's changes (a buyer and an IKM both see a change of their meeting)."""
        mine: dict[str, list[Change]] = defaultdict(list)
        for c in self.changes:
            mine[c.buyer].append(c)
            mine[c.ikm].append(c)
        return dict(mine)

    def report(self) -> dict[str, Any]:
        kinds = {k: sum(c.kind == k for c in self.changes) for k in ("moved", "added", "cancelled")}
        return {
            "kept": self.kept,
            **kinds,
            "meetings": len(self.meetings),
            "participants_affected": len(self.per_participant()),
            "violations": len(self.violations),
            "rounds": self.rounds,
            "seconds": round(self.seconds, 3),
        }


def merge_changes(earlier: Changes | None, later: Changes) -> Changes:
    """Changes on top of earlier ones: lists add up, later availability windows replace earlier ones, a
    later move of a meeting replaces an earlier one, and a meeting cancelled later loses its moves."""
    if earlier is None:
        return later
    gone = {(c.buyer, c.ikm) for c in later.cancelled}
    absent = set(later.no_shows)
    moved = {(m.buyer, m.ikm) for m in later.moves}
    moves = [
        m
        for m in earlier.moves
        if (m.buyer, m.ikm) not in gone | moved and m.buyer not in absent and m.ikm not in absent
    ]
    return later.model_copy(
        update={
            "no_shows": list(dict.fromkeys([*earlier.no_shows, *later.no_shows])),
            "cancelled": [*earlier.cancelled, *later.cancelled],
            "availability": {**earlier.availability, **later.availability},
            "new_buyers": list(dict.fromkeys([*earlier.new_buyers, *later.new_buyers])),
            "new_ikms": list(dict.fromkeys([*earlier.new_ikms, *later.new_ikms])),
            "preferences": [*earlier.preferences, *later.preferences],
            "moves": [*moves, *later.moves],
            "now": later.now or earlier.now,
        }
    )


def open_from(event: Event, changes: Changes) -> int:
    """Index of the first slot the repair may change: the first starting at or after ``now`` (0 without)."""
    slots = event.slots()
    if changes.now is None:
        return 0
    return next((s.index for s in slots if s.start >= changes.now), len(slots))


def available_after(event: Event, changes: Changes, participant: str) -> set[int]:
    """Slots ``participant`` can attend once ``changes`` apply (its new windows replace the event's)."""
    if participant in changes.availability:
        return event.slots_within(changes.availability[participant])
    return event.available_slots(participant)


def _pinned_moves(
    event: Event,
    current: list[Meeting],
    changes: Changes,
    *,
    absent: set[str],
    called_off: dict[Pair, str],
    avail: dict[str, set[int]],
    first_open: int,
) -> dict[Pair, tuple[int, str, str]]:
    """The moves still to make: pair -> (slot, table, reason); :class:`ConfigError` lists every problem."""
    slots = event.slots()
    by_start = {s.start: s.index for s in slots}
    tables = set(event.table_names())
    by_pair = {m.pair: m for m in current}
    problems: list[str] = []
    wanted: dict[Pair, tuple[int, str, str]] = {}
    for mv in changes.moves:
        pair = (mv.buyer, mv.ikm)
        if mv.buyer in absent or mv.ikm in absent or pair in called_off:
            continue
        where = f"moves: meeting of {mv.buyer} with {mv.ikm}"
        old = by_pair.get(pair)
        slot = by_start.get(mv.start)
        if old is None:
            problems.append(f"{where}: the plan has no such meeting")
            continue
        if slot is None:
            problems.append(f"{where}: no slot starts at {mv.start:%H:%M}")
            continue
        if mv.table not in tables:
            problems.append(f"{where}: the event has no table {mv.table!r}")
            continue
        if (old.slot, old.table) == (slot, mv.table):
            continue  # already there
        if slot < first_open:
            problems.append(f"{where}: {mv.start:%H:%M} is already past")
        if old.slot is not None and old.slot < first_open:
            problems.append(f"{where}: the meeting has already taken place")
        for who in pair:
            if slot not in avail.get(who, set()):
                problems.append(f"{where}: {who} is not available at {mv.start:%H:%M}")
        if event.ikm_fixed_tables and old.table is not None and mv.table != old.table:
            problems.append(f"{where}: each IKM keeps its table all day (table {old.table})")
        wanted[pair] = (slot, mv.table, mv.reason or "moved by the organiser")
    staying = [
        m
        for m in current
        if m.slot is not None
        and m.pair not in wanted
        and m.pair not in called_off
        and m.buyer not in absent
        and m.ikm not in absent
    ]
    taken = {(m.slot, m.table): m for m in staying}
    busy = {(m.slot, who): m for m in staying for who in m.pair}
    for pair, (slot, table, _) in wanted.items():
        start = slots[slot].start.strftime("%H:%M")
        where = f"moves: meeting of {pair[0]} with {pair[1]}"
        other = taken.get((slot, table))
        if other is not None:
            problems.append(f"{where}: table {table} at {start} is taken by {other.buyer} with {other.ikm}")
        for who in pair:
            clash = busy.get((slot, who))
            if clash is not None:
                problems.append(
                    f"{where}: {who} already meets {clash.ikm if who == clash.buyer else clash.buyer} "
                    f"at {start}"
                )
        taken[(slot, table)] = Meeting(*pair, slot=slot, table=table)
        for who in pair:
            busy[(slot, who)] = Meeting(*pair, slot=slot, table=table)
    if problems:
        raise ConfigError("the move cannot be made: " + "; ".join(problems))
    return wanted


def replan(
    event: Event,
    current: list[Meeting],
    changes: Changes,
    *,
    buyers: list[str],
    ikms: list[str],
    scores: dict[Pair, float],
    reasons: dict[Pair, str] | None = None,
    time_limit: float = 4.0,
    gap_time_limit: float = 0.5,
    rounds: int = 3,
) -> Replan:
    """Repair ``current`` (scheduled meetings) after ``changes``; see the module docstring.

    ``buyers``/``ikms`` are the event's participants including late registrants; ``scores`` the candidate
    pairs (as planning made them, plus the late registrants' pairs). Unaffected meetings never move.
    ``time_limit`` bounds the whole repair; each scheduling round hunts idle gaps for at most
    ``gap_time_limit`` seconds.
    """
    started = time.perf_counter()
    reasons = reasons or {}
    slots = event.slots()
    n_slots = len(slots)
    tables = event.table_names()
    first_open = open_from(event, changes)
    absent = set(changes.no_shows)
    called_off = {(p.buyer, p.ikm): "marked no_thanks" for p in changes.preferences if p.kind == "no_thanks"}
    called_off |= {(c.buyer, c.ikm): c.reason for c in changes.cancelled}
    people = [p for p in [*buyers, *ikms] if p not in absent]
    unknown = sorted({p for m in current for p in m.pair} - set(buyers) - set(ikms))
    if unknown:
        shown = ", ".join(unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        raise ConfigError(f"the plan names {len(unknown)} participant(s) that are not in the event: {shown}")

    avail = {p: available_after(event, changes, p) for p in people}
    pinned = _pinned_moves(
        event, current, changes, absent=absent, called_off=called_off, avail=avail, first_open=first_open
    )
    held: list[Meeting] = []
    to_move: list[Meeting] = []
    gone: list[Change] = []
    for m in current:
        if m.pair in pinned:
            slot, table, _ = pinned[m.pair]
            held.append(replace(m, slot=slot, table=table, fixed=True))
        elif m.buyer in absent or m.ikm in absent:
            who = m.buyer if m.buyer in absent else m.ikm
            gone.append(Change("cancelled", m.buyer, m.ikm, m, None, f"{who} did not come (no-show)"))
        elif m.pair in called_off:
            why = called_off[m.pair] or "cancelled by the organiser"
            gone.append(Change("cancelled", m.buyer, m.ikm, m, None, why))
        elif m.slot is not None and (
            m.slot < first_open or (m.slot in avail[m.buyer] and m.slot in avail[m.ikm])
        ):
            held.append(replace(m, fixed=True))
        else:
            to_move.append(replace(m, slot=None, table=None, fixed=False))
    kept_pairs = {m.pair for m in held if m.pair not in pinned}
    old_by_pair = {m.pair: m for m in current}
    # a participant may use an open slot it can attend, plus the slots of its held meetings
    availability: dict[str, set[int]] = {p: {s for s in avail[p] if s >= first_open} for p in people}
    for m in held:
        assert m.slot is not None
        availability[m.buyer].add(m.slot)
        availability[m.ikm].add(m.slot)
    ikm_tables = {m.ikm: m.table for m in current if m.table is not None and m.ikm not in absent}

    def budget() -> float:
        return max(0.5, time_limit - (time.perf_counter() - started))

    def problem_of(meetings: list[Meeting]) -> ScheduleProblem:
        return ScheduleProblem(
            meetings=meetings,
            n_slots=n_slots,
            tables=tables,
            availability=availability,
            ikm_fixed_tables=event.ikm_fixed_tables,
            ikm_tables=ikm_tables if event.ikm_fixed_tables else {},
        )

    def schedule(meetings: list[Meeting]) -> ScheduleResult:
        # the solver rarely places more than the greedy pass at scale: give each call a share of the budget
        return schedule_meetings(
            problem_of(meetings),
            time_limit=budget() / 3,
            gap_time_limit=gap_time_limit,
            drop_unplaceable=True,
        )

    # step 2: move what the new windows no longer allow
    result = schedule([*held, *to_move])
    for m, why in result.unplaced:
        old_m = old_by_pair[m.pair]
        if m.fixed:  # only when the old plan itself broke a rule
            kept_pairs.discard(m.pair)
            gone.append(Change("cancelled", m.buyer, m.ikm, old_m, None, f"the old plan broke a rule: {why}"))
        else:
            gone.append(Change("cancelled", m.buyer, m.ikm, old_m, None, f"could not be moved: {why}"))
    placed = [replace(m, fixed=True) for m in result.meetings]
    # step 3: fill freed capacity
    kinds = event.preference_kinds() | {(p.buyer, p.ikm): p.kind for p in changes.preferences}
    no_thanks = {p for p, k in kinds.items() if k == "no_thanks"}
    wished = {p for p, k in kinds.items() if k in ("meet", "must_meet")}
    present = set(people)
    blocked = set(called_off) | no_thanks | {c.old.pair for c in gone if c.old is not None}
    candidates = {p: s for p, s in scores.items() if p[0] in present and p[1] in present and p not in blocked}
    for pair in wished - blocked:
        if pair[0] in present and pair[1] in present:
            candidates.setdefault(pair, 0.0)
    buyer_cap = event.max_meetings_per_buyer or n_slots
    ikm_cap = event.max_meetings_per_ikm or n_slots
    cap = {b: buyer_cap for b in buyers} | {i: ikm_cap for i in ikms}
    match = MatchResult([], 0.0, 0.0, 0.0)
    done_rounds = 0
    failed: set[Pair] = set()
    while done_rounds < rounds:
        done_rounds += 1
        busy, load = slot_usage(placed)
        free_places = sum(max(0, len(tables) - load[s]) for s in range(first_open, n_slots))
        if free_places == 0:
            break
        count = {p: len(busy[p]) for p in people}
        free = {p: len(availability[p] - busy[p]) for p in people}
        room = {p for p in people if count[p] < cap[p] and free[p] > 0}
        pool = {p: s for p, s in candidates.items() if p not in failed and p[0] in room and p[1] in room}
        for m in placed:
            pool[m.pair] = m.score
        problem = MatchProblem(
            buyers=[b for b in buyers if b in present],
            ikms=[i for i in ikms if i in present],
            scores=pool,
            max_per_buyer={
                b: max(count[b], min(buyer_cap, count[b] + free[b])) for b in buyers if b in present
            },
            max_per_ikm={i: max(count[i], min(ikm_cap, count[i] + free[i])) for i in ikms if i in present},
            capacity=len(placed) + free_places,
            min_per_ikm=event.min_meetings_per_ikm,
            meet=wished,
            no_thanks=no_thanks,
            fixed={m.pair for m in placed},
        )
        match = choose_meetings(problem, time_limit=budget())
        held_pairs = {m.pair for m in placed}
        new = [
            Meeting(m.buyer, m.ikm, m.score, reason=reasons.get(m.pair, m.reason))
            for m in match.meetings
            if m.pair not in held_pairs
        ]
        if not new:
            break
        result = schedule([*placed, *new])
        failed |= {m.pair for m, _ in result.unplaced if not m.fixed}
        before = len(placed)
        placed = [replace(m, fixed=True) for m in result.meetings]
        if len(placed) == before or not result.unplaced:
            break
    final = [replace(m, fixed=False) for m in placed]
    diff = list(gone)
    for m in final:
        old = old_by_pair.get(m.pair)
        if old is None:
            diff.append(Change("added", m.buyer, m.ikm, None, m, m.reason))
        elif (old.slot, old.table) != (m.slot, m.table):
            why = pinned[m.pair][2] if m.pair in pinned else "new availability"
            diff.append(Change("moved", m.buyer, m.ikm, old, m, why))
    diff.sort(key=lambda c: (c.kind, c.buyer, c.ikm))
    violations = check_schedule(
        problem_of(final),
        final,
        max_per_buyer={b: buyer_cap for b in buyers if b in present},
        max_per_ikm={i: ikm_cap for i in ikms if i in present},
        no_thanks=no_thanks,
        # the promise: unaffected meetings stay put, moved ones are where the organiser put them
        fixed=[m for m in held if m.pair in kept_pairs or m.pair in pinned],
    )
    schedule_result = ScheduleResult(
        meetings=final, idle_gaps_total=result.idle_gaps_total, seconds=result.seconds, status=result.status
    )
    return Replan(
        meetings=final,
        changes=diff,
        kept=len(kept_pairs),
        match=match,
        schedule=schedule_result,
        violations=violations,
        open_from=first_open,
        seconds=time.perf_counter() - started,
        rounds=done_rounds,
    )


class ChangesFileError(DataFileError):
    """Raised when a changes file cannot be read or holds invalid data (one line per problem)."""

    kind = "changes file"


def load_changes(path: str | Path) -> Changes:
    """Read and validate a changes file (``.yaml``/``.yml`` or ``.json``); an empty file changes nothing."""
    return load_data_file(path, Changes, root="changes", error=ChangesFileError, empty_ok=True)
