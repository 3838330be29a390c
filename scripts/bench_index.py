"""Benchmark the dense vector index (matching.retrieval.dense_index.VectorIndex): exact (flat) against
approximate (HNSW).

For each size N, synthetic L2-normalised vectors are drawn from a clustered model that resembles sentence
embeddings: a mixture of ``--clusters`` Gaussian clusters of unequal size, each spread mostly along its
own low-dimensional subspace (``--intrinsic-dim``) plus a little isotropic noise. Queries are fresh draws
from the same mixture (not in the index). Each (N, index) runs in its own child process so that peak RSS
(``resource.getrusage``) belongs to that run alone; it includes the index and one data chunk, not the
whole data set.

Measured: build time (all upserts), size of the saved version on disk, peak RSS (of the whole run: build,
save, reload, queries), single-query latency on the reloaded index (k=10, one query per call through
``VectorIndex.search``, so id mapping and tie-breaking are included) p50/p95/p99, and recall@10 of HNSW
against the exact index on the same queries.

    python scripts/bench_index.py                                   # 10k, 100k, 1M; a few minutes per 1M
    python scripts/bench_index.py --sizes 10000 100000 --ef-search 32 64 128 --json bench_index.json

Use ``--threads`` to match the machine (default 2). Timings on shared machines are noisy: compare rows
from the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

CHUNK = 50_000


class Mixture:
    """A seeded clustered distribution of unit vectors (see the module docstring)."""

    def __init__(
        self, dim: int, clusters: int, intrinsic_dim: int, seed: int, spread: float = 0.6, noise: float = 0.5
    ) -> None:
        rng = np.random.default_rng(seed)
        centres = rng.normal(size=(clusters, dim))
        self.centres = (centres / np.linalg.norm(centres, axis=1, keepdims=True)).astype(np.float32)
        # per cluster a random basis of its main directions: ``spread`` along it, ``noise`` in all directions
        self.bases = rng.normal(size=(clusters, intrinsic_dim, dim)) * (spread / np.sqrt(intrinsic_dim * dim))
        self.bases = self.bases.astype(np.float32)
        weights = rng.gamma(1.0, size=clusters)
        self.weights = weights / weights.sum()
        self.dim, self.intrinsic_dim, self.seed, self.noise = dim, intrinsic_dim, seed, noise

    def sample(self, n: int, stream: int) -> np.ndarray:
        """``n`` unit vectors; the same ``stream`` always gives the same vectors."""
        rng = np.random.default_rng([self.seed, stream])
        assign = rng.choice(len(self.weights), size=n, p=self.weights)
        out = self.centres[assign] + rng.normal(
            scale=self.noise / np.sqrt(self.dim), size=(n, self.dim)
        ).astype(np.float32)
        z = rng.normal(size=(n, self.intrinsic_dim)).astype(np.float32)
        order = np.argsort(assign, kind="stable")
        bounds = np.flatnonzero(np.diff(assign[order])) + 1
        for rows in np.split(order, bounds):
            out[rows] += z[rows] @ self.bases[assign[rows[0]]]
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """One (N, index) measurement, in a fresh process. Writes the top-10 ids per query for recall."""
    import faiss

    from matching.retrieval.dense_index import VectorIndex

    faiss.omp_set_num_threads(args.threads)
    n, kind = args.one_n, args.one_kind
    mixture = Mixture(args.dim, args.clusters, args.intrinsic_dim, args.seed, args.spread, args.noise)
    index = VectorIndex(
        args.dim, kind=kind, hnsw_m=args.hnsw_m, ef_construction=args.ef_construction, ef_search=128
    )
    build = 0.0
    for stream, start in enumerate(range(0, n, CHUNK)):
        size = min(CHUNK, n - start)
        vectors = mixture.sample(size, stream + 1)
        ids = [f"p{i:07d}" for i in range(start, start + size)]
        began = time.perf_counter()
        index.upsert(ids, vectors)
        build += time.perf_counter() - began
    del vectors
    directory = Path(args.workdir) / f"{n}-{kind}"
    began = time.perf_counter()
    index.save(directory, {"bench": True})
    save_s = time.perf_counter() - began
    version = directory / (directory / "CURRENT").read_text().strip()
    size_bytes = sum(p.stat().st_size for p in version.iterdir())
    build_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    backend = index.backend
    del index  # queries go to the loaded copy, as in the service
    began = time.perf_counter()
    index = VectorIndex.load(directory)
    load_s = time.perf_counter() - began
    shutil.rmtree(directory)
    queries = mixture.sample(args.queries, 0)
    record: dict[str, Any] = {
        "n": n,
        "index": kind,
        "backend": backend,
        "build_s": build,
        "build_per_s": n / build,
        "save_s": save_s,
        "load_s": load_s,
        "size_mb": size_bytes / 2**20,
        "build_peak_rss_mb": build_peak_mb,
        "runs": [],
    }
    for ef in args.ef_search if kind == "hnsw" else [0]:
        if kind == "hnsw":
            index.ef_search = ef
        for query in queries[:20]:  # warm-up
            index.search(query[None], 10)
        latencies, results = [], []
        for query in queries:
            began = time.perf_counter()
            hits = index.search(query[None], 10)[0]
            latencies.append((time.perf_counter() - began) * 1000)
            results.append([id_ for id_, _ in hits])
        p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
        out = Path(args.workdir) / f"results-{n}-{kind}-{ef}.json"
        out.write_text(json.dumps(results))
        record["runs"].append({"ef_search": ef or None, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99})
    record["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return record


def recall(workdir: Path, n: int, ef: int) -> float:
    exact = json.loads((workdir / f"results-{n}-flat-0.json").read_text())
    approx = json.loads((workdir / f"results-{n}-hnsw-{ef}.json").read_text())
    hits = sum(len(set(a) & set(e)) for a, e in zip(approx, exact, strict=True))
    return hits / sum(len(e) for e in exact)


def table(records: list[dict[str, Any]]) -> str:
    lines = [
        "| N | index | efSearch | build s | build vec/s | load s | size MB | peak RSS MB | p50 ms | p95 ms "
        "| p99 ms | recall@10 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        for run in r["runs"]:
            rec = run.get("recall_at_10")
            lines.append(
                f"| {r['n']:,} | {r['index']} | {run['ef_search'] or '-'} | {r['build_s']:.1f} "
                f"| {r['build_per_s']:,.0f} | {r['load_s']:.1f} | {r['size_mb']:.0f} "
                f"| {r['peak_rss_mb']:.0f} "
                f"| {run['p50_ms']:.2f} | {run['p95_ms']:.2f} | {run['p99_ms']:.2f} "
                f"| {'1 (exact)' if rec is None else f'{rec:.3f}'} |"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--indexes", nargs="+", choices=["flat", "hnsw"], default=["flat", "hnsw"])
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--intrinsic-dim", type=int, default=16, help="dimensions a cluster spreads along")
    parser.add_argument("--spread", type=float, default=0.6, help="norm of the in-cluster spread")
    parser.add_argument("--noise", type=float, default=0.5, help="norm of the isotropic noise")
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=128)
    parser.add_argument("--ef-search", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--threads", type=int, default=2, help="FAISS (OpenMP) threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a temporary one)")
    parser.add_argument("--one-n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--one-kind", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one_n is not None:
        print(json.dumps(run_one(args)))
        return 0
    scratch = Path(args.workdir or tempfile.mkdtemp(prefix="bench-index-"))
    scratch.mkdir(parents=True, exist_ok=True)
    passthrough = sys.argv[1:] if argv is None else argv
    records: list[dict[str, Any]] = []
    kinds = ["flat", *[k for k in args.indexes if k != "flat"]]  # exact first: it is the recall reference
    for n in args.sizes:
        for kind in kinds:
            command = [sys.executable, __file__, *passthrough, "--workdir", str(scratch)]
            command += ["--one-n", str(n), "--one-kind", kind]
            print(f"running N={n:,} {kind} ...", file=sys.stderr, flush=True)
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            record = json.loads(done.stdout.strip().splitlines()[-1])
            if kind == "hnsw":
                for run in record["runs"]:
                    run["recall_at_10"] = recall(scratch, n, run["ef_search"])
            records.append(record)
    if "flat" not in args.indexes:
        records = [r for r in records if r["index"] != "flat"]
    print(table(records))
    if args.json:
        import faiss

        report = {
            "command": " ".join(["python", "scripts/bench_index.py", *passthrough]),
            "machine": {
                "python": platform.python_version(),
                "cpus": args.threads,
                "faiss": faiss.__version__,
            },
            "params": {k: v for k, v in vars(args).items() if not k.startswith("one_") and k != "json"},
            "records": records,
        }
        args.json.write_text(json.dumps(report, indent=2, default=str))
    if args.workdir is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
