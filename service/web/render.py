"""What every page shares: the templates, the page language, who is logged in, redirects and error pages.

The language comes from ``?lang=id|en``, else the ``lang`` cookie, else Indonesian; a ``?lang=`` is
remembered in the cookie. The key comes from the ``matching_key`` cookie set by the login page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from matching.catalogue.schema import Entity
from matching.errors import NotFoundError
from matching.events.agendas import long_date
from matching.events.model import Event
from matching.store.accounts import SignedIn
from matching.store.keys import Role
from service.deps import COOKIE, Principal, key_limiter
from service.web.i18n import DEFAULT_LANG, LANGS, TEXTS, translator
from service.web.messages import problem
from service.web.participant_auth import signed_in

__all__ = [
    "LANG_COOKIE",
    "STATIC_DIR",
    "TEMPLATES",
    "flash",
    "forbidden",
    "local_moment",
    "login_redirect",
    "not_found",
    "organiser_or_response",
    "page_lang",
    "participant_company",
    "redirect",
    "render",
    "table_label",
    "web_principal",
]

LANG_COOKIE = "lang"
ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES = Jinja2Templates(directory=str(ROOT / "templates"))
_YEAR = 365 * 24 * 3600


def rupiah(value: object) -> str:
    """``391000`` -> ``Rp391.000``."""
    return f"Rp{int(value):,}".replace(",", ".") if isinstance(value, int | float) else str(value)


TEMPLATES.env.filters["rupiah"] = rupiah
TEMPLATES.env.filters["problem"] = (
    problem  # an engine problem line in the page language: {{ p | problem(lang) }}
)


def table_label(name: object, t: Callable[..., str]) -> str:
    """A table as the page names it: a number becomes "Meja 3" / "Table 3"; a name ("Booth A", "Meja 3")
    stays as the organiser wrote it, so no page says "Meja Meja 3"."""
    text = str(name)
    return t("table_n", name=text) if text.isdigit() else text


def local_moment(event: Event, moment: dt.datetime | None, lang: str) -> str:
    """A stored time in the event's zone, as the pages write it: ``10 Maret 2027, 17.00 WITA`` /
    ``10 March 2027, 17:00 WITA`` (empty for None)."""
    if moment is None:
        return ""
    here = event.local_time(moment)
    clock = here.strftime("%H:%M" if lang == "en" else "%H.%M")
    return f"{long_date(here.date(), lang)}, {clock} {event.time_zone}"


def page_lang(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in LANGS:
        return lang
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else DEFAULT_LANG


def web_principal(request: Request) -> Principal | None:
    """Who holds the cookie's key (None: no key, or an unknown or revoked one). Looked up once a request."""
    if hasattr(request.state, "web_principal"):
        known: Principal | None = request.state.web_principal
        return known
    principal = None
    text = request.cookies.get(COOKIE)
    if text:
        limiter, client = key_limiter(request)
        limiter.check(client)
        key = request.app.state.engine.keys.authenticate(text)
        if key is None:
            limiter.failed(client)
        else:
            request.state.key_id = key.key_id
            principal = Principal(role=key.role, key=key)
    request.state.web_principal = principal
    return principal


def _switch_url(request: Request, lang: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "msg", "n")]
    return f"{request.url.path}?{urlencode([*query, ('lang', lang)])}"


def flash(request: Request, t: Callable[..., str]) -> str | None:
    """The message a redirect asked for (``?msg=planned&n=3``), in the page language."""
    msg = request.query_params.get("msg", "")
    if f"flash_{msg}" not in TEXTS[DEFAULT_LANG]:
        return None
    n = request.query_params.get("n", "")
    return t(f"flash_{msg}", n=int(n) if n.isdigit() else "")


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """A page in the request's language, with the layout's values (menu, language switch, who is in)."""
    lang = page_lang(request)
    t = translator(lang)
    principal = web_principal(request)
    participant = signed_in(request)
    other = "en" if lang == "id" else "id"
    values = {
        "lang": lang,
        "t": t,
        "table_label": lambda name: table_label(name, t),
        "principal": principal,
        "is_organiser": principal is not None and principal.role is Role.ORGANISER,
        "participant": participant,  # a signed-in buyer's or IKM's user (SignedIn), or None
        "csrf_token": participant.csrf_token if participant else "",
        "participant_company": participant_company(request, participant) if participant else "",
        "switch_url": _switch_url(request, other),
        "other_lang": other,
        "path": request.url.path,
        "flash": flash(request, t),
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)
    if request.query_params.get("lang") in LANGS and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=_YEAR, samesite="lax")
    return response


def participant_company(request: Request, who: SignedIn) -> str:
    """The company (buyer) or IKM name the signed-in participant acts for (its id if none)."""
    account = who.account
    entity = Entity.BUYERS if account.kind == "buyer" else Entity.IKMS
    try:
        record = request.app.state.engine.store.get(entity, account.participant_id)
    except NotFoundError:
        return account.participant_id
    return str(record.company if account.kind == "buyer" else record.name)


def redirect(url: str, **query: str | int) -> RedirectResponse:
    """303 See Other (POST/redirect/GET) to ``url`` with ``query`` added."""
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query)
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)


def forbidden(request: Request, principal: Principal) -> Response:
    return render(request, "forbidden.html", {"role": principal.role.value}, status_code=403)


def not_found(request: Request, reason: Exception | str) -> Response:
    """The not-found page (404) saying what was not found."""
    return render(request, "not_found.html", {"message": str(reason)}, status_code=404)


def organiser_or_response(request: Request) -> Principal | Response:
    """The organiser holding the cookie's key, or the response to send instead (login page, 403 page)."""
    principal = web_principal(request)
    if principal is None:
        return login_redirect(request)
    if not principal.is_organiser:
        return forbidden(request, principal)
    return principal
