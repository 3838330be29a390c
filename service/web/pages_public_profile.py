"""Public profiles and product photos.

``/events/{id}/profile/{participant}``: the public profile of one of the event's participants
(:func:`matching.app.public_profiles.public_profile`: name, place, products with photos, requirement; no
contact), for the signed-in participants of that event and for organisers. Anyone else is sent to sign in
(no session) or gets 404 (a participant of another event, someone not taking part in the event), so ids
cannot be probed.

``/photos/{photo_id}`` and ``/photos/{photo_id}/thumb``: the files of product photos. Product photos are
public catalogue content (like the search results that show them); ids are random and a photo never
changes under its id, so the files are cached for long. An unknown id is 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, PlainTextResponse

from matching.app.public_profiles import public_profile
from matching.errors import NotFoundError
from service.web.pages_search import certificate_name
from service.web.participant_auth import participant_or_response, signed_in
from service.web.render import not_found, page_lang, render, web_principal

router = APIRouter()
CACHE = "public, max-age=31536000, immutable"  # a photo id never names another file
NOT_HERE = "no such participant at this event"


def _kind_at(request: Request, event_id: str, participant_id: str) -> str | None:
    """``ikm`` or ``buyer`` when ``participant_id`` takes part in the event, else None."""
    participation = request.app.state.engine.participation
    for kind in ("ikm", "buyer"):
        if participation.takes_part(event_id, kind, participant_id):
            return kind
    return None


@router.get("/events/{event_id}/profile/{participant_id:path}")
def event_profile(request: Request, event_id: str, participant_id: str) -> Response:
    engine = request.app.state.engine
    principal = web_principal(request)
    if principal is None or not principal.is_organiser:
        who = signed_in(request)
        if who is None:
            if principal is None:
                answer = participant_or_response(request)  # the sign-in page, coming back here
                assert isinstance(answer, Response)
                return answer
            return not_found(request, NOT_HERE)
        account = who.account
        if not engine.participation.takes_part(event_id, account.kind, account.participant_id):
            return not_found(request, NOT_HERE)
    try:
        record = engine.events.get(event_id)
    except NotFoundError:
        return not_found(request, NOT_HERE)
    kind = _kind_at(request, event_id, participant_id)
    profile = public_profile(engine, participant_id, kind) if kind else None
    if profile is None:
        return not_found(request, NOT_HERE)
    organiser = principal is not None and principal.is_organiser
    back = f"/events/{event_id}" if organiser else f"/me/events/{event_id}"  # the event's page for them
    lang = page_lang(request)
    context = {"profile": profile, "record": record, "back": back}
    context["certificate"] = lambda code: certificate_name(code, lang)  # "SVLK (legalitas kayu)"
    return render(request, "public_profile.html", context)


def _photo(request: Request, photo_id: str, *, thumb: bool) -> Response:
    photos = request.app.state.engine.photos
    photo = photos.get(photo_id) if len(photo_id) <= 32 else None
    if photo is None:
        return PlainTextResponse("404 Not Found: no such photo\n", status_code=404)
    try:
        path = photos.path(photo, thumb=thumb)
    except ValueError:
        path = None
    if path is None or not path.is_file():
        return PlainTextResponse("404 Not Found: the photo's file is missing\n", status_code=404)
    return FileResponse(path, media_type=photo.content_type, headers={"Cache-Control": CACHE})


@router.get("/photos/{photo_id}")
def photo_file(request: Request, photo_id: str) -> Response:
    return _photo(request, photo_id, thumb=False)


@router.get("/photos/{photo_id}/thumb")
def photo_thumb(request: Request, photo_id: str) -> Response:
    return _photo(request, photo_id, thumb=True)
