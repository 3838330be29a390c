"""The event dashboard's figures: from an event and its plan in force, what an organiser reports.

:func:`compute_report` takes plain data (the event, the plan's meetings, the outcomes, the catalogue's IKMs
and products, the accumulated day changes, optional check-ins) and returns an :class:`EventReport`;
:func:`event_report` gathers that data for a stored event (newest plan) from
:class:`~matching.app.events.Events` and the catalogue. The exports of a report are in
:mod:`matching.app.report_files` (XLSX, one sheet per table; PDF for the ministry).

The figures:

- **Meetings per IKM**: every IKM of the event with its scheduled meetings in the plan in force; their
  distribution (how many IKMs have 0, 1, 2 ... meetings); the IKMs *at or below the fairness floor*
  (``min_meetings_per_ikm``; with a floor of 0, the IKMs without a meeting), each with the planner's reason
  when it left one below the floor (``floor_notes`` of the plan's summary, ``plan.json``).
- **Meetings per province**: each meeting counted once, under its IKM's province.
- **Meetings per material**: each meeting counted once under every material its IKM's products are made of
  (lower-cased, ``_`` as a space; an IKM with no material stated counts under ``""``), so the sum can
  exceed the meetings.
- **Attendance** per side (buyers, IKMs, all): the participants of the event (its buyers and IKMs, walk-ins
  added on the day); *absent* = the no-shows of the accumulated changes of the newest plan, together with the
  ``absent`` check-ins; *arrived* and *late* from ``check_ins`` (participant -> ``arrived`` | ``late`` |
  ``absent``). Without check-ins only no-shows are counted (the check-in rate is then unknown, ``None``).
- **Outcomes funnel**, from the two-stage outcome scale (:mod:`matching.learning.outcomes`), each stage a
  subset of the one before:

  ==============  ======================================================================================
  scheduled       every meeting in the plan in force
  rated           those with a day outcome or a follow-up recorded
  held            rated with a day outcome other than ``not_held``, or a follow-up of
                  ``negotiation_started`` / ``agreement_reached``
  interest        day ``cooperation_possible`` or ``deal_agreed``, or follow-up ``negotiation_started`` /
                  ``agreement_reached``
  sample/order    follow-up ``negotiation_started`` or ``agreement_reached``, or day ``deal_agreed`` not
                  followed by ``no_further_contact``
  deal            follow-up ``agreement_reached``, or day ``deal_agreed`` not followed by
                  ``no_further_contact`` (the meetings :func:`~matching.learning.outcomes.outcome_grade`
                  gives grade 3)
  ==============  ======================================================================================

- **Deals by province**: the deals counted under the IKM's province.

Rows of every list come sorted: most first, then by name, so the figures read the same each time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matching.catalogue.schema import IKM, Product
from matching.errors import ConfigError
from matching.events.model import Event
from matching.events.repair import Changes

if TYPE_CHECKING:
    from matching.app.events import Events
    from matching.store.outcomes import Outcome

__all__ = [
    "CHECK_IN_STATES",
    "FUNNEL_STAGES",
    "Attendance",
    "EventReport",
    "IkmMeetings",
    "compute_report",
    "event_report",
    "funnel_stage",
]

CHECK_IN_STATES = ("arrived", "late", "absent")
FUNNEL_STAGES = ("scheduled", "rated", "held", "interest", "sample_order", "deal")
_HELD_DAY = {"insufficient_interest", "cooperation_possible", "deal_agreed"}
_INTEREST_DAY = {"cooperation_possible", "deal_agreed"}
_LATER = {"negotiation_started", "agreement_reached"}


@dataclass(frozen=True)
class IkmMeetings:
    """One IKM of the event: its scheduled meetings, its floor, and why it stayed below it (if known)."""

    ikm_id: str
    name: str
    province: str
    meetings: int
    floor: int
    note: str = ""  # the planner's reason, from the plan's floor_notes
    absent: bool = False  # a no-show, or checked in as absent

    @property
    def below_floor(self) -> bool:
        return self.meetings < self.floor


@dataclass(frozen=True)
class Attendance:
    """Who came, of one side (``buyers``, ``ikms``) or of everyone (``all``)."""

    side: str
    participants: int
    arrived: int
    late: int
    absent: int
    check_ins_known: bool  # False: no check-ins were given, only no-shows are counted

    @property
    def not_recorded(self) -> int:
        """Participants with no check-in and not marked absent (0 when check-ins are unknown)."""
        if not self.check_ins_known:
            return 0
        return max(0, self.participants - self.arrived - self.late - self.absent)

    @property
    def check_in_rate(self) -> float | None:
        """Arrived or late, out of the participants; None without check-ins."""
        if not self.check_ins_known or not self.participants:
            return None
        return (self.arrived + self.late) / self.participants

    @property
    def no_show_rate(self) -> float | None:
        return self.absent / self.participants if self.participants else None


@dataclass(frozen=True)
class EventReport:
    """The dashboard's figures for one event and its plan in force (see the module docstring)."""

    event_id: str
    event: Event
    plan_no: int
    plan_kind: str
    plan_created_at: dt.datetime
    scheduled: int
    rated: int
    per_ikm: list[IkmMeetings]
    distribution: list[tuple[int, int]]  # (meetings, IKMs with that many), 0 .. the most
    per_province: list[tuple[str, int]]
    per_material: list[tuple[str, int]]  # "" is "no material stated"
    attendance: list[Attendance]  # buyers, ikms, all
    funnel: list[tuple[str, int]]  # (stage, meetings), FUNNEL_STAGES in order
    deals_by_province: list[tuple[str, int]]

    @property
    def floor(self) -> int:
        return self.event.min_meetings_per_ikm

    @property
    def at_floor(self) -> list[IkmMeetings]:
        """The IKMs at or below the fairness floor (below first, then fewest meetings, then name)."""
        return [i for i in self.per_ikm if i.meetings <= self.floor]

    @property
    def check_ins_known(self) -> bool:
        return any(a.check_ins_known for a in self.attendance)


