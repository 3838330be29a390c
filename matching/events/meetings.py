"""Plain types shared by match-list selection (:mod:`matching.events.selection`), scheduling
(:mod:`matching.events.scheduling`) and the schedule checker (:mod:`matching.events.checking`).

Participants are named by their ids (``buyer_id``, ``ikm_id``); slots by their index in the event's slot
list (0-based); tables by name (``"1"``, ``"Booth A"``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["MatchProblem", "Meeting", "Pair", "ScheduleProblem", "slot_usage"]

Pair = tuple[str, str]  # (buyer_id, ikm_id)


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting; ``slot`` and ``table`` are None until scheduled."""

    buyer: str
    ikm: str
    score: float = 0.0
    slot: int | None = None
    table: str | None = None
    fixed: bool = False  # already confirmed: keeps its slot and table
    reason: str = ""

    @property
    def pair(self) -> Pair:
        return (self.buyer, self.ikm)


@dataclass
class MatchProblem:
    """Which meetings to hold: maximise total score + preference bonuses under caps and fairness."""

    buyers: list[str]
    ikms: list[str]
    scores: dict[Pair, float]  # the pairs the optimiser may choose, with the ranker's score
    max_per_buyer: dict[str, int]  # already min(cap, free slots of the buyer)
    max_per_ikm: dict[str, int]  # already min(cap, free slots of the IKM)
    capacity: int  # meetings that fit at all: usable (slot, table) places
    min_per_ikm: int = 0  # fairness: each IKM at least this many, where its candidates allow
    must_meet: set[Pair] = field(default_factory=set)
    meet: set[Pair] = field(default_factory=set)  # "would like to meet": a bonus, not a must
    no_thanks: set[Pair] = field(default_factory=set)
    fixed: set[Pair] = field(default_factory=set)  # confirmed meetings: always chosen
    meet_bonus: float = 0.5
    fairness_weight: float = 10.0  # per missing meeting below min_per_ikm (soft, so always feasible)
    # The day, when known (n_slots > 0): a pair is a candidate only if both sides share a free slot, and
    # selection keeps, per window of slots, no more meetings than the window can hold.
    n_slots: int = 0
    tables: int = 0  # places per slot (0: only ``capacity`` bounds the total)
    availability: dict[str, set[int]] = field(default_factory=dict)  # participant -> free slots; absent = all
    slot_places: dict[int, int] = field(default_factory=dict)  # places left in a slot, when fewer than tables
    floor_per_ikm: dict[str, int] = field(default_factory=dict)  # overrides min_per_ikm for these IKMs
    # common_slots' memo (by the two windows); not copied by dataclasses.replace
    _common: dict[tuple[frozenset[int] | None, frozenset[int] | None], frozenset[int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def free_slots(self, participant: str) -> set[int]:
        """Slots the participant can attend (every slot when it states no window)."""
        return self.availability.get(participant, set(range(self.n_slots)))

    def common_slots(self, pair: Pair) -> frozenset[int]:
        """Slots both sides of ``pair`` can attend that still have a place."""
        a, b = self.availability.get(pair[0]), self.availability.get(pair[1])
        key = (None if a is None else frozenset(a), None if b is None else frozenset(b))
        found = self._common.get(key)
        if found is None:
            day = {s for s in range(self.n_slots) if self.tables <= 0 or self.places(s) > 0}
            for own in key:
                if own is not None:
                    day &= own
            found = self._common[key] = frozenset(day)
        return found

    def places(self, slot: int) -> int:
        """Meetings slot ``slot`` can still hold."""
        return self.slot_places.get(slot, self.tables)

    def floor(self, ikm: str) -> int:
        """The fairness floor of ``ikm``."""
        return self.floor_per_ikm.get(ikm, self.min_per_ikm)


@dataclass
class ScheduleProblem:
    """Where and when: put chosen meetings into (slot, table) places."""

    meetings: list[Meeting]
    n_slots: int
    tables: list[str]
    availability: dict[str, set[int]]  # participant id -> slots it can attend; absent = every slot
    ikm_fixed_tables: bool = False  # each IKM keeps one table all day
    ikm_tables: dict[str, str] = field(default_factory=dict)  # preset IKM tables when ikm_fixed_tables
    required: set[Pair] = field(default_factory=set)  # placed before any other (must-meet, fairness floor)

    def available(self, participant: str) -> set[int]:
        return self.availability.get(participant, set(range(self.n_slots)))


def slot_usage(placed: list[Meeting]) -> tuple[dict[str, set[int]], dict[int, int]]:
    """Of scheduled meetings: the slots each participant is busy in, and how many meetings each slot holds."""
    busy: dict[str, set[int]] = defaultdict(set)
    load: dict[int, int] = defaultdict(int)
    for m in placed:
        assert m.slot is not None
        busy[m.buyer].add(m.slot)
        busy[m.ikm].add(m.slot)
        load[m.slot] += 1
    return busy, load
