"""The rules an event must follow beyond its field types, each broken rule one problem line.

:func:`event_problems` runs once every field of an :class:`~matching.events.model.Event` is valid on its own:

- times: sessions do not overlap, each break lies inside a session, at least one whole slot fits, the
  IKM meeting floor fits under the cap and in the day, every availability covers a whole slot;
- people: listed buyer and IKM ids are not empty and do not repeat;
- then, as they need slots and tables that make sense: no pair is both ``must_meet`` and ``no_thanks``;
  each fixed meeting starts at a slot start, at a real table, not for a ``no_thanks`` pair, with both
  sides available and free, at a table no other fixed meeting holds in that slot.

Lines read ``field.path: message (value: ...)`` (:func:`matching.common.yaml_files.problem_line`).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from matching.common.yaml_files import problem_line
from matching.events.timeslots import format_clock, minute_of_day

if TYPE_CHECKING:
    from matching.events.model import Event

__all__ = ["event_problems"]


def event_problems(event: Event) -> list[str]:
    """Every broken rule of ``event``, one line each; [] when it is consistent."""
    problems = _times(event) + _people(event) + _booth_map(event)
    if not problems:  # later checks need slots and tables to make sense
        problems = _preferences(event) + _fixed_meetings(event)
    return problems


def _times(event: Event) -> list[str]:
    problems: list[str] = []
    order = sorted(range(len(event.sessions)), key=lambda i: event.sessions[i].start_minute)
    for before, after in itertools.pairwise(order):
        a, b = event.sessions[before], event.sessions[after]
        if b.start_minute < a.end_minute:
            problems.append(
                problem_line(
                    f"sessions[{after}]",
                    f"overlaps sessions[{before}] ({format_clock(a.start)}-{format_clock(a.end)})",
                    f"{format_clock(b.start)}-{format_clock(b.end)}",
                )
            )
    for i, brk in enumerate(event.breaks):
        if not any(s.contains(brk.start_minute, brk.end_minute) for s in event.sessions):
            problems.append(
                problem_line(
                    f"breaks[{i}]",
                    "a break must lie inside one session",
                    f"{format_clock(brk.start)}-{format_clock(brk.end)}",
                )
            )
    if problems:
        return problems
    n_slots = len(event.slots())
    if n_slots == 0:
        problems.append(
            problem_line(
                "slot_minutes", "no whole slot fits in the sessions outside breaks", event.slot_minutes
            )
        )
    if event.max_meetings_per_ikm is not None and event.min_meetings_per_ikm > event.max_meetings_per_ikm:
        problems.append(
            problem_line(
                "min_meetings_per_ikm",
                f"is more than max_meetings_per_ikm ({event.max_meetings_per_ikm})",
                event.min_meetings_per_ikm,
            )
        )
    if n_slots and event.min_meetings_per_ikm > n_slots:
        problems.append(
            problem_line(
                "min_meetings_per_ikm",
                f"is more than the {n_slots} slots of the day",
                event.min_meetings_per_ikm,
            )
        )
    for pid, windows in event.availability.items():
        if n_slots and not event.available_slots(pid):
            spans = ", ".join(f"{format_clock(w.start)}-{format_clock(w.end)}" for w in windows)
            problems.append(problem_line(f"availability.{pid}", "covers no whole slot", spans or "[]"))
    return problems


def _booth_map(event: Event) -> list[str]:
    problems: list[str] = []
    tables = set(event.table_names())
    cells: dict[tuple[int, int], str] = {}
    for name, place in event.booth_map.items():
        if name not in tables:
            problems.append(problem_line(f"booth_map.{name}", "no such table", name))
            continue
        cell = (place.row, place.col)
        if cell in cells:
            problems.append(
                problem_line(
                    f"booth_map.{name}",
                    f"table {cells[cell]} already stands at row {cell[0]}, column {cell[1]}",
                    f"{cell[0]},{cell[1]}",
                )
            )
        cells.setdefault(cell, name)
    return problems


def _people(event: Event) -> list[str]:
    problems: list[str] = []
    for field in ("buyers", "ikms"):
        ids = getattr(event, field)
        if isinstance(ids, list):
            if not ids:
                problems.append(problem_line(field, 'the list is empty (write "all" for everyone)', ids))
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            if repeated:
                problems.append(problem_line(field, "ids repeat", repeated))
    return problems


def _preferences(event: Event) -> list[str]:
    problems: list[str] = []
    kinds: dict[tuple[str, str], tuple[int, str]] = {}
    for i, pref in enumerate(event.preferences):
        pair = (pref.buyer, pref.ikm)
        if pair in kinds:
            first, kind = kinds[pair]
            if {kind, pref.kind} == {"must_meet", "no_thanks"}:
                problems.append(
                    problem_line(
                        f"preferences[{i}].kind",
                        f"{pref.buyer}-{pref.ikm} is already {kind} in preferences[{first}]",
                        pref.kind,
                    )
                )
        else:
            kinds[pair] = (i, pref.kind)
    return problems


def _fixed_meetings(event: Event) -> list[str]:
    problems: list[str] = []
    slots = event.slots()
    starts = {s.start_minute: s for s in slots}
    tables = set(event.table_names())
    no_thanks = {(p.buyer, p.ikm) for p in event.preferences if p.kind == "no_thanks"}
    used_tables: dict[tuple[int, str], int] = {}
    busy: dict[tuple[int, str], int] = {}
    for i, meeting in enumerate(event.fixed_meetings):
        path = f"fixed_meetings[{i}]"
        slot = starts.get(minute_of_day(meeting.start))
        if slot is None:
            nearest = sorted(
                slots, key=lambda s: (abs(s.start_minute - minute_of_day(meeting.start)), s.index)
            )
            hint = ", ".join(format_clock(s.start) for s in sorted(nearest[:2], key=lambda s: s.index))
            problems.append(
                problem_line(f"{path}.start", f"is not a slot start; nearest: {hint}", meeting.start)
            )
        if meeting.table_name not in tables:
            shown = sorted(tables, key=lambda t: (len(t), t))
            valid = ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")
            problems.append(problem_line(f"{path}.table", f"no such table (tables: {valid})", meeting.table))
        if (meeting.buyer, meeting.ikm) in no_thanks:
            problems.append(
                problem_line(path, "this pair is marked no_thanks", f"{meeting.buyer}-{meeting.ikm}")
            )
        if slot is None:
            continue
        for pid in (meeting.buyer, meeting.ikm):
            if slot.index not in event.available_slots(pid):
                problems.append(problem_line(path, f"{pid} is not available at {slot.label}", meeting.start))
            if (slot.index, pid) in busy:
                other = busy[(slot.index, pid)]
                problems.append(
                    problem_line(path, f"{pid} already meets in fixed_meetings[{other}]", meeting.start)
                )
            busy[(slot.index, pid)] = i
        key = (slot.index, meeting.table_name)
        if key in used_tables:
            problems.append(
                problem_line(
                    f"{path}.table",
                    f"already used at {slot.label} by fixed_meetings[{used_tables[key]}]",
                    meeting.table,
                )
            )
        used_tables[key] = i
    return problems
