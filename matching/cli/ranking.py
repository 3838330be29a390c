"""Ranking commands of the ``matching`` CLI: index, search, rank, evaluate (registered on ``cli.app``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from matching.app.engine import Engine
from matching.cli.main import HomeOption, _engine, _errors, _progress, app, err, out
from matching.ranking.explanations import Explanation

__all__ = ["print_matches"]


def print_matches(results: list[Explanation], *, lang: str = "en", limit_products: int = 2) -> None:
    if not results:
        out.print("no matching IKM")
        return
    for rank, x in enumerate(results, start=1):
        products = "; ".join(p["name"] for p in x.products[:limit_products])
        out.print(f"[bold]{rank:>2}. {x.ikm_name}[/] ({x.ikm_id}, {x.province})  score {x.score:.3f}")
        out.print(f"    [dim]products:[/] {products}", highlight=False)
        why = x.summary(lang)
        if why:
            out.print(f"    [dim]why:[/] {why}", highlight=False)


def _ensure_index(engine: Engine) -> None:
    """Embed what is new or changed before ranking, with a progress bar (a no-op when up to date)."""
    with _progress("embedding new or changed products") as (advance, set_total):
        engine.index(progress=advance, on_total=set_total)


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-embed every product.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """Embed new or changed products and update the search index (only what changed is embedded)."""
    engine = _engine(home)
    try:
        with _errors(), _progress("embedding products") as (advance, set_total):
            report = engine.index(rebuild=rebuild, progress=advance, on_total=set_total)
    finally:
        engine.close()
    if json_output:
        out.print_json(data=report.as_dict())
    else:
        out.print(
            f"index: {report.products} products ({report.backend}), {report.embedded} embedded, "
            f"{report.upserted} added/changed, {report.deleted} deleted, {report.unchanged} unchanged, "
            f"{report.seconds:.1f} s; model {report.model_id}"
        )


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="What the buyer needs, in English or Indonesian.")],
    quantity: Annotated[int | None, typer.Option(help="Quantity per month.", min=0)] = None,
    cert: Annotated[
        list[str] | None, typer.Option("--cert", help="Required certificate (repeatable).")
    ] = None,
    province: Annotated[
        list[str] | None, typer.Option("--province", help="Preferred province (repeatable).")
    ] = None,
    max_price: Annotated[int | None, typer.Option(help="Maximum unit price in rupiah.", min=0)] = None,
    deadline: Annotated[int | None, typer.Option(help="Deadline in days.", min=0)] = None,
    top: Annotated[int, typer.Option("--top", "-k", help="How many IKMs.", min=1, max=1000)] = 10,
    lang: Annotated[str, typer.Option(help="Language of the explanations: en or id.")] = "en",
    json_output: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """Rank IKMs for a free-text requirement plus structured filters, with the reasons why."""
    engine = _engine(home)
    try:
        with _errors():
            _ensure_index(engine)
            results = engine.search(
                text,
                k=top,
                quantity=quantity,
                certifications=cert or None,
                provinces=province or None,
                max_unit_price_idr=max_price,
                deadline_days=deadline,
            )
    finally:
        engine.close()
    if json_output:
        out.print_json(
            data={"query": text, "ranker": engine.ranker_version, "data": [x.to_dict() for x in results]}
        )
    else:
        print_matches(results, lang=lang)


def _rows(results: dict[str, list[Explanation]]) -> list[dict[str, Any]]:
    return [
        {
            "buyer_id": b,
            "rank": r,
            "ikm_id": x.ikm_id,
            "ikm_name": x.ikm_name,
            "score": round(x.score, 6),
            "reason": x.summary("en"),
        }
        for b, xs in results.items()
        for r, x in enumerate(xs, start=1)
    ]


@app.command()
def rank(
    buyers: Annotated[Path, typer.Option(help="Buyers CSV/XLSX (need not be in the store).", exists=True)],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the ranking.", dir_okay=False)],
    top: Annotated[int, typer.Option("--top", "-k", help="IKMs per buyer.", min=1, max=1000)] = 10,
    fmt: Annotated[str, typer.Option("--format", help="trec, csv or json.")] = "trec",
    tag: Annotated[str, typer.Option(help="Run tag (last TREC column).")] = "matching",
    home: HomeOption = None,
) -> None:
    """Rank IKMs for every buyer in a file; TREC lines are `qid Q0 docno rank score tag`."""
    if fmt not in {"trec", "csv", "json"}:
        err.print(f"[bold red]error:[/] --format must be trec, csv or json, not {fmt!r}")
        raise typer.Exit(2)
    engine = _engine(home)
    try:
        with _errors():
            records = engine.read_buyers(buyers)
            _ensure_index(engine)
            results = engine.rank_buyers(records, k=top)
    finally:
        engine.close()
    if fmt == "trec":
        from matching.learning.metrics import write_run

        write_run({b: [(x.ikm_id, x.score) for x in xs] for b, xs in results.items()}, out_file, tag=tag)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=["buyer_id", "rank", "ikm_id", "ikm_name", "score", "reason"]
        )
        writer.writeheader()
        writer.writerows(_rows(results))
        out_file.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        data = {b: [x.to_dict() for x in xs] for b, xs in results.items()}
        out_file.write_text(
            json.dumps(
                {"ranker": engine.ranker_version, "data": data}, ensure_ascii=False, indent=1, default=str
            ),
            encoding="utf-8",
        )
    err.print(f"wrote {sum(len(x) for x in results.values())} rows for {len(results)} buyers to {out_file}")


@app.command()
def evaluate(
    buyers: Annotated[Path, typer.Option(help="Buyers CSV/XLSX.", exists=True)],
    qrels: Annotated[Path, typer.Option(help="TREC qrels: `qid 0 docno grade`.", exists=True)],
    top: Annotated[int, typer.Option("--top", "-k", help="Cut-off k.", min=1)] = 10,
    json_output: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """nDCG@10, MRR@10 and recall@10 of the engine beside BM25-only and dense-only, by query language."""
    from matching.learning.baselines import evaluate_systems, metrics_table, system_runs
    from matching.learning.metrics import read_qrels

    engine = _engine(home)
    try:
        with _errors():
            records = engine.read_buyers(buyers)
            judged = read_qrels(qrels)
            _ensure_index(engine)
            with _progress("ranking buyers") as (advance, set_total):
                set_total(len(records))
                runs = system_runs(
                    engine.searcher(),
                    engine.encode_buyers(records, cached=False),
                    k=top,
                    progress=advance,
                )
            rows = metrics_table(evaluate_systems(runs, judged, k=top))
    finally:
        engine.close()
    if json_output:
        out.print_json(
            data={"ranker": engine.ranker_version, "encoder": engine.settings.encoder, "rows": rows}
        )
        return
    table = Table(title=f"Ranking quality at {top} (ranker: {engine.ranker_version})")
    for column in ("system", "split", "queries", f"nDCG@{top}", f"MRR@{top}", f"recall@{top}"):
        table.add_column(column, justify="left" if column in {"system", "split"} else "right")
    for row in rows:
        table.add_row(
            row["system"],
            row["split"],
            str(row["queries"]),
            f"{row['ndcg@10']:.3f}",
            f"{row['mrr@10']:.3f}",
            f"{row['recall@10']:.3f}",
        )
    out.print(table)


_CARD = """# {name}: learned IKM ranker

