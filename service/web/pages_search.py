"""``/``: the buyer's search page, on the same path as ``POST /api/v1/search`` (the search batcher).

The form is a GET, so a search is a link: it can be bookmarked, shared and paged through. Results carry
no contact fields (an explanation has none); the page shows what matched and every requirement checked,
each as a sentence in the page's language (texts: :mod:`service.web.texts.search`).

Honest by construction: the green "meets every requirement" badge only when every stated requirement
(capacity, minimum order, certificates, province, price, lead time) is known to hold
(``Explanation.meets_requirements``); otherwise the requirements not met, and those not known, are listed
under the result. ``strict=1`` (the form's switch) hides IKMs that miss a requirement instead of ranking
them lower. A weak-match notice shows when the query names no known material or product type and the
results hardly match it (:func:`matching.ranking.explanations.weak_match`). No raw score, feature name or
comparison sign reaches the page: the score breakdown shows words and bars relative to the largest part.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from matching import Engine
from matching.common.regions import provinces
from matching.errors import MatchingError
from matching.ranking.explanations import Explanation, weak_match
from service.routes.search import run_search
from service.schemas import SEARCH_DEPTH, SearchRequest
from service.web.i18n import TEXTS, translator
from service.web.render import login_redirect, page_lang, render, web_principal

router = APIRouter()
PAGE_SIZES = (10, 20, 50)


def number(value: object, lang: str) -> str:
    """``1200`` -> ``1.200`` (Indonesian) or ``1,200`` (English)."""
    if not isinstance(value, int | float):
        return str(value)
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "id" else text


def money(value: object, lang: str) -> str:
    """``150000`` -> ``Rp150.000`` (Indonesian) or ``IDR 150,000`` (English)."""
    return f"Rp{number(value, lang)}" if lang == "id" else f"IDR {number(value, lang)}"


def certificate_name(code: str, lang: str) -> str:
    """A certificate in words (:data:`service.web.texts.search.CERTIFICATES`), else the lexicon's label."""
    key = f"search_cert_{code}"
    if key in TEXTS[lang]:
        return TEXTS[lang][key]
    concept = next((c for c in Engine.concepts("certification") if c.id == code), None)
    label = concept.labels.get(lang) if concept is not None else None
    return f"{code} ({label})" if label and label.replace(" ", "").lower() != code.lower() else code


def certificate_options(lang: str) -> list[dict[str, str]]:
    """Certificates to tick: the lexicon's ids, named in words in ``lang``."""
    return [{"value": c.id, "label": certificate_name(c.id, lang)} for c in Engine.concepts("certification")]


def _listed(values: object, lang: str, *, certificates: bool = False) -> str:
    items = values if isinstance(values, list) else [values]
    return ", ".join(certificate_name(str(v), lang) if certificates else str(v) for v in items)


def reason(check: dict[str, Any], lang: str) -> str:
    """One requirement check as a sentence in ``lang``, numbers and certificates in words."""
    name, status = check["name"], check["status"]
    key = f"search_reason_{name}_{status}"
    if key not in TEXTS[lang]:  # a check this page does not know yet: the engine's own sentence
        return str(check.get(lang) or check.get("en") or name)
    wanted, actual = check.get("wanted"), check.get("actual")
    if name == "certifications":
        values = {
            "wanted": _listed(wanted, lang, certificates=True),
            "actual": _listed(actual, lang, certificates=True),
        }
    elif name == "province":
        values = {"wanted": _listed(wanted, lang), "actual": str(actual)}
    elif name == "price":
        values = {"wanted": money(wanted, lang), "actual": money(actual, lang)}
    else:
        values = {"wanted": number(wanted, lang), "actual": number(actual, lang)}
    return translator(lang)(key, **values)


BREAKDOWN_ROWS = 8  # the largest parts of a score shown; the rest weigh little


# a part of the score that weighs a requirement -> the check that says the buyer stated it
_REQUIREMENT_OF = {
    "capacity_ok": "capacity",
    "capacity_ratio": "capacity",
    "moq_ok": "capacity",  # a quantity is stated
    "certs_ok": "certifications",
    "province_ok": "province",
    "price_ok": "price",
    "lead_time_ok": "lead_time",
}


def breakdown(parts: dict[str, float], lang: str, stated: set[str] | None = None) -> list[dict[str, Any]]:
    """The score's largest parts in words, each with its size relative to the largest (0-100) and its
    direction (raises or lowers the rank). Parts about a requirement the buyer did not state (``stated``:
    the names of the checks made) are left out: the ranker's neutral value for them explains nothing."""
    t = translator(lang)
    if stated is not None:
        parts = {n: v for n, v in parts.items() if n not in _REQUIREMENT_OF or _REQUIREMENT_OF[n] in stated}
    largest = max((abs(v) for v in parts.values()), default=0.0)
    rows = []
    for name, value in sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:BREAKDOWN_ROWS]:
        if not value or not largest:
            continue
        key = f"search_feat_{name}"
        rows.append(
            {
                "label": t(key) if key in TEXTS[lang] else t("search_feat_other"),
                "share": max(1, round(100 * abs(value) / largest)),
                "raises": value > 0,
            }
        )
    return rows


