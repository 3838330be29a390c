"""The API's documentation pages, served whole by this app: no CDN, no inline script.

``{prefix}/docs`` is Swagger UI, ``{prefix}/redoc`` is ReDoc, both over ``{prefix}/openapi.json``. Their
JavaScript and CSS come from the ``fastapi-offline`` package (MIT), which ships Swagger UI 5.32.6
(Apache-2.0) and ReDoc 2.5.3 (MIT) as files; they are served at ``{prefix}/docs/assets/``. Each page is
started by ``/static/docs.js``, which reads the OpenAPI address from the page, so the pages' security
policy (:data:`service.security.DOCS_POLICY`) allows scripts from this origin only.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_DIR", "add_docs"]

ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
{head}
</head>
<body>
<div id="api-docs" data-kind="{kind}" data-openapi="{openapi}"></div>
{scripts}
<script src="/static/docs.js" defer></script>
</body>
</html>
"""


def _page(title: str, kind: str, openapi: str, head: str, scripts: str) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(title=escape(title), kind=kind, openapi=escape(openapi), head=head, scripts=scripts)
    )


def add_docs(app: FastAPI, prefix: str) -> None:
    """Swagger UI at ``{prefix}/docs`` and ReDoc at ``{prefix}/redoc``, with their assets from this app."""
    assets = f"{prefix}/docs/assets"
    openapi = app.openapi_url or f"{prefix}/openapi.json"
    app.mount(assets, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(
            f"{app.title} - Swagger UI",
            "swagger",
            openapi,
            f'<link rel="stylesheet" href="{assets}/swagger-ui.css">',
            f'<script src="{assets}/swagger-ui-bundle.js" defer></script>',
        )

    @app.get(f"{prefix}/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(
            f"{app.title} - ReDoc",
            "redoc",
            openapi,
            "",
            f'<script src="{assets}/redoc.standalone.js" defer></script>',
        )
