"""``/login`` and ``/logout``: the API key is kept in an HttpOnly, SameSite=Strict cookie.

Logging out is a POST (the button in every page's header); ``GET /logout`` only shows that button.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from service.deps import COOKIE, key_limiter
from service.web.render import redirect, render, web_principal

router = APIRouter()
_MONTH = 30 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never ``//host`` or ``https://...``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "wrong": False})


@router.post("/login")
def login(request: Request, key: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    text = key.strip()
    limiter, client = key_limiter(request)
    limiter.check(client)
    if not text or request.app.state.engine.keys.authenticate(text) is None:
        if text:
            limiter.failed(client)
        context = {"next": safe_next(next), "wrong": True}
        return render(request, "login.html", context, status_code=401)
    response = redirect(safe_next(next))
    response.set_cookie(
        COOKIE,
        text,
        max_age=_MONTH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/logout")
def logout_page(request: Request) -> Response:
    return render(request, "logout.html")


@router.post("/logout")
def logout(request: Request) -> Response:
    web_principal(request)  # names the key in the access log
    response = redirect("/login")
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return response
