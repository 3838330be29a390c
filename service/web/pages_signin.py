"""``/signin``, ``/signin/code`` and ``POST /signout``: participants sign in with a password or a one-time
code e-mailed to them, and sign out.

Both ways answer alike for an unknown address and a wrong password or code (the engine makes sure), and
say how long to wait when the address is locked out after too many failures. Wrong tries also count per
client address in the app's key limiter (the API key pages' one), which answers 429 when a client floods.
Sign-in forms carry no CSRF token (no session yet); the origin check of :mod:`service.security` covers them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.app.accounts import SignInResult
from service.deps import key_limiter
from service.web.pages_account import safe_next
from service.web.participant_auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    csrf_refusal,
    participant_or_response,
    set_session_cookie,
    signed_in,
)
from service.web.render import redirect, render

__all__ = ["router", "sign_in_response"]

router = APIRouter()
HOME = "/me"


def _next(target: str | None) -> str:
    found = safe_next(target)
    return HOME if found == "/" else found


def sign_in_response(request: Request, user_id: str, target: str, **query: str) -> Response:
    """Start a session for the account, set its cookie and go to ``target``."""
    accounts = request.app.state.engine.accounts
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        accounts.end_session(previous)  # this browser's earlier session (maybe of another account) ends
    token, session = accounts.start_session(user_id)
    response = redirect(target, **query)
    max_age = int((session.expires_at - dt.datetime.now(dt.UTC)).total_seconds())
    set_session_cookie(request, response, token, max_age)
    return response


def _minutes(until: dt.datetime) -> int:
    return max(1, math.ceil((until - dt.datetime.now(dt.UTC)).total_seconds() / 60))


def _page(request: Request, method: str, status_code: int = 200, **context: Any) -> Response:
    values = {"method": method, "next": "", "email": "", "error": None, "sent": False, **context}
    return render(request, "signin.html", values, status_code=status_code)


def _answer(request: Request, result: SignInResult, method: str, email: str, target: str) -> Response:
    """The page after a sign-in attempt: signed in, locked out (429, and for how long), or refused (401)."""
    limiter, client = key_limiter(request)
    if result.account is not None:
        return sign_in_response(request, result.account.user_id, target)
    if result.locked_until is not None:
        return _page(request, method, 429, next=target, email=email, locked=_minutes(result.locked_until))
    limiter.failed(client)
    wrong = "signin_wrong" if method == "password" else "signin_code_wrong"
    return _page(request, method, 401, next=target, email=email, error=wrong, sent=method == "code")


@router.get("/signin")
def signin_page(request: Request, next: str = "", method: str = "password") -> Response:
    if signed_in(request) is not None and not next:
        return redirect(HOME)
    return _page(request, "code" if method == "code" else "password", next=_next(next))


@router.post("/signin")
async def signin(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    limiter, client = key_limiter(request)
    limiter.check(client)
    result = await run_in_threadpool(request.app.state.engine.sign_ins.with_password, email, password)
    return _answer(request, result, "password", email.strip(), _next(next))


@router.get("/signin/code")
def code_page(request: Request, next: str = "") -> Response:
    return _page(request, "code", next=_next(next))


@router.post("/signin/code/send")
async def send_code(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    limiter, client = key_limiter(request)
    limiter.check(client)
    target = _next(next)
    if "@" not in email:
        return _page(request, "code", 400, next=target, email=email, error="signin_code_wrong")
    locked = await run_in_threadpool(request.app.state.engine.sign_ins.send_code, email)
    if locked is not None:
        return _page(request, "code", 429, next=target, email=email, locked=_minutes(locked))
    return _page(request, "code", next=target, email=email.strip(), sent=True)


@router.post("/signin/code")
async def signin_with_code(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    limiter, client = key_limiter(request)
    limiter.check(client)
    result = await run_in_threadpool(request.app.state.engine.sign_ins.with_code, email, code)
    return _answer(request, result, "code", email.strip(), _next(next))


@router.post("/signout")
def signout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    refused = csrf_refusal(request, who, csrf_token)
    if refused is not None:
        return refused
    request.app.state.engine.accounts.end_session(request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/signin", msg="signed_out")
    clear_session_cookie(response)
    return response
