"""``/events/{id}/agenda/{participant}``: one participant's day, the page the printed agenda's QR code opens.

Mobile first: the meetings as a list (local time in the event's zone, table, the counterpart and what it
makes or needs, a "moved" / "new" badge after a re-schedule) and the booth map drawn as SVG with the
participant's tables shaded. For now only organisers may open it (a later issue gives participants their
own sign-in); it never shows contact details.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.app.agendas import ParticipantAgenda
from matching.errors import NotFoundError
from matching.events.agendas import UTC_OFFSETS, long_date
from service.web.render import not_found, organiser_or_response, page_lang, render

router = APIRouter()
_CELL, _GAP = 40, 6  # booth map: SVG units per cell and between cells


def _booth(agenda: ParticipantAgenda) -> dict[str, Any] | None:
    """The booth map as SVG boxes: each table's position, its label and whether it is the participant's."""
    layout = agenda.booth
    if not layout:
        return None
    mine = set(agenda.tables)
    rows = max(r for r, _ in layout.values())
    cols = max(c for _, c in layout.values())
    cells = [
        {
            "table": table,
            "x": (c - 1) * _CELL + _GAP / 2,
            "y": (r - 1) * _CELL + _GAP / 2,
            "size": _CELL - _GAP,
            "mine": table in mine,
        }
        for table, (r, c) in sorted(layout.items(), key=lambda item: item[1])
    ]
    return {"width": cols * _CELL, "height": rows * _CELL, "cells": cells, "centre": (_CELL - _GAP) / 2}


@router.get("/events/{event_id}/agenda/{participant_id:path}")
async def agenda_page(request: Request, event_id: str, participant_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    events = request.app.state.engine.events
    try:
        agenda = await run_in_threadpool(events.agenda, event_id, participant_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    lang = page_lang(request)
    event = agenda.record.event
    zone = event.time_zone
    context = {
        "agenda": agenda,
        "event": event,
        "record": agenda.record,
        "day": long_date(event.date, lang, weekday=True),
        "zone": zone,
        "offset": UTC_OFFSETS.get(zone, 7),
        "booth": _booth(agenda),
        "changes": sorted({i.change for i in agenda.items if i.change}, reverse=True),
        "pdf": f"agendas-{lang}.pdf",
    }
    return render(request, "agenda.html", context)
