"""The ``matching`` command line.

Exit codes: 0 success; 1 validation failure (rows rejected) or another engine error; 2 usage error
(bad option, missing file).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matching.app.engine import Engine, demo_data_dir
from matching.catalogue.ingest import ImportReport
from matching.catalogue.schema import Entity
from matching.config import Settings
from matching.errors import ConfigError, MatchingError, ValidationFailed

__all__ = ["app", "main"]

app = typer.Typer(
    name="matching",
    help="Buyer-IKM business-matching engine: import catalogues, rank IKMs for buyers, plan meetings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Data home (database, caches). Default: $MATCHING_HOME, else ~/.local/share/ikm-matching.",
        file_okay=False,
    ),
]


def _engine(home: Path | None) -> Engine:
    settings = Settings(home=home) if home is not None else Settings()
    return Engine(settings)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn engine errors into messages and exit codes instead of tracebacks."""
    try:
        yield
    except ValidationFailed as exc:
        _print_report(exc.report)
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except MatchingError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc


@contextmanager
def _progress(label: str) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """A progress bar on stderr (hidden when stderr is not a terminal); yields (advance, set_total)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield (lambda n: progress.advance(task, n)), (lambda total: progress.update(task, total=total))


def _print_report(report: ImportReport, *, limit: int = 200) -> None:
    table = Table(title="Import" + (" (dry run: nothing written)" if report.dry_run else ""))
    for column in ("entity", "created", "updated", "unchanged", "rejected rows"):
        table.add_column(column, justify="right" if column != "entity" else "left")
    for entity, counts in report.counts.items():
        table.add_row(
            entity.value,
            str(counts.created),
            str(counts.updated),
            str(counts.unchanged),
            str(counts.rejected),
        )
    out.print(table)
    for issue in report.issues[:limit]:
        style = "red" if issue.severity == "error" else "yellow"
        err.print(f"[{style}]{issue.severity}[/]: {issue}", markup=True, highlight=False, soft_wrap=True)
    if len(report.issues) > limit:
        err.print(f"... and {len(report.issues) - limit} more; use --report FILE for the full list")


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")] = False,
) -> None:
    """Buyer-IKM business-matching engine."""
    _STATE["debug"] = debug


_STATE: dict[str, Any] = {"debug": False}


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="CSV/XLSX files or folders of them.", exists=True)],
    kind: Annotated[
        Entity | None, typer.Option(help="What the files hold, when their names and headers do not say.")
    ] = None,
    keep_valid: Annotated[
        bool, typer.Option("--keep-valid", help="Write the valid rows even when others are rejected.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count; write nothing.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write every problem found to this CSV file.", dir_okay=False)
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """Import IKMs, products and buyers; all-or-nothing unless --keep-valid. Exit 1 if any row is invalid."""
    engine = _engine(home)
    result: ImportReport | None = None
    try:
        with _errors():
            try:
                with _progress("validating rows") as (advance, set_total):
                    result = engine.import_files(
                        paths,
                        kind=kind,
                        keep_valid=keep_valid,
                        dry_run=dry_run,
                        progress=advance,
                        on_total=set_total,
                    )
            except ValidationFailed as exc:
                result = exc.report
                if json_output:
                    out.print_json(data=result.to_dict())
                    raise typer.Exit(1) from exc
                raise
    finally:
        if report is not None and result is not None:
            report.write_text(result.to_csv(), encoding="utf-8")
            err.print(f"problems written to {report}")
        engine.close()
    assert result is not None
    if json_output:
        out.print_json(data=result.to_dict())
    else:
        _print_report(result)
    if result.errors:
        raise typer.Exit(1)


@app.command()
def template(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the templates into.")] = Path(
        "templates"
    ),
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or both.")] = "both",
) -> None:
    """Write blank import templates (canonical headers and one example row) as CSV and XLSX."""
    formats = {"csv": ("csv",), "xlsx": ("xlsx",), "both": ("csv", "xlsx")}.get(fmt)
    if formats is None:
        err.print(f"[bold red]error:[/] --format must be csv, xlsx or both, not {fmt!r}")
        raise typer.Exit(2)
    from matching.catalogue.templates import write_templates

    for path in write_templates(out_dir, formats=formats):
        out.print(f"wrote {path}")


def _print_stats(stats: dict[str, Any]) -> None:
    out.print(
        f"[bold]{stats['ikms']}[/] IKMs, [bold]{stats['products']}[/] products, "
        f"[bold]{stats['buyers']}[/] buyers"
    )
    for key, title in (
        ("ikms_by_province", "IKMs by province"),
        ("products_by_material", "Products by material"),
        ("ikms_by_stars", "IKMs by OVOP stars"),
        ("buyers_by_country", "Buyers by country"),
    ):
        table = Table(title=title)
        table.add_column(title.split(" by ")[1])
        table.add_column("count", justify="right")
        for name, count in stats[key].items():
            table.add_row(str(name), str(count))
        out.print(table)


@app.command()
def stats(
    json_output: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    home: HomeOption = None,
) -> None:
    """Counts of the catalogue by province, material and OVOP stars."""
    engine = _engine(home)
    try:
        with _errors():
            data = engine.stats()
    finally:
        engine.close()
    if json_output:
        out.print_json(data=data)
    else:
        _print_stats(data)


@app.command()
def demo(
    matches: Annotated[int, typer.Option(help="Show top matches for this many demo buyers (0: none).")] = 4,
    event_out: Annotated[
        Path | None,
        typer.Option("--event-out", help="Plan the demo event and write its exports here.", file_okay=False),
    ] = Path("demo-output"),
    plan_event: Annotated[bool, typer.Option("--event/--no-event", help="Plan the demo event.")] = True,
    home: HomeOption = None,
) -> None:
    """Import the demo catalogue, summarise and index it, show matches, plan the demo event and export it."""
    engine = _engine(home)
    try:
        with _errors():
            out.print(f"[bold]Demo data[/] from {demo_data_dir()}")
            out.print(f"Database: {engine.store.safe_url}")
            with _progress("importing demo data") as (advance, set_total):
                report = engine.import_demo(progress=advance, on_total=set_total)
            _print_report(report)
            _print_stats(engine.stats())
            if matches:
                _demo_matches(engine, matches)
            if plan_event and event_out is not None:
                _demo_event(engine, event_out)
    finally:
        engine.close()
    where = f" --home {engine.settings.home}"
    out.print(
        "\n[bold]Next[/]: open the web pages and the API on this data with\n"
        f"  .venv/bin/matching keys create --role organiser --name desk{where}   # prints a key to log in\n"
        f"  .venv/bin/matching serve{where}   # then open http://127.0.0.1:8000/",
        highlight=False,
    )


def _demo_event(engine: Engine, out_dir: Path) -> None:
    """Plan the bundled demo event (``matching/data/demo/event.yaml``) and write every export."""
    from matching.app.planning import plan_event, write_exports
    from matching.events.model import load_event

    event = load_event(demo_data_dir() / "event.yaml")
    out.print(f"\n[bold]Demo event[/]: {event.name}")
    with _progress("choosing and scheduling meetings") as (_advance, _total):
        plan = plan_event(event, engine, engine.participants(), time_limit=5)
    written = write_exports(plan, out_dir)
    summary = plan.summary()
    out.print(
        f"{summary['scheduled']} meetings in {summary['slots']} slots x {summary['tables']} tables for "
        f"{summary['buyers']} buyers and {summary['ikms']} IKMs; gap to the LP bound {summary['gap']:.2%}; "
        f"{len(summary['violations'])} violations; {len(written)} files in {out_dir}/ "
        "(meetings.csv, master-grid.xlsx, agendas-id.pdf, agendas/*.txt, calendars/*.ics ...)"
    )


def _demo_matches(engine: Engine, count: int) -> None:
    """Index the demo catalogue and show the top matches, with reasons, for a few demo buyers."""
    from matching.cli.ranking import print_matches
    from matching.learning.baselines import buyer_language

    out.print(f"\n[bold]Search index[/] (encoder {engine.settings.encoder})")
    with _progress("embedding products") as (advance, set_total):
        index_report = engine.index(progress=advance, on_total=set_total)
    out.print(
        f"{index_report.products} products indexed, {index_report.embedded} embedded now, "
        f"{index_report.seconds:.1f} s"
    )
    buyers = engine.store.buyers()
    picked = [b for lang in ("en", "id") for b in buyers if buyer_language(b) == lang][: count * 20 : 20]
    picked = sorted(picked, key=lambda b: buyer_language(b))[:count]
    results = engine.rank_buyers(picked, k=3)
    for buyer in picked:
        lang = buyer_language(buyer)
        out.print(
            f"\n[bold cyan]{buyer.buyer_id} {buyer.company}[/] ({buyer.country}): {buyer.requirement}",
            highlight=False,
        )
        print_matches(results[buyer.buyer_id], lang=lang)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except Exception as exc:  # last resort: a message, not a traceback
        if _STATE.get("debug"):
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(1)


if __name__ == "__main__":
    main()


from matching.cli import ranking as _cli_rank  # noqa: E402  registers the ranking commands

_ = _cli_rank

from matching.cli import events as _cli_event  # noqa: E402  registers `matching event ...`

_ = _cli_event

from matching.cli import service as _cli_service  # noqa: E402  registers `matching serve`, `matching keys`

_ = _cli_service

from matching.cli import models as _cli_models  # noqa: E402  registers `matching models ...`

_ = _cli_models

from matching.cli import finetune as _cli_finetune  # noqa: E402  registers `matching finetune`

_ = _cli_finetune
