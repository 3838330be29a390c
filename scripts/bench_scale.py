"""The engine at a million products on real e5 vectors: embedding throughput, index kinds, recall, latency.

Three steps, each a subcommand (the vectors stay outside the repository: ~1.5 GB at a million):

``embed``   Embedding throughput of ``matching index`` on a catalogue of real text (``matching.data.scale``),
            in this process (ONNX Runtime with ``--threads`` threads) and on a local Ray instance (one-thread
            actors, one per core), each into a fresh data home, in alternating turns; products embedded a
            second from the index report (``embedded`` over ``seconds``; Ray's start-up included)::

                .venv/bin/python scripts/bench_scale.py embed --products 4000 --runs 2 --work /tmp/bscale

``export``  The product vectors a data home's embedding cache holds for e5-small (``matching index`` on the
            million-product catalogue writes them: ``python -m matching.data.scale OUT --products 1000000``,
            ``matching ingest OUT``, ``matching index``), and query vectors of every bundled buyer text
            (demo, dev2, PRDECT-ID in English and Indonesian) encoded as searches encode them::

                .venv/bin/python scripts/bench_scale.py export --home HOME --out VECTORS

``ann``     Index kinds built from those vectors with FAISS (inner product, as the engine searches): exact
            flat search (the reference), HNSW (the engine's kind above 50k products) at several ``efSearch``,
            IVF with product quantisation at several ``nprobe``, with and without re-ranking its candidates by
            the exact vectors. Per kind: build time, size in memory (the serialised index), recall@10 against
            exact search, and one-query-at-a-time latency p50/p99 on one thread (a search's path in the
            service)::

                .venv/bin/python scripts/bench_scale.py --json out.json ann --vectors VECTORS

``refresh``  How long a service's refresh takes after one product changed (what a replica does before it
            serves the change), on a catalogue of real text imported into a fresh home with the hashing
            encoder (the rebuild's own cost; e5 would add the changed product's encoding)::

                .venv/bin/python scripts/bench_scale.py refresh --products 100000 --work /tmp/bscale

``search``  The engine in process on a data home that ``matching index`` filled (the million-product one):
            how long loading the index takes, the process's memory once loaded, and the latency of one
            search at a time (what the service's search does: parse, encode, retrieve, rank and explain the
            top 50) over every bundled buyer text, after 10 warm-up searches::

                .venv/bin/python scripts/bench_scale.py search --home HOME

``memory``  Where a searcher's memory goes: the process's resident memory after each step of building one
            on a filled data home (the store's records, the catalogue, the dense index, BM25), then a
            whole second searcher, as the service holds during a refresh::

                .venv/bin/python scripts/bench_scale.py memory --home HOME [--encoder hashing]

Timings on shared machines are noisy: compare rows from one run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DATA = REPO / "matching" / "data"
QUERY_FILES = [  # (file, column): every bundled buyer text, English and Indonesian
    (DATA / "demo" / "buyers.csv", "requirement"),
    (DATA / "dev2" / "buyers.csv", "requirement"),
    (DATA / "prdect" / "queries-en.csv", "requirement"),
    (DATA / "prdect" / "queries-id.csv", "requirement"),
]


def _buyer_texts() -> list[str]:
    """Every bundled buyer text (QUERY_FILES), each once, in file order."""
    texts: list[str] = []
    for path, column in QUERY_FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row[column] for row in csv.DictReader(handle) if row.get(column)]
    return list(dict.fromkeys(texts))


def _matching(*args: str, home: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run ``matching ARGS --json --home HOME``; the printed JSON report."""
    command = [str(REPO / ".venv" / "bin" / "matching"), *args, "--json", "--home", str(home)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def embed(args: argparse.Namespace) -> dict[str, Any]:
    from matching.data.scale import write_scaled_catalogue

    work = Path(args.work)
    catalogue = work / f"catalogue-{args.products}"
    if not (catalogue / "products.csv").exists():
        write_scaled_catalogue(catalogue, products=args.products, seed=0)
    base = {"MATCHING_SECOND_ENCODER": "none", "MATCHING_ENCODER": "e5-small", "COLUMNS": "200"}
    from matching.retrieval.encoders import e5_folder

    model, _ = e5_folder(work / "models-home", progress=False)  # built once, linked into every fresh home
    paths = {
        "single process": ([], {"MATCHING_ENCODER_THREADS": str(args.threads)}),
        "Ray (local)": (["--ray"], {"MATCHING_ENCODER_THREADS": "1"}),
    }
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for run in range(args.runs):
        for name, (flags, env) in paths.items():
            home = work / f"home-{run}-{name.split()[0].lower()}"
            shutil.rmtree(home, ignore_errors=True)
            _matching("ingest", str(catalogue), home=home, env=base)
            (home / "models").mkdir(exist_ok=True)
            (home / "models" / model.name).symlink_to(model, target_is_directory=True)
            report = _matching("index", *flags, home=home, env={**base, **env})
            rate = report["embedded"] / report["seconds"]
            rates[name].append(rate)
            print(f"run {run + 1}: {name}: {report['embedded']} embedded in {report['seconds']:.1f} s = "
                  f"{rate:.1f}/s", flush=True)  # fmt: skip
    medians = {name: statistics.median(values) for name, values in rates.items()}
    return {"products": args.products, "threads": args.threads, "runs": rates, "median_per_s": medians,
            "ray_vs_single": medians["Ray (local)"] / medians["single process"]}  # fmt: skip


def refresh(args: argparse.Namespace) -> dict[str, Any]:
    from matching import Engine, Settings
    from matching.data.scale import write_scaled_catalogue

    work = Path(args.work)
    catalogue = work / f"catalogue-{args.products}"
    if not (catalogue / "products.csv").exists():
        write_scaled_catalogue(catalogue, products=args.products, seed=0)
    home = work / f"refresh-{args.products}"
    if not args.reuse:
        shutil.rmtree(home, ignore_errors=True)
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights", second_encoder="none"))
    try:
        if not args.reuse:
            engine.import_files(sorted(catalogue.glob("*.csv")))
        start = time.perf_counter()
        engine.searcher()
        first = time.perf_counter() - start
        times = []
        for run in range(args.runs):
            product = engine.store.products()[run]
            changed = home / f"changed-{run}.csv"
            with changed.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["product_id", "ikm_id", "name", "description", "material", "category"])
                name = f"{product.name} {run}"
                rest = [product.description or "", product.material or "", product.category or ""]
                writer.writerow([product.product_id, product.ikm_id, name, *rest])
            engine.import_files([changed])
            start = time.perf_counter()
            engine.refresh()
            times.append(time.perf_counter() - start)
            print(f"refresh {run + 1}: {times[-1]:.1f} s", flush=True)
    finally:
        engine.close()
    return {"products": args.products, "reused": args.reuse, "first_build_s": first, "refresh_s": times,
            "median_refresh_s": statistics.median(times)}  # fmt: skip


