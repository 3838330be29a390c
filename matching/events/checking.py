"""Schedule checker: list every way a schedule breaks the event's rules, and measure idle gaps.

:func:`check_schedule` never stops at the first problem: it returns one :class:`Violation` per broken rule
instance, each naming the participants, slot and table involved, so organisers (and tests) see all of them.

Violation kinds:

``unscheduled``      a meeting without a slot or a table
``slot_range``       a slot outside ``0 .. n_slots - 1``
``unknown_table``    a table not in the event's table list
``double_booked``    a participant with two meetings in one slot
``table_clash``      a table used by two meetings in one slot
``unavailable``      a meeting outside a participant's availability
``cap``              a participant with more meetings than its cap
``no_thanks``        a "no thanks" pair meeting anyway
``fixed_moved``      a confirmed meeting missing or not in its slot and table
``ikm_table``        with ``ikm_fixed_tables``: an IKM at several tables, or not at its preset table
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from matching.events.meetings import Meeting, Pair, ScheduleProblem

__all__ = ["Violation", "check_schedule", "idle_gaps"]


@dataclass(frozen=True)
class Violation:
    """One broken rule: its ``kind`` (see the module docstring), a readable message, the meetings involved."""

    kind: str
    message: str
    meetings: tuple[Meeting, ...] = ()


def _where(m: Meeting) -> str:
    return f"{m.buyer}-{m.ikm} (slot {m.slot}, table {m.table})"


def _check_places(problem: ScheduleProblem, placed: list[Meeting], out: list[Violation]) -> None:
    tables = set(problem.tables)
    by_slot_participant: dict[tuple[int, str], list[Meeting]] = defaultdict(list)
    by_slot_table: dict[tuple[int, str], list[Meeting]] = defaultdict(list)
    for m in placed:
        assert m.slot is not None and m.table is not None
        if not 0 <= m.slot < problem.n_slots:
            out.append(Violation("slot_range", f"{_where(m)}: slot outside 0..{problem.n_slots - 1}", (m,)))
        if m.table not in tables:
            out.append(Violation("unknown_table", f"{_where(m)}: table {m.table!r} does not exist", (m,)))
        for who in (m.buyer, m.ikm):
            if m.slot not in problem.available(who):
                out.append(
                    Violation("unavailable", f"{_where(m)}: {who} is not available in slot {m.slot}", (m,))
                )
            by_slot_participant[(m.slot, who)].append(m)
        by_slot_table[(m.slot, m.table)].append(m)
    for (slot, who), ms in sorted(by_slot_participant.items()):
        if len(ms) > 1:
            names = ", ".join(f"{m.buyer}-{m.ikm}" for m in ms)
            out.append(
                Violation("double_booked", f"{who} has {len(ms)} meetings in slot {slot}: {names}", tuple(ms))
            )
    for (slot, table), ms in sorted(by_slot_table.items()):
        if len(ms) > 1:
            names = ", ".join(f"{m.buyer}-{m.ikm}" for m in ms)
            out.append(
                Violation(
                    "table_clash",
                    f"table {table} holds {len(ms)} meetings in slot {slot}: {names}",
                    tuple(ms),
                )
            )


def _check_caps(
    meetings: list[Meeting], side: str, caps: Mapping[str, int] | None, out: list[Violation]
) -> None:
    if caps is None:
        return
    mine: dict[str, list[Meeting]] = defaultdict(list)
    for m in meetings:
        mine[m.buyer if side == "buyer" else m.ikm].append(m)
    for who, ms in sorted(mine.items()):
        if who in caps and len(ms) > caps[who]:
            out.append(Violation("cap", f"{side} {who} has {len(ms)} meetings, cap {caps[who]}", tuple(ms)))


def _check_fixed(meetings: list[Meeting], fixed: Iterable[Meeting], out: list[Violation]) -> None:
    by_pair: dict[Pair, list[Meeting]] = defaultdict(list)
    for m in meetings:
        by_pair[m.pair].append(m)
    for f in fixed:
        if f.slot is None:
            continue
        if not any(m.slot == f.slot and (f.table is None or m.table == f.table) for m in by_pair[f.pair]):
            now = ", ".join(_where(m) for m in by_pair[f.pair]) or "missing"
            out.append(
                Violation(
                    "fixed_moved",
                    f"confirmed meeting {f.buyer}-{f.ikm} belongs in slot "
                    f"{f.slot}, table {f.table}; schedule has: {now}",
                    (f, *by_pair[f.pair]),
                )
            )


def _check_ikm_tables(problem: ScheduleProblem, placed: list[Meeting], out: list[Violation]) -> None:
    tables_of: dict[str, list[Meeting]] = defaultdict(list)
    for m in placed:
        tables_of[m.ikm].append(m)
    for ikm, ms in sorted(tables_of.items()):
        used = sorted({str(m.table) for m in ms})
        preset = problem.ikm_tables.get(ikm)
        if len(used) > 1:
            out.append(
                Violation("ikm_table", f"IKM {ikm} sits at {len(used)} tables: {', '.join(used)}", tuple(ms))
            )
        if preset is not None and any(t != preset for t in used):
            wrong = tuple(m for m in ms if m.table != preset)
            others = ", ".join(t for t in used if t != preset)
            out.append(
                Violation(
                    "ikm_table", f"IKM {ikm} has meetings at table(s) {others}, not its table {preset}", wrong
                )
            )


def check_schedule(
    problem: ScheduleProblem,
    meetings: list[Meeting],
    *,
    max_per_buyer: dict[str, int] | None = None,
    max_per_ikm: dict[str, int] | None = None,
    no_thanks: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    fixed: Iterable[Meeting] = (),
) -> list[Violation]:
    """Every violation of the schedule ``meetings`` against ``problem`` and the given rules; [] when valid.

    Confirmed meetings are those in ``fixed`` plus the ``fixed`` meetings of ``problem`` that have a slot.
    """
    out: list[Violation] = []
    placed: list[Meeting] = []
    for m in meetings:
        if m.slot is None or m.table is None:
            out.append(Violation("unscheduled", f"{_where(m)}: meeting has no slot or no table", (m,)))
        else:
            placed.append(m)
    _check_places(problem, placed, out)
    _check_caps(meetings, "buyer", max_per_buyer, out)
    _check_caps(meetings, "ikm", max_per_ikm, out)
    for m in meetings:
        if m.pair in no_thanks:
            out.append(
                Violation("no_thanks", f"{m.buyer} and {m.ikm} said no thanks but meet in {_where(m)}", (m,))
            )
    seen: set[tuple[Pair, int | None, str | None]] = set()
    confirmed: list[Meeting] = []
    for f in [*fixed, *(m for m in problem.meetings if m.fixed)]:
        key = (f.pair, f.slot, f.table)
        if key not in seen:
            seen.add(key)
            confirmed.append(f)
    _check_fixed(meetings, confirmed, out)
    if problem.ikm_fixed_tables:
        _check_ikm_tables(problem, placed, out)
    return out


def idle_gaps(meetings: Iterable[Meeting]) -> dict[str, int]:
    """Per participant (buyer and IKM ids): empty slots between its first and last meeting.

    Unscheduled meetings are ignored; several meetings in one slot count that slot once.
    """
    slots: dict[str, set[int]] = defaultdict(set)
    for m in meetings:
        if m.slot is not None:
            slots[m.buyer].add(m.slot)
            slots[m.ikm].add(m.slot)
    return {who: max(s) - min(s) + 1 - len(s) for who, s in sorted(slots.items())}
