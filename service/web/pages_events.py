"""``/events``: organisers define events, plan them, see the schedule, re-schedule and download exports.

Every POST redirects to the event page on success (POST/redirect/GET); an invalid definition or changes
file renders the form again (422) with every problem the engine found.
"""

from __future__ import annotations

import mimetypes
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse

from matching import demo_data_dir
from matching.app.events import EventRecord, PlanRecord
from matching.common.file_names import file_stem
from matching.common.yaml_files import DataFileError
from matching.errors import MatchingError, NotFoundError
from matching.events.model import Event
from service.web.i18n import TEXTS
from service.web.pages_builder import free_id
from service.web.render import not_found, organiser_or_response, redirect, render

router = APIRouter()
MAIN_FILES = ("agendas-id.pdf", "agendas-en.pdf", "master-grid.xlsx", "meetings.csv", "scores.csv")


def _problems(exc: MatchingError) -> list[str]:
    return list(exc.problems) if isinstance(exc, DataFileError) and exc.problems else [str(exc)]


# -- the list and the create form ------------------------------------------------------------------------


def _events_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    values = {
        "events": request.app.state.engine.events.all(),
        "event_id": "",
        "problems": [],
        "error": None,
        **context,
    }
    return render(request, "events.html", values, status_code=status_code)


@router.get("/events")
def events_page(request: Request, demo: bool = False) -> Response:
    """The events, each with its edit and YAML export links; a button to the builder and a YAML import."""
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    if demo:  # the example event now opens in the builder
        return redirect("/events/new", demo=1)
    return _events_page(request)