def export(args: argparse.Namespace) -> dict[str, Any]:
    from matching.retrieval.encoders import e5_folder, load_encoder

    home, out = Path(args.home), Path(args.out)
    _, model_id = e5_folder(home, progress=False)
    with sqlite3.connect(f"file:{home / 'cache' / 'embeddings.sqlite'}?mode=ro", uri=True) as db:
        total = db.execute("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0]
        limit = min(total, args.limit or total)
        vectors = np.lib.format.open_memmap(
            out / "vectors.npy", mode="w+", dtype=np.float32, shape=(limit, 384)
        )
        rows = db.execute("SELECT vector FROM embeddings WHERE model_id = ? LIMIT ?", (model_id, limit))
        for i, (blob,) in enumerate(rows):
            vectors[i] = np.frombuffer(blob, dtype="<f4")
        vectors.flush()
    texts = _buyer_texts()
    encoder = load_encoder("e5-small", home=home, progress=False, threads=2)
    np.save(out / "queries.npy", encoder.encode_queries(texts).astype(np.float32))
    return {"model_id": model_id, "vectors": limit, "queries": len(texts)}


def _exact(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, ids = flat.search(queries, k)
    return np.asarray(ids)


def _latency(index: Any, queries: np.ndarray, k: int, params: Any = None) -> tuple[np.ndarray, list[float]]:
    """One query a call, as the service searches; the ids found and the milliseconds each took."""
    found, times = [], []
    for row in range(queries.shape[0]):
        start = time.perf_counter()
        _, ids = index.search(queries[row : row + 1], k, params=params) if params else index.search(
            queries[row : row + 1], k)  # fmt: skip
        times.append((time.perf_counter() - start) * 1000)
        found.append(ids[0])
    return np.asarray(found), times


def _recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth, strict=True)]))


