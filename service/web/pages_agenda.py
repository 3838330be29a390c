"""``/events/{id}/agenda/{participant}``: one participant's day, the page the printed agenda's QR code opens.

Mobile first: the meetings as a list (local time in the event's zone, table, the counterpart and what it
makes or needs, a "moved" / "new" badge after a re-schedule) and the booth map drawn as SVG with the
participant's tables shaded; it never shows contact details. Organisers see this page. A participant who
scans the code goes to its own agenda (``/me/events/{id}/agenda``, :mod:`service.web.pages_my_agenda`):
signed in as that participant, straight there; signed in as another one, not found; not signed in, to the
sign-in page, which comes back here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.app.agendas import ParticipantAgenda
from matching.errors import NotFoundError
from matching.events.agendas import UTC_OFFSETS, long_date
from service.web.participant_auth import participant_or_response, signed_in
from service.web.render import forbidden, not_found, page_lang, redirect, render, web_principal

router = APIRouter()
_CELL, _GAP = 40, 6  # booth map: SVG units per cell and between cells


def booth_map(agenda: ParticipantAgenda) -> dict[str, Any] | None:
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
    principal = web_principal(request)
    if principal is None or not principal.is_organiser:
        participant = signed_in(request)
        if participant is None and principal is not None:
            return forbidden(request, principal)  # a buyer's or public key, not a participant's sign-in
        who = participant_or_response(request)  # the sign-in page, coming back here
        if isinstance(who, Response):
            return who
        mine = who.account.participant_id == participant_id and await run_in_threadpool(
            request.app.state.engine.participation.takes_part, event_id, who.account.kind, participant_id
        )
        if not mine:
            return not_found(request, f"event {event_id!r} has no agenda {participant_id!r} of yours")
        return redirect(f"/me/events/{quote(event_id, safe='')}/agenda")
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
        "booth": booth_map(agenda),
        "changes": sorted({i.change for i in agenda.items if i.change}, reverse=True),
        "pdf": f"agendas-{lang}.pdf",
    }
    return render(request, "agenda.html", context)
