"""Server-rendered web pages (Jinja2, Indonesian and English, every asset served locally).

=======================================  ==============================================================
``/login``, ``/logout``                  keep the API key in an HttpOnly cookie, or drop it
``/``                                    buyers search IKMs, with the reasons for every match
``/import``                              organisers upload CSV/XLSX files; rejected rows are listed
``/events``, ``/events/{id}``            organisers define, plan, re-schedule and download events
``/events/{id}/outcomes``                organisers rate the meetings of the newest plan
``/events/{id}/day``                     the event day console: check-in, previewed changes, log, undo
``/static/...``                          the stylesheet, script and icon (nothing from other hosts)
=======================================  ==============================================================

Texts live in :mod:`service.web.i18n`; the layout's shared values in :mod:`service.web.render`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from service.web import (
    pages_account,
    pages_console,
    pages_events,
    pages_import,
    pages_outcomes,
    pages_search,
)
from service.web.render import STATIC_DIR

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _module in (pages_account, pages_search, pages_import, pages_events, pages_console, pages_outcomes):
    router.include_router(_module.router)
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
