"""HTTP service benchmark: search latency and throughput under closed-loop load, beside the engine in-process.

    .venv/bin/python scripts/bench_service.py [--runs 3] [--seconds 20] [--warmup 3] [--clients 8 32 64]
                                              [--workers 1] [--torch-threads 0] [--inprocess 500]
                                              [--home .matching-bench-service] [--json out.json]

The data home (default ``.matching-bench-service``) gets the bundled demo catalogue (598 IKMs, 2,710
products, 133 buyers) imported and indexed with the configured encoder (default e5-small) when it is empty.

Queries: the demo buyers' requirements (English and Indonesian), each sent with several sets of structured
filters (the buyer's own fields, none, other quantities, provinces, certificates, price caps, deadlines) and
page sizes, so every request of a load level is distinct (the service caches no results anyway).

Each run:

1. starts ``matching serve`` on a free loopback port (``--workers``) and waits for ``/api/v1/ready``;
2. while the server is idle, times ``Engine.search(text, k=50, **filters)`` in this process, one query
   after the other, over the first ``--inprocess`` requests of the pool (after a few warm-up queries): the
   same engine, data, depth (the service ranks 50 per search) and queries as the HTTP requests;
3. for each client level, runs that many closed-loop clients (each sends its next request when its
   previous answer arrives; asyncio + one httpx connection per client) for ``--warmup`` + ``--seconds``
   seconds; latencies and throughput count only the ``--seconds`` window, errors (non-200 answers,
   malformed bodies, exceptions) count the whole level. The first level starts at the same queries the
   in-process loop timed; later levels continue through the pool.

Before each run it waits (``--quiet-wait`` seconds at most) until other work on the machine uses fewer
than ``--quiet`` cores, and records what it found. Also recorded per level: the load generator's own CPU
time, the server's CPU time (all its processes, and each one's share), the rest of the machine's CPU time
(other work on a shared machine: noise), the server's own per-request times (from its log) and the mean
search batch size (``matching_search_batch_size`` from /metrics).

``--runs`` repeats everything (a new server each time); the summary quotes medians over runs. ``--json``
saves every run's figures plus the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from matching import Engine, Settings, demo_data_dir
from matching.catalogue.schema import Entity

SEARCH = "/api/v1/search"
DEPTH = 50  # service.schemas.SEARCH_DEPTH: the service ranks this many per search
CERTIFICATES = ["SVLK", "SNI", "FAIR_TRADE", "ISO9001", "NATURAL_DYES", "INDIKASI_GEOGRAFIS"]
_LOG_LINE = re.compile(r"POST /api/v1/search (\d{3}) ([0-9.]+) ms")
_TICK = os.sysconf("SC_CLK_TCK")
REPO = Path(__file__).resolve().parents[1]


# -- data and queries ------------------------------------------------------------------------------------


def ensure_home(home: Path) -> Engine:
    """The engine over ``home``, with the demo catalogue imported and indexed if the home is empty."""
    engine = Engine(Settings(home=home))
    if not engine.store.ids(Entity.IKMS):
        demo = demo_data_dir()
        print(f"importing the demo catalogue into {home}", file=sys.stderr)
        engine.import_files([demo / "ikms.csv", demo / "products.csv", demo / "buyers.csv"])
    engine.index()
    return engine


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def query_pool(size: int, seed: int = 0) -> list[dict[str, Any]]:
    """``size`` distinct search bodies: demo requirements with varied structured filters and pages."""
    demo = demo_data_dir()
    with (demo / "buyers.csv").open(newline="", encoding="utf-8") as handle:
        buyers = list(csv.DictReader(handle))
    with (demo / "ikms.csv").open(newline="", encoding="utf-8") as handle:
        provinces = sorted({row["province"] for row in csv.DictReader(handle)})
    rng = random.Random(seed)
    pool: list[dict[str, Any]] = []
    seen: set[str] = set()
    round_no = 0
    while len(pool) < size:
        order = list(buyers)
        rng.shuffle(order)
        for buyer in order:
            body: dict[str, Any] = {"text": buyer["requirement"], "lang": buyer["language"] or "en"}
            variant = round_no % 8
            if variant == 0:  # the buyer's own form fields
                if buyer["quantity"]:
                    body["quantity"] = int(buyer["quantity"])
                if buyer["max_unit_price_idr"]:
                    body["max_unit_price_idr"] = int(buyer["max_unit_price_idr"])
                if buyer["deadline_days"]:
                    body["deadline_days"] = int(buyer["deadline_days"])
                if buyer["required_certifications"]:
                    body["certifications"] = _split(buyer["required_certifications"])
                if buyer["preferred_provinces"]:
                    body["provinces"] = _split(buyer["preferred_provinces"])
            elif variant == 1:  # text only
                pass
            else:  # a random mix of filters
                if rng.random() < 0.6:
                    body["quantity"] = rng.choice([20, 50, 100, 200, 300, 500, 800, 1000, 2000, 5000])
                if rng.random() < 0.4:
                    body["provinces"] = rng.sample(provinces, rng.choice([1, 1, 2, 3]))
                if rng.random() < 0.3:
                    body["certifications"] = rng.sample(CERTIFICATES, rng.choice([1, 1, 2]))
                if rng.random() < 0.3:
                    body["max_unit_price_idr"] = rng.randrange(10, 500) * 1000
                if rng.random() < 0.3:
                    body["deadline_days"] = rng.choice([7, 14, 21, 30, 45, 60, 90])
                if rng.random() < 0.3:
                    body["lang"] = "id" if body["lang"] == "en" else "en"
            body["limit"] = rng.choice([10, 10, 10, 5, 20, 50])
            body["offset"] = rng.choice([0, 0, 0, 0, 10]) if body["limit"] < DEPTH else 0
            key = json.dumps(body, sort_keys=True)
            if key not in seen:
                seen.add(key)
                pool.append(body)
            if len(pool) == size:
                break
        round_no += 1
    return pool


def _indonesian_share(pool: list[dict[str, Any]]) -> float:
    with (demo_data_dir() / "buyers.csv").open(newline="", encoding="utf-8") as handle:
        language = {row["requirement"]: row["language"] for row in csv.DictReader(handle)}
    return sum(language.get(body["text"]) == "id" for body in pool) / len(pool)


def structured(body: dict[str, Any]) -> dict[str, Any]:
    """The engine's keyword arguments for a search body, as the service passes them."""
    return {
        "quantity": body.get("quantity"),
        "certifications": body.get("certifications", []),
        "provinces": body.get("provinces", []),
        "max_unit_price_idr": body.get("max_unit_price_idr"),
        "deadline_days": body.get("deadline_days"),
    }


