"""Checking a written schedule against its event: the use case behind ``matching event check``.

:func:`check_meetings_file` reads a ``meetings.csv`` (as ``event plan`` or ``event reschedule`` writes it)
and lists every rule it breaks: double bookings, tables, availability, caps per buyer and per IKM,
"no thanks" preferences and confirmed (fixed) meetings. With :class:`~matching.events.repair.Changes` the
event is taken as those changes left it: late registrants join, no-shows are available nowhere, slots
before the changes took effect stay open to those whose availability changed, and a confirmed meeting the
changes called off or no longer allow may be gone. Participants come from the engine's store, as the event
file names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matching.app.engine import Engine
from matching.catalogue.schema import Entity
from matching.events.checking import Violation, check_schedule
from matching.events.meetings import Meeting, ScheduleProblem
from matching.events.model import Event
from matching.events.plan_files import read_meetings_csv
from matching.events.repair import Changes, available_after, open_from

__all__ = ["ScheduleCheck", "check_meetings_file"]


@dataclass(frozen=True, slots=True)
class ScheduleCheck:
    """The meetings read and the rules they break (none: the schedule is valid)."""

    meetings: list[Meeting]
    violations: list[Violation]


def check_meetings_file(
    engine: Engine, event: Event, meetings_file: Path, changes: Changes | None = None
) -> ScheduleCheck:
    """Every violation of the schedule in ``meetings_file`` for ``event`` (after ``changes``, when given)."""
    changes = changes or Changes()
    buyers, ikms = event.resolve_participants(engine.store.ids(Entity.BUYERS), engine.store.ids(Entity.IKMS))
    buyers, ikms = [*buyers, *changes.new_buyers], [*ikms, *changes.new_ikms]
    slots = event.slots()
    meetings = read_meetings_csv(meetings_file, slots)
    kinds = event.preference_kinds() | {(p.buyer, p.ikm): p.kind for p in changes.preferences}
    past = set(range(open_from(event, changes)))
    availability = {
        p: available_after(event, changes, p) | (past if p in changes.availability else set())
        for p in [*buyers, *ikms]
        if p in event.availability or p in changes.availability
    } | {p: set() for p in changes.no_shows}
    problem = ScheduleProblem(
        meetings=meetings,
        n_slots=len(slots),
        tables=event.table_names(),
        availability=availability,
        ikm_fixed_tables=event.ikm_fixed_tables,
    )
    gone = {(c.buyer, c.ikm) for c in changes.cancelled}
    fixed = [
        Meeting(f.buyer, f.ikm, slot=event.fixed_slot(f).index, table=f.table_name, fixed=True)
        for f in event.fixed_meetings
    ]
    fixed = [  # confirmed meetings the changes call off or no longer allow may have gone
        f for f in fixed if f.pair not in gone and all(f.slot in problem.available(p) for p in f.pair)
    ]
    cap_b = event.max_meetings_per_buyer or len(slots)
    cap_i = event.max_meetings_per_ikm or len(slots)
    violations = check_schedule(
        problem,
        meetings,
        max_per_buyer={b: cap_b for b in buyers},
        max_per_ikm={i: cap_i for i in ikms},
        no_thanks={p for p, k in kinds.items() if k == "no_thanks"},
        fixed=fixed,
    )
    return ScheduleCheck(meetings, violations)
