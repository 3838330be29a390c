"""The access sweep of issue 16 (TestClient, hashing encoder): every participant route of the app, and the
organiser's participant pages, against no session, a participant of another event, another participant's
ids, forms without the CSRF token, the wrong kind of credentials, contact details before a meeting is
agreed, and repeated failed sign-ins.

The routes are read from the app itself (:func:`app_routes`: every path under ``/me``, ``/photos``,
``/invite``, ``/signin``, the event's profile, agenda, register and organiser participant pages, and any
route of a page module that reads the participant session), so a route added later without a line in
:data:`ROUTES` fails :func:`test_every_participant_route_is_in_the_table` with its name. Each line says which
side the route is on and how to fill its path (and form) with the acting participant's own ids and with
someone else's.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from matching import Engine, Settings
from matching.app.whatsapp import whatsapp_number
from matching.catalogue.schema import Entity
from matching.events.plan_files import read_plan_rows
from service import create_app
from service.deps import COOKIE
from service.web.i18n import TEXTS
from service.web.participant_auth import SESSION_COOKIE
from tests.service.conftest import participant_session

EVENT = """name: Temu Bisnis Ketak
date: 2026-03-10
venue: Islamic Center NTB, Mataram
time_zone: WITA
slot_minutes: 20
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B001, B003]
ikms: [I0003, I0035, I0038, I0042]
"""
OTHER = """name: Pameran Lain
date: 2026-03-11
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B007]
ikms: [I0050]
"""
FRESH = """name: Temu Rotan Pasundan
date: 2027-05-04
sessions: [{start: "09:00", end: "12:00"}]
tables: 2
buyers: [B010]
ikms: [I0060, I0061]
"""
# who acts: the session's participant (all of "ev" except the strangers, who take part in "lain" only)
ACTORS = {
    "buyer": ("buyer", "B001"),
    "ikm": ("ikm", "I0003"),
    "peer_buyer": ("buyer", "B003"),
    "peer_ikm": ("ikm", "I0035"),
    "stranger_buyer": ("buyer", "B007"),
    "stranger_ikm": ("ikm", "I0050"),
}
EVERYONE = (
    "B001",
    "B003",
    "B007",
    "B010",
    "I0003",
    "I0035",
    "I0038",
    "I0042",
    "I0050",
    "I0060",
    "I0061",
    "I0070",
)
VOLATILE = {"web_sessions", "agenda_views", "sign_in_failures", "api_keys", "meta"}  # change on reads
PREFIXES = ("/me", "/photos", "/invite", "/signin", "/signout")
EVENT_PAGES = (
    "/profile/",
    "/agenda/",
    "/register",
    "/participants",
    "/registrations/",
    "/requests",
    "/publish",
    "/outbox",
)


# -- the world: one engine, three events, requests, products and photos of several participants -----------


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass
class World:
    engine: Engine
    own_product: str  # I0003's
    peer_product: str  # I0035's
    own_photo: str
    peer_photo: str
    my_request: int  # B001 -> I0042, pending
    peer_request: int  # B003 -> I0035, pending
    stranger_request: int  # B007 -> I0050 at "lain"
    met: str  # an IKM B001 meets in the published plan
    unmet: str  # an IKM B003 meets and B001 does not
    invitation: str  # the token of an open invitation of B003
    csrf: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)


def _plan_pairs(engine: Engine, event_id: str) -> list[tuple[str, str]]:
    folder = engine.events.plan_record(event_id).folder
    return [(r["buyer_id"], r["ikm_id"]) for r in read_plan_rows(folder / "meetings.csv") if r["slot_start"]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("access-home"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for event_id, source in (("ev", EVENT), ("lain", OTHER), ("fresh", FRESH)):
        eng.events.create(source, event_id=event_id)
        eng.participation.update_settings(event_id, opened_at=opened)
    for event_id in ("ev", "lain"):
        eng.events.plan(event_id, time_limit=5)
        eng.participation.update_settings(event_id, published_plan_no=1, published_at=opened)
    accounts = {name: participant_session(eng, kind, pid) for name, (kind, pid) in ACTORS.items()}
    requests = eng.requests
    mine = requests.send("ev", accounts["buyer"][0], "I0042", "Kami mencari tas ketak.")
    peer = requests.send("ev", accounts["peer_buyer"][0], "I0035", "Boleh bertemu?")
    stranger = requests.send("lain", accounts["stranger_buyer"][0], "I0050", "Halo")
    own_product = eng.profile_edits.products("I0003")[0].product_id
    peer_product = eng.profile_edits.products("I0035")[0].product_id
    own_photo = eng.photos.upload("I0003", own_product, jpeg(), uploaded_by=accounts["ikm"][0].user_id)
    peer_photo = eng.photos.upload("I0035", peer_product, jpeg(), uploaded_by=accounts["peer_ikm"][0].user_id)
    pairs = _plan_pairs(eng, "ev")
    met = sorted(i for b, i in pairs if b == "B001")
    unmet = sorted({i for b, i in pairs if b == "B003"} - set(met))
    assert met and unmet, f"the plan should leave B001 an IKM that only B003 meets: {pairs}"
    _invitation, link = eng.invitations.invite(
        "ev", "buyer", "B003", by="panitia", base_url="http://testserver", email="undangan-b003@example.id"
    )
    world = World(
        engine=eng,
        own_product=own_product,
        peer_product=peer_product,
        own_photo=own_photo.photo_id,
        peer_photo=peer_photo.photo_id,
        my_request=mine.request_id,
        peer_request=peer.request_id,
        stranger_request=stranger.request_id,
        met=met[0],
        unmet=unmet[0],
        invitation=link.rstrip("/").rsplit("/", 1)[-1],
    )
    for name, (_account, token) in accounts.items():
        found = eng.accounts.session(token)
        assert found is not None
        world.sessions[name], world.csrf[name] = token, found.csrf_token
    assert len(snapshot(world)["photo files"]) >= 4  # the snapshot sees the photos and their thumbnails
    yield world
    eng.wait_for_refresh(60)
    eng.close()


# -- the table: every route, its side, and how to fill it ------------------------------------------------

PARTICIPANT, ORGANISER, PUBLIC = "participant", "organiser", "public"


@dataclass(frozen=True)
class Call:
    path: str
    form: dict[str, str] = field(default_factory=dict)
    photo: bool = False  # attach a JPEG as the form's "photo"


@dataclass(frozen=True)
class Rule:
    """One route: its side; ``own``: the call with the acting participant's (``actor``) own ids; ``others``:
    (actor, call) with someone else's ids, each refused 404/403; ``no_ids``: why a participant route has
    none to swap (it acts on the session's own record only); ``public``: why anyone may open it."""

    side: str
    own: Callable[[World], Call]
    actor: str = "buyer"
    others: Callable[[World], list[tuple[str, Call]]] = lambda w: []
    no_ids: str = ""
    public: str = ""


def _ev(path: str) -> Callable[[World], Call]:
    return lambda w: Call(path.format(e="ev"))


def _elsewhere(path: str, *actors: str) -> Callable[[World], list[tuple[str, Call]]]:
    """The page of the event "ev" asked by participants of another event, and of an unknown event."""
    return lambda w: (
        [(a, Call(path.format(e="ev"))) for a in actors] + [("buyer", Call(path.format(e="nope")))]
    )


ROUTES: dict[tuple[str, str], Rule] = {
    # the participant's own pages
    ("GET", "/me"): Rule(PARTICIPANT, _ev("/me"), no_ids="lists the session's own events"),
    ("GET", "/me/profile"): Rule(PARTICIPANT, _ev("/me/profile"), no_ids="the session's own record"),
    ("POST", "/me/profile"): Rule(
        PARTICIPANT,
        lambda w: Call("/me/profile", {"requirement": "Tas ketak anyaman, 500 buah", "buyer_id": "B003"}),
        no_ids="saves the session's own record (a buyer_id in the form is ignored)",
    ),
    ("POST", "/me/profile/products"): Rule(
        PARTICIPANT,
        lambda w: Call("/me/profile/products", {"product_id": w.own_product, "name": "Tas ketak bulat"}),
        actor="ikm",
        others=lambda w: [
            ("ikm", Call("/me/profile/products", {"product_id": w.peer_product, "name": "Diambil alih"})),
            ("stranger_ikm", Call("/me/profile/products", {"product_id": w.own_product, "name": "Diubah"})),
        ],
    ),
    ("POST", "/me/profile/products/delete"): Rule(
        PARTICIPANT,
        lambda w: Call("/me/profile/products/delete", {"product_id": w.own_product}),
        actor="ikm",
        others=lambda w: [
            ("ikm", Call("/me/profile/products/delete", {"product_id": w.peer_product})),
            ("stranger_ikm", Call("/me/profile/products/delete", {"product_id": w.own_product})),
        ],
    ),
    ("POST", "/me/profile/photos"): Rule(
        PARTICIPANT,
        lambda w: Call("/me/profile/photos", {"product_id": w.own_product}, photo=True),
        actor="ikm",
        others=lambda w: [
            ("ikm", Call("/me/profile/photos", {"product_id": w.peer_product}, photo=True)),
            ("stranger_ikm", Call("/me/profile/photos", {"product_id": w.own_product}, photo=True)),
        ],
    ),
    ("POST", "/me/profile/photos/delete"): Rule(
        PARTICIPANT,
        lambda w: Call("/me/profile/photos/delete", {"photo_id": w.own_photo}),
        actor="ikm",
        others=lambda w: [
            ("ikm", Call("/me/profile/photos/delete", {"photo_id": w.peer_photo})),
            ("stranger_ikm", Call("/me/profile/photos/delete", {"photo_id": w.own_photo})),
        ],
    ),
    ("GET", "/me/events/{event_id}"): Rule(
        PARTICIPANT,
        _ev("/me/events/{e}"),
        others=_elsewhere("/me/events/{e}", "stranger_buyer", "stranger_ikm"),
    ),
    ("POST", "/me/events/{event_id}/requests"): Rule(
        PARTICIPANT,
        lambda w: Call("/me/events/ev/requests", {"to": "I0038", "message": "Halo"}),
        others=lambda w: [
            ("stranger_buyer", Call("/me/events/ev/requests", {"to": "I0038"})),
            ("buyer", Call("/me/events/ev/requests", {"to": "I0050"})),  # an IKM of another event
            ("buyer", Call("/me/events/ev/requests", {"to": "I0070"})),  # an IKM of no event
            ("buyer", Call("/me/events/lain/requests", {"to": "I0050"})),
        ],
    ),
    ("GET", "/me/events/{event_id}/requests"): Rule(
        PARTICIPANT,
        _ev("/me/events/{e}/requests"),
        others=_elsewhere("/me/events/{e}/requests", "stranger_buyer", "stranger_ikm"),
    ),
    ("POST", "/me/events/{event_id}/requests/{request_id}/{action}"): Rule(
        PARTICIPANT,
        lambda w: Call(f"/me/events/ev/requests/{w.my_request}/withdraw"),
        others=lambda w: [
            ("buyer", Call(f"/me/events/ev/requests/{w.peer_request}/withdraw")),  # B003's request
            ("ikm", Call(f"/me/events/ev/requests/{w.peer_request}/accept")),  # to I0035, not to I0003
            ("ikm", Call(f"/me/events/ev/requests/{w.my_request}/decline")),  # to I0042, not to I0003
            ("buyer", Call(f"/me/events/ev/requests/{w.stranger_request}/withdraw")),  # of another event
            ("stranger_buyer", Call(f"/me/events/ev/requests/{w.my_request}/withdraw")),
            ("buyer", Call(f"/me/events/ev/requests/{w.my_request}/approve")),  # no such step
        ],
    ),
    ("GET", "/me/events/{event_id}/agenda"): Rule(
        PARTICIPANT,
        _ev("/me/events/{e}/agenda"),
        others=_elsewhere("/me/events/{e}/agenda", "stranger_buyer", "stranger_ikm"),
    ),
    ("GET", "/me/events/{event_id}/agenda.ics"): Rule(
        PARTICIPANT,
        _ev("/me/events/{e}/agenda.ics"),
        others=_elsewhere("/me/events/{e}/agenda.ics", "stranger_buyer"),
    ),
    ("GET", "/me/events/{event_id}/rate"): Rule(
        PARTICIPANT, _ev("/me/events/{e}/rate"), others=_elsewhere("/me/events/{e}/rate", "stranger_buyer")
    ),
    ("POST", "/me/events/{event_id}/rate"): Rule(
        PARTICIPANT,
        lambda w: Call("/me/events/ev/rate", {"with": w.met, "day_outcome": "deal_agreed"}),
        others=lambda w: [
            ("buyer", Call("/me/events/ev/rate", {"with": w.unmet, "day_outcome": "deal_agreed"})),
            ("stranger_buyer", Call("/me/events/ev/rate", {"with": w.met, "day_outcome": "deal_agreed"})),
            ("buyer", Call("/me/events/lain/rate", {"with": "I0050", "day_outcome": "deal_agreed"})),
        ],
    ),
    ("GET", "/events/{event_id}/profile/{participant_id:path}"): Rule(
        PARTICIPANT,
        _ev("/events/{e}/profile/I0035"),
        others=lambda w: [
            ("buyer", Call("/events/ev/profile/I0070")),  # in the catalogue, not at the event
            ("buyer", Call("/events/ev/profile/I0050")),  # at another event
            ("buyer", Call("/events/lain/profile/I0050")),
            ("stranger_buyer", Call("/events/ev/profile/I0035")),
        ],
    ),
    ("GET", "/events/{event_id}/agenda/{participant_id:path}"): Rule(
        PARTICIPANT,
        _ev("/events/{e}/agenda/B001"),
        others=lambda w: [
            ("buyer", Call("/events/ev/agenda/B003")),
            ("buyer", Call("/events/ev/agenda/I0035")),
            ("stranger_buyer", Call("/events/ev/agenda/B001")),
            ("stranger_buyer", Call("/events/lain/agenda/B001")),
        ],
    ),
    ("POST", "/signout"): Rule(PARTICIPANT, _ev("/signout"), no_ids="ends the session's own sign-in"),
    # open to anyone: signing in, invitations, registration, product photos
    ("GET", "/signin"): Rule(PUBLIC, _ev("/signin"), public="the sign-in form"),
    ("POST", "/signin"): Rule(
        PUBLIC,
        lambda w: Call("/signin", {"email": "b003@peserta.example", "password": "salah"}),
        public="signs in",
    ),
    ("GET", "/signin/code"): Rule(PUBLIC, _ev("/signin/code"), public="the one-time code form"),
    ("POST", "/signin/code/send"): Rule(
        PUBLIC,
        lambda w: Call("/signin/code/send", {"email": "b003@peserta.example"}),
        public="e-mails a code",
    ),
    ("POST", "/signin/code"): Rule(
        PUBLIC,
        lambda w: Call("/signin/code", {"email": "b003@peserta.example", "code": "12345"}),
        public="signs in with a code",
    ),
    ("GET", "/invite/{token}"): Rule(
        PUBLIC,
        lambda w: Call(f"/invite/{w.invitation}"),
        public="the link's token is the secret; a wrong one is 404",
    ),
    ("POST", "/invite/{token}"): Rule(
        PUBLIC,
        lambda w: Call("/invite/not-a-token", {"name": "Siapa", "password": "rahasia-panjang-sekali"}),
        public="the link's token is the secret; a wrong one is 404",
    ),
    ("GET", "/events/{event_id}/register"): Rule(
        PUBLIC, lambda w: Call("/events/ev/register?q=Ketak"), public="self-registration (names only)"
    ),
    ("POST", "/events/{event_id}/register"): Rule(
        PUBLIC,
        lambda w: Call("/events/ev/register", {"kind": "buyer", "email": "baru@example.id", "name": "Baru"}),
        public="self-registration, refused while closed",
    ),
    ("GET", "/photos/{photo_id}"): Rule(
        PUBLIC, lambda w: Call(f"/photos/{w.peer_photo}"), public="product photos are catalogue content"
    ),
    ("GET", "/photos/{photo_id}/thumb"): Rule(
        PUBLIC, lambda w: Call(f"/photos/{w.peer_photo}/thumb"), public="product photos are catalogue content"
    ),
    # the organiser's participant pages
    ("GET", "/events/{event_id}/participants"): Rule(ORGANISER, _ev("/events/{e}/participants")),
    ("POST", "/events/{event_id}/participants/invite"): Rule(
        ORGANISER, lambda w: Call("/events/ev/participants/invite", {"pick": "buyer:B003"})
    ),
    ("POST", "/events/{event_id}/participants/add-user"): Rule(
        ORGANISER,
        lambda w: Call(
            "/events/ev/participants/add-user", {"participant": "ikm:I0035", "email": "x@example.id"}
        ),
    ),
    ("POST", "/events/{event_id}/participants/revoke"): Rule(
        ORGANISER, lambda w: Call("/events/ev/participants/revoke", {"invitation": w.invitation})
    ),
    ("POST", "/events/{event_id}/participants/registration"): Rule(
        ORGANISER, lambda w: Call("/events/ev/participants/registration", {"value": "approval"})
    ),
    ("POST", "/events/{event_id}/registrations/{registration_id}/{decision}"): Rule(
        ORGANISER, _ev("/events/{e}/registrations/1/approve")
    ),
    ("GET", "/events/{event_id}/requests"): Rule(ORGANISER, _ev("/events/{e}/requests")),
    ("POST", "/events/{event_id}/requests/settings"): Rule(
        ORGANISER, lambda w: Call("/events/ev/requests/settings", {"mode": "auto"})
    ),
    ("POST", "/events/{event_id}/requests/{request_id}/status"): Rule(
        ORGANISER, lambda w: Call(f"/events/ev/requests/{w.peer_request}/status", {"status": "accepted"})
    ),
    ("GET", "/events/{event_id}/publish"): Rule(ORGANISER, _ev("/events/{e}/publish")),
    ("POST", "/events/{event_id}/publish/open"): Rule(ORGANISER, _ev("/events/{e}/publish/open")),
    ("POST", "/events/{event_id}/publish"): Rule(ORGANISER, _ev("/events/{e}/publish")),
    ("GET", "/events/{event_id}/outbox"): Rule(ORGANISER, _ev("/events/{e}/outbox")),
    ("POST", "/events/{event_id}/outbox/{message_id}/send"): Rule(
        ORGANISER, _ev("/events/{e}/outbox/1/send")
    ),
}


def _reads_participants(module: str) -> bool:
    """Whether a page module looks at the participant session (its routes belong in the table)."""
    source = inspect.getsource(sys.modules[module])
    return any(name in source for name in ("participant_or_response", "signed_in(", "csrf_refusal"))


def _is_participant_area(method: str, path: str, module: str) -> bool:
    if path.startswith(PREFIXES) or _reads_participants(module):
        return True
    return path.startswith("/events/{event_id}/") and any(part in path for part in EVENT_PAGES)


def app_routes(app: FastAPI) -> set[tuple[str, str, str]]:
    """(method, path, the endpoint's module) of every route the app serves, included routers flattened."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str, str]]:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:  # FastAPI >= 0.16x keeps included routers as one entry
                yield from walk(included.routes, prefix + route.include_context.prefix)
                continue
            module = getattr(getattr(route, "endpoint", None), "__module__", None) or __name__
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    yield method, prefix + route.path, module

    return set(walk(app.routes, ""))


# -- clients, the store, contact details ---------------------------------------------------------------

_OPEN: dict[tuple[str | None, ...], TestClient] = {}


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.popitem()[1].__exit__(None, None, None)


def client(
    world: World,
    actor: str | None = None,
    *,
    key: str | None = None,
    token: str | None = None,
    fresh: bool = False,
) -> TestClient:
    """A started client (its own app) with the actor's session, a session token or a key cookie; the same
    one again within a test unless ``fresh``. Closed after the test."""
    wanted = (actor, key, token, str(len(_OPEN)) if fresh else None)
    if wanted in _OPEN:
        return _OPEN[wanted]
    c = TestClient(
        create_app(engine=world.engine), follow_redirects=False, headers={"Origin": "http://testserver"}
    )
    _OPEN[wanted] = c.__enter__()
    if actor is not None:
        c.cookies.set(SESSION_COOKIE, world.sessions[actor])
    if token is not None:
        c.cookies.set(SESSION_COOKIE, token)
    if key is not None:
        c.cookies.set(COOKIE, key)
    return c


def send(c: TestClient, method: str, call: Call, csrf: str | None = None, **headers: str) -> Any:
    """The call's response (the TestClient's, httpx's or httpx2's ``Response``)."""
    if method == "GET":
        return c.get(call.path, headers=headers)
    form = dict(call.form) | ({"csrf_token": csrf} if csrf is not None else {})
    files = {"photo": ("foto.jpg", jpeg(), "image/jpeg")} if call.photo else None
    return c.post(call.path, data=form, files=files, headers=headers)


def snapshot(world: World) -> dict[str, list[str]]:
    """Every row of every table that a refused request must not change, and the photo files."""
    home = world.engine.settings.home
    with sqlite3.connect(f"file:{home / 'matching.sqlite'}?mode=ro", uri=True) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {n: sorted(map(repr, db.execute(f'SELECT * FROM "{n}"'))) for n in names if n not in VOLATILE}
    rows["photo files"] = sorted(str(p.relative_to(home)) for p in home.rglob("photos/**/*") if p.is_file())
    return rows


def contacts_of(engine: Engine, participant_id: str) -> list[str]:
    """The catalogue's contact details of a buyer or IKM, as they could be written on a page."""
    if participant_id.startswith("B"):
        buyer = engine.store.get(Entity.BUYERS, participant_id)
        return [buyer.contact_email] if buyer.contact_email else []
    ikm = engine.store.get(Entity.IKMS, participant_id)
    found = [ikm.contact_email, ikm.contact_phone, ikm.contact_name, whatsapp_number(ikm.contact_phone)]
    return [value for value in found if value]


