"""Server-rendered web pages (Jinja2, Indonesian and English, every asset served locally).

=======================================  ==============================================================
``/login``, ``/logout``                  keep the API key in an HttpOnly cookie, or drop it
``/``                                    buyers search IKMs, with the reasons for every match
``/import``                              organisers upload CSV/XLSX files; rejected rows are listed
``/events``, ``/events/{id}``            organisers define, plan, re-schedule and download events
``/events/new``, ``/events/{id}/edit``   organisers build an event through a form (YAML: import/export)
``/events/{id}/outcomes``                organisers rate the meetings of the newest plan
``/events/{id}/dashboard``               organisers see the event's figures as charts, download the report
``/events/{id}/agenda/{participant}``    one participant's day (the printed agendas' QR codes open it)
``/events/{id}/day``                     the event day console: check-in, previewed changes, log, undo
``/me/events/{id}`` (+ ``/requests``)     participants' recommended partners and meeting requests
``/events/{id}/requests``                organisers see and override meeting requests, set mode/deadline
``/me/events/{id}/agenda``, ``.../rate``  a signed-in participant's own agenda (+ ``.ics``) and ratings
``/signin``, ``/signin/code``            participants sign in (password or e-mailed code); ``/signout``
``/invite/{token}``                      accept an invitation: name, password, signed in
``/events/{id}/register``                register for an event whose registration is open
``/events/{id}/participants``            organisers invite participants, add users, approve registrations
``/me``                                  a signed-in participant's home: its events and their pages
``/events/{id}/publish``, ``.../outbox`` organisers open the event, publish agendas, see e-mails, WhatsApp
``/me/profile``                          a participant keeps its own record (needs; profile, products, photos)
``/events/{id}/profile/{participant}``   an event participant's public profile (no contact)
``/photos/{id}`` (and ``/thumb``)       product photos and their thumbnails
``/static/...``                          the stylesheet, script and icon (nothing from other hosts)
=======================================  ==============================================================

Texts live in :mod:`service.web.i18n`; the layout's shared values in :mod:`service.web.render`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from service.web import (
    pages_account,
    pages_agenda,
    pages_builder,
    pages_console,
    pages_dashboard,
    pages_events,
    pages_import,
    pages_invite,
    pages_me_home,
    pages_my_agenda,
    pages_notify,
    pages_outcomes,
    pages_participants,
    pages_profile,
    pages_public_profile,
    pages_requests,
    pages_search,
    pages_signin,
)
from service.web.render import STATIC_DIR

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
# the builder first: its /events/new must not be read as the event called "new"
_PAGES = (
    pages_account,
    pages_search,
    pages_import,
    pages_builder,
    pages_events,
    pages_console,
    pages_outcomes,
    pages_dashboard,
    pages_agenda,
    pages_requests,
    pages_my_agenda,
    pages_me_home,
    pages_signin,
    pages_invite,
    pages_participants,
    pages_notify,
    pages_profile,
    pages_public_profile,
)
for _module in _PAGES:
    router.include_router(_module.router)
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
