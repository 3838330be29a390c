"""The event day's operations as changes: what an organiser does on the day, in the repair's terms.

A :class:`DayOperation` (mark absent, cancel a meeting, a walk-in, move, swap, a late arrival) becomes
:class:`~matching.events.repair.Changes` with an English sentence (:func:`operation_changes`); a
:class:`Preview` is a previewed operation as :class:`matching.app.day.EventDay` stages it; a
:class:`DayLoss` names what a plan from the definition alone would drop; :func:`day_event` is the event as
the day left it, to plan the whole event again from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from matching.app.scoring import Participants
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.model import Event, parse_event
from matching.events.repair import Cancellation, Changes, Move, open_from
from matching.events.timeslots import TimeWindow

__all__ = ["OPERATIONS", "DayLoss", "DayOperation", "Preview", "day_event", "operation_changes"]

OPERATIONS = ("absent", "cancel", "walk_in", "move", "swap", "late")
Pair = tuple[str, str]


@dataclass(frozen=True)
class DayOperation:
    """One change on the day, before it is previewed.

    ``kind`` is one of :data:`OPERATIONS`; ``participants`` names who is absent, walks in or is late;
    ``pair`` is the meeting to cancel, move or swap, ``other`` the meeting it swaps with; ``start``/``end``
    a window (walk-in, late: ``end`` defaults to the end of the day) or the new slot's start (move);
    ``table`` the new table (move).
    """

    kind: str
    participants: tuple[str, ...] = ()
    pair: Pair | None = None
    other: Pair | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    table: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Preview:
    """A previewed operation: the exact diff against the plan in force, and the token that applies it."""

    token: str
    event_id: str
    base_plan: int
    action: str
    text: str
    params: dict[str, str]
    who: str
    created_at: str  # ISO, UTC
    changes: list[dict[str, str]]  # kind, buyer, ikm, names, old/new start and table, reason
    report: dict[str, Any]  # kept, moved, added, cancelled, meetings, violations ...
    violations: list[str]
    state: dict[str, Any] = field(default_factory=dict)  # the day's Changes after it (JSON)
    checkins: dict[str, str | None] = field(default_factory=dict)  # statuses it sets, when applied
    checkins_before: dict[str, str | None] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class DayLoss:
    """What the day changed, i.e. what a plan from the definition alone would drop."""

    absent: list[tuple[str, str]]  # (id, name)
    walk_ins: list[tuple[str, str]]
    late: list[tuple[str, str]]  # participants with a new window
    moved: int
    cancelled: int
    wishes: int  # preferences made on the day

    @property
    def empty(self) -> bool:
        return not (self.absent or self.walk_ins or self.late or self.moved or self.cancelled or self.wishes)

    def sentence(self) -> str:
        parts = []
        if self.absent:
            parts.append(f"{len(self.absent)} absence(s) ({', '.join(n for _, n in self.absent)})")
        if self.walk_ins:
            parts.append(f"walk-ins {', '.join(n for _, n in self.walk_ins)}")
        if self.late:
            parts.append(f"{len(self.late)} new window(s) ({', '.join(n for _, n in self.late)})")
        if self.moved:
            parts.append(f"{self.moved} moved meeting(s)")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled meeting(s)")
        if self.wishes:
            parts.append(f"{self.wishes} wish(es) made on the day")
        return "; ".join(parts) or "nothing"


def _clock(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def day_event(
    event: Event, changes: Changes, current: list[dict[str, str]], buyers: list[str], ikms: list[str]
) -> Event:
    """The event as the day left it, to plan again from: absent participants out, walk-ins in, the day's
    windows and wishes, cancelled meetings as "no thanks", and the meetings already held (before
    ``changes.now``) or moved by the organiser kept in place as confirmed meetings.

    ``current`` is the plan in force (rows of ``meetings.csv``); ``buyers``/``ikms`` the event's participants
    (``"all"`` resolved).
    """
    absent = set(changes.no_shows)
    all_buyers = [b for b in dict.fromkeys([*buyers, *changes.new_buyers]) if b not in absent]
    all_ikms = [i for i in dict.fromkeys([*ikms, *changes.new_ikms]) if i not in absent]
    present = set(all_buyers) | set(all_ikms)
    cancelled = {(c.buyer, c.ikm) for c in changes.cancelled}
    data = event.model_dump(mode="json")
    data["buyers"], data["ikms"] = all_buyers, all_ikms
    windows = {p: w for p, w in data["availability"].items() if p in present}
    windows |= {
        p: [w.model_dump(mode="json") for w in ws] for p, ws in changes.availability.items() if p in present
    }
    data["availability"] = windows
    prefs = [
        p
        for p in [*data["preferences"], *(p.model_dump(mode="json") for p in changes.preferences)]
        if p["buyer"] in present and p["ikm"] in present and (p["buyer"], p["ikm"]) not in cancelled
    ]
    prefs += [
        {"buyer": b, "ikm": i, "kind": "no_thanks"}
        for b, i in sorted(cancelled)
        if b in present and i in present
    ]
    data["preferences"] = prefs
    slots = event.slots()
    first_open = open_from(event, changes)
    past = {s.start.strftime("%H:%M") for s in slots if s.index < first_open}
    moved = {(m.buyer, m.ikm) for m in changes.moves}
    keep: dict[Pair, dict[str, Any]] = {}
    for f in data["fixed_meetings"]:
        pair = (f["buyer"], f["ikm"])
        if f["buyer"] in present and f["ikm"] in present and pair not in cancelled:
            keep[pair] = f
    for row in current:
        pair = (row["buyer_id"], row["ikm_id"])
        if (row["slot_start"] in past or pair in moved) and pair[0] in present and pair[1] in present:
            keep[pair] = {"buyer": pair[0], "ikm": pair[1], "start": row["slot_start"], "table": row["table"]}
    data["fixed_meetings"] = list(keep.values())
    return parse_event(data, "the event with the day's changes")


def operation_changes(
    event: Event,
    op: DayOperation,
    *,
    names: Mapping[str, str],
    catalogue: Participants,
    meetings: list[dict[str, str]],
) -> tuple[Changes, str, dict[str, str]]:
    """``op`` as changes of the day, its English sentence and the values the sentence shows.

    ``names`` are the event's participants (id -> name, walk-ins included), ``catalogue`` who the catalogue
    holds, ``meetings`` the plan in force (rows of ``meetings.csv``). :class:`ConfigError`,
    :class:`NotFoundError` or :class:`ConflictError` say what is wrong with the operation.
    """
    people = catalogue

    def name(pid: str) -> str:
        return names.get(pid) or people.names.get(pid, pid)

    def meeting(pair: Pair | None) -> dict[str, str]:
        if pair is None:
            raise ConfigError("choose a meeting")
        for row in meetings:
            if (row["buyer_id"], row["ikm_id"]) == pair:
                return row
        raise NotFoundError(f"the plan in force has no meeting of {pair[0]} with {pair[1]}")

    def label(pair: Pair) -> str:
        return f"{name(pair[0])} \N{EN DASH} {name(pair[1])}"

    slots = event.slots()
    day_end = max(s.end for s in slots) if slots else dt.time(23, 59)
    if op.kind == "absent":
        if not op.participants:
            raise ConfigError("choose at least one participant")
        for pid in op.participants:
            if pid not in names:
                raise NotFoundError(f"{pid!r} does not take part in this event")
        who = ", ".join(name(p) for p in op.participants)
        return Changes(no_shows=list(op.participants)), f"Marked absent: {who}", {"names": who}
    if op.kind == "cancel":
        row = meeting(op.pair)
        assert op.pair is not None
        reason = op.reason.strip() or "cancelled by the organiser"
        text = f"Cancelled the meeting {label(op.pair)} at {row['slot_start']}"
        return (
            Changes(cancelled=[Cancellation(buyer=op.pair[0], ikm=op.pair[1], reason=reason)]),
            text,
            {"meeting": label(op.pair), "start": row["slot_start"]},
        )
    if op.kind in ("walk_in", "late"):
        if len(op.participants) != 1:
            raise ConfigError("choose one participant")
        pid = op.participants[0]
        window = None
        if op.start is not None or op.end is not None:
            try:
                window = TimeWindow(start=op.start or min(s.start for s in slots), end=op.end or day_end)
            except ValueError as exc:  # pydantic's ValidationError
                raise ConfigError("window: the end must be after the start") from exc
        avail = {pid: [window]} if window is not None else {}
        span = f"{_clock(window.start)}\N{EN DASH}{_clock(window.end)}" if window is not None else ""
        if op.kind == "late":
            if pid not in names:
                raise NotFoundError(f"{pid!r} does not take part in this event")
            if window is None:
                raise ConfigError("start: give the time from which the participant can meet")
            return (
                Changes(availability=avail),
                f"Late arrival: {name(pid)}, can meet {span}",
                {"name": name(pid), "window": span},
            )
        if pid in names:
            raise ConflictError(f"{name(pid)} ({pid}) already takes part in this event")
        if pid in people.buyers:
            changes = Changes(new_buyers=[pid], availability=avail)
        elif pid in people.ikms:
            changes = Changes(new_ikms=[pid], availability=avail)
        else:
            raise NotFoundError(f"the catalogue has no buyer or IKM {pid!r}")
        side = "buyer" if pid in people.buyers else "IKM"
        text = f"Walk-in {side}: {name(pid)}" + (f", can meet {span}" if span else "")
        return changes, text, {"name": name(pid), "window": span}
    if op.kind == "move":
        row = meeting(op.pair)
        assert op.pair is not None
        if op.start is None or not op.table:
            raise ConfigError("choose the new time and table")
        move = Move(
            buyer=op.pair[0],
            ikm=op.pair[1],
            start=op.start,
            table=op.table,
            reason=op.reason or "moved by the organiser",
        )
        text = (
            f"Moved the meeting {label(op.pair)} from {row['slot_start']} table {row['table']} "
            f"to {_clock(op.start)} table {op.table}"
        )
        params = {
            "meeting": label(op.pair),
            "old_start": row["slot_start"],
            "old_table": row["table"],
            "new_start": _clock(op.start),
            "new_table": op.table,
        }
        return Changes(moves=[move]), text, params
    if op.kind == "swap":
        a, b = meeting(op.pair), meeting(op.other)
        assert op.pair is not None and op.other is not None
        if op.pair == op.other:
            raise ConfigError("choose two different meetings to swap")
        reason = op.reason or "swapped by the organiser"
        moves = [
            Move(
                buyer=op.pair[0],
                ikm=op.pair[1],
                start=dt.time.fromisoformat(b["slot_start"]),
                table=b["table"],
                reason=reason,
            ),
            Move(
                buyer=op.other[0],
                ikm=op.other[1],
                start=dt.time.fromisoformat(a["slot_start"]),
                table=a["table"],
                reason=reason,
            ),
        ]
        text = (
            f"Swapped {label(op.pair)} ({a['slot_start']} table {a['table']}) with "
            f"{label(op.other)} ({b['slot_start']} table {b['table']})"
        )
        params = {"meeting": label(op.pair), "other": label(op.other)}
        return Changes(moves=moves), text, params
    raise ConfigError(f"unknown operation {op.kind!r} (one of {', '.join(OPERATIONS)})")