def leaked(engine: Engine, body: str, people: tuple[str, ...] | set[str] | list[str]) -> list[str]:
    return [f"{pid}: {value}" for pid in people for value in contacts_of(engine, pid) if value in body]


def counterparts(world: World, actor: str) -> set[str]:
    """Whose contact details ``actor`` may see: its own, its published meetings', its accepted requests'."""
    _kind, pid = ACTORS[actor]
    seen = {pid}
    for event_id in ("ev", "lain"):
        for buyer, ikm in _plan_pairs(world.engine, event_id):
            if pid in (buyer, ikm):
                seen |= {buyer, ikm}
    for event_id in ("ev", "lain"):
        for r in world.engine.requests.for_event(event_id, status="accepted"):
            if pid in r.pair:
                seen |= set(r.pair)
    return seen


def strangers_to(world: World, actor: str) -> list[str]:
    return [pid for pid in EVERYONE if pid not in counterparts(world, actor)]


# -- the sweep ------------------------------------------------------------------------------------------


def test_every_participant_route_is_in_the_table(world: World) -> None:
    routes = app_routes(create_app(engine=world.engine))
    served = {(method, path) for method, path, module in routes if _is_participant_area(method, path, module)}
    assert len(served) >= 40  # the walk reaches the pages (included routers flattened)
    missing = sorted(served - ROUTES.keys())
    assert not missing, (
        "participant routes without a line in tests/service/test_participant_access.py ROUTES "
        f"(say who may open them and how to fill their ids): {missing}"
    )
    stale = sorted(ROUTES.keys() - served)
    assert not stale, f"ROUTES names routes the app no longer serves: {stale}"
    for (method, path), rule in ROUTES.items():
        if rule.side == PARTICIPANT:
            assert rule.no_ids or rule.others(world), f"{method} {path}: no swapped ids and no reason why"
        if rule.side == PUBLIC:
            assert rule.public, f"{method} {path}: open to anyone, but the table does not say why"


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_without_a_session_no_data(world: World, method: str, path: str) -> None:
    rule = ROUTES[(method, path)]
    call = rule.own(world)
    response = send(client(world), method, call)
    if rule.side == PARTICIPANT:
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/signin?next=")
        if method == "GET":
            assert unquote(response.headers["location"]) == f"/signin?next={call.path}"
    elif rule.side == ORGANISER:
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert not leaked(world.engine, response.text, EVERYONE)


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k, r in ROUTES.items() if r.side == PARTICIPANT and not r.no_ids)
)
def test_someone_elses_ids_are_not_found(world: World, method: str, path: str) -> None:
    rule = ROUTES[(method, path)]
    for actor, call in rule.others(world):
        before = snapshot(world) if method == "POST" else None
        response = send(client(world, actor), method, call, csrf=world.csrf[actor])
        assert response.status_code in (403, 404), (actor, method, call.path, response.status_code)
        assert not leaked(world.engine, response.text, strangers_to(world, actor)), (actor, call.path)
        if before is not None:
            assert snapshot(world) == before, (actor, call.path)


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k, r in ROUTES.items() if r.side == PARTICIPANT and k[0] == "GET")
)
def test_own_pages_show_no_one_elses_contacts(world: World, method: str, path: str) -> None:
    rule = ROUTES[(method, path)]
    for actor in ("buyer", "ikm", "peer_ikm"):
        response = send(client(world, actor), method, rule.own(world))
        assert response.status_code in (200, 303, 404), (actor, path, response.status_code)
        assert not leaked(world.engine, response.text, strangers_to(world, actor)), (actor, path)


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k, r in ROUTES.items() if r.side == PARTICIPANT and k[0] == "POST")
)
def test_a_form_without_its_token_changes_nothing(world: World, method: str, path: str) -> None:
    rule = ROUTES[(method, path)]
    call = rule.own(world)
    c = client(world, rule.actor)
    before = snapshot(world)
    for token in (None, "", "vals-token", world.csrf["peer_buyer"]):  # missing, empty, made up, another's
        response = send(c, method, call, csrf=token)
        assert response.status_code == 403, (path, token, response.status_code)
    assert snapshot(world) == before
    assert world.engine.accounts.session(world.sessions[rule.actor]) is not None  # not signed out either


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k, r in ROUTES.items() if r.side != PARTICIPANT and k[0] == "POST")
)
def test_a_cross_site_form_changes_nothing(world: World, method: str, path: str) -> None:
    """Forms without a session (sign-in, invitation, registration) and the organiser's (key cookie) carry
    no CSRF token: the origin check refuses them from another site."""
    rule = ROUTES[(method, path)]
    organiser = world.engine.keys.create("organiser", "Meja panitia")[1]
    c = client(world, key=organiser if rule.side == ORGANISER else None)
    before = snapshot(world)
    response = send(c, method, rule.own(world), Origin="https://jahat.example")
    assert response.status_code == 403
    assert snapshot(world) == before


