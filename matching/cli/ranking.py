"""Ranking commands of the ``matching`` CLI: ``index``, ``search``, ``rank`` and ``evaluate``.

``rank`` writes a TREC run (``qid Q0 docno rank score tag``), CSV or JSON; ``evaluate`` prints nDCG, MRR and
recall of the engine beside BM25-only and dense-only retrieval, by query language.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from matching.app.engine import Engine
from matching.cli._app import (
    HomeOption,
    app,
    ensure_index,
    err,
    errors,
    open_engine,
    out,
    print_matches,
    progress,
    settings_for,
)
from matching.common.spreadsheet import csv_text
from matching.learning.baselines import evaluate_systems, metrics_table, system_runs
from matching.learning.judged_sets import JUDGED_SETS, judged_set
from matching.learning.metrics import read_qrels, write_run
from matching.ranking.explanations import Explanation

__all__ = ["evaluate", "index", "rank", "search"]


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-embed every product.")] = False,
    ray: Annotated[
        bool,
        typer.Option(
            "--ray",
            help="Embed on Ray: the cluster --ray-address or $RAY_ADDRESS names, else a Ray instance started "
            "on this machine for the run (default: MATCHING_RAY, else in this process).",
        ),
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address", metavar="ADDRESS", help="The Ray cluster: auto, host:6379 or ray://host:10001."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """Embed new or changed products and update the search index (only what changed is embedded)."""
    engine = open_engine(home)
    try:
        with errors(), progress("embedding products") as (advance, set_total):
            where = ray_address or ("local" if ray else None)
            report = engine.index(rebuild=rebuild, ray=where, progress=advance, on_total=set_total)
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
    engine = open_engine(home)
    try:
        with errors():
            ensure_index(engine)
            results = engine.search(
                text,
                k=top,
                quantity=quantity,
                certifications=cert or None,
                provinces=province or None,
                max_unit_price_idr=max_price,
                deadline_days=deadline,
            )
            notice = engine.search_notice()
    finally:
        engine.close()
    if notice:
        err.print(f"[yellow]notice:[/] {notice}", highlight=False)
    if json_output:
        data = {"query": text, "ranker": engine.ranker_version, "data": [x.to_dict() for x in results]}
        out.print_json(data=data | ({"notice": notice} if notice else {}))
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
    engine = open_engine(home)
    try:
        with errors():
            records = engine.read_buyers(buyers)
            ensure_index(engine)
            results = engine.rank_buyers(records, k=top)
            notice = engine.search_notice()
    finally:
        engine.close()
    if notice:
        err.print(f"[yellow]notice:[/] {notice}", highlight=False)
    if fmt == "trec":
        write_run({b: [(x.ikm_id, x.score) for x in xs] for b, xs in results.items()}, out_file, tag=tag)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=["buyer_id", "rank", "ikm_id", "ikm_name", "score", "reason"]
        )
        writer.writeheader()
        writer.writerows(
            {k: csv_text(v) if isinstance(v, str) else v for k, v in row.items()} for row in _rows(results)
        )
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


def _judged_set_engine(name: str, home: Path | None) -> tuple[Engine, Path, Path, bool]:
    """An engine with judged set ``name``'s catalogue imported into its own data home
    (``<home>/judged-sets/<name>``, beside the user's store, never in it), its buyers file, its qrels file
    and whether its lists are scored condensed. The encoder, ranker and models are the home's."""
    files = judged_set(name)
    base = settings_for(home)
    settings = base.model_copy(update={"home": base.home / "judged-sets" / name, "database_url": None})
    engine = Engine(settings)
    engine.import_files([files.catalogue / "ikms.csv", files.catalogue / "products.csv", files.buyers])
    return engine, files.buyers, files.qrels, files.condensed


@app.command()
def evaluate(
    buyers: Annotated[
        Path | None, typer.Option(help="Buyers CSV/XLSX (or --set).", exists=True, dir_okay=False)
    ] = None,
    qrels: Annotated[
        Path | None, typer.Option(help="TREC qrels: `qid 0 docno grade` (or --set).", exists=True)
    ] = None,
    judged: Annotated[
        str | None,
        typer.Option(
            "--set",
            help=f"A bundled judged set ({', '.join(JUDGED_SETS)}) instead of --buyers/--qrels: its "
            "catalogue is imported into <home>/judged-sets/<name>, never into the home's own store.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-k", help="Cut-off k.", min=1)] = 10,
    json_output: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """nDCG@10, MRR@10 and recall@10 of the engine beside BM25-only and dense-only, by query language."""
    if judged is not None and (buyers is not None or qrels is not None):
        err.print("[bold red]error:[/] give either --set or --buyers with --qrels, not both")
        raise typer.Exit(2)
    condensed = False
    if judged is not None:
        with errors():
            engine, buyers_file, qrels_file, condensed = _judged_set_engine(judged, home)
    elif buyers is not None and qrels is not None:
        engine, buyers_file, qrels_file = open_engine(home), buyers, qrels
    else:
        err.print("[bold red]error:[/] give --set, or --buyers with --qrels")
        raise typer.Exit(2)
    try:
        with errors():
            records = engine.read_buyers(buyers_file)
            grades = read_qrels(qrels_file)
            ensure_index(engine)
            with progress("ranking buyers") as (advance, set_total):
                set_total(len(records))
                runs = system_runs(
                    engine.searcher(),
                    engine.encode_buyers(records, cached=False),
                    k=top * 10 if condensed else top,  # condensed lists drop unjudged items before the cut
                    progress=advance,
                )
            rows = metrics_table(evaluate_systems(runs, grades, k=top, condensed=condensed))
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
