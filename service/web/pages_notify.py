"""Organiser pages of the participants' notifications.

``/events/{id}/publish``  open the event to participants (``POST .../publish/open``) and publish the newest
                          plan as their agendas (``POST .../publish``): the e-mails are written then.
``/events/{id}/outbox``   the event's e-mails with their status, tries and last error, "send now"
                          (``POST .../outbox/{message}/send``), and WhatsApp click-to-chat links for IKMs
                          without an account.

Organisers only (the key cookie; a buyer key gets 403, no key the login page). The work is the engine's
(:mod:`matching.app.publication`, :mod:`matching.app.mailer`); a queued message wakes the service's sender.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.errors import NotFoundError
from service.deps import Principal
from service.web.i18n import TEXTS
from service.web.render import local_moment, not_found, organiser_or_response, page_lang, redirect, render

router = APIRouter()
SHOWN = 500  # messages listed on the outbox page (newest first)


def _who(principal: Principal) -> str:
    return principal.key.name if principal.key is not None else principal.role.value


def _clock(record: Any, lang: str) -> Callable[[dt.datetime | None], str]:
    """A function writing a stored time in the event's zone (:func:`local_moment`), for the templates."""
    return lambda moment: local_moment(record.event, moment, lang)


def _publish_page(request: Request, event_id: str) -> Response:
    engine = request.app.state.engine
    try:
        record = engine.events.get(event_id)
        settings = engine.participation.settings(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    newest = engine.events.plans(event_id)[-1].plan_no if record.plans else None
    people = engine.participation.members(event_id, "buyer") | engine.participation.members(event_id, "ikm")
    accounts = [a for p in sorted(people) for a in engine.accounts.for_participant(p) if a.active]
    context = {
        "record": record,
        "settings": settings,
        "newest": newest,
        "people": len(people),
        "accounts": len(accounts),
        "mail_host": engine.settings.smtp_host,
        "clock": _clock(record, page_lang(request)),
    }
    return render(request, "publish.html", context)


@router.get("/events/{event_id}/publish")
def publish_page(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    return _publish_page(request, event_id)


@router.post("/events/{event_id}/publish/open")
def open_event(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        released = request.app.state.engine.publication.open(event_id, who=_who(who))
    except NotFoundError as exc:
        return not_found(request, exc)
    return redirect(f"/events/{event_id}/publish", msg="notify_opened", n=released)


@router.post("/events/{event_id}/publish")
def publish_plan(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        result = request.app.state.engine.publication.publish(event_id, who=_who(who))
    except NotFoundError as exc:
        return not_found(request, exc)
    if result.previous == result.plan_no:
        return redirect(f"/events/{event_id}/publish", msg="notify_same")
    return redirect(
        f"/events/{event_id}/publish", msg="notify_published", n=result.messages + result.released
    )


def _outbox_page(request: Request, event_id: str) -> Response:
    engine = request.app.state.engine
    try:
        record = engine.events.get(event_id)
        contacts = engine.publication.whatsapp(event_id, engine.store.ikms())
    except NotFoundError as exc:
        return not_found(request, exc)
    lang = page_lang(request)
    texts = TEXTS[lang]
    context = {
        "record": record,
        "messages": engine.outbox.messages(event_id=event_id, limit=SHOWN),
        "counts": engine.outbox.counts(event_id),
        "contacts": contacts,
        "mail_host": engine.settings.smtp_host,
        "clock": _clock(record, lang),
        "kind_label": lambda kind: texts.get(f"notify_kind_{kind}", kind),
    }
    return render(request, "outbox.html", context)


@router.get("/events/{event_id}/outbox")
async def outbox_page(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    return await run_in_threadpool(_outbox_page, request, event_id)  # reads the catalogue's IKMs


@router.post("/events/{event_id}/outbox/{message_id}/send")
def send_now(request: Request, event_id: str, message_id: int) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        request.app.state.engine.outbox.retry(message_id, event_id=event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    return redirect(f"/events/{event_id}/outbox", msg="notify_queued")
