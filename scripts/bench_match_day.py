"""Match list on a day with half-day participants: list-then-schedule against choosing and scheduling
together.

    .venv/bin/python scripts/bench_match_day.py [--cases 120x300:16:40 500x2000:24:150] [--seeds 0 1 2]
                                                [--time-limit 10] [--json out.json]

Each case ``BxI:S:T`` is a random seeded event: B buyers, I IKMs, S slots in two halves, T tables; 20% of
the buyers and 10% of the IKMs come for the morning or the afternoon only; each buyer's 50 candidate IKMs
have uniform random scores; caps of 8 meetings per buyer and 6 per IKM; a fairness floor of 1. Two ways:

- ``list_then_schedule``: the match list blind to the day (:func:`choose_meetings` without slots), then
  :func:`schedule_meetings` leaving out what does not fit (the way before issue 15);
- ``joint``: :func:`matching.events.rounds.choose_and_schedule`.

Per way and seed: meetings chosen and placed, the placed meetings' objective (scores, bonuses, fairness
penalty) over ``bound``, the LP bound of the match list that leaves out pairs sharing no free slot (no
window rows: the bound the acceptance of issue 15 names), IKMs with 0 meetings although a matching of IKMs
to buyer places over pairs sharing a slot could give them one (``floor_misses``: reachable IKMs at 0 beyond
what that matching allows), checker violations and seconds. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from typing import Any

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching

from matching.events.checking import check_schedule
from matching.events.meetings import MatchProblem, ScheduleProblem
from matching.events.rounds import choose_and_schedule
from matching.events.scheduling import schedule_meetings
from matching.events.selection import choose_meetings, evaluate


def make_event(n_buyers: int, n_ikms: int, n_slots: int, tables: int, seed: int) -> MatchProblem:
    rng = random.Random(seed)
    buyers = [f"B{k:04d}" for k in range(n_buyers)]
    ikms = [f"I{k:05d}" for k in range(n_ikms)]
    halves = [set(range(n_slots // 2)), set(range(n_slots // 2, n_slots))]
    availability = {
        who: set(rng.choice(halves))
        for who in rng.sample(buyers, n_buyers // 5) + rng.sample(ikms, n_ikms // 10)
    }
    scores = {(b, i): round(rng.random(), 4) for b in buyers for i in rng.sample(ikms, min(50, n_ikms))}
    free = {p: len(availability.get(p, range(n_slots))) for p in [*buyers, *ikms]}
    return MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer={b: min(8, free[b]) for b in buyers},
        max_per_ikm={i: min(6, free[i]) for i in ikms},
        capacity=n_slots * tables,
        min_per_ikm=1,
        n_slots=n_slots,
        tables=tables,
        availability=availability,
    )


def most_ikms_that_can_meet(problem: MatchProblem) -> int:
    """Upper bound on IKMs with a meeting: a maximum matching of IKMs to buyer places over usable pairs."""
    places = {b: [] for b in problem.buyers}
    n = 0
    for b in problem.buyers:
        places[b] = list(range(n, n + problem.max_per_buyer[b]))
        n += problem.max_per_buyer[b]
    ikms = sorted({i for p in problem.scores if problem.common_slots(p) for i in [p[1]]})
    row = {i: r for r, i in enumerate(ikms)}
    rows, cols = [], []
    for b, i in problem.scores:
        if problem.common_slots((b, i)) and problem.max_per_ikm[i] > 0:
            rows += [row[i]] * len(places[b])
            cols += places[b]
    graph = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(ikms), n))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def run_case(problem: MatchProblem, time_limit: float) -> dict[str, Any]:
    day = ScheduleProblem(
        meetings=[],
        n_slots=problem.n_slots,
        tables=[str(t + 1) for t in range(problem.tables)],
        availability=problem.availability,
    )
    usable = {p: s for p, s in problem.scores.items() if problem.common_slots(p)}
    bound = choose_meetings(replace(problem, scores=usable, n_slots=0), time_limit=time_limit).lp_bound
    can_meet = most_ikms_that_can_meet(problem)
    out: dict[str, Any] = {"bound": round(bound, 2), "ikms_that_can_meet": can_meet}

    started = time.perf_counter()
    blind = choose_meetings(replace(problem, n_slots=0, tables=0, availability={}), time_limit=time_limit)
    placed = schedule_meetings(
        replace(day, meetings=blind.meetings), time_limit=time_limit, drop_unplaceable=True
    ).meetings
    ways = {"list_then_schedule": (len(blind.meetings), placed, time.perf_counter() - started)}

    started = time.perf_counter()
    joint = choose_and_schedule(problem, day, time_limit=time_limit)
    chosen = len(joint.schedule.meetings) + len(joint.left_out)
    ways["joint"] = (chosen, joint.schedule.meetings, time.perf_counter() - started)
    out["joint_rounds"] = joint.rounds

    for name, (n_chosen, meetings, seconds) in ways.items():
        value = evaluate(problem, meetings, lp_bound=bound, status="", seconds=0).objective
        checked = replace(day, meetings=meetings)
        violations = check_schedule(
            checked, meetings, max_per_buyer=problem.max_per_buyer, max_per_ikm=problem.max_per_ikm
        )
        met = len({m.ikm for m in meetings})
        out[name] = {
            "chosen": n_chosen,
            "placed": len(meetings),
            "value": round(value, 2),
            "value_over_bound": round(value / bound, 5),
            "floor_misses": can_meet - met,
            "violations": len(violations),
            "seconds": round(seconds, 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=["120x300:16:40", "500x2000:24:150"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for case in args.cases:
        size, slots, tables = case.split(":")
        n_buyers, n_ikms = (int(x) for x in size.split("x"))
        runs = []
        for seed in args.seeds:
            problem = make_event(n_buyers, n_ikms, int(slots), int(tables), seed)
            runs.append({"seed": seed, **run_case(problem, args.time_limit)})
            print(json.dumps({"case": case, **runs[-1]}), flush=True)
        medians = {
            way: {k: statistics.median(r[way][k] for r in runs) for k in runs[0][way]}
            for way in ("list_then_schedule", "joint")
        }
        report[case] = {"runs": runs, "medians": medians}
    text = json.dumps(report, indent=2)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