# -- measurement helpers ---------------------------------------------------------------------------------


def percentiles(samples_ms: list[float]) -> dict[str, float | int | None]:
    if not samples_ms:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "mean": None, "max": None}
    values = np.asarray(samples_ms)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "n": len(samples_ms),
        "p50": round(float(p50), 2),
        "p95": round(float(p95), 2),
        "p99": round(float(p99), 2),
        "mean": round(float(values.mean()), 2),
        "max": round(float(values.max()), 2),
    }


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of ``root`` and of every live process below it, by process id."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK
    tree = {}
    for pid, cpu in times.items():
        node = pid
        while node > 1:
            if node == root:
                tree[pid] = cpu
                break
            node = parents.get(node, 0)
    return tree


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / _TICK


def wait_for_quiet(limit: float, seconds: float) -> float:
    """Wait (up to ``seconds``) until other work uses less than ``limit`` cores over 5 s; return that use."""
    deadline = time.monotonic() + seconds
    while True:
        before = _machine_busy()
        time.sleep(5)
        busy = (_machine_busy() - before) / 5
        if busy < limit or time.monotonic() > deadline:
            return round(busy, 2)
        print(f"the machine is busy ({busy:.2f} cores in use); waiting", file=sys.stderr)


def _batch_histogram(base: str) -> tuple[float, float]:
    """(sum, count) of ``matching_search_batch_size`` from the service's metrics."""
    with urllib.request.urlopen(base + "/api/v1/metrics", timeout=30) as response:
        text = response.read().decode()
    total = count = 0.0
    for line in text.splitlines():
        if line.startswith("matching_search_batch_size_sum"):
            total += float(line.split()[-1])
        elif line.startswith("matching_search_batch_size_count"):
            count += float(line.split()[-1])
    return total, count


