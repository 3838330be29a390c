"""Event commands of the ``matching`` CLI: ``matching event plan|check`` (registered on ``cli.app``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from matching.cli import HomeOption, _engine, _errors, _progress, app, err, out
from matching.errors import ImportFileError

__all__ = ["event_app"]

event_app = typer.Typer(
    help="Business-matching events: plan meetings, check a schedule.", no_args_is_help=True
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
    time_limit: Annotated[float, typer.Option(help="Seconds each solver may use.", min=1)] = 20.0,
    drop: Annotated[
        bool, typer.Option("--drop-unplaceable", help="Drop the lowest-value meetings that cannot be placed.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Choose the meetings, schedule them into slots and tables, check the plan and write every export."""
    from matching.cli_rank import _ensure_index
    from matching.event import load_event
    from matching.planning import plan_event, write_exports

    engine = _engine(home)
    try:
        with _errors():
            event = load_event(event_file)
            _ensure_index(engine)
            with _progress("planning") as (_advance, _total):
                result = plan_event(engine, event, top=top, time_limit=time_limit, drop_unplaceable=drop)
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


@event_app.command("check")
def check(
    event_file: EventFile,
    meetings_file: Annotated[
        Path, typer.Argument(help="meetings.csv as `event plan` writes it.", exists=True)
    ],
    home: HomeOption = None,
) -> None:
    """List every violation of a schedule (double bookings, tables, availability, caps...); exit 1 if any."""
    from matching.check import check_schedule
    from matching.event import load_event
    from matching.meetings import Meeting, ScheduleProblem
    from matching.schema import Entity

    engine = _engine(home)
    try:
        with _errors():
            event = load_event(event_file)
            buyers, ikms = event.resolve_participants(
                engine.store.ids(Entity.BUYERS), engine.store.ids(Entity.IKMS)
            )
            slots = event.slots()
            by_start = {s.start.strftime("%H:%M"): s.index for s in slots}
            meetings: list[Meeting] = []
            with meetings_file.open(newline="", encoding="utf-8-sig") as handle:
                for row_number, row in enumerate(csv.DictReader(handle), start=2):
                    try:
                        meetings.append(
                            Meeting(
                                buyer=row["buyer_id"].strip(),
                                ikm=row["ikm_id"].strip(),
                                slot=by_start.get(row["slot_start"].strip()),
                                table=(row.get("table") or "").strip() or None,
                                score=float(row.get("score") or 0),
                            )
                        )
                    except (KeyError, ValueError, AttributeError) as exc:
                        raise ImportFileError(
                            f"{meetings_file.name}, row {row_number}: unreadable meeting ({exc})"
                        ) from exc
            kinds = event.preference_kinds()
            problem = ScheduleProblem(
                meetings=meetings,
                n_slots=len(slots),
                tables=event.table_names(),
                availability={
                    p: event.available_slots(p) for p in [*buyers, *ikms] if p in event.availability
                },
                ikm_fixed_tables=event.ikm_fixed_tables,
            )
            fixed = [
                Meeting(f.buyer, f.ikm, slot=event.fixed_slot(f).index, table=f.table_name, fixed=True)
                for f in event.fixed_meetings
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
