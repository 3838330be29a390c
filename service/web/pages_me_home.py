"""``/me``: a signed-in participant's home: its events (date in the event's zone) and the links of each.

Other parts of the participant side add their pages here by adding ONE line to :data:`ME_LINKS`
(a path template, the text key of its label, and whether it is per event or global)::

    MeLink("/me/events/{event_id}/agenda", "me_link_agenda"),          # one link per event
    MeLink("/me/profile", "me_link_profile", per_event=False),         # one link on the page

Every label is a key of the page texts (``service/web/texts/<area>.py``, both languages).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.events.agendas import UTC_OFFSETS, long_date
from service.web.participant_auth import participant_or_response
from service.web.render import page_lang, render

__all__ = ["ME_LINKS", "MeLink", "router"]

router = APIRouter()


@dataclass(frozen=True)
class MeLink:
    """A link on ``/me``: ``path`` may hold ``{event_id}`` (then ``per_event``: one link per event)."""

    path: str
    text: str  # a key of the page texts
    per_event: bool = True


# one line per page of the participant side (keep to one line each so parallel additions merge cleanly)
ME_LINKS: list[MeLink] = [
    MeLink("/me/events/{event_id}/agenda", "my_agenda_title"),
    MeLink("/me/events/{event_id}", "req_partners_title"),
    MeLink("/me/events/{event_id}/requests", "req_requests_title"),
    MeLink("/me/events/{event_id}/rate", "rate_title"),
    MeLink("/me/profile", "myprofile_title", per_event=False),
]


@router.get("/me")
async def me_home(request: Request) -> Response:
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    engine = request.app.state.engine
    account = who.account
    records = await run_in_threadpool(engine.participation.events_of, account.kind, account.participant_id)
    lang = page_lang(request)
    events = [
        {
            "record": record,
            "day": long_date(record.event.date, lang, weekday=True),
            "zone": record.event.time_zone,
            "offset": UTC_OFFSETS.get(record.event.time_zone, 7),
            "links": [
                {"href": link.path.format(event_id=record.event_id), "text": link.text}
                for link in ME_LINKS
                if link.per_event
            ],
        }
        for record in records
    ]
    context = {
        "account": account,
        "events": events,
        "links": [{"href": link.path, "text": link.text} for link in ME_LINKS if not link.per_event],
    }
    return render(request, "me_home.html", context)
