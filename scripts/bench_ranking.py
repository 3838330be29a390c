"""Ranking benchmarks: quality on the dev set, index-build throughput, and in-process query latency.

    .venv/bin/python scripts/bench_ranking.py quality  [--set dev|dev2|prdect-id|prdect-en]
                                                       [--encoder e5-small] [--json out.json]
    .venv/bin/python scripts/bench_ranking.py throughput [--repeats 3]
    .venv/bin/python scripts/bench_ranking.py latency [--products 100000] [--queries 300]
    .venv/bin/python scripts/bench_ranking.py encode [--repeats 3]       # query encoding: PyTorch vs ONNX
    .venv/bin/python scripts/bench_ranking.py dense                      # dense-only nDCG@10: PyTorch vs ONNX
    .venv/bin/python scripts/bench_ranking.py trees [--sets ...]         # learned trees: ONNX vs scikit-learn
    .venv/bin/python scripts/bench_ranking.py int8 --layers 0-11 8-11    # e5 query graph in int8, by layer

Every figure of BENCHMARKS.md's ranking section comes from this script. Timings are medians; ratios are
measured in one run (engine vs raw encoder), as the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from matching import Engine, Settings, demo_data_dir
from matching.catalogue.schema import IKM, Product
from matching.lab.analysis import open_judged_set
from matching.learning.baselines import SystemRuns, engine_run, evaluate_systems, metrics_table, system_runs
from matching.learning.judged_sets import JUDGED_SETS, judged_set
from matching.learning.metrics import Qrels
from matching.ranking.queries import Queries
from matching.ranking.searcher import Searcher
from matching.retrieval.dense_index import VectorIndex
from matching.retrieval.documents import Catalogue
from matching.retrieval.lexicon import lexicon


def _engine(home: Path, encoder: str, ranker: str = "weights") -> Engine:
    engine = Engine(Settings(home=home, encoder=encoder, ranker=ranker))
    engine.import_demo()
    return engine


def _rrf(*rankings: list[tuple[str, float]], k: int = 10, c: int = 60) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (doc, _) in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (c + rank)
    return sorted(scores.items(), key=lambda p: (-p[1], p[0]))[:k]


def quality(args: argparse.Namespace) -> dict[str, Any]:
    # every set but dev (the demo catalogue the other benchmarks use) has its own catalogue: its own home
    home = args.home if args.set == "dev" else args.home / args.set
    engine, buyers, qrels = open_judged_set(
        args.set, Settings(home=home, encoder=args.encoder, ranker="weights")
    )
    searcher, queries = engine.searcher(), engine.encode_buyers(buyers, cached=False)
    runs = system_runs(searcher, queries, k=100)
    # the default ranker (auto: the bundled leave-one-set-out choice for these encoders) beside the weights;
    # trained on the judged sets' rows, so on those sets its figures are in-sample (held out: its card)
    default, version = engine.resolve_ranker("auto")
    if version != "weights":
        changed = copy.copy(searcher)
        changed.ranker = default
        runs.runs[f"engine ({version}, in-sample)"] = engine_run(changed, queries, 100)
    runs.runs["hybrid"] = {q: _rrf(runs.runs["dense"][q], runs.runs["bm25"][q]) for q in runs.runs["dense"]}
    condensed = judged_set(args.set).condensed  # condensed lists are cut at 10 after unjudged items go
    if not condensed:
        runs.runs = {name: {q: r[:10] for q, r in run.items()} for name, run in runs.runs.items()}
    runs.runs["engine (weights)"] = runs.runs.pop("engine")
    rows = metrics_table(evaluate_systems(runs, qrels, condensed=condensed))
    engine.close()
    return {"set": args.set, "encoder": args.encoder, "rows": rows}


def throughput(args: argparse.Namespace) -> dict[str, Any]:
    from matching.retrieval.encoders import load_encoder

    home = args.home
    engine = _engine(home, args.encoder)
    encoder = load_encoder(args.encoder, home=home)
    catalogue = Catalogue.build(engine.store.ikms(), engine.store.products())
    _, texts = catalogue.texts()
    texts = texts[: args.limit] if args.limit else texts
    raw, eng = [], []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        encoder.encode_passages(texts)
        raw.append(len(texts) / (time.perf_counter() - start))
        for path in (home / "cache", home / "index"):
            shutil.rmtree(path, ignore_errors=True)
        start = time.perf_counter()
        report = engine.index(rebuild=True)
        eng.append(report.embedded / (time.perf_counter() - start))
        print(f"repeat {repeat + 1}: raw {raw[-1]:.1f}/s, engine {eng[-1]:.1f}/s", file=sys.stderr)
    # incremental: change 1% of the products, re-index, count what was embedded
    products = engine.store.products()
    changed = products[:: max(1, len(products) // max(1, len(products) // 100))][
        : max(1, len(products) // 100)
    ]
    from matching.catalogue.report import ValidatedBatch
    from matching.catalogue.schema import Entity

    batch = ValidatedBatch()
    batch.records[Entity.PRODUCTS] = [
        p.model_copy(update={"description": (p.description or "") + " (edisi baru)"}) for p in changed
    ]
    engine.store.write(batch)
    report = engine.index()
    engine.close()
    return {
        "encoder": encoder.model_id,
        "products": len(texts),
        "raw_per_s": statistics.median(raw),
        "engine_per_s": statistics.median(eng),
        "ratio": statistics.median(e / r for e, r in zip(eng, raw, strict=True)),
        "incremental": {"changed": len(changed), "embedded": report.embedded, "upserted": report.upserted},
    }


def _scale_out(
    engine: Engine, n_products: int, kind: str = "auto", seed: int = 0
) -> tuple[Catalogue, VectorIndex, list[str]]:
    """Replicate the demo catalogue to ``n_products`` (new ids; vectors = real ones plus small noise)."""
    rng = np.random.default_rng(seed)
    base = engine.searcher()
    ikms = engine.store.ikms()
    products = engine.store.products()
    copies = -(-n_products // len(products))
    all_ikms: list[IKM] = []
    all_products: list[Product] = []
    for c in range(copies):
        suffix = "" if c == 0 else f"-r{c}"
        all_ikms += [i.model_copy(update={"ikm_id": i.ikm_id + suffix}) for i in ikms]
        all_products += [
            p.model_copy(update={"product_id": p.product_id + suffix, "ikm_id": p.ikm_id + suffix})
            for p in products
        ]
    all_products = all_products[:n_products]
    catalogue = Catalogue.build(all_ikms, all_products)
    dense = VectorIndex(engine.encoder.dim, kind=kind)  # type: ignore[arg-type]
    base_ids = list(base.catalogue.products)
    base_vectors = dict(zip(base_ids, base.dense.vectors(base_ids), strict=True))
    ids = [p.product_id for p in all_products]
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        vectors = np.stack([base_vectors[i.split("-r")[0]] for i in chunk])
        vectors += rng.normal(0, 0.01, vectors.shape).astype(np.float32)
        dense.upsert(chunk, vectors)
    return catalogue, dense, ids


def latency(args: argparse.Namespace) -> dict[str, Any]:
    engine = _engine(args.home, args.encoder, args.ranker)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    catalogue, dense, _ = _scale_out(engine, args.products, args.index_kind)
    lexical = engine.lexical_index(catalogue)
    base = engine.searcher()
    searcher = Searcher(
        catalogue,
        encoder=engine.encoder,
        dense=dense,
        lexical=lexical,
        ranker=base.ranker,
        lex=lexicon(),
    )
    build_s = time.perf_counter() - start
    buyers = engine.read_buyers(demo_data_dir() / "buyers.csv")
    texts = [b.requirement for b in buyers]
    for text in texts[:10]:  # warm-up
        searcher.rank(engine.needs(text), 10)
    gc.collect()
    timings: list[float] = []
    encode: list[float] = []
    for i in range(args.queries):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        searcher.rank(engine.needs(text), 10)  # parse + encode + retrieve + rank + explain-ready matches
        timings.append((time.perf_counter() - t0) * 1000)
    for text in texts[: min(len(texts), args.queries)]:
        t0 = time.perf_counter()
        engine.encoder.encode_queries([text])
        encode.append((time.perf_counter() - t0) * 1000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine.close()
    q = np.percentile(timings, [50, 95, 99])
    return {
        "products": args.products,
        "index": dense.backend,
        "encoder": args.encoder,
        "ranker": args.ranker,
        "queries": args.queries,
        "p50_ms": float(q[0]),
        "p95_ms": float(q[1]),
        "p99_ms": float(q[2]),
        "encode_p50_ms": float(np.percentile(encode, 50)),
        "build_s": build_s,
        "peak_rss_mb": rss / 1024,
        "rss_before_mb": rss0 / 1024,
    }


def encode(args: argparse.Namespace) -> dict[str, Any]:
    """Query encoding speed of e5-small: today's PyTorch path (sentence-transformers on torch's default
    threads, and on 1 thread) against ONNX Runtime with 1 and 2 intra-op threads, on the dev buyers'
    requirements one at a time and in batches of 16. The paths take turns within each repeat; the figures
    are medians of ``--repeats`` (ms per query)."""
    import torch

    from matching.retrieval.encoders import load_encoder

    buyers = Engine.read_buyers(demo_data_dir() / "buyers.csv")
    texts = [b.requirement for b in buyers]
    torch_threads = torch.get_num_threads()
    paths = {
        "torch": load_encoder("e5-small-torch", home=args.home, progress=False),
        "torch-1thread": load_encoder("e5-small-torch", home=args.home, progress=False),
        "onnx-1thread": load_encoder("e5-small", home=args.home, progress=False, threads=1),
        "onnx-2threads": load_encoder("e5-small", home=args.home, progress=False, threads=2),
    }
    reference = paths["torch"].encode_queries(texts)
    agreement = {}
    for name, encoder in paths.items():  # warm-up, and the vectors' agreement with torch
        vectors = encoder.encode_queries(texts)
        agreement[name] = {
            "max_abs_diff": float(np.abs(vectors - reference).max()),
            "min_cosine": float((vectors * reference).sum(axis=1).min()),
        }
    timings: dict[str, dict[str, list[float]]] = {n: {"batch1": [], "batch16": []} for n in paths}
    for repeat in range(args.repeats):
        for name, encoder in paths.items():
            torch.set_num_threads(1 if name == "torch-1thread" else torch_threads)  # torch's is per process
            start = time.perf_counter()
            for text in texts:
                encoder.encode_queries([text])
            timings[name]["batch1"].append((time.perf_counter() - start) * 1000 / len(texts))
            start = time.perf_counter()
            for first in range(0, len(texts), 16):
                encoder.encode_queries(texts[first : first + 16])
            timings[name]["batch16"].append((time.perf_counter() - start) * 1000 / len(texts))
            print(
                f"repeat {repeat + 1} {name}: batch 1 {timings[name]['batch1'][-1]:.1f} ms/query, "
                f"batch 16 {timings[name]['batch16'][-1]:.1f} ms/query",
                file=sys.stderr,
            )
    medians = {n: {b: statistics.median(v) for b, v in by.items()} for n, by in timings.items()}
    speedup = {
        n: {b: medians["torch"][b] / medians[n][b] for b in ("batch1", "batch16")}
        for n in paths
        if n != "torch"
    }
    return {
        "queries": len(texts),
        "repeats": args.repeats,
        "torch_threads": torch_threads,
        "ms_per_query_median": medians,
        "ms_per_query_runs": timings,
        "speedup_vs_torch": speedup,
        "agreement_with_torch": agreement,
    }


def _dense_ndcg(
    searcher: Searcher, queries: Queries, vectors: np.ndarray, qrels: Qrels, *, condensed: bool = False
) -> dict[str, float]:
    """Dense-only nDCG@10 of ``queries``' buyers searched with ``vectors``: all buyers and per language."""
    run = {b.buyer_id: searcher.dense_only(v, 10) for b, v in zip(queries.buyers, vectors, strict=True)}
    results = evaluate_systems(
        SystemRuns({"dense": run}, dict(queries.languages)), qrels, condensed=condensed
    )
    return {split: m.as_dict()["ndcg@10"] for split, m in results["dense"].items() if m.as_dict()["queries"]}


