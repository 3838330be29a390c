"""``/events/{id}/participants``: the organiser's view of who takes part, with accounts and invitations.

The event's buyers and IKMs with their catalogue address, their users (last sign-in) and the newest
invitation's status; select some and "Kirim undangan" (to the catalogue address), or "Tambah pengguna"
(another staff user of an IKM or buyer, at a typed address); withdraw an open invitation; open or close
self-registration and approve or refuse registrations. The links just made are shown once on the page
that answers the post (for WhatsApp when e-mail is slow); they are never shown again.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.agendas import UTC_OFFSETS
from service.deps import Principal
from service.web.render import not_found, organiser_or_response, redirect, render

__all__ = ["router"]

router = APIRouter()


def base_url(request: Request) -> str:
    """Where links in e-mails point: the configured public URL, else this request's own address."""
    return request.app.state.engine.settings.public_url or str(request.base_url)


def _by(principal: Principal) -> str:
    return principal.key.name if principal.key is not None else "organiser"


def _page(request: Request, event_id: str, **context: Any) -> Response:
    engine = request.app.state.engine
    try:
        record = engine.events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    invitations = engine.invitations
    zone = record.event.time_zone
    shift = dt.timedelta(hours=UTC_OFFSETS.get(zone, 7))
    values = {
        "local": lambda when: f"{(when + shift).strftime('%d-%m-%Y %H:%M')} {zone}",
        "record": record,
        "entries": invitations.participants(event_id),
        "registrations": invitations.registrations(event_id),
        "settings": engine.participation.settings(event_id),
        "now": dt.datetime.now(dt.UTC),
        "register_link": f"{base_url(request).rstrip('/')}/events/{event_id}/register",
        "links": [],
        "no_address": [],
        "refusals": [],
        "nothing": False,
        **context,
    }
    return render(request, "participants.html", values)


@router.get("/events/{event_id}/participants")
def participants_page(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    return _page(request, event_id)


def _invite_all(
    request: Request, event_id: str, picks: list[tuple[str, str, str | None]], by: str
) -> dict[str, Any]:
    """Invite each (kind, participant id, address or None); what the page reports back."""
    invitations = request.app.state.engine.invitations
    links, no_address, refusals = [], [], []
    for kind, pid, email in picks:
        try:
            invitation, link = invitations.invite(
                event_id, kind, pid, by=by, base_url=base_url(request), email=email
            )
        except ConfigError:
            no_address.append(pid)
        except (ConflictError, NotFoundError) as exc:
            refusals.append(f"{pid}: {exc}")
        else:
            links.append((pid, invitation.email, link))
    return {"links": links, "no_address": no_address, "refusals": refusals}


@router.post("/events/{event_id}/participants/invite")
async def invite_selected(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    form = await request.form()
    picks: list[tuple[str, str, str | None]] = []
    for value in form.getlist("pick"):
        kind, _, pid = str(value).partition(":")
        if kind in ("buyer", "ikm") and pid:
            picks.append((kind, pid, None))
    if not picks:
        return _page(request, event_id, nothing=True)
    result = await run_in_threadpool(_invite_all, request, event_id, picks, _by(who))
    return _page(request, event_id, **result)


@router.post("/events/{event_id}/participants/add-user")
async def add_user(
    request: Request,
    event_id: str,
    participant: Annotated[str, Form()] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    kind, _, pid = participant.partition(":")
    if not email.strip() or "@" not in email:
        return _page(request, event_id, refusals=[f"{pid}: {email or '-'}"])
    result = await run_in_threadpool(_invite_all, request, event_id, [(kind, pid, email)], _by(who))
    return _page(request, event_id, **result)


@router.post("/events/{event_id}/participants/revoke")
def revoke(request: Request, event_id: str, invitation: Annotated[str, Form()] = "") -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        request.app.state.engine.invitations.revoke(event_id, invitation)
    except NotFoundError as exc:
        return not_found(request, exc)
    return redirect(f"/events/{event_id}/participants", msg="invitation_revoked")


@router.post("/events/{event_id}/participants/registration")
def switch_registration(request: Request, event_id: str, value: Annotated[str, Form()] = "") -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        request.app.state.engine.participation.update_settings(
            event_id, registration="approval" if value == "approval" else "closed"
        )
    except NotFoundError as exc:
        return not_found(request, exc)
    return redirect(f"/events/{event_id}/participants", msg="registration_switched")


@router.post("/events/{event_id}/registrations/{registration_id}/{decision}")
async def decide(request: Request, event_id: str, registration_id: int, decision: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    invitations = request.app.state.engine.invitations
    if decision not in ("approve", "refuse"):
        return not_found(request, f"no action {decision!r}")
    try:
        if decision == "refuse":
            invitations.refuse(event_id, registration_id, by=_by(who))
            return redirect(f"/events/{event_id}/participants", msg="registration_refused")
        registration, link = await run_in_threadpool(
            lambda: invitations.approve(event_id, registration_id, by=_by(who), base_url=base_url(request))
        )
    except NotFoundError as exc:
        return not_found(request, exc)
    except (ConflictError, ConfigError) as exc:
        return _page(request, event_id, refusals=[f"{registration_id}: {exc}"])
    links = [(registration.participant_id, registration.email, link)]
    return _page(request, event_id, links=links)
