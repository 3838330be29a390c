"""Time ``write_exports`` alone on one fixed plan of the end-to-end benchmark (500 buyers x 2,000 IKMs).

    .venv/bin/python scripts/bench_exports.py --home DIR [--plan plan.pickle] [--repeat 2]

The plan is made once (as ``scripts/bench_event.py`` makes it, in the same home) and pickled to ``--plan``;
later runs load it, so two checkouts can be timed on the very same plan, one after the other:

    PYTHONPATH=/path/to/main .venv/bin/python scripts/bench_exports.py --home DIR --plan /tmp/plan.pickle
    PYTHONPATH=. .venv/bin/python scripts/bench_exports.py --home DIR --plan /tmp/plan.pickle \
        --link http://localhost:8000/events/bench-500x2000/agenda/

Prints one JSON document: the seconds of each repetition, the files and bytes written.
"""

from __future__ import annotations

import argparse
import json
import pickle
import runpy
import shutil
import sys
import time
from pathlib import Path

from matching import Engine, Settings
from matching.app.planning import plan_event, write_exports
from matching.catalogue.schema import Entity
from matching.events.model import parse_event


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, required=True, help="a home built by scripts/bench_event.py")
    parser.add_argument("--plan", type=Path, default=Path("bench-plan.pickle"))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument(
        "--link", default=None, help="agenda pages' base URL: every agenda gets a QR code (as the service)"
    )
    args = parser.parse_args(argv)

    engine = Engine(Settings(home=args.home, encoder=args.encoder))
    if args.plan.is_file():
        plan = pickle.loads(args.plan.read_bytes())
    else:
        bench = runpy.run_path(str(Path(__file__).with_name("bench_event.py")))
        buyers = sorted(engine.store.ids(Entity.BUYERS))[:500]
        ikms = sorted(engine.store.ids(Entity.IKMS))[:2000]
        event = parse_event(bench["make_event"](buyers, ikms, 24, 150, 0), source="bench")
        plan = plan_event(event, engine, engine.participants(), time_limit=10.0)
        if hasattr(plan, "profiles"):
            plan.profiles = None  # a loader bound to this engine: attached again below
        args.plan.write_bytes(pickle.dumps(plan))
    if "profiles" in getattr(type(plan), "__dataclass_fields__", {}):
        plan.profiles = engine.participants().profiles  # the catalogue's details, read while exporting
        plan.agenda_link = args.link
    out = args.home / "out-exports"
    runs = []
    for _ in range(args.repeat):
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        written = write_exports(plan, out)
        runs.append(round(time.perf_counter() - started, 2))
    report = {
        "meetings": len(plan.meetings),
        "participants": len(plan.buyers) + len(plan.ikms),
        "exports_s": runs,
        "files": len(written),
        "megabytes": round(sum(p.stat().st_size for p in written) / 1e6, 1),
    }
    print(json.dumps(report, indent=2))
    engine.close()


if __name__ == "__main__":
    sys.exit(main())