def ann(args: argparse.Namespace) -> dict[str, Any]:
    import faiss

    folder = Path(args.vectors)
    vectors = np.ascontiguousarray(np.load(folder / "vectors.npy", mmap_mode="r")[: args.limit or None])
    queries = np.ascontiguousarray(np.load(folder / "queries.npy"))
    n, dim, k = vectors.shape[0], vectors.shape[1], 10
    faiss.omp_set_num_threads(args.threads)
    start = time.perf_counter()
    truth = _exact(vectors, queries, k)
    took = time.perf_counter() - start
    print(f"{n} vectors, {len(queries)} queries; exact search of all queries: {took:.1f} s", flush=True)
    records: list[dict[str, Any]] = []

    def measure(kind: str, index: Any, build_s: float, settings: list[tuple[str, Any]]) -> None:
        size = faiss.serialize_index(index).size  # what the index holds in memory, near enough
        faiss.omp_set_num_threads(1)  # one thread a query: the service's small-batch path
        for label, params in settings:
            _latency(index, queries[:20], k, params)  # warm
            found, times = _latency(index, queries, k, params)
            record = {"kind": kind, "setting": label, "build_s": round(build_s, 1), "bytes": int(size),
                      "recall@10": round(_recall(found, truth, k), 4),
                      "p50_ms": round(float(np.percentile(times, 50)), 3),
                      "p99_ms": round(float(np.percentile(times, 99)), 3)}  # fmt: skip
            records.append(record)
            print(json.dumps(record), flush=True)
        faiss.omp_set_num_threads(args.threads)

    flat = faiss.IndexFlatIP(dim)
    start = time.perf_counter()
    flat.add(vectors)
    measure("flat (exact)", flat, time.perf_counter() - start, [("", None)])
    del flat

    hnsw = faiss.IndexHNSWFlat(dim, args.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = args.ef_construction
    start = time.perf_counter()
    hnsw.add(vectors)
    settings = []
    for ef in args.ef_search:
        params = faiss.SearchParametersHNSW()
        params.efSearch = ef
        settings.append((f"efSearch={ef}", params))
    measure(f"HNSW M={args.hnsw_m} efConstruction={args.ef_construction}", hnsw, time.perf_counter() - start,
            settings)  # fmt: skip
    del hnsw

    nlist = args.nlist or int(4 * np.sqrt(n))
    train = vectors[np.random.default_rng(0).choice(n, size=min(n, 64 * nlist), replace=False)]
    # The IVF lists are the same k-means for every code kind (not OPQ's, whose lists live in its rotated
    # space): trained once here, given to each index, and counted in each one's build time.
    start = time.perf_counter()
    lists = faiss.Kmeans(dim, nlist, niter=25, seed=1234, spherical=True)  # as IVF trains for inner product
    lists.train(train)
    lists_s = time.perf_counter() - start
    print(f"IVF lists: {nlist} by k-means on {len(train)} vectors, {lists_s:.1f} s", flush=True)
    for codes in args.ivf:
        spec = f"IVF{nlist},{codes}"
        shared = not codes.startswith("OPQ")
        if not shared:  # a learnt rotation first: OPQ48_384,IVF...,PQ48
            rotation, _, rest = codes.partition(",")
            spec = f"{rotation},IVF{nlist},{rest}"
        refine = spec.endswith(",RFlat")
        index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
        if shared:  # a quantiser already holding nlist centroids is not trained again
            ivf.quantizer.add(lists.centroids)
        if hasattr(ivf, "do_polysemous_training"):  # on by default for PQ: codes ordered for a Hamming
            ivf.do_polysemous_training = False  # filter no search here uses, at 20x the training time
        start = time.perf_counter()
        index.train(train)
        index.add(vectors)
        build = time.perf_counter() - start + (lists_s if shared else 0.0)
        settings = []
        for nprobe in args.nprobe:
            ivf = faiss.SearchParametersIVF()
            ivf.nprobe = nprobe
            if refine:
                params = faiss.IndexRefineSearchParameters()
                params.k_factor = args.k_factor
                params.base_index_params = ivf
                settings.append((f"nprobe={nprobe} k_factor={args.k_factor}", params))
            else:
                settings.append((f"nprobe={nprobe}", ivf))
        measure(spec, index, build, settings)
        del index
    return {"vectors": n, "queries": len(queries), "threads": args.threads, "records": records}


def _rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def search(args: argparse.Namespace) -> dict[str, Any]:
    import gc
    import resource

    from matching import Engine, Settings

    texts = _buyer_texts()
    before = _rss_mb()
    engine = Engine(Settings(home=Path(args.home)))
    try:
        start = time.perf_counter()
        searcher = engine.searcher()
        load_s = time.perf_counter() - start
        gc.collect()
        loaded = _rss_mb()
        products = len(searcher.catalogue.products)
        print(f"{products} products loaded in {load_s:.1f} s, RSS {loaded:.0f} MB", flush=True)
        for text in texts[:10]:  # warm-up
            engine.search(text, k=args.k)
        times = []
        for text in texts:
            start = time.perf_counter()
            engine.search(text, k=args.k)
            times.append((time.perf_counter() - start) * 1000)
        q = np.percentile(times, [50, 95, 99])
        dense = searcher.dense
        return {"home": str(args.home), "products": products, "index": dense.backend,
                "ef_search": dense.ef_search, "load_s": round(load_s, 1), "rss_before_mb": round(before),
                "rss_loaded_mb": round(loaded), "rss_after_mb": round(_rss_mb()),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "queries": len(times), "k": args.k, "p50_ms": round(float(q[0]), 1),
                "p95_ms": round(float(q[1]), 1), "p99_ms": round(float(q[2]), 1)}  # fmt: skip
    finally:
        engine.close()


def memory(args: argparse.Namespace) -> dict[str, Any]:
    import gc
    import resource

    from matching import Engine, Settings

    steps: list[dict[str, Any]] = []
    last, clock = _rss_mb(), time.perf_counter()

    def step(name: str) -> None:
        nonlocal last, clock
        gc.collect()
        now = _rss_mb()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        took = round(time.perf_counter() - clock, 1)
        steps.append({"step": name, "added_mb": round(now - last), "rss_mb": round(now),
                      "peak_rss_mb": round(peak), "seconds": took})  # fmt: skip
        print(json.dumps(steps[-1]), flush=True)
        last, clock = now, time.perf_counter()

    settings: dict[str, Any] = {"home": Path(args.home)}
    if args.encoder:
        settings |= {"encoder": args.encoder, "ranker": "weights", "second_encoder": "none"}
    engine = Engine(Settings(**settings))
    try:
        step("engine")
        catalogue = engine._catalogue()  # what a searcher build reads: the store's records into the catalogue
        step("the catalogue, read and built (+ the concepts memo)")
        held: list[Any] = [catalogue, engine._update_index(catalogue)]  # each part kept, as a searcher does
        step("the encoder and its dense index, loaded")
        if engine.second_encoder is not None:
            held.append(engine._update_second_index(catalogue))
            step("the second encoder and its index, loaded")
        held.append(engine.lexical_index(catalogue))
        step("BM25, with and without concept terms (+ the terms memo)")
        held.append(engine.searcher())
        step("a whole searcher beside these (as during a refresh)")
    finally:
        engine.close()
    return {"home": str(args.home), "encoder": args.encoder or "the configured one", "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("embed")
    p.add_argument("--products", type=int, default=4000)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads of the single process")
    p.add_argument("--work", default=".matching-bench-scale")
    p = sub.add_parser("refresh")
    p.add_argument("--products", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--work", default=".matching-bench-scale")
    p.add_argument("--reuse", action="store_true", help="the home an earlier run filled, as it is (its first "
                   "build then loads the saved index and reads the catalogue)")  # fmt: skip
    p = sub.add_parser("export")
    p.add_argument("--home", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--limit", type=int, default=0, help="at most this many product vectors (0: all)")
    p = sub.add_parser("ann")
    p.add_argument("--vectors", required=True, help="the folder export wrote")
    p.add_argument("--limit", type=int, default=0, help="only the first N vectors (0: all)")
    p.add_argument("--threads", type=int, default=2, help="threads for building (searches use one)")
    p.add_argument("--hnsw-m", type=int, default=32)
    p.add_argument("--ef-construction", type=int, default=128)
    p.add_argument("--ef-search", type=int, nargs="+", default=[128, 256, 512, 1024])
    p.add_argument("--nlist", type=int, default=0, help="IVF lists (0: 4 sqrt(n))")
    p.add_argument("--ivf", nargs="+", default=["PQ48", "PQ48,RFlat", "SQ8", "Flat"],
                   help="IVF codes, in FAISS's factory terms (PQ48: 48 sub-vectors of 8 bits, 8 dims each; "
                   "RFlat: candidates re-ranked by the exact vectors; SQ8: a byte a dimension; "
                   "OPQ48_384,PQ48,RFlat: a learnt rotation first, minutes of training)")  # fmt: skip
    p.add_argument("--nprobe", type=int, nargs="+", default=[16, 32, 64, 128])
    p.add_argument("--k-factor", type=int, default=10, help="candidates re-ranked exactly: k_factor x 10")
    p = sub.add_parser("search")
    p.add_argument("--home", required=True, help="a data home that `matching index` filled")
    p.add_argument("--k", type=int, default=50, help="results ranked a search (the service ranks 50)")
    p = sub.add_parser("memory")
    p.add_argument("--home", required=True, help="a filled data home")
    p.add_argument("--encoder", help="hashing: for a home built with it (then weights, no second encoder)")
    args = parser.parse_args()
    steps = {"embed": embed, "refresh": refresh, "export": export, "ann": ann, "search": search,
             "memory": memory}  # fmt: skip
    result = steps[args.step](args)
    result |= {"step": args.step, "machine": platform.platform(), "cpus": os.cpu_count(),
               "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    print(json.dumps({k: v for k, v in result.items() if k != "records"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