@router.post("/events")
def create_event(
    request: Request,
    definition: Annotated[str, Form()] = "",
    event_id: Annotated[str, Form()] = "",
    definition_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Import an event file (YAML or JSON; the builder at /events/new is the way to make one)."""
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    source = definition
    if definition_file is not None and definition_file.filename:
        source = definition_file.file.read().decode("utf-8-sig", errors="replace")
    form = {"event_id": event_id.strip()}
    if not source.strip():
        return _events_page(request, 422, **form, error=("builder_import_missing", {}))
    try:
        engine = request.app.state.engine
        record = engine.events.create(
            source, event_id=event_id.strip() or free_id(engine.events.parse(source).name)
        )
    except MatchingError as exc:
        return _events_page(request, 422, **form, problems=_problems(exc))
    return redirect(f"/events/{record.event_id}", msg="created")


# -- one event ------------------------------------------------------------------------------------------


def schedule_grid(event: Event, meetings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the schedule: one per slot, one cell per table (a meeting or None)."""
    tables = event.table_names()
    cells = {(m["slot_start"], m["table"]): m for m in meetings}
    rows, previous_end = [], None
    for slot in event.slots():
        start, end = slot.start.strftime("%H:%M"), slot.end.strftime("%H:%M")
        rows.append(
            {
                "start": start,
                "end": end,
                "gap_before": previous_end is not None and previous_end != start,
                "cells": [cells.get((start, table)) for table in tables],
            }
        )
        previous_end = end
    return rows


def file_groups(files: list[str], names: dict[str, str]) -> dict[str, Any]:
    """The plan's files: the main ones, then per participant (agendas, notices, calendar), then the rest."""
    main = [f for f in MAIN_FILES if f in files]
    people: dict[str, dict[str, str]] = {}
    other = []
    for path in files:
        folder, _, name = path.rpartition("/")
        stem, _, suffix = name.rpartition(".")
        if folder in ("agendas", "notices") and suffix == "txt" and stem[-3:] in ("-id", "-en"):
            people.setdefault(stem[:-3], {})[f"{folder}_{stem[-2:]}"] = path
        elif folder == "calendars" and suffix == "ics":
            people.setdefault(stem, {})["calendar"] = path
        elif path not in main:
            other.append({"path": path, "key": f"file_{path}" if f"file_{path}" in TEXTS["en"] else None})
    ids = {file_stem(pid): pid for pid in names}  # a file names its participant by file_stem(id)
    participants = [
        {"id": ids.get(stem, stem), "name": names.get(ids.get(stem, stem), ""), **people[stem]}
        for stem in sorted(people)
    ]
    notices = any("notices_id" in p or "notices_en" in p for p in people.values())
    columns = ["agendas_id", "agendas_en", *(["notices_id", "notices_en"] if notices else []), "calendar"]
    return {
        "main": main,
        "participants": participants,
        "other": other,
        "notices": notices,
        "columns": columns,
    }


def _plan_view(request: Request, record: EventRecord, plan_no: int | None) -> dict[str, Any]:
    events = request.app.state.engine.events
    plans: list[PlanRecord] = events.plans(record.event_id)
    if not plans:
        return {"plans": [], "plan": None}
    plan = events.plan_record(record.event_id, plan_no)
    meetings = events.meetings(record.event_id, plan.plan_no)
    names = {m["buyer_id"]: m["buyer_name"] for m in meetings} | {
        m["ikm_id"]: m["ikm_name"] for m in meetings
    }
    changed = events.day.changed(record.event_id, plan.plan_no)
    return {
        "plans": plans,
        "plan": plan,
        "changed": {f"{b}|{i}": kind for (b, i), kind in changed.items()},
        "n_moved": sum(k == "moved" for k in changed.values()),
        "n_added": sum(k == "added" for k in changed.values()),
        "newest": plan.plan_no == plans[-1].plan_no,
        "meetings": meetings,
        "tables": record.event.table_names(),
        "grid": schedule_grid(record.event, meetings),
        "files": file_groups(events.files(record.event_id, plan.plan_no), names),
    }


def _event_page(
    request: Request, event_id: str, plan_no: int | None = None, status_code: int = 200, **context: Any
) -> Response:
    try:
        record = request.app.state.engine.events.get(event_id)
        view = _plan_view(request, record, plan_no)
    except NotFoundError as exc:
        return not_found(request, exc)
    values = {
        "record": record,
        "changes": "",
        "problems": [],
        "error": None,
        "guard": None,
        **view,
        **context,
    }
    return render(request, "event.html", values, status_code=status_code)


@router.get("/events/{event_id}")
def event_page(
    request: Request, event_id: str, plan: int | None = None, demo_changes: bool = False
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    changes = (demo_data_dir() / "changes.yaml").read_text(encoding="utf-8") if demo_changes else ""
    return _event_page(request, event_id, plan, changes=changes)


@router.post("/events/{event_id}/plan")
def plan_event(
    request: Request,
    event_id: str,
    time_limit: Annotated[float, Form()] = 10.0,
    mode: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Plan the event. When the plan in force carries the day's changes, a plain plan would drop them: the
    page asks first (409) — plan again from the day's state (``mode=current``) or discard them
    (``mode=discard`` with ``confirm=yes``)."""
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    events = request.app.state.engine.events
    limit = min(max(time_limit, 1.0), 120.0)
    try:
        if mode not in ("current", "discard"):
            loss = events.day.pending(event_id)
            if not loss.empty:
                return _event_page(request, event_id, status_code=409, guard=loss)
            plan = events.plan(event_id, time_limit=limit)
            return redirect(f"/events/{event_id}", msg="planned", n=plan.plan_no)
        if mode == "discard" and confirm != "yes":
            loss = events.day.pending(event_id)
            error: tuple[str, dict[str, Any]] = ("console_guard_confirm_missing", {})
            return _event_page(request, event_id, status_code=409, guard=loss, error=error)
        plan = events.day.plan_again(
            event_id, mode, who=who.key.name if who.key is not None else who.role.value, time_limit=limit
        )
    except NotFoundError as exc:
        return not_found(request, exc)
    except MatchingError as exc:
        return _event_page(request, event_id, status_code=422, error=("plan_failed", {"message": str(exc)}))
    msg = "console_replanned" if mode == "current" else "console_discarded"
    return redirect(f"/events/{event_id}", msg=msg, n=plan.plan_no)


@router.post("/events/{event_id}/reschedule")
def reschedule_event(
    request: Request,
    event_id: str,
    changes: Annotated[str, Form()] = "",
    time_limit: Annotated[float, Form()] = 4.0,
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        plan = request.app.state.engine.events.reschedule(
            event_id, changes, time_limit=min(max(time_limit, 0.5), 120.0)
        )
    except NotFoundError as exc:
        if "has no plan" not in str(exc):
            return not_found(request, exc)
        return _event_page(request, event_id, status_code=422, changes=changes, problems=[str(exc)])
    except MatchingError as exc:
        return _event_page(request, event_id, status_code=422, changes=changes, problems=_problems(exc))
    return redirect(f"/events/{event_id}", msg="rescheduled", n=plan.plan_no)


@router.get("/events/{event_id}/files/{name:path}")
def download(request: Request, event_id: str, name: str, plan: int | None = None) -> Response:
    """One export file of a plan (the newest unless ``?plan=``), as an attachment."""
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        path = request.app.state.engine.events.file(event_id, name, plan)
    except NotFoundError as exc:
        return not_found(request, exc)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return FileResponse(path, media_type=media, filename=path.name)
