"""Match-list benchmark: solve time and quality of :func:`matching.events.selection.choose_meetings` as events
grow.

    .venv/bin/python scripts/bench_assign.py [--sizes 50x200 200x1000 500x2000] [--top 50] [--seed 0]

Each instance is random and seeded: every buyer gets its ``--top`` IKMs (scores uniform in [0, 1]) as
candidates, caps of 8 meetings per buyer and 6 per IKM, a capacity of tables x slots, a fairness minimum,
and a few must-meet, meet, no-thanks and fixed pairs. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random

from matching.events.meetings import MatchProblem
from matching.events.selection import choose_meetings


def make_problem(
    n_buyers: int,
    n_ikms: int,
    *,
    top: int = 50,
    tables: int = 120,
    slots: int = 24,
    min_per_ikm: int = 1,
    seed: int = 0,
) -> MatchProblem:
    """A random event: ``top`` candidate IKMs per buyer, a few preferences of each kind."""
    rng = random.Random(seed)
    buyers = [f"B{k:04d}" for k in range(n_buyers)]
    ikms = [f"I{k:05d}" for k in range(n_ikms)]
    scores = {(b, i): round(rng.random(), 4) for b in buyers for i in rng.sample(ikms, min(top, n_ikms))}
    pairs = sorted(scores)
    picked = rng.sample(pairs, min(len(pairs), 4 * max(1, n_buyers // 10)))
    quarter = len(picked) // 4
    fixed = set(picked[:quarter])
    must_meet = set(picked[quarter : 2 * quarter])
    no_thanks = set(picked[2 * quarter : 3 * quarter])
    meet = set(picked[3 * quarter :])
    return MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer=dict.fromkeys(buyers, 8),
        max_per_ikm=dict.fromkeys(ikms, 6),
        capacity=tables * slots,
        min_per_ikm=min_per_ikm,
        must_meet=must_meet,
        meet=meet,
        no_thanks=no_thanks,
        fixed=fixed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["50x200", "200x1000", "500x2000"])
    parser.add_argument("--top", type=int, default=50, help="candidate IKMs per buyer")
    parser.add_argument("--tables", type=int, default=120)
    parser.add_argument("--slots", type=int, default=24)
    parser.add_argument("--min-per-ikm", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()

    print(
        "| buyers x IKMs | pairs | meetings | seconds | objective | LP bound | gap | min per IKM "
        "| IKMs below min | status |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in args.sizes:
        n_buyers, n_ikms = (int(x) for x in size.lower().split("x"))
        problem = make_problem(
            n_buyers,
            n_ikms,
            top=args.top,
            tables=args.tables,
            slots=args.slots,
            min_per_ikm=args.min_per_ikm,
            seed=args.seed,
        )
        result = choose_meetings(problem, time_limit=args.time_limit)
        per_ikm = dict.fromkeys(problem.ikms, 0)
        for meeting in result.meetings:
            per_ikm[meeting.ikm] += 1
        print(
            f"| {n_buyers} x {n_ikms} | {len(problem.scores):,} | {len(result.meetings):,} "
            f"| {result.seconds:.2f} | {result.objective:.2f} | {result.lp_bound:.2f} | {result.gap:.2e} "
            f"| {min(per_ikm.values())} | {len(result.ikm_shortfall)} | {result.status} |"
        )


if __name__ == "__main__":
    main()