def dense(args: argparse.Namespace) -> dict[str, Any]:
    """Dense-only nDCG@10 (all buyers and per language) of every judged set with e5-small run by PyTorch and
    by ONNX Runtime. Each backend embeds the catalogue itself, in its own home (no shared embedding
    cache), so both the passages and the queries come from the backend measured."""
    sets = args.sets or sorted(JUDGED_SETS)
    rows: dict[str, Any] = {}
    for name in sets:
        rows[name] = {}
        for backend, spec in (("torch", "e5-small-torch"), ("onnx", "e5-small")):
            home = args.home / f"dense-{backend}" / name
            shutil.rmtree(home, ignore_errors=True)
            (home / "models").mkdir(parents=True)
            for folder in (args.home / "models").glob("multilingual-e5-small-*"):  # built once, linked
                (home / "models" / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
            started = time.perf_counter()
            engine, buyers, qrels = open_judged_set(name, Settings(home=home, encoder=spec, ranker="weights"))
            searcher = engine.searcher()
            queries = engine.encode_buyers(buyers, cached=False)
            scores = _dense_ndcg(searcher, queries, queries.vectors, qrels)
            engine.close()
            rows[name][backend] = {"ndcg@10": scores, "seconds": round(time.perf_counter() - started, 1)}
            print(f"{name} {backend}: {scores}", file=sys.stderr)
        rows[name]["diff_onnx_minus_torch"] = {
            split: rows[name]["onnx"]["ndcg@10"][split] - rows[name]["torch"]["ndcg@10"][split]
            for split in rows[name]["torch"]["ndcg@10"]
        }
    worst = max(abs(d) for r in rows.values() for d in r["diff_onnx_minus_torch"].values())
    return {"sets": rows, "max_abs_diff": worst}


def trees(args: argparse.Namespace) -> dict[str, Any]:
    """The default learned ranker's trees run by ONNX Runtime (``compile_trees``) against scikit-learn's own
    predict, on every judged set's buyers: nDCG@10 of each, how many buyers' top 10 differ, and the
    ranking's milliseconds a search (median of ``--repeats`` passes over the set's buyers, encodings done
    once before)."""
    sets = args.sets or sorted(JUDGED_SETS)
    rows: dict[str, Any] = {}
    for name in sets:
        home = args.home if name == "dev" else args.home / name
        engine, buyers, qrels = open_judged_set(name, Settings(home=home, encoder=args.encoder))
        searcher = copy.copy(engine.searcher())
        ranker, version = engine.resolve_ranker("auto")
        searcher.ranker = ranker
        learned = getattr(ranker, "ranker", ranker)
        if not hasattr(learned, "model_"):
            raise SystemExit(f"{name}: the default ranker is {version}, not learned trees")
        queries = engine.encode_buyers(buyers, cached=False)
        runs: dict[str, Any] = {}
        timings: dict[str, float] = {}
        for label in ("scikit-learn", "onnx"):
            learned.__dict__.pop("_compiled", None)
            if label == "scikit-learn":
                learned.__dict__["_compiled"] = learned.model_.predict
            passes = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                runs[label] = engine_run(searcher, queries, 100)
                passes.append((time.perf_counter() - started) * 1000 / len(buyers))
            timings[label] = round(statistics.median(passes), 2)
        learned.__dict__.pop("_compiled", None)
        condensed = judged_set(name).condensed
        cut = runs if condensed else {n: {q: r[:10] for q, r in run.items()} for n, run in runs.items()}
        results = evaluate_systems(SystemRuns(cut, dict(queries.languages)), qrels, condensed=condensed)
        scores = {label: results[label]["all"].as_dict()["ndcg@10"] for label in runs}
        differ = sum(
            [i for i, _ in runs["onnx"][q][:10]] != [i for i, _ in runs["scikit-learn"][q][:10]]
            for q in runs["onnx"]
        )
        rows[name] = {
            "ranker": version,
            "ndcg@10": scores,
            "diff": round(scores["onnx"] - scores["scikit-learn"], 6),
            "buyers": len(buyers),
            "buyers_whose_top10_differ": differ,
            "ms_a_search": timings,
        }
        print(f"{name}: {rows[name]}", file=sys.stderr)
        engine.close()
    return {"sets": rows, "max_abs_diff": max(abs(r["diff"]) for r in rows.values())}


def int8(args: argparse.Namespace) -> dict[str, Any]:
    """e5-small's query graph with the MatMul weights of some layers in int8 (ONNX Runtime's dynamic
    quantization, per channel), passages left fp32: dense-only nDCG@10 of every judged set (all buyers and
    per language) and ms a query against the fp32 graph. ``--layers`` takes ranges such as ``0-11 8-11``."""
    import re

    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from matching.retrieval.onnx_encoder import ONNX_FILE

    def layer(node: str) -> int:
        found = re.search(r"layer[._/](\d+)", node)
        return int(found.group(1)) if found else -1

    graphs: dict[str, Path] = {}
    rows: dict[str, Any] = {}
    for name in args.sets or sorted(JUDGED_SETS):
        home = args.home if name == "dev" else args.home / name
        engine, buyers, qrels = open_judged_set(
            name, Settings(home=home, encoder="e5-small", ranker="weights")
        )
        encoder = getattr(engine.encoder, "encoder", engine.encoder)  # under the query cache, if any
        if not graphs:
            source = encoder.path / ONNX_FILE
            matmuls = [n.name for n in onnx.load(str(source)).graph.node if n.op_type == "MatMul"]
            graphs["fp32"] = source
            for spec in args.layers:
                low, high = map(int, spec.split("-"))
                graphs[spec] = args.home / f"e5-query-int8-layers{spec}.onnx"
                quantize_dynamic(
                    str(source),
                    str(graphs[spec]),
                    weight_type=QuantType.QInt8,
                    per_channel=True,
                    op_types_to_quantize=["MatMul"],
                    nodes_to_exclude=[n for n in matmuls if not low <= layer(n) <= high],
                )
        searcher, fp32_session = engine.searcher(), encoder.session
        queries = engine.encode_buyers(buyers, cached=False)
        texts = [n.text for n in queries.needs]
        rows[name] = {}
        for label, path in graphs.items():
            options = ort.SessionOptions()
            options.intra_op_num_threads = options.inter_op_num_threads = 1
            encoder.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            started = time.perf_counter()
            vectors = encoder.encode_queries(texts)
            ms = (time.perf_counter() - started) * 1000 / len(texts)
            scores = _dense_ndcg(searcher, queries, vectors, qrels, condensed=judged_set(name).condensed)
            rows[name][label] = {"ndcg@10": scores, "ms_a_query": round(ms, 2)}
            print(f"{name} {label}: {scores} {ms:.1f} ms a query", file=sys.stderr)
        encoder.session = fp32_session
        engine.close()
    worst = {
        label: max(
            abs(r[label]["ndcg@10"][s] - r["fp32"]["ndcg@10"][s])
            for r in rows.values()
            for s in r["fp32"]["ndcg@10"]
        )
        for label in graphs
        if label != "fp32"
    }
    return {"sets": rows, "max_abs_diff_by_layers": worst}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "what", choices=["quality", "throughput", "latency", "encode", "dense", "trees", "int8"]
    )
    parser.add_argument("--set", default="dev", choices=sorted(JUDGED_SETS), help="quality: the judged set")
    parser.add_argument(
        "--sets", nargs="*", help="dense, trees: these judged sets (default: all of JUDGED_SETS)"
    )
    parser.add_argument("--layers", nargs="*", default=["0-11"], help="int8: layer ranges to quantize")
    parser.add_argument("--encoder", default="e5-small")
    parser.add_argument("--ranker", default="weights")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="throughput: only the first N product texts")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--index-kind", default="auto", choices=["auto", "flat", "hnsw"])
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(".matching-bench"),
        help="data home for the run (demo data is imported; the converted model is kept)",
    )
    args = parser.parse_args()
    modes = {
        "quality": quality,
        "throughput": throughput,
        "latency": latency,
        "encode": encode,
        "dense": dense,
        "trees": trees,
        "int8": int8,
    }
    result = modes[args.what](args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