def _server_times(log: Path, start: int, end: int) -> list[float]:
    with log.open("rb") as handle:
        handle.seek(start)
        chunk = handle.read(end - start).decode("utf-8", "replace")
    return [float(m.group(2)) for m in _LOG_LINE.finditer(chunk) if m.group(1) == "200"]


# -- the server ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``matching serve`` in a subprocess (its own process group), logging to ``log``."""

    def __init__(
        self,
        home: Path,
        workers: int,
        torch_threads: int,
        log: Path,
        code: Path = REPO,
        env_extra: dict[str, str] | None = None,
    ) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = dict(os.environ)
        env["PYTHONPATH"] = str(code)  # the checkout whose code serves (``python -m`` also looks in its cwd)
        env.update(env_extra or {})
        if torch_threads:
            env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(torch_threads)
        command = [
            sys.executable,
            "-m",
            "matching",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--home",
            str(home),
        ]
        self._log_handle = log.open("ab")
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=code,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, workers: int, timeout: float = 300) -> dict[str, Any]:
        """/ready's answer once it says 200 and every worker has logged that its index is loaded.

        A worker whose background load failed (it logs why) builds its index on its first search
        instead; after 60 s of 200s from /ready the benchmark goes on (the warm-up load then builds it).
        """
        deadline = time.monotonic() + timeout
        first_ok: float | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/ready", timeout=5) as response:
                    if response.status == 200:
                        first_ok = first_ok or time.monotonic()
                        answer = json.loads(response.read())
                        if self.ready_workers() >= workers or time.monotonic() - first_ok > 60:
                            return answer
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the server was not ready within {timeout:.0f} s; see {self.log}")

    def cpu(self) -> dict[int, float]:
        return _tree_cpu(self.process.pid)

    def ready_workers(self) -> int:
        self._log_handle.flush()
        return self.log.read_text(errors="replace").count("INFO service [-] ready: catalogue revision")

    def log_size(self) -> int:
        self._log_handle.flush()
        return self.log.stat().st_size

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_handle.close()


# -- in-process baseline ---------------------------------------------------------------------------------


def in_process(engine: Engine, queries: list[dict[str, Any]], warm: list[dict[str, Any]]) -> dict[str, Any]:
    for body in warm:
        engine.search(body["text"], k=DEPTH, **structured(body))
    times = []
    for body in queries:
        started = time.perf_counter()
        engine.search(body["text"], k=DEPTH, **structured(body))
        times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


# -- load ------------------------------------------------------------------------------------------------


class Cursor:
    """Hands out the pool's bodies in order (wrapping around), already encoded as JSON."""

    def __init__(self, bodies: list[bytes], start: int = 0) -> None:
        self.bodies = bodies
        self.position = start

    def next(self) -> bytes:
        body = self.bodies[self.position % len(self.bodies)]
        self.position += 1
        return body


async def _load(
    base: str, key: str, clients: int, cursor: Cursor, warmup: float, seconds: float
) -> dict[str, Any]:
    # idle connections expire before uvicorn closes them (5 s): else a request can meet a closing socket
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    latencies: list[float] = []
    completions: list[float] = []
    errors: dict[str, int] = {}
    checked = sent_total = 0

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as client:
        started = time.perf_counter()
        record_from = started + warmup
        deadline = record_from + seconds

        async def one_client() -> None:
            nonlocal checked, sent_total
            while True:
                sent = time.perf_counter()
                if sent >= deadline:
                    return
                body = cursor.next()
                sent_total += 1
                problem = None
                try:
                    response = await client.post(SEARCH, content=body)
                    if response.status_code != 200:
                        problem = f"http {response.status_code}"
                    elif cursor.position % 25 == 0:  # a sample of the bodies is checked in full
                        page = response.json()
                        wanted = json.loads(body)
                        if not page["data"] or len(page["data"]) > wanted["limit"]:
                            problem = "malformed body"
                        checked += 1
                except Exception as exc:  # timeouts, refused or reset connections
                    problem = type(exc).__name__
                done = time.perf_counter()
                if problem:
                    errors[problem] = errors.get(problem, 0) + 1
                elif sent >= record_from:
                    latencies.append((done - sent) * 1000)
                if record_from <= done <= deadline:
                    completions.append(done)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return {
        "latencies": latencies,
        "throughput": len(completions) / seconds,
        "errors": errors,
        "checked_bodies": checked,
        "sent": sent_total,
        "wall_s": time.perf_counter() - started,
    }


