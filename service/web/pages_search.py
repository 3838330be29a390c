"""``/``: the buyer's search page, on the same path as ``POST /api/v1/search`` (the search batcher).

The form is a GET, so a search is a link: it can be bookmarked, shared and paged through. Results carry
no contact fields (an explanation has none); the page shows what matched and every constraint checked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from matching import Engine
from matching.common.regions import provinces
from matching.errors import MatchingError
from service.routes.search import match_public, run_search
from service.schemas import SEARCH_DEPTH, MatchPublic, SearchRequest
from service.web.render import login_redirect, page_lang, render, web_principal

router = APIRouter()
PAGE_SIZES = (10, 20, 50)


def certificate_options(lang: str) -> list[dict[str, str]]:
    """Certificates to tick: the lexicon's ids, with their name in ``lang`` where it says more."""
    options = []
    for concept in Engine.concepts("certification"):
        label = concept.labels.get(lang) or concept.id
        shown = (
            concept.id if label.replace(" ", "").lower() == concept.id.lower() else f"{concept.id} ({label})"
        )
        options.append({"value": concept.id, "label": shown})
    return options


def _int(value: str | None, field: str, problems: list[str], *, default: int | None = None) -> int | None:
    value = (value or "").strip().replace(".", "").replace(",", "")
    if not value:
        return default
    if not value.isdigit():
        problems.append(f"{field}: {value!r}")
        return default
    return int(value)


def read_form(request: Request, lang: str) -> tuple[dict[str, Any], SearchRequest | None, list[str]]:
    """The form's values as typed, the search they ask for (None: nothing asked yet) and any problems."""
    query = request.query_params
    problems: list[str] = []
    form: dict[str, Any] = {
        "q": query.get("q", "").strip(),
        "quantity": query.get("quantity", ""),
        "max_price": query.get("max_price", ""),
        "deadline": query.get("deadline", ""),
        "certifications": [c for c in query.getlist("cert") if c.strip()],
        "provinces": [p for p in query.getlist("province") if p.strip()],
        "limit": _int(query.get("limit"), "limit", problems, default=10) or 10,
        "offset": _int(query.get("offset"), "offset", problems, default=0) or 0,
    }
    if not form["q"]:
        return form, None, problems
    values = {
        "quantity": _int(form["quantity"], "quantity", problems),
        "max_unit_price_idr": _int(form["max_price"], "max_price", problems),
        "deadline_days": _int(form["deadline"], "deadline", problems),
    }
    if problems:
        return form, None, problems
    try:
        body = SearchRequest(
            text=form["q"],
            certifications=form["certifications"],
            provinces=form["provinces"],
            lang=lang,  # type: ignore[arg-type]  # a str from LANGS; pydantic checks the Literal
            offset=min(form["offset"], SEARCH_DEPTH - 1),
            limit=min(form["limit"], SEARCH_DEPTH),
            **values,
        )
    except ValidationError as exc:
        problems += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return form, None, problems
    return form, body, problems


def page_links(request: Request, count: int, offset: int, limit: int) -> list[dict[str, Any]]:
    """One link per page of results (the query with another offset)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "lang")]
    links = []
    for number, start in enumerate(range(0, count, limit), start=1):
        links.append(
            {
                "n": number,
                "url": "/?" + urlencode([*query, ("offset", str(start))]),
                "current": start <= offset < start + limit,
                "offset": start,
            }
        )
    return links


@router.get("/")
async def search_page(request: Request) -> Response:
    principal = web_principal(request)
    if principal is None and not request.app.state.service_settings.public_search:
        return login_redirect(request)
    lang = page_lang(request)
    form, body, problems = read_form(request, lang)
    results: list[MatchPublic] = []
    count, error, status = 0, None, 200
    notice: str | None = None
    if body is not None:
        try:
            ranked = (await run_search(request, body)).results
        except MatchingError as exc:
            error, status = str(exc), 503
        else:
            count = len(ranked)
            notice = None if ranked else request.app.state.engine.search_notice()
            page = ranked[body.offset : body.offset + body.limit]
            results = [match_public(body.offset + i + 1, e, lang) for i, e in enumerate(page)]
    offset, limit = (body.offset, body.limit) if body else (0, form["limit"])
    links = page_links(request, count, offset, limit) if count else []
    current = next((i for i, link in enumerate(links) if link["current"]), 0)
    context = {
        "form": form,
        "searched": body is not None,
        "results": results,
        "count": count,
        "first": offset + 1,
        "last": offset + len(results),
        "pages": links,
        "previous": links[current - 1] if links and current > 0 else None,
        "next": links[current + 1] if links and current + 1 < len(links) else None,
        "problems": problems,
        "error": error,
        "empty_catalogue": notice is not None,
        "page_sizes": PAGE_SIZES,
        "certificate_options": certificate_options(lang),
        "province_options": provinces().names(),
    }
    return render(request, "search.html", context, status_code=422 if problems else status)