def funnel_stage(day: str | None, followup: str | None) -> int:
    """How far a rated meeting went: 0 scheduled, 1 held, 2 interest, 3 sample/order, 4 deal."""
    day_deal = day == "deal_agreed" and followup != "no_further_contact"
    if followup == "agreement_reached" or day_deal:
        return 4
    if followup == "negotiation_started":
        return 3
    if day in _INTEREST_DAY:
        return 2
    if day in _HELD_DAY or followup in _LATER:
        return 1
    return 0


def _ranked(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))


def _materials(products: Iterable[Product]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for p in products:
        if p.material and p.material.strip():
            found.setdefault(p.ikm_id, set()).add(" ".join(p.material.lower().replace("_", " ").split()))
    return found


def _attendance(
    side: str, people: set[str], no_shows: set[str], check_ins: Mapping[str, str] | None
) -> Attendance:
    states = {p: s for p, s in (check_ins or {}).items() if p in people}
    absent = (no_shows & people) | {p for p, s in states.items() if s == "absent"}
    arrived = {p for p, s in states.items() if s == "arrived"} - absent
    late = {p for p, s in states.items() if s == "late"} - absent
    return Attendance(side, len(people), len(arrived), len(late), len(absent), check_ins is not None)


def compute_report(
    event: Event,
    *,
    event_id: str,
    plan_no: int,
    plan_kind: str,
    plan_created_at: dt.datetime,
    meetings: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Outcome],
    buyers: Sequence[str],
    ikms: Sequence[IKM],
    products: Sequence[Product] = (),
    floor_notes: Mapping[str, str] | None = None,
    changes: Changes | None = None,
    check_ins: Mapping[str, str] | None = None,
) -> EventReport:
    """The figures of the plan in force (see the module docstring).

    ``meetings``: rows of the plan's ``meetings.csv`` (``buyer_id``, ``ikm_id``, ``slot_start`` ...; a row
    without ``slot_start`` was not placed and is left out). ``buyers`` and ``ikms``: the event's participants
    (IKM records give names and provinces). A ``check_ins`` value other than ``arrived`` / ``late`` /
    ``absent`` is a :class:`ConfigError` naming the participant.
    """
    for who, state in (check_ins or {}).items():
        if state not in CHECK_IN_STATES:
            raise ConfigError(f"check-in of {who!r}: {state!r} is not one of {', '.join(CHECK_IN_STATES)}")
    changes = changes or Changes()
    notes = floor_notes or {}
    placed = [m for m in meetings if m.get("slot_start")]
    by_id = {i.ikm_id: i for i in ikms}
    materials = _materials(products)

    def province(ikm_id: str) -> str:
        record = by_id.get(ikm_id)
        return record.province if record else ""

    counts = Counter(str(m["ikm_id"]) for m in placed)
    absent = set(changes.no_shows) | {p for p, s in (check_ins or {}).items() if s == "absent"}
    ikm_ids = list(dict.fromkeys([*by_id, *changes.new_ikms, *counts]))
    floor = event.min_meetings_per_ikm
    per_ikm = sorted(
        (
            IkmMeetings(
                i,
                by_id[i].name if i in by_id else i,
                province(i),
                counts.get(i, 0),
                floor,
                notes.get(i, "") if counts.get(i, 0) < floor else "",
                i in absent,
            )
            for i in ikm_ids
        ),
        key=lambda r: (r.meetings, r.name.lower(), r.ikm_id),
    )
    histogram = Counter(r.meetings for r in per_ikm)
    top = max(histogram, default=0)
    distribution = [(k, histogram.get(k, 0)) for k in range(top + 1)]

    per_province: Counter[str] = Counter(province(str(m["ikm_id"])) for m in placed)
    per_material: Counter[str] = Counter()
    for m in placed:
        for material in materials.get(str(m["ikm_id"]), {""}):
            per_material[material] += 1

    buyer_ids = set(buyers) | set(changes.new_buyers) | {str(m["buyer_id"]) for m in placed}
    ikm_set = set(ikm_ids)
    no_shows = set(changes.no_shows)
    attendance = [
        _attendance("buyers", buyer_ids, no_shows, check_ins),
        _attendance("ikms", ikm_set, no_shows, check_ins),
        _attendance("all", buyer_ids | ikm_set, no_shows, check_ins),
    ]

    in_plan = {(str(m["buyer_id"]), str(m["ikm_id"])) for m in placed}
    stages = Counter[int]()
    deals: Counter[str] = Counter()
    rated = 0
    for o in outcomes:
        if (o.buyer_id, o.ikm_id) not in in_plan:
            continue
        if o.day_outcome or o.followup_outcome:
            rated += 1
        stage = funnel_stage(o.day_outcome, o.followup_outcome)
        stages[stage] += 1
        if stage == 4:
            deals[province(o.ikm_id)] += 1
    funnel = [("scheduled", len(placed)), ("rated", rated)] + [
        (name, sum(n for s, n in stages.items() if s >= level))
        for level, name in enumerate(FUNNEL_STAGES[2:], start=1)
    ]
    return EventReport(
        event_id=event_id,
        event=event,
        plan_no=plan_no,
        plan_kind=plan_kind,
        plan_created_at=plan_created_at,
        scheduled=len(placed),
        rated=rated,
        per_ikm=per_ikm,
        distribution=distribution,
        per_province=_ranked(per_province),
        per_material=_ranked(per_material),
        attendance=attendance,
        funnel=funnel,
        deals_by_province=_ranked(deals),
    )


