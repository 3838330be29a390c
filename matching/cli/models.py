"""Model commands of the ``matching`` CLI: ``matching models list|use|compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from matching.app.engine import demo_data_dir
from matching.cli.main import HomeOption, _engine, _errors, app, out

__all__ = ["models_app"]

models_app = typer.Typer(help="Model versions: list them, choose one, compare two.", no_args_is_help=True)
app.add_typer(models_app, name="models")

DEV_QRELS = demo_data_dir().parent / "dev" / "qrels.txt"


@models_app.command("list")
def list_models(home: HomeOption = None) -> None:
    """Every model version with its cross-validated metrics; the one in use is marked."""
    from matching.ranking.model_registry import model_info

    engine = _engine(home)
    try:
        with _errors():
            rows = model_info(engine.settings.models_dir)
            spec = engine.ranker_spec()
            from matching.ranking.model_registry import resolve_ranker

            in_use = resolve_ranker(spec, engine.settings.models_dir)[1]
    finally:
        engine.close()
    table = Table("", "model", "trained", "cv nDCG@10", "en", "id", "code version")
    for row in rows:
        cv = row["metrics"]

        def cell(split: str, cv: dict = cv) -> str:
            return f"{cv[split]['ndcg@10']:.3f}" if split in cv else ""

        table.add_row(
            "*" if row["name"] == in_use else "",
            row["name"],
            row["trained"],
            cell("all"),
            cell("en"),
            cell("id"),
            row["code_version"],
        )
    out.print(table)
    how = "chosen with `matching models use`" if spec != "auto" else "hand-set weights: none chosen yet"
    out.print(f"* in use ({how})")


@models_app.command("use")
def use_model(
    name: Annotated[
        str,
        typer.Argument(help="A model folder (e.g. ranker-v2), `weights`, or `newest` (follow new ones)."),
    ],
    home: HomeOption = None,
) -> None:
    """Rank with this model from now on; a running service switches at its next search (no restart)."""
    engine = _engine(home)
    try:
        with _errors():
            version = engine.use_model(name)
    finally:
        engine.close()
    out.print(f"ranking with {version} (data home {engine.settings.home})")


@models_app.command("compare")
def compare(
    first: Annotated[str, typer.Argument(help="A model version (folder name or `weights`).")],
    second: Annotated[str, typer.Argument(help="Another model version.")],
    buyers: Annotated[
        Path, typer.Option(help="Judged buyers (CSV/XLSX).", exists=True, dir_okay=False)
    ] = demo_data_dir() / "buyers.csv",
    qrels: Annotated[
        Path, typer.Option(help="TREC qrels, grades 0-3.", exists=True, dir_okay=False)
    ] = DEV_QRELS,
    home: HomeOption = None,
) -> None:
    """Both versions rank the same buyers over the same index; their metrics side by side."""
    from matching.cli.ranking import _ensure_index
    from matching.learning.baselines import compare_models
    from matching.learning.metrics import read_qrels

    engine = _engine(home)
    try:
        with _errors():
            records = engine.read_buyers(buyers)
            judged = read_qrels(qrels)
            _ensure_index(engine)
            results = compare_models(
                engine.searcher(),
                engine.encode_buyers(records, cached=False),
                [first, second],
                judged,
                engine.settings.models_dir,
            )
    finally:
        engine.close()
    table = Table(title=f"{first} vs {second} on {buyers.name} / {qrels.name}")
    for column in ("split", "metric", first, second, "difference"):
        table.add_column(column, justify="left" if column in ("split", "metric") else "right")
    for split in ("all", "en", "id"):
        a, b = results[first][split].as_dict(), results[second][split].as_dict()
        for metric in ("ndcg@10", "mrr@10", "recall@10"):
            table.add_row(
                split, metric, f"{a[metric]:.3f}", f"{b[metric]:.3f}", f"{b[metric] - a[metric]:+.3f}"
            )
        table.add_row(split, "queries", str(a["queries"]), str(b["queries"]), "", end_section=True)
    out.print(table)