def result_view(rank: int, explanation: Explanation, lang: str) -> dict[str, Any]:
    """What the page shows of one result: names, what matched, each check as a sentence, the badge."""
    checks = [{"status": c["status"], "text": reason(c, lang)} for c in explanation.constraints]
    failing = [c["text"] for c in checks if c["status"] == "unmet"]
    unknown = [c["text"] for c in checks if c["status"] == "unknown"]
    badge: str | None
    if explanation.meets_requirements:
        badge = "good"
    elif failing:
        badge = "bad"
    else:
        badge = "neutral" if unknown else None  # nothing stated: nothing to vouch for
    return {
        "rank": rank,
        "ikm_name": explanation.ikm_name,
        "province": explanation.province,
        "matched": [m[lang] for m in explanation.materials] + [p[lang] for p in explanation.product_types],
        "materials": [m[lang] for m in explanation.materials],
        "product_types": [p[lang] for p in explanation.product_types],
        "products": [
            {"name": p["name"], "price": money(p["price_idr"], lang) if p.get("price_idr") else None}
            for p in explanation.products
        ],
        "checks": checks,
        "failing": failing,
        "unknown": unknown,
        "badge": badge,
        "breakdown": breakdown(
            explanation.score_breakdown, lang, {c["name"] for c in explanation.constraints}
        ),
    }


def _int(
    value: str | None, label: str, problems: list[str], lang: str, *, default: int | None = None
) -> int | None:
    value = (value or "").strip().replace(".", "").replace(",", "")
    if not value:
        return default
    if not value.isdigit():
        problems.append(translator(lang)("search_not_a_number", field=label, value=value))
        return default
    return int(value)


_FIELDS = {"quantity": "quantity", "max_unit_price_idr": "max_price", "deadline_days": "deadline"}


def read_form(request: Request, lang: str) -> tuple[dict[str, Any], SearchRequest | None, list[str]]:
    """The form's values as typed, the search they ask for (None: nothing asked yet) and any problems,
    each naming its field in ``lang``."""
    t = translator(lang)
    query = request.query_params
    problems: list[str] = []
    form: dict[str, Any] = {
        "q": query.get("q", "").strip(),
        "quantity": query.get("quantity", ""),
        "max_price": query.get("max_price", ""),
        "deadline": query.get("deadline", ""),
        "certifications": [c for c in query.getlist("cert") if c.strip()],
        "provinces": [p for p in query.getlist("province") if p.strip()],
        "strict": query.get("strict") == "1",
        "limit": _int(query.get("limit"), t("per_page"), problems, lang, default=10) or 10,
        "offset": _int(query.get("offset"), "offset", problems, lang, default=0) or 0,
    }
    if not form["q"]:
        return form, None, problems
    values = {
        "quantity": _int(form["quantity"], t("quantity"), problems, lang),
        "max_unit_price_idr": _int(form["max_price"], t("max_price"), problems, lang),
        "deadline_days": _int(form["deadline"], t("deadline"), problems, lang),
    }
    if problems:
        return form, None, problems
    try:
        body = SearchRequest(
            text=form["q"],
            certifications=form["certifications"],
            provinces=form["provinces"],
            hard_filters=form["strict"],
            lang=lang,  # type: ignore[arg-type]  # a str from LANGS; pydantic checks the Literal
            offset=min(form["offset"], SEARCH_DEPTH - 1),
            limit=min(form["limit"], SEARCH_DEPTH),
            **values,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            label = t(_FIELDS[field]) if field in _FIELDS else t("search_text")
            problems.append(t("search_bad_value", field=label))
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
    results: list[dict[str, Any]] = []
    count, error, status = 0, None, 200
    notice: str | None = None
    weak = False
    if body is not None:
        try:
            ranked = (await run_search(request, body)).results
        except MatchingError as exc:
            error, status = str(exc), 503
        else:
            count = len(ranked)
            notice = None if ranked else request.app.state.engine.search_notice()
            weak = weak_match(ranked)
            page = ranked[body.offset : body.offset + body.limit]
            results = [result_view(body.offset + i + 1, e, lang) for i, e in enumerate(page)]
            photos = request.app.state.engine.photos.first_of({e.ikm_id for e in page})
            for result, explanation in zip(results, page, strict=True):  # the IKM's first product photo
                found = photos.get(explanation.ikm_id)
                result["photo_id"] = found.photo_id if found is not None else None
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
        "weak_match": weak,
        "page_sizes": PAGE_SIZES,
        "certificate_options": certificate_options(lang),
        "province_options": provinces().names(),
    }
    return render(request, "search.html", context, status_code=422 if problems else status)
