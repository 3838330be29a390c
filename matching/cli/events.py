"""Event commands of the ``matching`` CLI: ``matching event plan|reschedule|check`` (on ``cli.app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matching.cli.main import HomeOption, _engine, _errors, _progress, app, err, out
from matching.cli.ranking import _ensure_index
from matching.errors import ConfigError

__all__ = ["event_app"]

event_app = typer.Typer(
    help="Business-matching events: plan meetings, re-schedule on the day, check a schedule.",
    no_args_is_help=True,
)
app.add_typer(event_app, name="event")

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
    from matching.app.planning import plan_event, write_exports
    from matching.events.model import load_event

    engine = _engine(home)
    try:
        with _errors():
            event = load_event(event_file)
            _ensure_index(engine)
            with _progress("planning") as (_advance, _total):
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
    from matching.app.replanning import reschedule_event, write_reschedule
    from matching.events.model import load_event
    from matching.events.plan_files import read_meetings_csv, read_scores_csv
    from matching.events.repair import load_changes

    engine = _engine(home)
    try:
        with _errors():
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
                _ensure_index(engine)
            if changes.new_buyers or changes.new_ikms:
                _ensure_index(engine)
            with _progress("re-scheduling") as (_advance, _total):
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
    from matching.catalogue.schema import Entity
    from matching.events.checking import check_schedule
    from matching.events.meetings import Meeting, ScheduleProblem
    from matching.events.model import load_event
    from matching.events.plan_files import read_meetings_csv
    from matching.events.repair import Changes, available_after, load_changes, open_from

    engine = _engine(home)
    try:
        with _errors():
            event = load_event(event_file)
            buyers, ikms = event.resolve_participants(
                engine.store.ids(Entity.BUYERS), engine.store.ids(Entity.IKMS)
            )
            changes = load_changes(changes_file) if changes_file else Changes()
            buyers, ikms = [*buyers, *changes.new_buyers], [*ikms, *changes.new_ikms]
            slots = event.slots()
            meetings = read_meetings_csv(meetings_file, slots)
            kinds = event.preference_kinds() | {(p.buyer, p.ikm): p.kind for p in changes.preferences}
            past = set(range(open_from(event, changes)))
            availability = {
                p: available_after(event, changes, p) | (past if p in changes.availability else set())
                for p in [*buyers, *ikms]
                if p in event.availability or p in changes.availability
            } | {p: set() for p in changes.no_shows}
            problem = ScheduleProblem(
                meetings=meetings,
                n_slots=len(slots),
                tables=event.table_names(),
                availability=availability,
                ikm_fixed_tables=event.ikm_fixed_tables,
            )
            gone = {(c.buyer, c.ikm) for c in changes.cancelled}
            fixed = [
                Meeting(f.buyer, f.ikm, slot=event.fixed_slot(f).index, table=f.table_name, fixed=True)
                for f in event.fixed_meetings
            ]
            fixed = [  # confirmed meetings the changes call off or no longer allow may have gone
                f for f in fixed if f.pair not in gone and all(f.slot in problem.available(p) for p in f.pair)
            ]
            cap_b = event.max_meetings_per_buyer or len(slots)
            cap_i = event.max_meetings_per_ikm or len(slots)
            violations = check_schedule(
                problem,
                meetings,
                max_per_buyer={b: cap_b for b in buyers},
                max_per_ikm={i: cap_i for i in ikms},
                no_thanks={p for p, k in kinds.items() if k == "no_thanks"},
                fixed=fixed,
            )
    finally:
        engine.close()
    for violation in violations:
        out.print(f"[red]{violation.kind}[/]: {violation.message}", highlight=False)
    out.print(f"{len(meetings)} meetings checked, {len(violations)} violation(s)")
    if violations:
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
    engine = _engine(home)
    try:
        with _errors():
            recorded = engine.events.import_outcomes(event_id, outcomes_file)
    finally:
        engine.close()
    labelled = sum(1 for o in recorded if o.day_outcome or o.followup_outcome)
    out.print(f"recorded {len(recorded)} outcomes of event {event_id} ({labelled} with a rating)")
