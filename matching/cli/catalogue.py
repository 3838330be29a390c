"""Catalogue commands of the ``matching`` CLI: ``ingest``, ``template``, ``stats`` and ``demo``.

``demo`` walks the whole flow on the bundled demo data: import, summary, index, a few buyers' matches, the
demo event planned and exported, and a buyer's and an IKM's login for the participant pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from matching.app import planning
from matching.app.accounts import demo_logins
from matching.app.engine import Engine, demo_data_dir
from matching.catalogue.report import ImportReport
from matching.catalogue.schema import Entity
from matching.catalogue.templates import write_templates
from matching.cli._app import (
    HomeOption,
    app,
    err,
    errors,
    open_engine,
    out,
    print_matches,
    print_report,
    progress,
)
from matching.errors import ValidationFailed
from matching.events.model import load_event
from matching.ranking.queries import buyer_language

__all__ = ["demo", "ingest", "stats", "template"]


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
    engine = open_engine(home, create=True)
    result: ImportReport | None = None
    try:
        with errors():
            try:
                with progress("validating rows") as (advance, set_total):
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
        print_report(result)
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
    engine = open_engine(home)
    try:
        with errors():
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
    engine = open_engine(home, create=True)
    try:
        with errors():
            out.print(f"[bold]Demo data[/] from {demo_data_dir()}")
            out.print(f"Database: {engine.store.safe_url}")
            with progress("importing demo data") as (advance, set_total):
                report = engine.import_demo(progress=advance, on_total=set_total)
            print_report(report)
            _print_stats(engine.stats())
            if matches:
                _demo_matches(engine, matches)
            if plan_event and event_out is not None:
                _demo_event(engine, event_out)
            _demo_logins(engine)
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
    event = load_event(demo_data_dir() / "event.yaml")
    out.print(f"\n[bold]Demo event[/]: {event.name}")
    with progress("choosing and scheduling meetings") as (_advance, _total):
        plan = planning.plan_event(event, engine, engine.participants(), time_limit=5)
    written = planning.write_exports(plan, out_dir)
    summary = plan.summary()
    out.print(
        f"{summary['scheduled']} meetings in {summary['slots']} slots x {summary['tables']} tables for "
        f"{summary['buyers']} buyers and {summary['ikms']} IKMs; gap to the LP bound {summary['gap']:.2%}; "
        f"{len(summary['violations'])} violations; {len(written)} files in {out_dir}/ "
        "(meetings.csv, master-grid.xlsx, agendas-id.pdf, agendas/*.txt, calendars/*.ics ...)"
    )


def _demo_logins(engine: Engine) -> None:
    """The demo event's participant logins (the same on every run), for /signin."""
    out.print("\n[bold]Participant logins[/] for the demo event (sign in at /signin):")
    for login in demo_logins(engine):
        side = "buyer" if login.kind == "buyer" else "IKM"
        out.print(f"  {side:<5} {login.name} ({login.participant_id}): {login.email} / {login.password}")


def _demo_matches(engine: Engine, count: int) -> None:
    """Index the demo catalogue and show the top matches, with reasons, for a few demo buyers."""
    out.print(f"\n[bold]Search index[/] (encoder {engine.settings.encoder})")
    with progress("embedding products") as (advance, set_total):
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
