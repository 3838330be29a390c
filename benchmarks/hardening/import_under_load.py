"""Import under load (issue 14, defect 4): the service answers while a 500,000-row import writes.

Starts the real service (``python -m matching serve``, uvicorn) on a temporary data home holding the demo
catalogue and its index (hashing encoder), starts ``matching ingest`` of a generated CSV of N new IKMs in a
subprocess, and meanwhile fires R authenticated requests a second (in turn: GET /search, a catalogue page
GET /ikms, a record by id GET /buyers/{id} -- each one checks the API key) until the import ends and at
least the given seconds have passed. Counts errors (non-2xx, timeouts, refused connections) and latency
p50 / p95 / max. ``--source DIR`` runs the code of another checkout (e.g. an export of main) to compare::

    PYTHONPATH=. .venv/bin/python benchmarks/hardening/import_under_load.py --rows 500000 \\
        --compare main=/tmp/main-src --out benchmarks/hardening/import-under-load.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parents[2]
SETUP = """
import sys
from matching import Engine, Settings
from matching.store.keys import Role
engine = Engine(Settings())
engine.import_demo()
engine.searcher()
print(engine.keys.create(Role.ORGANISER, "benchmark")[1])
print(engine.store.buyers()[0].buyer_id)
engine.close()
"""


def make_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ikm_id", "name", "province", "regency", "ovop_stars", "capacity_per_month"])
        for i in range(rows):
            writer.writerow([f"LOAD{i:07d}", f"KUB Anyaman Bambu {i}", "Jawa Barat", "Tasikmalaya", 3, 500])
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(
    source: Path, data: Path, *, rate: float, seconds: float, timeout: float, keep_alive: bool
) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="matching-load-")) / "home"
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "MATCHING_HOME": str(home),
        "MATCHING_ENCODER": "hashing",
        "MATCHING_RANKER": "weights",
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True, cwd=source
    )
    key, buyer_id = setup.stdout.split()[-2:]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "matching", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=source,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"X-API-Key": key}
    paths = [
        "/api/v1/search?q=anyaman%20bambu%20untuk%20hotel&limit=10",
        "/api/v1/ikms?limit=20&offset=40",
        f"/api/v1/buyers/{buyer_id}",
    ]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the service did not start")
            time.sleep(0.5)
        results: list[tuple[float, int | str, str, float]] = []  # latency, status, path, sent at
        lock = threading.Lock()
        # keep_alive=False: a new connection per request, so no request races uvicorn closing an idle
        # kept-alive connection (httpx.ReadError on the client, nothing wrong on the server)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64 if keep_alive else 0)
        client = httpx.Client(base_url=base, headers=headers, timeout=timeout, limits=limits)

        def call(path: str) -> None:
            started = time.monotonic()
            offset = started - begun
            try:
                status: int | str = client.get(path).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            with lock:
                results.append((time.monotonic() - started, status, path.split("?")[0], offset))

        ingest = subprocess.Popen(
            [sys.executable, "-m", "matching", "ingest", str(data)],
            env=env,
            cwd=source,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        begun = time.monotonic()
        started = begun
        ingest_seconds = None
        sent = 0
        with ThreadPoolExecutor(max_workers=64) as pool:
            while ingest.poll() is None or time.monotonic() - started < seconds:
                if ingest_seconds is None and ingest.poll() is not None:
                    ingest_seconds = time.monotonic() - started
                target = started + sent / rate
                time.sleep(max(0.0, target - time.monotonic()))
                pool.submit(call, paths[sent % len(paths)])
                sent += 1
            load_seconds = time.monotonic() - started
            ingest_seconds = ingest_seconds or load_seconds
        ingest_out, ingest_err = ingest.communicate()
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies = [r[0] for r in results]
    errors = [r for r in results if not (isinstance(r[1], int) and 200 <= r[1] < 300)]
    statuses: dict[str, int] = {}
    for _, status, _, _ in errors:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "source": str(source),
        "requests": len(results),
        "load_seconds": round(load_seconds, 1),
        "rate_per_second": round(len(results) / load_seconds, 1),
        "errors": len(errors),
        "errors_by_status": statuses,
        "error_paths": sorted({r[2] for r in errors}),
        "errors_sent_at_s": [round(r[3], 1) for r in sorted(errors, key=lambda r: r[3])],
        "ingest_seconds": round(ingest_seconds, 1),
        "latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p95": round(percentile(latencies, 0.95) * 1000, 1),
            "max": round(max(latencies, default=float("nan")) * 1000, 1),
        },
        "ingest": {
            "exit": ingest.returncode,
            "report": [line for line in ingest_out.splitlines() if "ikms" in line or "Import" in line],
            "last_lines": ingest_err.strip().splitlines()[-3:],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--rate", type=float, default=30.0, help="requests a second")
    parser.add_argument("--seconds", type=float, default=60.0, help="load at least this long")
    parser.add_argument("--timeout", type=float, default=10.0, help="a request slower than this is an error")
    parser.add_argument("--keep-alive", action="store_true", help="reuse connections between requests")
    parser.add_argument("--compare", action="append", default=[], help="NAME=DIR: also run that checkout")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matching-load-data-"))
    data = make_csv(folder / "ikms.csv", args.rows)
    runs = {"this": HERE} | {n: Path(d).resolve() for n, d in (c.split("=", 1) for c in args.compare)}
    report: dict[str, Any] = {
        "rows": args.rows,
        "rate": args.rate,
        "seconds": args.seconds,
        "keep_alive": args.keep_alive,
        "runs": {},
    }
    for name, source in runs.items():
        report["runs"][name] = run(
            source,
            data,
            rate=args.rate,
            seconds=args.seconds,
            timeout=args.timeout,
            keep_alive=args.keep_alive,
        )
        print(name, json.dumps(report["runs"][name]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
