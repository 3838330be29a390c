"""``/events``: define an event (the YAML schema of ``matching event plan``), plan it, re-schedule it on
the day, read the schedule, download every export, record meeting outcomes. Organisers only."""

from __future__ import annotations

import mimetypes
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import FileResponse

from matching.app.events import EventRecord, Outcome, PlanRecord
from matching.errors import ConflictError
from service.deps import EngineDep, OrganiserDep
from service.errors import error_responses
from service.schemas import (
    EventCreate,
    EventPublic,
    EventUpdate,
    OutcomeCreate,
    OutcomePublic,
    Page,
    PlanRequest,
    PlanSummary,
    RescheduleRequest,
    Schedule,
)

router = APIRouter(prefix="/events", tags=["events"], responses=error_responses(401, 403, 404, 422, 503))
WITH_BODY = error_responses(400, 413)
CREATES = error_responses(400, 409, 413)
# what a plan's exports are served as (by their suffix); anything else is application/octet-stream
EXPORT_TYPES = [
    "application/pdf",
    "text/csv",
    "text/plain",
    "text/calendar",
    "application/json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
]
PlanNo = Annotated[int | None, Query(ge=1, le=1_000_000, description="Plan number; default the newest.")]


def event_public(record: EventRecord) -> EventPublic:
    event = record.event
    return EventPublic(
        event_id=record.event_id,
        name=record.name,
        date=event.date,
        venue=event.venue,
        slots=len(event.slots()),
        tables=len(event.table_names()),
        plans=record.plans,
        definition=record.source,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def plan_public(plan: PlanRecord) -> PlanSummary:
    return PlanSummary(
        plan_no=plan.plan_no,
        kind=plan.kind,  # type: ignore[arg-type]  # the store keeps a str; pydantic checks the Literal
        model_version=plan.model_version,
        created_at=plan.created_at,
        summary=plan.summary,
    )


def outcome_public(outcome: Outcome) -> OutcomePublic:
    return OutcomePublic.model_validate(outcome, from_attributes=True)


@router.get("", response_model=Page[EventPublic])
def list_events(engine: EngineDep, _organiser: OrganiserDep) -> Any:
    events = [event_public(r) for r in engine.events.all()]
    return {"data": events, "count": len(events)}


@router.post("", response_model=EventPublic, status_code=status.HTTP_201_CREATED, responses=CREATES)
def create_event(body: EventCreate, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    """Store an event definition; 422 lists every problem in it (``field: message (value: ...)``)."""
    return event_public(engine.events.create(body.definition, event_id=body.event_id))


@router.get("/{event_id}", response_model=EventPublic)
def get_event(event_id: str, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    return event_public(engine.events.get(event_id))


@router.put("/{event_id}", response_model=EventPublic, responses=WITH_BODY)
def update_event(event_id: str, body: EventUpdate, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    return event_public(engine.events.update(event_id, body.definition))


@router.delete("/{event_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_event(event_id: str, engine: EngineDep, _organiser: OrganiserDep) -> Response:
    """Delete the event with its plans, exports and outcomes."""
    engine.events.delete(event_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{event_id}/plan", response_model=PlanSummary, status_code=status.HTTP_201_CREATED, responses=CREATES
)
def plan_event(
    event_id: str, engine: EngineDep, organiser: OrganiserDep, body: PlanRequest | None = None
) -> Any:
    """Choose the meetings, schedule them, check the plan and write every export (a new plan number).

    A plan never drops the day's changes silently: when the plan in force carries them, ``day_changes``
    says what to do (409 with what would be lost unless ``keep`` or ``discard``).
    """
    body = body or PlanRequest()
    events = engine.events
    if events.plans(event_id):
        loss = events.day.pending(event_id)
        if not loss.empty:
            if body.day_changes == "refuse":
                raise ConflictError(
                    f"the plan in force carries the day's changes ({loss.sentence()}); a plan from the "
                    'definition would drop them: send day_changes "keep" to plan again from the day\'s '
                    'state, or "discard" to drop them'
                )
            who = organiser.key.name if organiser.key is not None else organiser.role.value
            mode: Literal["current", "discard"] = "current" if body.day_changes == "keep" else "discard"
            return plan_public(events.day.plan_again(event_id, mode, who=who, time_limit=body.time_limit))
    return plan_public(events.plan(event_id, top=body.top, time_limit=body.time_limit))


@router.post(
    "/{event_id}/reschedule",
    response_model=PlanSummary,
    status_code=status.HTTP_201_CREATED,
    responses=CREATES,
)
def reschedule_event(
    event_id: str, body: RescheduleRequest, engine: EngineDep, _organiser: OrganiserDep
) -> Any:
    """Repair the newest plan after changes on the day; unaffected meetings keep their slot and table."""
    return plan_public(engine.events.reschedule(event_id, body.changes, time_limit=body.time_limit))


@router.get("/{event_id}/plans", response_model=Page[PlanSummary])
def list_plans(event_id: str, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    plans = [plan_public(p) for p in engine.events.plans(event_id)]
    return {"data": plans, "count": len(plans)}


@router.get("/{event_id}/schedule", response_model=Schedule)
def get_schedule(event_id: str, engine: EngineDep, _organiser: OrganiserDep, plan: PlanNo = None) -> Any:
    record = engine.events.plan_record(event_id, plan)
    meetings = engine.events.meetings(event_id, record.plan_no)
    return {
        "plan_no": record.plan_no,
        "model_version": record.model_version,
        "data": meetings,
        "count": len(meetings),
    }


@router.get("/{event_id}/files", response_model=Page[str])
def list_files(event_id: str, engine: EngineDep, _organiser: OrganiserDep, plan: PlanNo = None) -> Any:
    """The plan's exports: meetings.csv, master-grid.xlsx, agendas (PDF, text), calendars (ICS) ..."""
    files = engine.events.files(event_id, plan)
    return {"data": files, "count": len(files)}


@router.get(
    "/{event_id}/files/{name:path}",
    response_class=FileResponse,
    responses={200: {"content": {media: {} for media in EXPORT_TYPES}, "description": "The file."}},
)
def download_file(
    event_id: str, name: str, engine: EngineDep, _organiser: OrganiserDep, plan: PlanNo = None
) -> FileResponse:
    path = engine.events.file(event_id, name, plan)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, filename=path.name)


@router.get("/{event_id}/outcomes", response_model=Page[OutcomePublic])
def list_outcomes(event_id: str, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    outcomes = [outcome_public(o) for o in engine.events.outcomes(event_id)]
    return {"data": outcomes, "count": len(outcomes)}


@router.put("/{event_id}/outcomes", response_model=OutcomePublic, responses=WITH_BODY)
def record_outcome(event_id: str, body: OutcomeCreate, engine: EngineDep, organiser: OrganiserDep) -> Any:
    """Rate one meeting (on the day and/or months later); fields left out keep their value."""
    outcome = engine.events.record_outcome(
        event_id,
        body.buyer_id,
        body.ikm_id,
        day_outcome=body.day_outcome,
        followup_outcome=body.followup_outcome,
        notes=body.notes,
        entered_by=organiser.key.name if organiser.key else None,
    )
    return outcome_public(outcome)
