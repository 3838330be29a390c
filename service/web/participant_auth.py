"""Who is signed in as a participant (a buyer's or an IKM's user), and the CSRF token of their forms.

Participants hold a session cookie (``matching_session``: HttpOnly, SameSite=Lax, Secure over HTTPS) made by
the sign-in pages; organisers keep using the key cookie (:mod:`service.web.pages_account`). Every form a
participant posts carries the session's CSRF token in a hidden ``csrf_token`` field (the layout gives it to
templates as ``csrf_token``); :func:`csrf_refusal` answers 403 when it is missing or wrong, on top of the
origin check every cookie-authenticated change already passes (:mod:`service.security`).

Pages for participants start with::

    who = participant_or_response(request)
    if isinstance(who, Response):
        return who          # the sign-in page (with ?next=), never a page of someone else
"""

from __future__ import annotations

import hmac
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

from matching.store.accounts import SignedIn

__all__ = [
    "SESSION_COOKIE",
    "SIGN_IN_PATH",
    "clear_session_cookie",
    "csrf_refusal",
    "participant_or_response",
    "set_session_cookie",
    "signed_in",
]

SESSION_COOKIE = "matching_session"
SIGN_IN_PATH = "/signin"


def signed_in(request: Request) -> SignedIn | None:
    """The participant session of the request's cookie (None: none, expired, or disabled). Looked up once."""
    if hasattr(request.state, "signed_in"):
        known: SignedIn | None = request.state.signed_in
        return known
    token = request.cookies.get(SESSION_COOKIE, "")
    found = request.app.state.engine.accounts.session(token) if token else None
    if found is not None:
        request.state.user_id = found.account.user_id  # names the user in the access log
    request.state.signed_in = found
    return found


def participant_or_response(request: Request) -> SignedIn | Response:
    """The signed-in participant, or a redirect to the sign-in page that comes back here afterwards."""
    found = signed_in(request)
    if found is not None:
        return found
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{SIGN_IN_PATH}?next={quote(here, safe='')}", status_code=303)


def csrf_refusal(request: Request, who: SignedIn, token: str | None) -> Response | None:
    """None if ``token`` (the form's ``csrf_token``) is the session's; else the 403 response to send."""
    if token and hmac.compare_digest(token.encode(), who.csrf_token.encode()):
        return None
    return PlainTextResponse(
        "403 Forbidden: the form is missing its security token or it is out of date; "
        "reload the page and send it again.\n",
        status_code=403,
    )


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",  # the e-mailed links (agenda, invitation answers) open signed in
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
