"""Recommended partners and meeting requests: the participants' pages and the organiser's.

======================================================  =====================================================
``/me/events/{id}``                                     a buyer's or IKM's recommended partners with the
                                                        reasons to meet, a search box, "request a meeting"
``/me/events/{id}/requests``                            requests to the participant (accept / decline) and
                                                        from it (withdraw); contacts once a meeting is agreed
``/events/{id}/requests``                               organisers: every request, a status filter, override,
                                                        the event's request mode and deadline
======================================================  =====================================================

A participant of another event, or a request of another participant, is "not found" (404), so ids cannot be
probed; a step the rules refuse (answering one's own request ...) is 403 with the reason in words. Every
participant form carries the session's CSRF token. Times show in the event's zone (WIB, WITA, WIT).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from matching.app.requests import MAX_MESSAGE, RequestRefused
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.agendas import long_date
from matching.store.accounts import SignedIn
from matching.store.requests import STATUSES, MeetingRequest
from service.web.participant_auth import csrf_refusal, participant_or_response
from service.web.render import local_moment, not_found, organiser_or_response, page_lang, redirect, render

__all__ = ["router"]

router = APIRouter()
PARTNERS = 20  # recommended partners shown


def _member(request: Request, event_id: str) -> tuple[SignedIn, Any] | Response:
    """The signed-in participant and the event it takes part in; else sign-in, or 404 for any other event."""
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    engine = request.app.state.engine
    account = who.account
    if not engine.participation.takes_part(event_id, account.kind, account.participant_id):
        return not_found(request, f"event {event_id!r} does not exist")
    return who, engine.events.get(event_id)


def _state(request: Request, record: Any) -> dict[str, Any]:
    """Whether the event takes requests now, and the notes to show about it."""
    settings = request.app.state.engine.participation.settings(record.event_id)
    lang = page_lang(request)
    return {
        "settings": settings,
        "can_request": settings.requests_open(dt.datetime.now(dt.UTC)),
        "deadline": local_moment(record.event, settings.request_deadline, lang),
        "event_date": long_date(record.event.date, lang),
    }


def _refusal_key(exc: Exception) -> str:
    if isinstance(exc, RequestRefused):
        return f"req_refused_{exc.code}"
    if isinstance(exc, ConfigError):
        return "req_refused_too_long"
    return "req_refused_answered"  # a ConflictError: answered by someone else meanwhile


# -- the participant's partners page -------------------------------------------------------------------


def _partners_page(
    request: Request, event_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    found = _member(request, event_id)
    if isinstance(found, Response):
        return found
    who, record = found
    engine = request.app.state.engine
    account = who.account
    query = request.query_params.get("q", "").strip()[:200]
    partners = engine.recommend_partners(
        event_id, account.kind, account.participant_id, query=query, k=PARTNERS
    )
    requests = {
        r.receiver_id if r.sender_id == account.participant_id else r.sender_id: r
        for r in engine.requests.of(event_id, account)
    }
    context = {
        "record": record,
        "me": account,
        "partners": partners,
        "requests": requests,
        "query": query,
        "error": error,
        "max_message": MAX_MESSAGE,
        **_state(request, record),
    }
    return render(request, "me_partners.html", context, status_code=status_code)


@router.get("/me/events/{event_id}")
def partners_page(request: Request, event_id: str) -> Response:
    return _partners_page(request, event_id)


@router.post("/me/events/{event_id}/requests")
def send_request(
    request: Request,
    event_id: str,
    to: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    found = _member(request, event_id)
    if isinstance(found, Response):
        return found
    who, _record = found
    refused = csrf_refusal(request, who, csrf_token)
    if refused is not None:
        return refused
    try:
        request.app.state.engine.requests.send(event_id, who.account, to, message)
    except NotFoundError as exc:
        return not_found(request, exc)
    except (ConflictError, ConfigError) as exc:
        return _partners_page(request, event_id, error=_refusal_key(exc), status_code=409)
    return redirect(f"/me/events/{event_id}", msg="req_sent")


# -- the participant's requests page -------------------------------------------------------------------


def _row(request: MeetingRequest, names: dict[str, str], mine: str) -> dict[str, Any]:
    other = request.receiver_id if request.sender_id == mine else request.sender_id
    return {"request": request, "other": other, "other_name": names.get(other, other)}


def _requests_page(
    request: Request, event_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    found = _member(request, event_id)
    if isinstance(found, Response):
        return found
    who, record = found
    engine = request.app.state.engine
    account = who.account
    mine = account.participant_id
    names = engine.events.people().names
    rows = [_row(r, names, mine) for r in engine.requests.of(event_id, account)]
    agreed = {row["other"] for row in rows if row["request"].status == "accepted"}
    profiles = engine.profiles(agreed) if agreed else {}
    lang = page_lang(request)
    for row in rows:
        profile = profiles.get(row["other"]) if row["other"] in agreed else None
        row["contacts"] = list(profile.contacts) if profile is not None else None
        row["sent_at"] = local_moment(record.event, row["request"].created_at, lang)
    context = {
        "record": record,
        "me": account,
        "incoming": [r for r in rows if r["request"].from_kind != account.kind],
        "outgoing": [r for r in rows if r["request"].from_kind == account.kind],
        "error": error,
        **_state(request, record),
    }
    return render(request, "me_requests.html", context, status_code=status_code)


@router.get("/me/events/{event_id}/requests")
def requests_page(request: Request, event_id: str) -> Response:
    return _requests_page(request, event_id)


@router.post("/me/events/{event_id}/requests/{request_id}/{action}")
def answer_request(
    request: Request,
    event_id: str,
    request_id: int,
    action: str,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    found = _member(request, event_id)
    if isinstance(found, Response):
        return found
    who, _record = found
    if action not in ("accept", "decline", "withdraw"):
        return not_found(request, f"no such step {action!r}")
    refused = csrf_refusal(request, who, csrf_token)
    if refused is not None:
        return refused
    requests = request.app.state.engine.requests
    try:
        if action == "withdraw":
            requests.withdraw(event_id, request_id, who.account)
        else:
            requests.answer(event_id, request_id, who.account, accept=action == "accept")
    except NotFoundError as exc:
        return not_found(request, exc)
    except RequestRefused as exc:
        status = 403 if exc.code in ("own_request", "not_sender") else 409
        return _requests_page(request, event_id, error=_refusal_key(exc), status_code=status)
    except ConflictError as exc:
        return _requests_page(request, event_id, error=_refusal_key(exc), status_code=409)
    done = {"accept": "req_accepted", "decline": "req_declined", "withdraw": "req_withdrawn"}[action]
    return redirect(f"/me/events/{event_id}/requests", msg=done)


# -- the organiser's page ------------------------------------------------------------------------------


def _organiser_page(
    request: Request, event_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    engine = request.app.state.engine
    try:
        record = engine.events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    chosen = request.query_params.get("status", "")
    chosen = chosen if chosen in STATUSES else ""
    names = engine.events.people().names
    lang = page_lang(request)
    rows = []
    for r in engine.requests.for_event(event_id, status=chosen or None):
        rows.append(
            {
                "request": r,
                "sender": names.get(r.sender_id, r.sender_id),
                "receiver": names.get(r.receiver_id, r.receiver_id),
                "sent_at": local_moment(record.event, r.created_at, lang),
                "decided_at": local_moment(record.event, r.decided_at, lang),
            }
        )
    settings = engine.participation.settings(event_id)
    deadline = settings.request_deadline.astimezone(record.event.tz()) if settings.request_deadline else None
    context = {
        "record": record,
        "rows": rows,
        "statuses": STATUSES,
        "chosen": chosen,
        "settings": settings,
        "zone": record.event.time_zone,
        "deadline_value": deadline.strftime("%Y-%m-%dT%H:%M") if deadline else "",
        "opened_at": local_moment(record.event, settings.opened_at, lang),
        "error": error,
    }
    return render(request, "requests_organiser.html", context, status_code=status_code)


@router.get("/events/{event_id}/requests")
def organiser_requests(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    return _organiser_page(request, event_id)


@router.post("/events/{event_id}/requests/settings")
def save_request_settings(
    request: Request,
    event_id: str,
    mode: Annotated[str, Form()] = "accept",
    deadline: Annotated[str, Form()] = "",
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    engine = request.app.state.engine
    try:
        record = engine.events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    when: dt.datetime | None = None
    if deadline.strip():
        try:
            when = dt.datetime.fromisoformat(deadline.strip()).replace(tzinfo=record.event.tz())
        except ValueError:
            return _organiser_page(request, event_id, error="req_org_bad_deadline", status_code=422)
    try:
        engine.participation.update_settings(
            event_id, request_mode=mode, request_deadline=when.astimezone(dt.UTC) if when else None
        )
    except ConfigError:
        return _organiser_page(request, event_id, error="req_org_bad_deadline", status_code=422)
    return redirect(f"/events/{event_id}/requests", msg="req_settings")


@router.post("/events/{event_id}/requests/{request_id}/status")
def override_request(
    request: Request,
    event_id: str,
    request_id: int,
    status: Annotated[str, Form()] = "",
    shown: Annotated[str, Form()] = "",
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        name = who.key.name if who.key is not None else "organiser"
        request.app.state.engine.requests.override(event_id, request_id, status, organiser=name)
    except NotFoundError as exc:
        return not_found(request, exc)
    except ConfigError:
        return _organiser_page(request, event_id, error="req_org_bad_status", status_code=422)
    query: dict[str, str] = {"status": shown} if shown in STATUSES else {}
    return redirect(f"/events/{event_id}/requests", msg="req_overridden", **query)
