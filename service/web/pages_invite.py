"""``/invite/{token}``: accept an invitation; ``/events/{id}/register``: register for an event whose
registration is open (the organiser approves on ``/events/{id}/participants``).

Accepting shows the event and who is invited, asks a name and a password (or one-time codes instead),
creates or completes the account, signs it in and lands on ``/me``. A used, expired, revoked or unknown
link gets a page saying so and how to get a new one (410 / 404); nothing is created. The forms carry no
CSRF token (no session yet): the link's token is the secret, and the origin check covers the post.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.app.accounts import PasswordRejected
from matching.app.invitations import InvitationClosed, InvitationView
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.agendas import long_date
from service.web.i18n import translator
from service.web.pages_signin import sign_in_response
from service.web.render import not_found, page_lang, render

__all__ = ["router"]

router = APIRouter()


def _closed(request: Request, status: str) -> Response:
    code = 404 if status == "unknown" else 409 if status == "conflict" else 410
    return render(request, "invite_closed.html", {"status": status}, status_code=code)


def _invite_page(
    request: Request, view: InvitationView, *, status_code: int = 200, **context: Any
) -> Response:
    event = view.record.event
    values = {
        "view": view,
        "day": long_date(event.date, page_lang(request), weekday=True),
        "name": view.account.name if view.account else "",
        "method": "password",
        "error": None,
        **context,
    }
    return render(request, "invite.html", values, status_code=status_code)


@router.get("/invite/{token}")
async def invite_page(request: Request, token: str) -> Response:
    view = await run_in_threadpool(request.app.state.engine.invitations.look, token)
    if view is None:
        return _closed(request, "unknown")
    if view.status != "open":
        return _closed(request, view.status)
    return _invite_page(request, view)


@router.post("/invite/{token}")
async def accept_invitation(
    request: Request,
    token: str,
    name: Annotated[str, Form(max_length=200)] = "",
    method: Annotated[str, Form()] = "password",
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    invitations = request.app.state.engine.invitations
    view = await run_in_threadpool(invitations.look, token)
    if view is None:
        return _closed(request, "unknown")
    if view.status != "open":
        return _closed(request, view.status)
    chosen = "code" if method == "code" else "password"
    keeps_password = view.account is not None and view.account.has_password
    if chosen == "password" and not password and not keeps_password:
        return _invite_page(
            request, view, status_code=400, name=name, error="invite_password_missing", method=chosen
        )
    try:
        account = await run_in_threadpool(
            lambda: invitations.accept(
                token, name=name, password=password if chosen == "password" and password else None
            )
        )
    except PasswordRejected as exc:
        error = f"invite_password_{exc.reason}"
        return _invite_page(request, view, status_code=400, name=name, error=error, method=chosen)
    except InvitationClosed as exc:
        return _closed(request, exc.status)
    except ConflictError:
        return _closed(request, "conflict")
    return sign_in_response(request, account.user_id, "/me", msg="welcome")


# --- self-registration --------------------------------------------------------------------------------

_DETAILS = ("country", "requirement", "province", "regency", "description")


def _register_page(request: Request, event_id: str, status_code: int = 200, **context: Any) -> Response:
    engine = request.app.state.engine
    try:
        record = engine.events.get(event_id)
        settings = engine.participation.settings(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    form: dict[str, str] = {"kind": "buyer", **context.pop("form", {})}
    query = form.get("q", "")
    found = engine.invitations.search_catalogue(form["kind"], query) if query else []
    t = translator(page_lang(request))
    problems = context.pop("problems", [])
    labels = [t("register_search" if p == "participant_id" else f"register_{p}") for p in problems]
    values = {
        "record": record,
        "problems": problems,
        "problem_labels": labels,
        "open": settings.registration == "approval",
        "form": form,
        "found": found,
        "searched": bool(query),
        "day": long_date(record.event.date, page_lang(request), weekday=True),
        **context,
    }
    return render(request, "register.html", values, status_code=status_code)


@router.get("/events/{event_id}/register")
def register_page(request: Request, event_id: str) -> Response:
    wanted = ("kind", "company", "name", "email", "q", "participant_id", *_DETAILS)
    form = {k: request.query_params.get(k, "")[:300] for k in wanted if request.query_params.get(k)}
    return _register_page(request, event_id, form=form)


@router.post("/events/{event_id}/register")
async def register(request: Request, event_id: str) -> Response:
    raw = await request.form()
    form = {k: str(v)[:2000] for k, v in raw.items() if isinstance(v, str)}
    engine = request.app.state.engine
    try:
        settings = engine.participation.settings(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    if settings.registration != "approval":
        return _register_page(request, event_id, status_code=409, form=form)
    picked = form.get("participant_id", "")
    try:
        registration = await run_in_threadpool(
            lambda: engine.invitations.register(
                event_id,
                kind=form.get("kind", ""),
                email=form.get("email", "").strip(),
                name=form.get("name", ""),
                company=form.get("company", ""),
                participant_id=picked if picked and picked != "new" else None,
                details={k: form.get(k, "") for k in _DETAILS},
            )
        )
    except ConfigError as exc:
        problems = str(exc).split("fill in ", 1)[-1].split(", ")
        return _register_page(request, event_id, status_code=400, form=form, problems=problems)
    record = engine.events.get(event_id)
    context = {"record": record, "registration": registration}
    return render(request, "register_done.html", context)