Gradient-boosted trees (scikit-learn `HistGradientBoostingRegressor`, pointwise on the relevance grade) over
the {n_features} named features of `matching.ranking.features` (semantic score, BM25, lexicon attribute
matches,
constraint satisfaction, OVOP stars, export experience).

- **Data**: {n_buyers} buyers: {data}; {n_rows} (buyer, IKM) rows = the engine's own candidates per
  judged buyer (unjudged = grade 0); a buyer known only from meetings keeps only the pairs that met.
  The bundled dev sets are synthetic: generated by `scripts/generate_demo_data.py` and
  `scripts/generate_dev2.py` with their labelling rule in `matching/data/dev/README.md`.
- **Encoder** for the semantic features: `{encoder}`.
- **Code version**: `{code}`; trained {date}; scikit-learn {sklearn}.
- **Hyperparameters** (grid search by grouped-CV nDCG@10): `{params}`.
- **Metrics** (out-of-fold, {folds}-fold CV grouped by buyer; no buyer in both train and test):

| split | nDCG@10 | MRR@10 | recall@10 | buyers |
|---|---|---|---|---|
{rows}

  Hand-set weights (`WeightedRanker`, the fallback) on the same candidates: nDCG@10 {weights_ndcg:.3f}.
- **Languages**: buyer requirements in English and Indonesian; product texts mostly Indonesian.
- **Known limits**: trained on synthetic data whose vocabulary and label rule the features mirror closely, so
  the CV figures overstate quality on real events; retrain from meeting outcomes. Depends on the lexicon for
  material and product-type matches: a material missing from `matching/resources/lexicon.tsv` is seen only
  through the dense and BM25 scores.