def event_report(
    events: Events,
    event_id: str,
    *,
    ikms: Sequence[IKM],
    products: Sequence[Product],
    buyer_ids: Iterable[str],
    check_ins: Mapping[str, str] | None = None,
) -> EventReport:
    """The figures of a stored event's newest plan (:class:`~matching.errors.NotFoundError` before one).

    ``ikms``, ``products`` and ``buyer_ids``: the catalogue (an event of ``"all"`` IKMs or buyers takes
    every one of them).
    """
    record = events.get(event_id)
    plan = events.plan_record(event_id)
    known_ikms = {i.ikm_id: i for i in ikms}
    event = record.event
    chosen_buyers = sorted(set(buyer_ids)) if event.buyers == "all" else list(event.buyers)
    chosen_ikms = sorted(known_ikms) if event.ikms == "all" else list(event.ikms)
    changes = events.changes(event_id, plan.plan_no)
    wanted = set(chosen_ikms) | set(changes.new_ikms if changes else [])
    return compute_report(
        event,
        event_id=event_id,
        plan_no=plan.plan_no,
        plan_kind=plan.kind,
        plan_created_at=plan.created_at,
        meetings=events.meetings(event_id, plan.plan_no),
        outcomes=events.outcomes(event_id),
        buyers=chosen_buyers,
        ikms=[i for i in ikms if i.ikm_id in wanted],
        products=[p for p in products if p.ikm_id in wanted],
        floor_notes=plan.summary.get("floor_notes") or {},
        changes=changes,
        check_ins=check_ins,
    )