def poisson_schedule(rate: float, seconds: float, seed: int = 0) -> list[float]:
    """Send times (seconds from the start, increasing, all < ``seconds``) of a Poisson process of ``rate``
    requests per second: exponential gaps with mean ``1 / rate``, drawn from a seeded generator."""
    if rate <= 0:
        return []
    rng = random.Random(seed)
    times: list[float] = []
    moment = rng.expovariate(rate)
    while moment < seconds:
        times.append(moment)
        moment += rng.expovariate(rate)
    return times


async def _open_loop(
    base: str, key: str, schedule: list[float], cursor: Cursor, warmup: float
) -> dict[str, Any]:
    """Send one request at each time of ``schedule``, whether or not earlier ones were answered. A request's
    latency runs from its scheduled time (not from when it went out), so a server that falls behind is
    charged for the wait it causes: no coordinated omission. Requests scheduled before ``warmup`` are sent
    but not timed."""
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512, keepalive_expiry=2.0)
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lateness: list[float] = []

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as client:
        started = time.perf_counter()

        async def one(due: float, body: bytes) -> None:
            problem = None
            try:
                response = await client.post(SEARCH, content=body)
                if response.status_code != 200:
                    problem = f"http {response.status_code}"
            except Exception as exc:  # timeouts, refused or reset connections
                problem = type(exc).__name__
            done = time.perf_counter()
            if problem:
                errors[problem] = errors.get(problem, 0) + 1
            elif due - started >= warmup:
                latencies.append((done - due) * 1000)

        tasks = []
        for offset in schedule:
            due = started + offset
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            lateness.append((time.perf_counter() - due) * 1000)
            tasks.append(asyncio.create_task(one(due, cursor.next())))
        await asyncio.gather(*tasks)
    return {
        "latencies": latencies,
        "errors": errors,
        "sent": len(schedule),
        "send_lateness_ms_p99": round(float(np.percentile(lateness, 99)), 2) if lateness else None,
        "wall_s": time.perf_counter() - started,
    }


def open_loop_level(
    server: Server, key: str, rate: float, cursor: Cursor, warmup: float, seconds: float, seed: int
) -> dict[str, Any]:
    """Open-loop Poisson load at ``rate`` requests/s for ``warmup`` + ``seconds`` seconds (see _open_loop)."""
    schedule = poisson_schedule(rate, warmup + seconds, seed)
    cpu_before, busy = server.cpu(), _machine_busy()
    result = asyncio.run(_open_loop(server.base, key, schedule, cursor, warmup))
    cpu_server = sum(server.cpu().values()) - sum(cpu_before.values())
    wall = result["wall_s"]
    latency = percentiles(result["latencies"])
    return {
        "rate_rps": round(rate, 2),
        "offered_rps": round(sum(1 for t in schedule if t >= warmup) / seconds, 2),
        **{k: latency[k] for k in ("n", "p50", "p95", "p99", "mean", "max")},
        "sent": result["sent"],
        "errors": sum(result["errors"].values()),
        "error_kinds": result["errors"],
        "send_lateness_ms_p99": result["send_lateness_ms_p99"],
        "cpu_cores_server": round(cpu_server / wall, 2),
        "cpu_cores_other": round(max(0.0, _machine_busy() - busy - cpu_server) / wall, 2),
        "wall_s": round(wall, 1),
    }