"""


@app.command()
def train(
    name: Annotated[str, typer.Option(help="Model folder name under the models dir, e.g. ranker-v2.")],
    buyers: Annotated[
        Path | None,
        typer.Option(help="Buyers CSV/XLSX with judged requirements (with --qrels).", exists=True),
    ] = None,
    qrels: Annotated[Path | None, typer.Option(help="TREC qrels with grades 0-3.", exists=True)] = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds (grouped by buyer).", min=2)] = 5,
    seed: Annotated[int, typer.Option(help="random_state of the trees.")] = 0,
    use_outcomes: Annotated[
        bool,
        typer.Option(
            "--outcomes/--no-outcomes",
            help="Add the meeting outcomes recorded in the store (they win over the qrels for their pairs).",
        ),
    ] = False,
    home: HomeOption = None,
) -> None:
    """Fit the learned ranker (grouped CV + small grid search) and save it with a model card."""
    import sklearn

    from matching.learning.metrics import read_qrels
    from matching.learning.training import (
        code_version,
        cross_validate,
        file_sha256,
        fit_ranker,
        today,
        training_set,
    )
    from matching.ranking.model_registry import save_ranker

    engine = _engine(home)
    try:
        with _errors():
            if (buyers is None) != (qrels is None):
                raise typer.BadParameter("--buyers and --qrels go together (the qrels judge those buyers)")
            if qrels is None and not use_outcomes:
                raise typer.BadParameter("nothing to learn from: give --buyers and --qrels, or --outcomes")
            records = engine.read_buyers(buyers) if buyers is not None else []
            judged = read_qrels(qrels) if qrels is not None else {}
            partial: set[str] = set()  # buyers judged only where they met an IKM
            labels: dict[str, dict[str, int]] = {}  # buyer -> IKM it met -> grade
            outcome_counts = {"outcomes": 0, "labelled": 0, "events": 0}
            if use_outcomes:
                from matching.learning.outcomes import merge_labels, outcome_labels

                stored = engine.events.all_outcomes()
                labels = outcome_labels(stored)
                if not labels:
                    raise typer.BadParameter("--outcomes: the store holds no rated meeting outcome")
                partial = set(labels) - set(judged)
                judged = merge_labels(judged, labels)
                known = {b.buyer_id for b in records}
                records += [
                    b for b in engine.store.buyers() if b.buyer_id in labels and b.buyer_id not in known
                ]
                outcome_counts = {
                    "outcomes": len(stored),
                    "labelled": sum(len(g) for g in labels.values()),
                    "events": len({o.event_id for o in stored}),
                }
            _ensure_index(engine)
            with _progress("building training rows") as (advance, set_total):
                set_total(len(records))
                data = training_set(
                    engine.searcher(),
                    engine.encode_buyers(records, cached=False),
                    judged,
                    progress=advance,
                    partial=partial,
                    extra=labels,
                )
            ranker, best, grid = fit_ranker(data, judged, random_state=seed, n_splits=folds)
            from matching.ranking.model_registry import resolve_ranker

            weights, _ = resolve_ranker("weights", engine.settings.models_dir)
            weights_cv = cross_validate(weights, data, judged, n_splits=folds)
            directory = engine.settings.models_dir / name
            from matching.ranking.features import FEATURE_NAMES

            config = {
                "name": name,
                "kind": "LearnedRanker",
                "params": best["params"],
                "features": list(FEATURE_NAMES),
                "encoder": engine.encoder.model_id,
                "code_version": code_version(),
                "trained": today(),
                "sklearn": sklearn.__version__,
                "buyers_file": buyers.name if buyers else None,
                "qrels_file": qrels.name if qrels else None,
                "qrels_sha256": file_sha256(qrels) if qrels else None,
                "rows": len(data.y),
                "training_data": " + ".join(
                    ([qrels.name] if qrels else []) + (["meeting outcomes"] if use_outcomes else [])
                ),
                "meeting_outcomes": outcome_counts,
                "seed": seed,
                "folds": folds,
            }
            metrics = {
                "cv": {s: best[s] for s in ("all", "en", "id")},
                "folds_ndcg@10": best["folds_ndcg@10"],
                "weights_baseline": {s: weights_cv[s] for s in ("all", "en", "id")},
                "grid": grid,
            }
            rows = "\n".join(
                f"| {s} | {best[s]['ndcg@10']:.3f} | {best[s]['mrr@10']:.3f} | {best[s]['recall@10']:.3f} | "
                f"{best[s]['queries']} |"
                for s in ("all", "en", "id")
            )
            card = _CARD.format(
                name=name,
                n_features=len(FEATURE_NAMES),
                n_buyers=len(records),
                data="; ".join(
                    (
                        [
                            f"graded labels from `{qrels.name}` (sha256 `{config['qrels_sha256'][:16]}`), "
                            f"buyers from `{buyers.name}`"
                        ]
                        if qrels and buyers
                        else []
                    )
                    + (
                        [
                            f"{outcome_counts['labelled']} labelled meeting outcomes from "
                            f"{outcome_counts['events']} event(s) (mapping in "
                            "`matching/learning/outcomes.py`; "
                            "they win over the qrels for their pairs)"
                        ]
                        if use_outcomes
                        else []
                    )
                ),
                n_rows=len(data.y),
                encoder=config["encoder"],
                code=config["code_version"],
                date=config["trained"],
                sklearn=sklearn.__version__,
                params=best["params"],
                folds=folds,
                rows=rows,
                weights_ndcg=weights_cv["all"]["ndcg@10"],
            )
            save_ranker(ranker, directory, config=config, metrics=metrics, card=card)
    finally:
        engine.close()
    out.print(
        f"saved {directory}: CV nDCG@10 {best['all']['ndcg@10']:.3f} "
        f"(weights {weights_cv['all']['ndcg@10']:.3f})"
    )
