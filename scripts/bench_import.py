"""Import rate: a catalogue of real text (``matching.data.scale``) imported into SQLite and PostgreSQL.

    .venv/bin/python scripts/bench_import.py [--products 200000] [--runs 3] [--databases sqlite postgresql]
        [--postgres-url URL] [--work .matching-bench-import] [--json out.json]

Each run imports ``ikms.csv`` and ``products.csv`` into an empty database with ``Engine.import_files``
(reading, validation and writing: what ``matching ingest`` does), then imports the same files again (every row
unchanged: the read-and-compare path) and once more with every product's price changed (every product row
updated). PostgreSQL is ``--postgres-url`` (a new database is created on that server for each run) or, without
it, a throw-away local cluster started with Debian's server binaries (``tests/postgres.py``). Figures are
rows a second (IKMs + products over the wall time), medians over runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching import Engine, Settings  # noqa: E402
from matching.data.scale import write_scaled_catalogue  # noqa: E402
from tests.postgres import fresh_database, postgres_cluster  # noqa: E402


def _repriced(products: Path, out: Path) -> Path:
    """A products file with every price 100 rupiah higher (every row an update)."""
    with (
        products.open(newline="", encoding="utf-8") as source,
        out.open("w", newline="", encoding="utf-8") as sink,
    ):
        reader, writer = csv.DictReader(source), None
        for row in reader:
            if writer is None:
                writer = csv.DictWriter(sink, fieldnames=list(row))
                writer.writeheader()
            row["price_idr"] = str(int(row["price_idr"] or 1000) + 100)
            writer.writerow(row)
    return out


def one_run(files: list[Path], repriced: list[Path], home: Path, url: str | None) -> dict[str, Any]:
    settings = Settings(home=home, encoder="hashing", **({"database_url": url} if url else {}))
    engine = Engine(settings)
    timings: dict[str, Any] = {}
    try:
        for label, paths in (("created", files), ("unchanged", files), ("updated", repriced)):
            started = time.perf_counter()
            report = engine.import_files(paths)
            seconds = time.perf_counter() - started
            rows = sum(c.created + c.updated + c.unchanged for c in report.counts.values())
            timings[label] = {"seconds": round(seconds, 2), "rows": rows, "rows_per_s": round(rows / seconds)}
            print(
                f"  {label}: {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)", file=sys.stderr
            )
    finally:
        engine.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", help="a server to create the runs' databases on (default: local)")
    parser.add_argument("--work", type=Path, default=Path(".matching-bench-import"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data = args.work / f"catalogue-{args.products}"
    if not (data / "products.csv").exists():
        write_scaled_catalogue(data, args.products)
    files = [data / "ikms.csv", *sorted(data.glob("products*.csv"), key=lambda p: (len(p.name), p.name))]
    files = [f for f in files if "repriced" not in f.name]
    (data / "repriced").mkdir(exist_ok=True)
    repriced = [files[0], *(_repriced(f, data / "repriced" / f.name) for f in files[1:])]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in args.databases}
    with ExitStack() as stack:
        server = None
        if "postgresql" in args.databases:
            server = args.postgres_url or stack.enter_context(postgres_cluster())
        for run in range(1, args.runs + 1):
            for name in args.databases:
                home = args.work / "homes" / f"{name}-{run}"
                shutil.rmtree(home, ignore_errors=True)
                url = fresh_database(server) if name == "postgresql" and server else None
                print(f"run {run} {name}:", file=sys.stderr)
                results[name].append(one_run(files, repriced, home, url))
    summary = {
        name: {
            label: statistics.median(r[label]["rows_per_s"] for r in runs)
            for label in ("created", "unchanged", "updated")
        }
        for name, runs in results.items()
    }
    out = {
        "command": " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "products": args.products,
        "rows_per_s_median": summary,
        "runs": results,
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