def load_level(
    server: Server, key: str, clients: int, cursor: Cursor, warmup: float, seconds: float
) -> dict[str, Any]:
    batch_before = _batch_histogram(server.base)
    log_start = server.log_size()
    cpu_before, cpu_self, busy = server.cpu(), time.process_time(), _machine_busy()
    result = asyncio.run(_load(server.base, key, clients, cursor, warmup, seconds))
    cpu_after = server.cpu()
    by_process = {pid: cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after}
    cpu_server = sum(by_process.values())
    cpu_self = time.process_time() - cpu_self
    busy = _machine_busy() - busy
    batch_after = _batch_histogram(server.base)
    batches = batch_after[1] - batch_before[1]
    wall = result["wall_s"]
    served = _server_times(server.log, log_start, server.log_size())
    latency = percentiles(result["latencies"])
    return {
        "clients": clients,
        **{k: latency[k] for k in ("n", "p50", "p95", "p99", "mean", "max")},
        "throughput_rps": round(result["throughput"], 2),
        "little_ms": round(1000 * clients / result["throughput"], 1) if result["throughput"] else None,
        "sent": result["sent"],
        "errors": sum(result["errors"].values()),
        "error_kinds": result["errors"],
        "checked_bodies": result["checked_bodies"],
        "mean_batch": round((batch_after[0] - batch_before[0]) / batches, 2) if batches else None,
        "server_ms": percentiles(served),
        "cpu_cores_server": round(cpu_server / wall, 2),
        "cpu_cores_by_server_process": sorted(
            (round(c / wall, 2) for c in by_process.values()), reverse=True
        ),
        "cpu_cores_generator": round(cpu_self / wall, 3),
        "generator_cpu_ms_per_request": round(1000 * cpu_self / max(1, result["sent"]), 2),
        "cpu_cores_other": round(max(0.0, busy - cpu_server - cpu_self) / wall, 2),
        "wall_s": round(wall, 1),
    }


# -- one run and the summary ----------------------------------------------------------------------------


def one_run(
    args: argparse.Namespace, engine: Engine, key: str, pool: list[dict[str, Any]], run: int
) -> dict[str, Any]:
    bodies = [json.dumps(b).encode() for b in pool]
    log = args.home / "logs" / f"server-run{run}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    busy_before = wait_for_quiet(args.quiet, args.quiet_wait) if args.quiet_wait else None
    server = Server(args.home, args.workers, args.torch_threads, log)
    try:
        started = time.perf_counter()
        ready = server.wait_ready(args.workers)
        ready_s = time.perf_counter() - started
        time.sleep(1.0)
        print(f"run {run}: server ready in {ready_s:.1f} s; in-process baseline ...", file=sys.stderr)
        busy, cpu_server, wall = _machine_busy(), sum(server.cpu().values()), time.perf_counter()
        baseline = in_process(engine, pool[: args.inprocess], pool[-20:])
        wall = time.perf_counter() - wall
        baseline["server_idle_cpu_cores"] = round((sum(server.cpu().values()) - cpu_server) / wall, 3)
        baseline["machine_busy_cores"] = round((_machine_busy() - busy) / wall, 2)
        print(f"  in-process: {baseline}", file=sys.stderr)
        # warm the server up on the end of the pool, away from the queries the levels time
        load_level(server, key, 8, Cursor(bodies, len(bodies) - 400), 0.0, 5.0)
        cursor = Cursor(bodies)
        levels = []
        for clients in args.clients:
            level = load_level(server, key, clients, cursor, args.warmup, args.seconds)
            levels.append(level)
            print(f"  {clients} clients: {level}", file=sys.stderr)
    finally:
        server.stop()
    first = levels[0]
    return {
        "run": run,
        "ready_s": round(ready_s, 1),
        "cores_busy_before_run": busy_before,
        "model_version": ready["model_version"],
        "in_process": baseline,
        "levels": levels,
        "ratio_p99": round(first["p99"] / baseline["p99"], 2),
        "ratio_p50": round(first["p50"] / baseline["p50"], 2),
        "queries_used": cursor.position,
    }