@pytest.mark.parametrize(("method", "path"), sorted(k for k, r in ROUTES.items() if r.side == ORGANISER))
def test_participants_and_buyer_keys_are_not_organisers(world: World, method: str, path: str) -> None:
    rule = ROUTES[(method, path)]
    call = rule.own(world)
    before = snapshot(world)
    as_participant = send(client(world, "buyer"), method, call)
    assert as_participant.status_code == 303 and as_participant.headers["location"].startswith("/login?next=")
    buyer_key = world.engine.keys.create("buyer", "Pembeli", buyer_id="B001")[1]
    as_buyer = send(client(world, key=buyer_key), method, call)
    assert as_buyer.status_code == 403
    assert not leaked(world.engine, as_buyer.text, EVERYONE)
    assert snapshot(world) == before
    if method == "GET":  # the refusals are not for want of a page: the organiser gets one
        organiser = world.engine.keys.create("organiser", "Meja panitia")[1]
        assert send(client(world, key=organiser), method, call).status_code == 200


@pytest.mark.parametrize(("method", "path"), sorted(k for k, r in ROUTES.items() if r.side == PARTICIPANT))
def test_a_buyer_key_is_not_the_participants_session(world: World, method: str, path: str) -> None:
    rule = ROUTES[(method, path)]
    buyer_key = world.engine.keys.create("buyer", "Pembeli", buyer_id="B001")[1]
    before = snapshot(world)
    response = send(client(world, key=buyer_key), method, rule.own(world))
    if response.status_code == 303:
        assert response.headers["location"].startswith("/signin?next=")
    else:
        assert response.status_code in (403, 404), (path, response.status_code)
    assert not leaked(world.engine, response.text, EVERYONE)
    assert snapshot(world) == before


