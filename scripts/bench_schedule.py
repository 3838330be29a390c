"""Scheduling benchmark: solve time and quality of :func:`matching.events.scheduling.schedule_meetings` as
events grow.

    .venv/bin/python scripts/bench_schedule.py [--sizes 50x200:12 200x1000:18 500x2000:24] [--seed 0]
                                               [--time-limit 20] [--ikm-fixed-tables]

Each instance is random and seeded: buyers ask for up to 8 meetings with distinct IKMs (IKMs capped at 6),
one buyer in five and one IKM in ten attends only a morning or afternoon window, 2% of the meetings are
already confirmed in a slot and table, and tables ~= meetings / slots + 15%. Every schedule is verified
with :func:`matching.events.checking.check_schedule`. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from matching.events.checking import check_schedule, idle_gaps
from matching.events.meetings import Meeting, ScheduleProblem
from matching.events.scheduling import schedule_meetings


def _window(rng: random.Random, n_slots: int) -> set[int]:
    half = n_slots // 2
    return set(range(half)) if rng.random() < 0.5 else set(range(half, n_slots))


def make_problem(
    n_buyers: int, n_ikms: int, n_slots: int, *, seed: int = 0, ikm_fixed_tables: bool = False
) -> tuple[ScheduleProblem, dict[str, int], dict[str, int]]:
    """A random event and its caps (buyers 8, IKMs 6)."""
    rng = random.Random(seed)
    buyers = [f"B{k:04d}" for k in range(n_buyers)]
    ikms = [f"I{k:05d}" for k in range(n_ikms)]
    availability = {b: _window(rng, n_slots) for b in buyers if rng.random() < 0.2}
    availability |= {i: _window(rng, n_slots) for i in ikms if rng.random() < 0.1}
    load: Counter[str] = Counter()
    meetings: list[Meeting] = []
    for b in buyers:
        wanted = min(rng.randint(4, 8), len(availability.get(b, range(n_slots))))
        for i in rng.sample(ikms, min(len(ikms), 3 * wanted)):
            if wanted == 0:
                break
            common = availability.get(b, set(range(n_slots))) & availability.get(i, set(range(n_slots)))
            if load[i] < 6 and common:
                meetings.append(Meeting(b, i, round(rng.random(), 4)))
                load[i] += 1
                wanted -= 1
    if ikm_fixed_tables:
        tables = [str(t + 1) for t in range(int(len({m.ikm for m in meetings}) * 1.05) + 1)]
    else:
        tables = [str(t + 1) for t in range(int(len(meetings) / n_slots * 1.15) + 1)]
    busy: set[tuple[str, int]] = set()
    used: set[tuple[int, str]] = set()
    for k in rng.sample(range(len(meetings)), len(meetings) // 50):
        m = meetings[k]
        common = sorted(
            availability.get(m.buyer, set(range(n_slots))) & availability.get(m.ikm, set(range(n_slots)))
        )
        s = rng.choice(common)
        table = rng.choice(tables)
        if (m.buyer, s) in busy or (m.ikm, s) in busy or (s, table) in used or ikm_fixed_tables:
            continue
        busy |= {(m.buyer, s), (m.ikm, s)}
        used.add((s, table))
        meetings[k] = Meeting(m.buyer, m.ikm, m.score, s, table, fixed=True)
    problem = ScheduleProblem(
        meetings=meetings,
        n_slots=n_slots,
        tables=tables,
        availability=availability,
        ikm_fixed_tables=ikm_fixed_tables,
    )
    return problem, dict.fromkeys(buyers, 8), dict.fromkeys(ikms, 6)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["50x200:12", "200x1000:18", "500x2000:24"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--ikm-fixed-tables", action="store_true")
    args = parser.parse_args(argv)
    print(
        "| buyers x IKMs | meetings | slots | tables | seconds | status | placed | unplaced | violations "
        "| idle gaps / participant |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        dims, slots = size.split(":")
        n_buyers, n_ikms = (int(x) for x in dims.split("x"))
        problem, max_b, max_i = make_problem(
            n_buyers, n_ikms, int(slots), seed=args.seed, ikm_fixed_tables=args.ikm_fixed_tables
        )
        result = schedule_meetings(problem, time_limit=args.time_limit)
        violations = check_schedule(problem, result.meetings, max_per_buyer=max_b, max_per_ikm=max_i)
        gaps = idle_gaps(result.meetings)
        mean_gap = sum(gaps.values()) / max(1, len(gaps))
        print(
            f"| {n_buyers} x {n_ikms} | {len(problem.meetings)} | {problem.n_slots} | {len(problem.tables)} "
            f"| {result.seconds:.1f} | {result.status} | {len(result.meetings)} | {len(result.unplaced)} "
            f"| {len(violations)} | {mean_gap:.2f} |"
        )


if __name__ == "__main__":
    main()
