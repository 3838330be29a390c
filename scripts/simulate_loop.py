"""The tuning loop on simulated outcomes: does retraining from meeting outcomes beat the fallback weights?

    .venv/bin/python scripts/simulate_loop.py [--set dev2] [--curated dev] [--noise 0 0.1 0.2 0.3]
        [--seeds 0 1 2] [--json out.json]
    .venv/bin/python scripts/simulate_loop.py --widest-gaps 2 [--noise ...] [--seeds ...]

``--widest-gaps N`` measures the loop where it has the most room: every registered judged set is built, the
hand-set weights' nDCG@10 on its candidate lists is set against the lists' ceiling (ideal reordering,
:func:`matching.learning.selection.fallback_gaps`), and the loop runs on the N sets with the widest gap, the
other sets' rows as the curated data; it prints the gaps, then before/after per set and noise level.

For each judged set (``dev``: the demo catalogue with ``matching/data/dev/qrels.txt``; ``dev2``: the
independently written catalogue in ``matching/data/dev2``) the catalogue is imported and indexed in its own
data home under ``--homes`` (kept between runs: re-importing updates what changed), then
:func:`matching.lab.feedback.simulate_loop` plays one season per (noise, seed): the fallback proposes
meetings, outcomes are drawn from the ground truth with noise, a ranker is retrained from them (plus the
curated set's qrels with ``--curated``) and judged on buyers it never saw. Prints nDCG@10 before/after per
noise level (median over seeds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

from matching import Engine, Settings
from matching.lab.analysis import open_judged_set
from matching.lab.feedback import simulate_loop
from matching.learning.judged_sets import JUDGED_SETS
from matching.learning.selection import JudgedRows, fallback_gaps
from matching.learning.training import TrainingSet, training_set


def judged_rows(name: str, homes: Path, encoder: str | None) -> tuple[Engine, list, dict, TrainingSet]:
    """The set's engine (imported and indexed in ``homes/name``), buyers, qrels and candidate rows."""
    settings = Settings(home=homes / name, ranker="weights", **({"encoder": encoder} if encoder else {}))
    engine, buyers, qrels = open_judged_set(name, settings)
    engine.index()
    queries = engine.encode_buyers(buyers, cached=False)
    return engine, buyers, qrels, training_set(engine.searcher(), queries, qrels, k=10)


def _stack(parts: list[TrainingSet]) -> TrainingSet:
    """Several sets' rows as one (buyer ids prefixed by position so two sets' B001 stay apart)."""
    return TrainingSet(
        np.vstack([p.X for p in parts]),
        np.concatenate([p.y for p in parts]),
        np.concatenate([np.char.add(f"{n}:", p.buyers.astype(str)) for n, p in enumerate(parts)]),
        np.concatenate([p.ikms for p in parts]),
        {f"{n}:{b}": lang for n, p in enumerate(parts) for b, lang in p.languages.items()},
    )


def _seasons(
    args: argparse.Namespace,
    engine: Engine,
    buyers: list,
    qrels: dict,
    data: TrainingSet,
    curated: TrainingSet | None,
    noise: float,
) -> list[dict[str, Any]]:
    """One simulated season of outcomes per seed of ``args.seeds`` at this outcome noise."""
    return [
        simulate_loop(
            engine,
            buyers,
            qrels,
            data=data,
            curated=curated,
            noise=noise,
            seed=seed,
            meetings=args.meetings,
            explore=args.explore,
        )
        for seed in args.seeds
    ]


def _median(results: list[dict[str, Any]], system: str) -> float:
    return statistics.median(r[system]["all"]["ndcg@10"] for r in results)


