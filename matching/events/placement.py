"""Steps 1 and 2 of :func:`matching.events.scheduling.schedule_meetings`: pin confirmed meetings, then place
the rest.

:class:`Plan` is the working state the scheduling steps share. :func:`pin_fixed` keeps confirmed meetings
where they are (reporting the ones that break a rule) and, with ``ikm_fixed_tables``, gives every IKM its
table; :func:`greedy` places the most constrained meetings first, each where it adds the fewest idle gaps;
:func:`improve` is a local search (single moves, and swaps of two meetings sharing a participant) that
removes idle gaps without unplacing anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from matching.events.meetings import Meeting, ScheduleProblem

__all__ = ["Plan", "greedy", "improve", "pin_fixed"]


@dataclass
class Plan:
    """Working state shared by the steps."""

    problem: ScheduleProblem
    pinned: list[Meeting] = field(default_factory=list)  # confirmed: slot kept (table may be None)
    movable: list[Meeting] = field(default_factory=list)
    unplaced: list[tuple[Meeting, str]] = field(default_factory=list)
    busy: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    pinned_tables: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    pinned_count: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    table_of: dict[str, str] = field(default_factory=dict)  # IKM -> its table, with ikm_fixed_tables
    bad_ikm: dict[str, str] = field(default_factory=dict)  # IKM -> why it has no table

    def free_in(self, slot: int) -> int:
        """Tables still free in ``slot`` once confirmed meetings sit (unbounded with IKM tables)."""
        if self.problem.ikm_fixed_tables:
            return len(self.problem.meetings) + 1
        return len(self.problem.tables) - self.pinned_count[slot]


def pin_fixed(plan: Plan) -> None:
    """Step 1: keep confirmed meetings where they are, unless they break a rule (then report them)."""
    problem = plan.problem
    tables = set(problem.tables)
    owner: dict[str, str] = {}  # table -> IKM, with ikm_fixed_tables
    if problem.ikm_fixed_tables:
        for ikm, table in sorted(problem.ikm_tables.items()):
            if table not in tables:
                plan.bad_ikm[ikm] = f"preset table {table} of IKM {ikm} does not exist"
            elif table in owner:
                plan.bad_ikm[ikm] = f"preset table {table} of IKM {ikm} is already IKM {owner[table]}'s"
            else:
                owner[table] = ikm
                plan.table_of[ikm] = table
    fixed = [m for m in problem.meetings if m.fixed and m.slot is not None]
    plan.movable = [m for m in problem.meetings if not (m.fixed and m.slot is not None)]
    for m in sorted(fixed, key=lambda m: (m.slot, m.table is None, m.table or "", m.buyer, m.ikm)):
        s = m.slot
        assert s is not None
        why = ""
        if not 0 <= s < problem.n_slots:
            why = f"confirmed slot {s} is outside 0..{problem.n_slots - 1}"
        elif m.ikm in plan.bad_ikm:
            why = plan.bad_ikm[m.ikm]
        elif m.table is not None and m.table not in tables:
            why = f"confirmed table {m.table} does not exist"
        elif m.table is not None and m.table in plan.pinned_tables[s]:
            why = f"table {m.table} already holds another confirmed meeting in slot {s}"
        elif m.table is None and plan.free_in(s) <= 0:
            why = f"slot capacity: all tables of slot {s} hold confirmed meetings"
        else:
            for who in (m.buyer, m.ikm):
                if s not in problem.available(who):
                    why = why or f"{who} is not available in confirmed slot {s}"
                elif s in plan.busy[who]:
                    why = why or f"{who} already has a confirmed meeting in slot {s}"
        if not why and problem.ikm_fixed_tables and m.table is not None:
            mine = plan.table_of.get(m.ikm)
            if mine is None and m.table in owner:
                why = f"table {m.table} belongs to IKM {owner[m.table]}"
            elif mine is not None and mine != m.table:
                why = f"IKM {m.ikm} sits at table {mine}, not {m.table}"
            elif mine is None:
                owner[m.table] = m.ikm
                plan.table_of[m.ikm] = m.table
        if why:
            plan.unplaced.append((m, why))
            continue
        plan.pinned.append(m)
        plan.busy[m.buyer].add(s)
        plan.busy[m.ikm].add(s)
        plan.pinned_count[s] += 1
        if m.table is not None:
            plan.pinned_tables[s].add(m.table)
    if problem.ikm_fixed_tables:
        _give_ikm_tables(plan, owner)


def _give_ikm_tables(plan: Plan, owner: dict[str, str]) -> None:
    """Every IKM with meetings but no table takes the next free table; the rest cannot meet."""
    problem = plan.problem
    free = iter([t for t in problem.tables if t not in owner])
    need = sorted({m.ikm for m in plan.movable + plan.pinned} - set(plan.table_of) - set(plan.bad_ikm))
    n_ikms = len(need) + len(plan.table_of)
    for ikm in need:
        table = next(free, None)
        if table is None:
            plan.bad_ikm[ikm] = f"no table left for IKM {ikm}: {len(problem.tables)} tables for {n_ikms} IKMs"
        else:
            plan.table_of[ikm] = table
    lost = [m for m in plan.pinned if m.ikm in plan.bad_ikm]
    for m in lost:
        assert m.slot is not None
        plan.pinned.remove(m)
        plan.busy[m.buyer].discard(m.slot)
        plan.busy[m.ikm].discard(m.slot)
        plan.pinned_count[m.slot] -= 1
        plan.unplaced.append((m, plan.bad_ikm[m.ikm]))


def _gap_cost(lo_hi: tuple[int, int] | None, s: int) -> int:
    """Change in idle gaps when a participant whose meetings span ``lo_hi`` gets slot ``s``."""
    if lo_hi is None:
        return 0
    lo, hi = lo_hi
    return max(hi, s) - min(lo, s) - (hi - lo) - 1


def greedy(plan: Plan, allowed: dict[int, list[int]]) -> dict[int, int]:
    """Step 2: meeting index -> slot for as many meetings as fit: required ones first, then the most
    constrained."""
    busy = {who: set(s) for who, s in plan.busy.items()}
    span: dict[str, tuple[int, int]] = {}
    for who, slots in busy.items():
        if slots:
            span[who] = (min(slots), max(slots))
    load: dict[int, int] = defaultdict(int)
    required = plan.problem.required
    order = sorted(  # required meetings (must-meet, fairness floor) first, then the most constrained
        allowed,
        key=lambda k: (
            plan.movable[k].pair not in required,
            len(allowed[k]),
            -plan.movable[k].score,
            plan.movable[k].buyer,
            plan.movable[k].ikm,
        ),
    )
    chosen: dict[int, int] = {}
    for k in order:
        m = plan.movable[k]
        b, i = busy.setdefault(m.buyer, set()), busy.setdefault(m.ikm, set())
        options = [s for s in allowed[k] if s not in b and s not in i and load[s] < plan.free_in(s)]
        if not options:
            continue
        s = min(
            options,
            key=lambda s: (_gap_cost(span.get(m.buyer), s) + _gap_cost(span.get(m.ikm), s), load[s], s),
        )
        chosen[k] = s
        load[s] += 1
        for who, taken in ((m.buyer, b), (m.ikm, i)):
            taken.add(s)
            lo_hi = span.get(who)
            span[who] = (s, s) if lo_hi is None else (min(lo_hi[0], s), max(lo_hi[1], s))
    return chosen


def _gaps(slots: set[int]) -> int:
    return max(slots) - min(slots) + 1 - len(slots) if slots else 0


def improve(plan: Plan, allowed: dict[int, list[int]], chosen: dict[int, int], rounds: int = 20) -> None:
    """Local search on ``chosen`` (in place) that shrinks idle gaps without unplacing anything.

    Two moves, each taken only when it strictly lowers the idle gaps of the participants it touches:
    *move* one meeting to another slot where both sides are free and a table is left, and *swap* the
    slots of two meetings that share a participant (whose day is then unchanged) when each other side is
    free in the other slot. Stops when a round changes nothing.
    """
    used: dict[str, set[int]] = defaultdict(set)
    for who, slots in plan.busy.items():
        used[who] |= slots
    load: dict[int, int] = defaultdict(int)
    by_who: dict[str, list[int]] = defaultdict(list)
    allowed_set = {k: set(v) for k, v in allowed.items()}
    for k, s in chosen.items():
        m = plan.movable[k]
        used[m.buyer].add(s)
        used[m.ikm].add(s)
        by_who[m.buyer].append(k)
        by_who[m.ikm].append(k)
        load[s] += 1
    for _ in range(rounds):
        moved = False
        for k in sorted(chosen):
            m, s = plan.movable[k], chosen[k]
            b, i = used[m.buyer], used[m.ikm]
            before = _gaps(b) + _gaps(i)
            if before == 0:
                continue
            b.discard(s)
            i.discard(s)
            best, best_cost = s, before
            for t in allowed[k]:
                if t != s and t not in b and t not in i and load[t] < plan.free_in(t):
                    cost = _gaps(b | {t}) + _gaps(i | {t})
                    if cost < best_cost:
                        best, best_cost = t, cost
            b.add(best)
            i.add(best)
            if best != s:
                load[s] -= 1
                load[best] += 1
                chosen[k] = best
                moved = True
        for who in sorted(by_who):
            ks = sorted(by_who[who])
            for x, k1 in enumerate(ks):
                for k2 in ks[x + 1 :]:
                    if _swap(plan, allowed_set, chosen, used, who, k1, k2):
                        moved = True
        if not moved:
            return


def _swap(
    plan: Plan,
    allowed: dict[int, set[int]],
    chosen: dict[int, int],
    used: dict[str, set[int]],
    who: str,
    k1: int,
    k2: int,
) -> bool:
    """Swap the slots of meetings ``k1`` and ``k2`` (both with ``who``) when that shrinks idle gaps."""
    s1, s2 = chosen[k1], chosen[k2]
    m1, m2 = plan.movable[k1], plan.movable[k2]
    o1 = m1.ikm if m1.buyer == who else m1.buyer
    o2 = m2.ikm if m2.buyer == who else m2.buyer
    if o1 == o2 or s2 not in allowed[k1] or s1 not in allowed[k2]:
        return False
    u1, u2 = used[o1], used[o2]
    if s2 in u1 or s1 in u2:
        return False
    before = _gaps(u1) + _gaps(u2)
    if before == 0:
        return False
    after = _gaps((u1 - {s1}) | {s2}) + _gaps((u2 - {s2}) | {s1})
    if after >= before:
        return False
    u1.discard(s1)
    u1.add(s2)
    u2.discard(s2)
    u2.add(s1)
    chosen[k1], chosen[k2] = s2, s1
    return True
