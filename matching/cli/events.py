"""Event commands of the ``matching`` CLI: ``matching event plan|reschedule|check|outcomes``.

``plan`` and ``reschedule`` exit 1 when the plan they wrote breaks a rule; ``check`` exits 1 when the schedule
it reads does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matching.app.planning import plan_event, write_exports
from matching.app.replanning import reschedule_event, write_reschedule
from matching.app.schedule_check import check_meetings_file
from matching.cli._app import HomeOption, ensure_index, err, errors, open_engine, out, progress
from matching.errors import ConfigError
from matching.events.model import load_event
from matching.events.plan_files import read_meetings_csv, read_scores_csv
from matching.events.repair import Changes, load_changes

__all__ = ["check", "event_app", "outcomes", "plan", "reschedule"]

event_app = typer.Typer(
    help="Business-matching events: plan meetings, re-schedule on the day, check a schedule.",
    no_args_is_help=True,
)

EventFile = Annotated[
    Path, typer.Argument(help="Event definition (YAML or JSON).", exists=True, dir_okay=False)
]


@event_app.command("plan")
def plan(
    event_file: EventFile,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the exports.", file_okay=False)],
    top: Annotated[int, typer.Option(help="Candidate IKMs per buyer for the optimiser.", min=1)] = 50,
    time_limit: Annotated[float, typer.Option(help="Seconds each solver may use.", min=1)] = 10.0,
    drop: Annotated[
        bool, typer.Option("--drop-unplaceable", help="Drop the lowest-value meetings that cannot be placed.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Choose the meetings, schedule them into slots and tables, check the plan and write every export."""

    engine = open_engine(home)
    try:
        with errors():
            event = load_event(event_file)
            ensure_index(engine)
            with progress("planning") as (_advance, _total):
                result = plan_event(
                    event,
                    engine,
                    engine.participants(),
                    top=top,
                    time_limit=time_limit,
                    drop_unplaceable=drop,
                )
            written = write_exports(result, out_dir)
    finally:
        engine.close()
    summary = result.summary()
    out.print(
        f"[bold]{event.name}[/]: {summary['scheduled']} meetings scheduled of {summary['chosen']} chosen "
        f"({summary['buyers']} buyers, {summary['ikms']} IKMs, "
        f"{summary['slots']} slots x {summary['tables']} tables); "
        f"objective {summary['objective']:.2f} of LP bound {summary['lp_bound']:.2f} "
        f"(gap {summary['gap']:.2%}); min meetings per IKM {summary['min_meetings_per_ikm']}; "
        f"{summary['idle_gaps_total']} idle gaps; {summary['seconds']['total']:.1f} s"
    )
    for item in summary["unplaced"]:
        err.print(f"[yellow]not placed[/]: {item['buyer']} - {item['ikm']}: {item['reason']}")
    if summary["replaced"]:
        out.print(
            f"{len(summary['replaced'])} meetings tried found no common free place and were replaced by "
            "others (plan.json lists them)"
        )
    for message in summary["violations"]:
        err.print(f"[red]violation[/]: {message}")
    out.print(f"wrote {len(written)} files to {out_dir}")
    if summary["violations"]:
        raise typer.Exit(1)


@event_app.command("reschedule")
def reschedule(
    event_file: EventFile,
    changes_file: Annotated[
        Path,
        typer.Option(
            "--changes",
            help="What changed: no-shows, cancellations, availability, late registrants (YAML).",
            exists=True,
            dir_okay=False,
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the new plan's exports.", file_okay=False)
    ],
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="meetings.csv of the plan in force (default: `plan:` in the changes file).",
            dir_okay=False,
        ),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds the repair may use.", min=0.5)] = 4.0,
    home: HomeOption = None,
) -> None:
    """Repair a plan on the day: unaffected meetings keep their slot and table, freed places are refilled.

    Reads the plan's meetings.csv (and scores.csv beside it, when there), writes the new plan's exports
    plus changes.csv, changes.json and a WhatsApp-ready notice per participant whose day changed.
    """

    engine = open_engine(home)
    try:
        with errors():
            event = load_event(event_file)
            changes = load_changes(changes_file)
            if plan_file is None:
                if changes.plan is None:
                    raise ConfigError(
                        f"{changes_file}: name the plan in force with `plan: path/to/meetings.csv` or --plan"
                    )
                plan_file = (changes_file.parent / changes.plan).resolve()
            current = read_meetings_csv(plan_file, event.slots(), strict=True)
            scores = reasons = None
            if (plan_file.parent / "scores.csv").exists():
                scores, reasons = read_scores_csv(plan_file.parent / "scores.csv")
            else:
                ensure_index(engine)
            if changes.new_buyers or changes.new_ikms:
                ensure_index(engine)
            with progress("re-scheduling") as (_advance, _total):
                result = reschedule_event(
                    event,
                    current,
                    changes,
                    engine,
                    engine.participants(),
                    scores=scores,
                    reasons=reasons,
                    time_limit=time_limit,
                )
            written = write_reschedule(result, out_dir)
    finally:
        engine.close()
    report = result.replan.report()
    out.print(
        f"[bold]{event.name}[/]: {report['kept']} meetings kept in place, {report['moved']} moved, "
        f"{report['added']} added, {report['cancelled']} cancelled; {report['meetings']} meetings now; "
        f"{report['participants_affected']} participants affected; {result.plan.seconds['total']:.1f} s"
    )
    for message in result.plan.summary()["violations"]:
        err.print(f"[red]violation[/]: {message}")
    out.print(f"wrote {len(written)} files to {out_dir} (changes.csv lists every change)")
    if result.replan.violations:
        raise typer.Exit(1)


@event_app.command("check")
def check(
    event_file: EventFile,
    meetings_file: Annotated[
        Path, typer.Argument(help="meetings.csv as `event plan` writes it.", exists=True)
    ],
    changes_file: Annotated[
        Path | None,
        typer.Option(
            "--changes",
            help="Check against the event after these changes (as `event reschedule` applied them).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    home: HomeOption = None,
) -> None:
    """List every violation of a schedule (double bookings, tables, availability, caps...); exit 1 if any."""
    engine = open_engine(home)
    try:
        with errors():
            event = load_event(event_file)
            changes = load_changes(changes_file) if changes_file else Changes()
            result = check_meetings_file(engine, event, meetings_file, changes)
    finally:
        engine.close()
    for violation in result.violations:
        out.print(f"[red]{violation.kind}[/]: {violation.message}", highlight=False)
    out.print(f"{len(result.meetings)} meetings checked, {len(result.violations)} violation(s)")
    if result.violations:
        raise typer.Exit(1)


@event_app.command("outcomes")
def outcomes(
    event_id: Annotated[str, typer.Argument(help="Id of an event stored by the service (see /events).")],
    outcomes_file: Annotated[
        Path,
        typer.Argument(
            help="CSV/XLSX: buyer_id, ikm_id, day_outcome, followup_outcome, notes.",
            exists=True,
            dir_okay=False,
        ),
    ],
    home: HomeOption = None,
) -> None:
    """Record meeting outcomes (ratings on the day and months later) from a file; all rows or none."""
    engine = open_engine(home)
    try:
        with errors():
            recorded = engine.events.import_outcomes(event_id, outcomes_file)
    finally:
        engine.close()
    labelled = sum(1 for o in recorded if o.day_outcome or o.followup_outcome)
    out.print(f"recorded {len(recorded)} outcomes of event {event_id} ({labelled} with a rating)")