def widest_gaps(args: argparse.Namespace) -> dict[str, Any]:
    """The loop on the ``args.widest_gaps`` sets where the fallback is furthest below its ceiling."""
    built = {name: judged_rows(name, args.homes, args.encoder) for name in JUDGED_SETS}
    gaps = fallback_gaps([JudgedRows(n, b[3], b[2]) for n, b in built.items()])
    print(f"{'set':>8}  {'fallback':>8}  {'ceiling':>8}  {'gap':>7}")
    for g in gaps:
        print(f"{g['set']:>8}  {g['fallback']:>8.4f}  {g['ceiling']:>8.4f}  {g['gap']:>7.4f}", flush=True)
    picked = [g["set"] for g in gaps[: args.widest_gaps]]
    runs: list[dict[str, Any]] = []
    print(f"\n{'set':>8}  {'noise':>5}  {'fallback':>8}  {'retrained':>9}  {'gain':>7}  {'curated only':>12}")
    for name in picked:
        engine, buyers, qrels, data = built[name]
        curated = _stack([b[3] for other, b in built.items() if other != name]) if len(built) > 1 else None
        for noise in args.noise:
            results = _seasons(args, engine, buyers, qrels, data, curated, noise)
            runs += [{"set": name, **r} for r in results]
            gain = statistics.median(r["gain_ndcg@10"] for r in results)
            only = f"{_median(results, 'curated_only'):>12.4f}" if curated is not None else ""
            print(
                f"{name:>8}  {noise:>5.2f}  {_median(results, 'fallback'):>8.4f}  "
                f"{_median(results, 'retrained'):>9.4f}  {gain:>+7.4f}  {only}",
                flush=True,
            )
    for engine, *_ in built.values():
        engine.close()
    return {"mode": "widest-gaps", "gaps": gaps, "picked": picked, "runs": runs}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set", default="dev2", choices=sorted(JUDGED_SETS), help="judged set to simulate on"
    )
    parser.add_argument(
        "--curated", choices=sorted(JUDGED_SETS), help="add this set's curated qrels to training"
    )
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--meetings", type=int, default=8, help="proposed meetings per buyer")
    parser.add_argument("--explore", type=int, default=2, help="random extra meetings per buyer")
    parser.add_argument("--encoder", help="encoder name (default: the engine's)")
    parser.add_argument("--homes", type=Path, default=Path(".matching-sim"), help="data homes, one per set")
    parser.add_argument("--json", type=Path, help="write every run's result here")
    parser.add_argument(
        "--widest-gaps",
        type=int,
        metavar="N",
        help="run on the N judged sets where the fallback is furthest below its ceiling (ignores --set)",
    )
    args = parser.parse_args(argv)
    if args.widest_gaps:
        out = widest_gaps(args) | {"argv": sys.argv[1:] if argv is None else argv}
        if args.json:
            args.json.write_text(json.dumps(out, indent=2) + "\n")
        return out
    if args.curated == args.set:
        parser.error("--curated must be another set than --set (its buyers would be in both)")

    engine, buyers, qrels, data = judged_rows(args.set, args.homes, args.encoder)
    curated = judged_rows(args.curated, args.homes, args.encoder)[3] if args.curated else None
    runs: list[dict[str, Any]] = []
    print(f"set {args.set}: {len(buyers)} buyers, {len(data.y)} candidate rows", file=sys.stderr)
    header = f"{'noise':>5}  {'fallback':>8}  {'retrained':>9}  {'gain':>7}"
    header += f"  {'curated only':>12}" if curated is not None else ""
    print(header)
    for noise in args.noise:
        results = _seasons(args, engine, buyers, qrels, data, curated, noise)
        runs += results

        def median(system: str, results: list[dict[str, Any]] = results) -> float:
            return statistics.median(r[system]["all"]["ndcg@10"] for r in results)

        line = f"{noise:>5.2f}  {median('fallback'):>8.4f}  {median('retrained'):>9.4f}"
        line += f"  {statistics.median(r['gain_ndcg@10'] for r in results):>+7.4f}"
        line += f"  {median('curated_only'):>12.4f}" if curated is not None else ""
        print(line, flush=True)
    engine.close()
    out = {
        "set": args.set,
        "curated": args.curated,
        "argv": sys.argv[1:] if argv is None else argv,
        "runs": runs,
    }
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return out


if __name__ == "__main__":
    main()
