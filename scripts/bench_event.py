"""End-to-end event benchmark: plan a 500-buyer x 2,000-IKM day with every export, then re-schedule it.

    .venv/bin/python scripts/bench_event.py [--buyers 500] [--ikms 2000] [--slots 24] [--tables 150]
                                            [--no-shows 0.1] [--home .matching-bench-event] [--json out.json]

The catalogue is the bundled demo data replicated under new ids (``I0001-r1``...) until it holds the
requested numbers of buyers and IKMs; it is imported and indexed with the configured encoder (default
e5-small; replicated products reuse cached embeddings, so only the first run embeds). The event has
``--slots`` 20-minute slots in two sessions, ``--tables`` tables, caps of 8 meetings per buyer and 6 per
IKM, a fairness floor of 1 meeting per IKM, one buyer in five and one IKM in ten attending half a day, and
a few preferences and confirmed meetings. The agendas carry QR codes linking to each participant's agenda
page, as the service prints them: the link is given to ``plan_event``, which makes the codes in the
background while it plans (``--no-qr`` leaves them out, as a plan made from the command line does).

Timed: ``plan_event`` (scoring, match list, schedule, check), ``write_exports`` (CSV, XLSX, PDF, text, ICS),
then the re-schedule after ``--no-shows`` of the buyers and IKMs (drawn at random) do not come, as
``matching event reschedule`` runs it (reading the plan's meetings.csv and scores.csv, repairing, writing
every export again plus the diff). Prints one JSON document; BENCHMARKS.md quotes it.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from matching import Engine, Settings, demo_data_dir
from matching.app.planning import plan_event, write_exports
from matching.app.replanning import reschedule_event, write_reschedule
from matching.catalogue.schema import Entity
from matching.events.model import parse_event
from matching.events.plan_files import read_meetings_csv, read_scores_csv
from matching.events.repair import Changes


def _replicate(src: Path, dst: Path, id_fields: tuple[str, ...], want: int | None, key: str) -> int:
    """Copy ``src`` into ``dst`` with ``-rN`` suffixed ids until ``want`` distinct ``key`` values exist."""
    with src.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    out: list[dict[str, str]] = []
    copy = 0
    seen: set[str] = set()
    while want is None or len(seen) < want:
        for row in rows:
            new = dict(row)
            if copy:
                for f in id_fields:
                    new[f] = f"{row[f]}-r{copy}"
            if want is not None and new[key] not in seen and len(seen) >= want:
                continue
            seen.add(new[key])
            out.append(new)
        copy += 1
        if want is None:
            break
    with dst.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(out)
    return len(seen)


def build_home(home: Path, n_buyers: int, n_ikms: int, encoder: str) -> Engine:
    """A store holding ``n_buyers`` buyers and ``n_ikms`` IKMs (with their products), indexed."""
    engine = Engine(Settings(home=home, encoder=encoder))
    have = engine.store.ids(Entity.BUYERS), engine.store.ids(Entity.IKMS)
    if len(have[0]) < n_buyers or len(have[1]) < n_ikms:
        data = home / "data"
        data.mkdir(parents=True, exist_ok=True)
        demo = demo_data_dir()
        _replicate(demo / "ikms.csv", data / "ikms.csv", ("ikm_id",), n_ikms, "ikm_id")
        kept = set()
        with (data / "ikms.csv").open(newline="", encoding="utf-8") as handle:
            kept = {row["ikm_id"] for row in csv.DictReader(handle)}
        copies = max(int(i.rsplit("-r", 1)[1]) for i in kept if "-r" in i) + 1 if len(kept) > 1 else 1
        with (demo / "products.csv").open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields, rows = list(reader.fieldnames or []), list(reader)
        with (data / "products.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for c in range(copies):
                for row in rows:
                    suffix = f"-r{c}" if c else ""
                    if row["ikm_id"] + suffix in kept:
                        writer.writerow(
                            row | {"product_id": row["product_id"] + suffix, "ikm_id": row["ikm_id"] + suffix}
                        )
        _replicate(demo / "buyers.csv", data / "buyers.csv", ("buyer_id",), n_buyers, "buyer_id")
        engine.import_files([data / "ikms.csv", data / "products.csv", data / "buyers.csv"])
    engine.index()
    return engine


def make_event(buyers: list[str], ikms: list[str], n_slots: int, tables: int, seed: int) -> dict[str, Any]:
    """An event of ``n_slots`` 20-minute slots in a morning and an afternoon session."""
    rng = random.Random(seed)
    half = n_slots // 2

    def clock(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    morning = (8 * 60, 8 * 60 + 20 * half)
    afternoon = (13 * 60, 13 * 60 + 20 * (n_slots - half))
    availability = {}
    for people, share in ((buyers, 0.2), (ikms, 0.1)):
        for who in people:
            if rng.random() < share:
                window = morning if rng.random() < 0.5 else afternoon
                availability[who] = [{"start": clock(window[0]), "end": clock(window[1])}]
    pairs = [(rng.choice(buyers), rng.choice(ikms)) for _ in range(40)]
    preferences = [
        {"buyer": b, "ikm": i, "kind": rng.choice(["must_meet", "meet", "no_thanks"])} for b, i in pairs[:30]
    ]
    fixed = []
    for k, (b, i) in enumerate(pairs[30:]):
        free = b not in availability and i not in availability
        if free and all(p["buyer"] != b and p["ikm"] != i for p in preferences):
            fixed.append({"buyer": b, "ikm": i, "start": clock(afternoon[0] + 20 * k), "table": k + 1})
    return {
        "name": f"Bench {len(buyers)}x{len(ikms)}",
        "date": "2027-03-10",
        "slot_minutes": 20,
        "sessions": [
            {"start": clock(morning[0]), "end": clock(morning[1])},
            {"start": clock(afternoon[0]), "end": clock(afternoon[1])},
        ],
        "tables": tables,
        "max_meetings_per_buyer": 8,
        "max_meetings_per_ikm": 6,
        "min_meetings_per_ikm": 1,
        "buyers": buyers,
        "ikms": ikms,
        "availability": availability,
        "preferences": preferences,
        "fixed_meetings": fixed,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--ikms", type=int, default=2000)
    parser.add_argument("--slots", type=int, default=24)
    parser.add_argument("--tables", type=int, default=150)
    parser.add_argument("--no-shows", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=10.0, help="plan: seconds per solver")
    parser.add_argument("--repair-time-limit", type=float, default=4.0, help="re-schedule: seconds in all")
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--home", type=Path, default=Path(".matching-bench-event"))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--no-qr", action="store_true", help="agendas without QR codes (the CLI's plans)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    engine = build_home(args.home, args.buyers, args.ikms, args.encoder)
    setup_s = time.perf_counter() - t0
    buyers = sorted(engine.store.ids(Entity.BUYERS))[: args.buyers]
    ikms = sorted(engine.store.ids(Entity.IKMS))[: args.ikms]
    event = parse_event(make_event(buyers, ikms, args.slots, args.tables, args.seed), source="bench")
    engine.searcher()  # loading the model and indexes is start-up, not planning
    out = args.home / "out"
    shutil.rmtree(out, ignore_errors=True)

    t0 = time.perf_counter()
    link = None if args.no_qr else "http://localhost:8000/events/bench/agenda/"
    plan = plan_event(event, engine, engine.participants(), time_limit=args.time_limit, agenda_link=link)
    plan_s = time.perf_counter() - t0
    written = write_exports(plan, out / "plan")
    total_s = time.perf_counter() - t0
    summary = plan.summary()

    rng = random.Random(args.seed + 1)
    absent = rng.sample(buyers, round(args.no_shows * len(buyers))) + rng.sample(
        ikms, round(args.no_shows * len(ikms))
    )
    changes = Changes(no_shows=absent)
    t1 = time.perf_counter()
    current = read_meetings_csv(out / "plan" / "meetings.csv", event.slots(), strict=True)
    scores, reasons = read_scores_csv(out / "plan" / "scores.csv")
    result = reschedule_event(
        event,
        current,
        changes,
        engine,
        engine.participants(),
        scores=scores,
        reasons=reasons,
        time_limit=args.repair_time_limit,
    )
    resched_s = time.perf_counter() - t1
    write_reschedule(result, out / "reschedule")
    resched_total_s = time.perf_counter() - t1
    report = {
        "buyers": len(buyers),
        "ikms": len(ikms),
        "slots": args.slots,
        "tables": args.tables,
        "encoder": args.encoder,
        "setup_s": round(setup_s, 1),
        "plan_s": round(plan_s, 2),
        "stages_s": {k: round(v, 2) for k, v in plan.seconds.items()},
        "exports_s": round(total_s - plan_s, 2),
        "plan_with_exports_s": round(total_s, 2),
        "files": len(written),
        "chosen": summary["chosen"],
        "scheduled": summary["scheduled"],
        "unplaced": len(summary["unplaced"]),
        "objective": round(summary["objective"], 3),
        "lp_bound": round(summary["lp_bound"], 3),
        "objective_over_lp_bound": round(summary["objective"] / summary["lp_bound"], 5)
        if summary["lp_bound"]
        else 1.0,
        "min_meetings_per_ikm": summary["min_meetings_per_ikm"],
        "idle_gaps_total": summary["idle_gaps_total"],
        "schedule_status": plan.schedule.status,
        "violations": len(summary["violations"]),
        "reschedule": result.replan.report()
        | {"seconds": round(resched_s, 2), "with_exports_s": round(resched_total_s, 2)},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    engine.close()


if __name__ == "__main__":
    sys.exit(main())
