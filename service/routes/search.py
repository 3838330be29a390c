"""``/search``: ranked IKMs for a requirement, with the reasons why. Any key (or none, if public)."""

from __future__ import annotations

import asyncio
from dataclasses import fields
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from matching.ranking.explanations import Explanation, weak_match
from service.batching import Ranked
from service.deps import EngineDep, SearcherDep
from service.errors import error_responses
from service.schemas import SEARCH_DEPTH, CatalogueStats, MatchPublic, SearchRequest, SearchResponse

router = APIRouter(prefix="/search", tags=["search"], responses=error_responses(401, 422))


_PUBLIC_FIELDS = [f.name for f in fields(Explanation) if f.name != "features"]


def match_public(rank: int, explanation: Explanation, lang: str) -> MatchPublic:
    """A search result as anyone may see it (an :class:`Explanation` carries no contact fields)."""
    data = {name: getattr(explanation, name) for name in _PUBLIC_FIELDS}  # no deep copy (asdict)
    return MatchPublic(
        rank=rank,
        feasible=explanation.feasible,
        meets_requirements=explanation.meets_requirements,
        summary=explanation.summary(lang),
        **data,
    )


async def run_search(request: Request, body: SearchRequest) -> Ranked:
    """The ranked results of ``body`` (all :data:`SEARCH_DEPTH` of them) via the search batcher, with the
    model version and catalogue revision that produced them."""
    structured: dict[str, Any] = {
        "quantity": body.quantity,
        "certifications": body.certifications,
        "provinces": body.provinces,
        "max_unit_price_idr": body.max_unit_price_idr,
        "deadline_days": body.deadline_days,
        "hard_filters": body.hard_filters,
    }
    future = request.app.state.batcher.submit(body.text, structured, SEARCH_DEPTH)
    return await asyncio.wrap_future(future)


def _respond(request: Request, body: SearchRequest, ranked: Ranked) -> SearchResponse:
    page = ranked.results[body.offset : body.offset + body.limit]
    notice = None if ranked.results else request.app.state.engine.search_notice()
    return SearchResponse(
        data=[match_public(body.offset + i + 1, e, body.lang) for i, e in enumerate(page)],
        count=len(ranked.results),
        offset=body.offset,
        limit=body.limit,
        model_version=ranked.model_version,
        catalogue_revision=ranked.catalogue_revision,
        notice=notice,
        weak_match=weak_match(ranked.results),
    )


@router.post(
    "",
    response_model=SearchResponse,
    summary="Rank IKMs for a requirement",
    responses=error_responses(400, 413),
)
async def search(request: Request, body: SearchRequest, _caller: SearcherDep) -> SearchResponse:
    """Free text in English or Indonesian plus structured filters; explanations in ``lang``."""
    return _respond(request, body, await run_search(request, body))


@router.get("", response_model=SearchResponse, summary="Rank IKMs for a requirement (query string)")
async def search_get(
    request: Request,
    _caller: SearcherDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="The requirement text.")],
    quantity: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
    certification: Annotated[list[str] | None, Query(max_length=40)] = None,
    province: Annotated[list[str] | None, Query(max_length=40)] = None,
    max_unit_price_idr: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
    deadline_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    hard_filters: bool = False,
    lang: Annotated[str, Query(pattern="^(en|id)$")] = "en",
    offset: Annotated[int, Query(ge=0, lt=SEARCH_DEPTH)] = 0,
    limit: Annotated[int, Query(ge=1, le=SEARCH_DEPTH)] = 10,
) -> SearchResponse:
    """The same search as ``POST /search``, for links and bookmarks."""
    body = SearchRequest(
        text=q,
        quantity=quantity,
        certifications=[c for c in certification or [] if c.strip()],
        provinces=[p for p in province or [] if p.strip()],
        max_unit_price_idr=max_unit_price_idr,
        deadline_days=deadline_days,
        hard_filters=hard_filters,
        lang=lang,  # type: ignore[arg-type]  # a str; pydantic checks it against the Literal
        offset=offset,
        limit=limit,
    )
    return _respond(request, body, await run_search(request, body))


stats_router = APIRouter(tags=["catalogue"], responses=error_responses(401))


@stats_router.get("/stats", response_model=CatalogueStats, summary="Catalogue counts")
def stats(engine: EngineDep, _caller: SearcherDep) -> Any:
    """IKMs by province and OVOP stars, products by material, buyers by country: for anyone who may search."""
    return engine.stats()