def test_public_routes_show_no_contact_details(world: World) -> None:
    for (method, path), rule in sorted(ROUTES.items()):
        if rule.side != PUBLIC:
            continue
        response = send(client(world), method, rule.own(world))
        assert response.status_code < 500, (path, response.status_code)
        assert not leaked(
            world.engine,
            response.text if "image" not in response.headers.get("content-type", "") else "",
            EVERYONE,
        ), path
    photo = client(world).get(f"/photos/{world.peer_photo}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert client(world).get("/photos/no-such-photo").status_code == 404
    assert client(world).get("/invite/not-a-token").status_code == 404


def _probe_pairs(w: World) -> list[tuple[str, str, Call, Call, tuple[str, str]]]:
    """(actor, method, someone else's, made up, the two ids): answers that must not tell them apart."""
    return [
        ("buyer", "GET", Call("/me/events/lain"), Call("/me/events/tidak-ada"), ("lain", "tidak-ada")),
        (
            "buyer",
            "GET",
            Call("/events/ev/profile/I0070"),
            Call("/events/ev/profile/I9999"),
            ("I0070", "I9999"),
        ),
        ("buyer", "GET", Call("/events/ev/agenda/B003"), Call("/events/ev/agenda/B999"), ("B003", "B999")),
        (
            "buyer",
            "POST",
            Call(f"/me/events/ev/requests/{w.peer_request}/withdraw"),
            Call("/me/events/ev/requests/987654/withdraw"),
            (str(w.peer_request), "987654"),
        ),
        (
            "ikm",
            "POST",
            Call("/me/profile/products/delete", {"product_id": w.peer_product}),
            Call("/me/profile/products/delete", {"product_id": "P99999"}),
            (w.peer_product, "P99999"),
        ),
        (
            "ikm",
            "POST",
            Call("/me/profile/photos/delete", {"photo_id": w.peer_photo}),
            Call("/me/profile/photos/delete", {"photo_id": "f" * 32}),
            (w.peer_photo, "f" * 32),
        ),
        (
            "buyer",
            "POST",
            Call("/me/events/ev/rate", {"with": w.unmet, "day_outcome": "deal_agreed"}),
            Call("/me/events/ev/rate", {"with": "I9999", "day_outcome": "deal_agreed"}),
            (w.unmet, "I9999"),
        ),
    ]


def _masked(text: str, value: str) -> str:
    return re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", "ID", text)


def test_someone_elses_ids_cannot_be_told_from_made_up_ones(world: World) -> None:
    """A refusal of another participant's id reads like the answer for an id that does not exist."""
    for actor, method, theirs, made_up, (their_id, made_up_id) in _probe_pairs(world):
        c = client(world, actor)
        one = send(c, method, theirs, csrf=world.csrf[actor])
        two = send(c, method, made_up, csrf=world.csrf[actor])
        assert one.status_code == two.status_code == 404, (theirs.path, one.status_code, two.status_code)
        assert _masked(one.text, their_id) == _masked(two.text, made_up_id), theirs.path


# -- contact details before and after a request is accepted ---------------------------------------------


def test_contacts_appear_only_once_a_request_is_accepted(world: World) -> None:
    engine = world.engine
    buyer_account, buyer_token = participant_session(engine, "buyer", "B010")
    ikm_account, ikm_token = participant_session(engine, "ikm", "I0060")
    buyer, ikm = client(world, token=buyer_token), client(world, token=ikm_token)
    request = engine.requests.send("fresh", buyer_account, "I0060", "Kami cari kursi rotan.")
    pages = {
        buyer: (
            "/me",
            "/me/events/fresh",
            "/me/events/fresh/requests",
            "/events/fresh/profile/I0060",
            "/events/fresh/profile/I0061",
            "/me/events/fresh/agenda",
        ),
        ikm: (
            "/me",
            "/me/events/fresh",
            "/me/events/fresh/requests",
            "/events/fresh/profile/B010",
            "/me/events/fresh/agenda",
        ),
    }
    other = {buyer: "I0060", ikm: "B010"}
    assert contacts_of(engine, "I0060") and contacts_of(engine, "B010")
    for c, paths in pages.items():
        for path in paths:
            response = c.get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert not leaked(engine, response.text, (other[c], "I0061")), path
    engine.requests.answer("fresh", request.request_id, ikm_account, accept=True)
    seen = buyer.get("/me/events/fresh/requests").text
    assert leaked(engine, seen, ("I0060",)) and not leaked(engine, seen, ("I0061",))
    assert "rotanpasundan70@yahoo.co.id" in seen  # the e-mail address, at least
    assert leaked(engine, ikm.get("/me/events/fresh/requests").text, ("B010",))
    assert not leaked(
        engine, buyer.get("/events/fresh/profile/I0060").text, ("I0060",)
    )  # public stays public


# -- failed sign-ins ------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_address(world: World) -> None:
    engine = world.engine
    account, _token = participant_session(engine, "buyer", "B010", email="kunci@example.id")
    password = "kata-sandi-yang-benar-123"
    engine.sign_ins.set_password(account.user_id, password)
    c = client(world, fresh=True)
    wrong = [
        c.post("/signin", data={"email": "kunci@example.id", "password": "bukan-ini-123"}).status_code
        for _ in range(5)
    ]
    assert wrong == [401, 401, 401, 401, 429]  # the fifth failure starts the lockout
    right = c.post("/signin", data={"email": "kunci@example.id", "password": password})
    assert right.status_code == 429 and SESSION_COOKIE not in right.cookies
    assert TEXTS["id"]["signin_locked"].format(minutes=15) in right.text
    english = c.post("/signin?lang=en", data={"email": "kunci@example.id", "password": password})
    assert english.status_code == 429


def test_five_wrong_codes_lock_the_address_too(world: World) -> None:
    participant_session(world.engine, "ikm", "I0061", email="kode-kunci@example.id")
    c = client(world, fresh=True)
    assert c.post("/signin/code/send", data={"email": "kode-kunci@example.id"}).status_code == 200
    wrong = [
        c.post("/signin/code", data={"email": "kode-kunci@example.id", "code": "12345"}).status_code
        for _ in range(5)
    ]
    assert wrong == [401, 401, 401, 401, 429]
    again = c.post("/signin/code/send", data={"email": "kode-kunci@example.id"})
    assert again.status_code == 429 and TEXTS["id"]["signin_locked"].format(minutes=15) in again.text


def test_a_client_cycling_through_addresses_is_slowed(world: World) -> None:
    c = client(world, fresh=True)  # its own app: its own limiter
    statuses = [
        c.post("/signin", data={"email": f"tebak{n}@example.id", "password": "coba-coba-123"}).status_code
        for n in range(12)
    ]
    assert statuses[:10] == [401] * 10  # no address failed five times: only the client's count stops it
    assert statuses[10:] == [429, 429]
    account, _token = participant_session(world.engine, "ikm", "I0061", email="benar@example.id")
    world.engine.sign_ins.set_password(account.user_id, "kata-sandi-yang-benar-456")
    right = c.post("/signin", data={"email": "benar@example.id", "password": "kata-sandi-yang-benar-456"})
    assert right.status_code == 429 and SESSION_COOKIE not in right.cookies  # a right password waits too
    other_client = client(world, fresh=True)  # another app: as another client address, counted apart
    assert (
        other_client.post("/signin", data={"email": "tebak0@example.id", "password": "x"}).status_code == 401
    )


# -- last: the own ids really work (so the refusals above are not for want of a right call) --------------


@pytest.mark.parametrize(("method", "path"), sorted(k for k, r in ROUTES.items() if r.side == PARTICIPANT))
def test_own_ids_with_the_token_are_served(world: World, method: str, path: str) -> None:
    rule = ROUTES[(method, path)]
    _account, token = participant_session(world.engine, *ACTORS[rule.actor])
    found = world.engine.accounts.session(token)
    assert found is not None
    call = rule.own(world)
    peer = world.engine.store.get(Entity.BUYERS, "B003")
    response = send(client(world, token=token), method, call, csrf=found.csrf_token)
    assert response.status_code in (200, 303), (path, response.status_code, response.text[:300])
    assert not response.headers.get("location", "").startswith(("/signin?next=", "/login"))
    assert world.engine.store.get(Entity.BUYERS, "B003") == peer  # a buyer_id in the form changes no one else
    if path == "/signout":  # the cookie is dead afterwards, even if a copy was kept
        assert world.engine.accounts.session(token) is None
        assert client(world, token=token).get("/me").headers["location"].startswith("/signin?next=")


def test_a_disabled_account_is_signed_out_everywhere(world: World) -> None:
    account, token = participant_session(world.engine, "ikm", "I0038")
    c = client(world, token=token)
    assert c.get("/me/events/ev").status_code == 200
    world.engine.accounts.disable(account.user_id)
    for path in ("/me", "/me/events/ev", "/me/events/ev/agenda", "/events/ev/profile/B001"):
        response = c.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?next="), path