def _variants(args: argparse.Namespace) -> list[tuple[str, Path, dict[str, str], int]]:
    """(label, code checkout, extra environment, worker processes) of each server to compare."""
    variants: list[tuple[str, Path, dict[str, str], int]] = [("new", REPO, {}, args.workers)]
    if args.compare_with:
        variants.append(("base", args.compare_with.resolve(), {}, args.workers))
    if args.cache_off:
        variants.append(("new, cache off", REPO, {"MATCHING_QUERY_CACHE": "0"}, args.workers))
    for spec in args.also or []:  # "label:KEY=VALUE,KEY=VALUE"; WORKERS= and CODE= are not environment
        label, _, assignments = spec.partition(":")
        env = dict(pair.split("=", 1) for pair in assignments.split(",") if pair)
        workers = int(env.pop("WORKERS", args.workers))
        code = Path(env.pop("CODE")).resolve() if "CODE" in env else REPO
        variants.append((label, code, env, workers))
    return variants


def _ready(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(base + "/api/v1/ready", timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def variant_run(
    args: argparse.Namespace,
    engine: Engine,
    key: str,
    pool: list[dict[str, Any]],
    run: int,
    variant: tuple[str, Path, dict[str, str], int],
) -> dict[str, Any]:
    """One server of ``variant`` (label, code checkout, extra environment): the in-process baseline (this
    checkout's code only, its query cache on or off as the server's), closed-loop levels (the highest
    throughput is the saturation), then open-loop Poisson load at ``--open-fraction`` of that saturation."""
    label, code, env_extra, workers = variant
    bodies = [json.dumps(b).encode() for b in pool]
    log = args.home / "logs" / f"server-run{run}-{label.replace(' ', '').replace(',', '-')}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    busy_before = wait_for_quiet(args.quiet, args.quiet_wait) if args.quiet_wait else None
    server = Server(args.home, workers, args.torch_threads, log, code=code, env_extra=env_extra)
    baseline: dict[str, Any] | None = None
    try:
        started = time.perf_counter()
        server.wait_ready(workers)
        ready_s = time.perf_counter() - started
        time.sleep(1.0)
        print(f"run {run} [{label}]: server ready in {ready_s:.1f} s", file=sys.stderr)
        if code == REPO:  # the in-process engine configured as the server (its environment applied)
            saved = {name: os.environ.get(name) for name in env_extra}
            os.environ.update(env_extra)
            try:
                local = Engine(Settings(home=args.home))
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
            try:
                baseline = in_process(local, pool[: args.inprocess], pool[-20:])
                baseline["query_cache"] = local.query_cache_stats()
            finally:
                local.close()
            print(f"  in-process: {baseline}", file=sys.stderr)
        load_level(server, key, 8, Cursor(bodies, len(bodies) - 400), 0.0, 5.0)
        cursor = Cursor(bodies)
        levels = []
        for clients in args.clients:
            level = load_level(server, key, clients, cursor, args.warmup, args.seconds)
            levels.append(level)
            print(f"  {clients} clients: {level}", file=sys.stderr)
        saturation = max(level["throughput_rps"] for level in levels)
        open_loop = None
        if args.open_fraction > 0:
            rate = args.open_fraction * saturation
            open_loop = open_loop_level(server, key, rate, cursor, args.warmup, args.seconds, seed=run)
            print(f"  open loop at {rate:.1f}/s: {open_loop}", file=sys.stderr)
        cache_stats = _ready(server.base).get("query_cache")
    finally:
        server.stop()
    result: dict[str, Any] = {
        "variant": label,
        "code": str(code),
        "env": env_extra,
        "workers": workers,
        "run": run,
        "ready_s": round(ready_s, 1),
        "cores_busy_before_run": busy_before,
        "in_process": baseline,
        "levels": levels,
        "saturation_rps": saturation,
        "errors_at_max_clients": levels[-1]["errors"],
        "open_loop": open_loop,
        "server_query_cache": cache_stats,
    }
    if baseline and open_loop and open_loop["p99"] is not None:
        result["ratio_open_p99_to_in_process_p99"] = round(open_loop["p99"] / baseline["p99"], 2)
    return result


def summarise_variants(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians per variant over runs, and the saturation ratio of each variant to ``base`` in each run."""
    labels = list(dict.fromkeys(r["variant"] for r in runs))
    summary: dict[str, Any] = {}
    for label in labels:
        mine = [r for r in runs if r["variant"] == label]
        row: dict[str, Any] = {
            "saturation_rps": _median([r["saturation_rps"] for r in mine]),
            "saturation_rps_runs": [r["saturation_rps"] for r in mine],
            "errors_at_max_clients": sum(r["errors_at_max_clients"] for r in mine),
            "closed_loop_p99": _median([r["levels"][-1]["p99"] for r in mine]),
        }
        if all(r["open_loop"] for r in mine):
            row["open_loop_rate_rps"] = _median([r["open_loop"]["rate_rps"] for r in mine])
            row["open_loop_p50"] = _median([r["open_loop"]["p50"] for r in mine])
            row["open_loop_p99"] = _median([r["open_loop"]["p99"] for r in mine])
            row["open_loop_errors"] = sum(r["open_loop"]["errors"] for r in mine)
        if all(r["in_process"] for r in mine):
            row["in_process_p50"] = _median([r["in_process"]["p50"] for r in mine])
            row["in_process_p99"] = _median([r["in_process"]["p99"] for r in mine])
            row["in_process_query_cache_hit_rate"] = _median(
                [r["in_process"]["query_cache"]["hit_rate"] for r in mine]
            )
        if "ratio_open_p99_to_in_process_p99" in mine[0]:
            row["ratio_open_p99_to_in_process_p99"] = _median(
                [r.get("ratio_open_p99_to_in_process_p99") for r in mine]
            )
            row["ratio_open_p99_runs"] = [r.get("ratio_open_p99_to_in_process_p99") for r in mine]
        hit_rates = [(r["server_query_cache"] or {}).get("hit_rate") for r in mine]
        if any(h is not None for h in hit_rates):
            row["server_query_cache_hit_rate"] = _median(hit_rates)
        summary[label] = row
    if "base" in summary:
        for label in labels:
            if label == "base":
                continue
            ratios = []
            for run in sorted({r["run"] for r in runs}):
                pair = {r["variant"]: r["saturation_rps"] for r in runs if r["run"] == run}
                if pair.get("base") and label in pair:
                    ratios.append(round(pair[label] / pair["base"], 2))
            summary[label]["saturation_vs_base_runs"] = ratios
            summary[label]["saturation_vs_base"] = _median(ratios)
    return summary


def _median(values: list[Any]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    baseline = {s: _median([r["in_process"][s] for r in runs]) for s in ("p50", "p95", "p99")}
    levels = []
    for i, level in enumerate(runs[0]["levels"]):
        row: dict[str, Any] = {"clients": level["clients"]}
        for field in ("p50", "p95", "p99", "throughput_rps", "little_ms", "mean_batch"):
            row[field] = _median([r["levels"][i][field] for r in runs])
        for field in ("cpu_cores_server", "cpu_cores_generator", "cpu_cores_other"):
            row[field] = _median([r["levels"][i][field] for r in runs])
        row["server_p50"] = _median([r["levels"][i]["server_ms"]["p50"] for r in runs])
        row["server_p99"] = _median([r["levels"][i]["server_ms"]["p99"] for r in runs])
        row["errors"] = sum(r["levels"][i]["errors"] for r in runs)
        levels.append(row)
    return {
        "in_process": baseline,
        "levels": levels,
        "ratio_p99": _median([r["ratio_p99"] for r in runs]),
        "ratio_p99_runs": [r["ratio_p99"] for r in runs],
        "ratio_p50": _median([r["ratio_p50"] for r in runs]),
    }


def print_table(summary: dict[str, Any], runs: int) -> None:
    base = summary["in_process"]
    print(f"\nmedians of {runs} run(s); ms")
    print(f"in-process engine.search(k=50): p50 {base['p50']}  p95 {base['p95']}  p99 {base['p99']}")
    print(
        "| clients | p50 | p95 | p99 | req/s | N/throughput | errors | batch | server CPU | generator CPU |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in summary["levels"]:
        print(
            f"| {row['clients']} | {row['p50']} | {row['p95']} | {row['p99']} | {row['throughput_rps']} | "
            f"{row['little_ms']} | {row['errors']} | {row['mean_batch']} | {row['cpu_cores_server']} | "
            f"{row['cpu_cores_generator']} |"
        )
    print(f"p99 at {summary['levels'][0]['clients']} clients / in-process p99 = {summary['ratio_p99']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="repeat everything; medians are reported")
    parser.add_argument("--seconds", type=float, default=20.0, help="timed seconds per client level")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds at the start of a level")
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--torch-threads", type=int, default=0, help="OMP_NUM_THREADS of the server (0: torch's default)"
    )
    parser.add_argument("--inprocess", type=int, default=500, help="queries timed in-process")
    parser.add_argument("--pool", type=int, default=6000, help="distinct requests generated")
    parser.add_argument(
        "--quiet", type=float, default=0.3, help="before each run, wait until other work uses fewer cores"
    )
    parser.add_argument("--quiet-wait", type=float, default=600, help="...for at most this many seconds")
    parser.add_argument("--home", type=Path, default=Path(".matching-bench-service"))
    parser.add_argument("--json", type=Path, help="write every run and the medians here")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="another checkout (a worktree of main) whose server takes turns with this one's in each run",
    )
    parser.add_argument(
        "--cache-off",
        action="store_true",
        help="also run this checkout's server with the query-embedding cache off (MATCHING_QUERY_CACHE=0)",
    )
    parser.add_argument(
        "--also",
        action="append",
        metavar="LABEL:KEY=VALUE,...",
        help="also run this checkout's server with these environment variables, e.g. "
        "'2 threads, cache off:MATCHING_ENCODER_THREADS=2,MATCHING_QUERY_CACHE=0' (repeatable); "
        "WORKERS=N sets that server's worker processes and CODE=PATH the checkout that serves",
    )
    parser.add_argument(
        "--open-fraction",
        type=float,
        default=0.5,
        help="with --compare-with/--cache-off: open-loop Poisson load at this share of each server's "
        "saturation (0: none)",
    )
    args = parser.parse_args()
    args.home = args.home.resolve()
    if args.compare_with or args.cache_off or args.also:
        compare_main(args)
        return

    engine = ensure_home(args.home)
    stats = engine.stats()
    engine.searcher()
    key_record, key = engine.keys.create("organiser", "bench_service")
    pool = query_pool(args.pool)
    runs = []
    try:
        for run in range(1, args.runs + 1):
            runs.append(one_run(args, engine, key, pool, run))
    finally:
        engine.keys.revoke(key_record.key_id)
        engine.close()
    summary = summarise(runs)
    print_table(summary, len(runs))
    pool_stats = {"distinct_requests": len(pool), "indonesian_texts": round(_indonesian_share(pool), 3)}
    _save(args, stats, pool_stats, summary, runs)


def _save(
    args: argparse.Namespace,
    stats: dict[str, Any],
    pool_stats: dict[str, Any],
    summary: dict[str, Any],
    runs: list[dict[str, Any]],
) -> None:
    """Write the command, machine, settings, catalogue, pool, summary and every run to ``--json``."""
    result = {
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "catalogue": {k: stats[k] for k in ("ikms", "products", "buyers") if k in stats},
        "pool": pool_stats,
        "summary": summary,
        "runs": runs,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


def compare_main(args: argparse.Namespace) -> None:
    """Servers of several variants (this checkout, ``--compare-with``, cache off) taking turns in each run;
    the variant order rotates from run to run."""
    engine = ensure_home(args.home)
    stats = engine.stats()
    engine.searcher()
    key_record, key = engine.keys.create("organiser", "bench_service")
    pool = query_pool(args.pool)
    variants = _variants(args)
    runs = []
    try:
        for run in range(1, args.runs + 1):
            shift = (run - 1) % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                runs.append(variant_run(args, engine, key, pool, run, variant))
    finally:
        engine.keys.revoke(key_record.key_id)
        engine.close()
    summary = summarise_variants(runs)
    print(json.dumps(summary, indent=2))
    pool_stats = {
        "distinct_requests": len(pool),
        "distinct_texts": len({b["text"] for b in pool}),
        "indonesian_texts": round(_indonesian_share(pool), 3),
    }
    _save(args, stats, pool_stats, summary, runs)


if __name__ == "__main__":
    main()
