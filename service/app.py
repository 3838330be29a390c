"""FastAPI application factory. The engine is built once in the lifespan and shared by the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request

from matching import Engine, Settings

__all__ = ["create_app"]


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment (``MATCHING_*``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = Engine(settings or Settings())
        app.state.engine = engine
        try:
            yield
        finally:
            engine.close()

    app = FastAPI(title="IKM matching", version="0.1.0", lifespan=lifespan)

    @app.get("/api/v1/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/stats", tags=["catalogue"])
    def stats(engine: EngineDep) -> dict[str, Any]:
        return engine.stats()

    return app
