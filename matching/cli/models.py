"""Model commands of the ``matching`` CLI: ``matching models list|use|compare`` and ``matching train``.

``train`` fits the learned ranker and saves it as a new model version (``matching.app.training``); the
``models`` group lists the versions, chooses the one to rank with and compares two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from matching.app.engine import demo_data_dir
from matching.app.ranker_selection import select_ranker
from matching.app.training import train_ranker
from matching.cli._app import (
    DEV_QRELS,
    HomeOption,
    app,
    ensure_index,
    err,
    errors,
    open_engine,
    out,
    progress,
    settings_for,
)
from matching.learning.baselines import compare_models
from matching.learning.metrics import read_qrels
from matching.ranking.model_registry import model_info

__all__ = ["compare", "list_models", "models_app", "train", "use_model"]

models_app = typer.Typer(help="Model versions: list them, choose one, compare two.", no_args_is_help=True)


@models_app.command("list")
def list_models(home: HomeOption = None) -> None:
    """Every model version with its cross-validated metrics; the one in use is marked."""
    engine = open_engine(home)
    try:
        with errors():
            rows = model_info(engine.settings.models_dir)
            spec = engine.ranker_spec()
            in_use = engine.resolve_ranker(spec)[1]
    finally:
        engine.close()
    table = Table("", "model", "trained", "cv nDCG@10", "en", "id", "code version")
    for row in rows:
        cv = row["metrics"]

        def cell(split: str, cv: dict[str, Any] = cv) -> str:
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
    engine = open_engine(home)
    try:
        with errors():
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
    engine = open_engine(home)
    try:
        with errors():
            records = engine.read_buyers(buyers)
            judged = read_qrels(qrels)
            ensure_index(engine)
            results = compare_models(
                engine.searcher(),
                engine.encode_buyers(records, cached=False),
                [first, second],
                judged,
                engine.settings.models_dir,
                encoders=engine.ranker_encoders(),
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


@app.command()
def train(
    name: Annotated[
        str | None,
        typer.Option(help="Model folder name under the models dir, e.g. ranker-v2 (--loso: the next one)."),
    ] = None,
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
    loso: Annotated[
        bool,
        typer.Option(
            "--loso",
            help="Choose among the hand-set weights and the learned-ranker grid by leave-one-set-out over "
            "every judged set (or --set), retrain the winner on all of them and save it with its card.",
        ),
    ] = False,
    judged: Annotated[
        list[str] | None,
        typer.Option("--set", help="With --loso: a judged set (repeatable; default every registered one)."),
    ] = None,
    homes: Annotated[
        Path | None,
        typer.Option(help="With --loso: data homes, one per set (default <home>/judged-sets; reused)."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Fit the learned ranker (grouped CV + small grid search) and save it with a model card; with --loso,
    choose it by leave-one-set-out over the judged sets."""
    if loso:
        if buyers is not None or qrels is not None or use_outcomes:
            raise typer.BadParameter(
                "--loso learns from the judged sets; leave out --buyers, --qrels, --outcomes"
            )
        _train_loso(name, judged, homes, seed, home)
        return
    if name is None:
        raise typer.BadParameter("give --name (e.g. ranker-v2)")
    if (buyers is None) != (qrels is None):
        raise typer.BadParameter("--buyers and --qrels go together (the qrels judge those buyers)")
    if qrels is None and not use_outcomes:
        raise typer.BadParameter("nothing to learn from: give --buyers and --qrels, or --outcomes")
    engine = open_engine(home)
    try:
        with errors():
            result = train_ranker(
                engine,
                name,
                buyers=buyers,
                qrels=qrels,
                use_outcomes=use_outcomes,
                folds=folds,
                seed=seed,
                stage=progress,
            )
    finally:
        engine.close()
    out.print(
        f"saved {result.directory}: CV nDCG@10 {result.cv_ndcg:.3f} (weights {result.weights_ndcg:.3f})"
    )


def _train_loso(
    name: str | None, sets: list[str] | None, homes: Path | None, seed: int, home: Path | None
) -> None:
    settings = settings_for(home)  # no store needed: each set is imported into its own home
    with errors():
        result = select_ranker(
            settings,
            name,
            sets=sets,
            homes=homes,
            seed=seed,
            stage=progress,
            log=lambda line: err.print(line, highlight=False),
        )
    summary = result.metrics["summary"]
    sets_done = list(result.config["judged_sets"])
    table = Table(title="Held-out nDCG@10 (leave one set out)")
    for column in ("candidate", *sets_done, "mean", "worst"):
        table.add_column(column, justify="left" if column == "candidate" else "right")
    for candidate, row in summary.items():
        mark = " *" if candidate == result.selected else ""
        table.add_row(
            candidate + mark,
            *(f"{row['sets'][s]:.3f}" for s in sets_done),
            f"{row['mean']:.3f}",
            f"{row['worst']:.3f}",
        )
    ceilings = [result.metrics["ceiling"][s]["all"]["ndcg@10"] for s in sets_done]
    table.add_row(
        "ceiling",
        *(f"{v:.3f}" for v in ceilings),
        f"{sum(ceilings) / len(ceilings):.3f}",
        f"{min(ceilings):.3f}",
    )
    out.print(table)
    if result.default_is_weights:
        out.print(
            f"chosen: the hand-set weights, the default stays `weights`; saved {result.directory} "
            "(the weights themselves, with the card)"
        )
    else:
        out.print(
            f"chosen: {result.selected}; saved {result.directory} (retrained on every set); "
            f"rank with it: matching models use {result.directory.name}"
        )
