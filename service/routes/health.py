"""``/health`` (the process answers), ``/ready`` (the engine can search), ``/metrics`` (Prometheus)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from service.deps import EngineDep
from service.observability import metrics_payload
from service.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Any:
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=Readiness,
    responses={
        503: {
            "model": Readiness,
            "description": "Search cannot work: the catalogue is empty, or the index is not built yet.",
        }
    },
)
def ready(engine: EngineDep, response: Response) -> Any:
    """Ready when search can work: the catalogue has products and the engine has built its search index;
    503 with the reason otherwise."""
    counts = engine.store.counts()
    loaded = engine.searcher_revision >= 0
    reason = None
    if not counts["products"]:
        reason = "empty catalogue"
    elif not loaded:
        reason = "index not built"
    if reason is not None:
        response.status_code = 503
    return {
        "status": "ready" if reason is None else ("starting" if counts["products"] else "not ready"),
        "reason": reason,
        "catalogue_revision": engine.store.revision(),
        "searcher_revision": engine.searcher_revision,
        "index_version": engine.index_version,
        "model_version": engine.ranker_version,
        "query_cache": engine.query_cache_stats(),
        **counts,
    }


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    payload, content_type = metrics_payload()
    return Response(payload, media_type=content_type)
