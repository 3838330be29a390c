"""A signed-in participant's own agenda and ratings (``/me/events/{id}/...``).

=================================  ==================================================================
``/me/events/{id}/agenda``         its meetings in the published plan: time (the event's zone), table,
                                   the counterpart (profile link, what it makes/needs, its contacts and a
                                   WhatsApp link with a prefilled greeting), changes since the last view
``/me/events/{id}/agenda.ics``     the same meetings as a calendar file
``/me/events/{id}/rate``           rate each meeting once it has started (the day's outcome, later the
                                   follow-up); POST saves one meeting's rating
=================================  ==================================================================

A participant of another event gets 404 (the same answer as an unknown event); nobody signed in goes to the
sign-in page and comes back. Rating a meeting that has not started yet is refused (403); a meeting that is
not the participant's is not found (404). Every form carries the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from matching.app.my_agenda import MyAgenda, MyMeeting
from matching.app.whatsapp import whatsapp_link
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.agendas import UTC_OFFSETS, long_date
from matching.learning.outcomes import DAY_OUTCOMES, FOLLOWUP_OUTCOMES
from matching.store.accounts import SignedIn
from service.web.i18n import translator
from service.web.pages_agenda import booth_map
from service.web.participant_auth import csrf_refusal, participant_or_response
from service.web.render import local_moment, not_found, page_lang, redirect, render, table_label

router = APIRouter()


def _whatsapp(request: Request, who: SignedIn, mine: MyAgenda, meeting: MyMeeting) -> str | None:
    """``https://wa.me/<digits>?text=...``: a greeting naming the user, its company, event, time, table."""
    if not meeting.whatsapp or mine.agenda is None:
        return None
    t = translator(page_lang(request))
    text = t(
        "my_agenda_wa_text",
        name=who.account.name,
        company=mine.agenda.name,
        event=mine.record.name,
        time=meeting.item.start,
        zone=mine.record.event.time_zone,
        table=table_label(meeting.item.table, t),
    )
    return whatsapp_link(meeting.whatsapp, text)


def _mine(request: Request, event_id: str, *, remember: bool) -> Response | tuple[SignedIn, MyAgenda]:
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        mine = request.app.state.engine.my_agenda.agenda(event_id, who.account, remember=remember)
    except NotFoundError as exc:
        return not_found(request, exc)
    return who, mine


def _context(request: Request, who: SignedIn, mine: MyAgenda) -> dict[str, Any]:
    lang = page_lang(request)
    event = mine.record.event
    return {
        "mine": mine,
        "record": mine.record,
        "event": event,
        "day": long_date(event.date, lang, weekday=True),
        "zone": event.time_zone,
        "offset": UTC_OFFSETS.get(event.time_zone, 7),
        "published_when": local_moment(mine.record.event, mine.settings.published_at, lang),
        "booth": booth_map(mine.agenda) if mine.agenda is not None else None,
        "account": who.account,
    }


def _agenda(request: Request, event_id: str) -> Response:
    found = _mine(request, event_id, remember=True)
    if isinstance(found, Response):
        return found
    who, mine = found
    context = _context(request, who, mine)
    context["whatsapp"] = {m.item.counterpart: _whatsapp(request, who, mine, m) for m in mine.meetings}
    context["now"] = dt.datetime.now(dt.UTC)
    return render(request, "my_agenda.html", context)


@router.get("/me/events/{event_id}/agenda")
async def my_agenda_page(request: Request, event_id: str) -> Response:
    return await run_in_threadpool(_agenda, request, event_id)


def _calendar(request: Request, event_id: str) -> Response:
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        path = request.app.state.engine.my_agenda.calendar(event_id, who.account)
    except NotFoundError as exc:
        return not_found(request, exc)
    return FileResponse(path, media_type="text/calendar", filename=f"agenda-{event_id}.ics")


@router.get("/me/events/{event_id}/agenda.ics")
async def my_calendar(request: Request, event_id: str) -> Response:
    return await run_in_threadpool(_calendar, request, event_id)


def _rate_page(
    request: Request, event_id: str, *, status_code: int = 200, error: str | None = None
) -> Response:
    found = _mine(request, event_id, remember=False)
    if isinstance(found, Response):
        return found
    who, mine = found
    context = _context(request, who, mine)
    context |= {
        "now": dt.datetime.now(dt.UTC),
        "day_outcomes": DAY_OUTCOMES,
        "followup_outcomes": FOLLOWUP_OUTCOMES,
        "error": error,
    }
    return render(request, "my_rate.html", context, status_code=status_code)


@router.get("/me/events/{event_id}/rate")
async def rate_page(request: Request, event_id: str) -> Response:
    return await run_in_threadpool(_rate_page, request, event_id)


def _rate(request: Request, event_id: str, form: dict[str, str]) -> Response:
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    refused = csrf_refusal(request, who, form.get("csrf_token"))
    if refused is not None:
        return refused
    counterpart = form.get("with", "")
    try:
        request.app.state.engine.ratings.rate(
            event_id,
            who.account,
            counterpart,
            day_outcome=form.get("day_outcome") or None,
            followup_outcome=form.get("followup_outcome") or None,
            notes=form.get("notes"),
        )
    except NotFoundError as exc:
        return not_found(request, exc)
    except ConflictError as exc:  # the participant's meeting, not started yet
        return _rate_page(request, event_id, status_code=403, error=str(exc))
    except ConfigError as exc:
        return _rate_page(request, event_id, status_code=422, error=str(exc))
    return redirect(f"/me/events/{quote(event_id, safe='')}/rate", msg="my_rated")


@router.post("/me/events/{event_id}/rate")
async def save_rating(
    request: Request,
    event_id: str,
    csrf_token: Annotated[str, Form()] = "",
    with_: Annotated[str, Form(alias="with")] = "",
    day_outcome: Annotated[str, Form()] = "",
    followup_outcome: Annotated[str, Form()] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {
        "csrf_token": csrf_token,
        "with": with_,
        "day_outcome": day_outcome,
        "followup_outcome": followup_outcome,
        "notes": notes,
    }
    return await run_in_threadpool(_rate, request, event_id, form)
