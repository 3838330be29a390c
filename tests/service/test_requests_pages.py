"""Recommended partners and meeting requests through the app (TestClient, hashing encoder): what each side
sees, swapped ids refused (404), steps the rules refuse (403), CSRF-less posts refused, no contact detail
before a meeting is agreed, and the organiser's page (filter, override, mode and deadline)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings, demo_data_dir
from matching.catalogue.schema import Entity
from service import create_app
from service.deps import COOKIE
from service.web.i18n import TEXTS
from service.web.participant_auth import SESSION_COOKIE
from tests.service.conftest import participant_session

ID, EN = TEXTS["id"], TEXTS["en"]
OTHER_EVENT = """
name: Pameran Lain
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
buyers: [B002]
ikms: [I0001]
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("req-pages"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    eng.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"), event_id="ev")
    eng.events.create(OTHER_EVENT, event_id="other")
    now = dt.datetime.now(dt.UTC)
    eng.participation.update_settings("ev", opened_at=now - dt.timedelta(hours=1))
    eng.participation.update_settings("other", opened_at=now - dt.timedelta(hours=1))
    yield eng
    eng.close()


_OPEN: list[TestClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().__exit__(None, None, None)


def app_client(engine: Engine, *, session: str | None = None, key: str | None = None) -> TestClient:
    """A started client (the app's lifespan ran), closed after the test."""
    c = TestClient(create_app(engine=engine), follow_redirects=False, headers={"Origin": "http://testserver"})
    _OPEN.append(c.__enter__())
    if session:
        c.cookies.set(SESSION_COOKIE, session)
    if key:
        c.cookies.set(COOKIE, key)
    return c


def signed(engine: Engine, kind: str, pid: str) -> tuple[TestClient, str]:
    """A client signed in as ``pid``'s user, and its session's CSRF token."""
    _account, token = participant_session(engine, kind, pid)
    found = engine.accounts.session(token)
    assert found is not None
    return app_client(engine, session=token), found.csrf_token


def test_a_buyer_sees_the_events_ikms_with_reasons_and_no_contacts(engine: Engine) -> None:
    buyer, _csrf = signed(engine, "buyer", "B012")
    page = buyer.get("/me/events/ev")
    assert page.status_code == 200
    html = page.text
    assert ID["req_partners_title"] in html and ID["req_why"] in html and ID["req_send"] in html
    shown = set(re.findall(r'id="partner-([^"]+)"', html))
    members = engine.participation.members("ev", "ikm")
    assert shown and shown <= members  # only this event's IKMs
    for ikm_id in shown:
        ikm = engine.store.get(Entity.IKMS, ikm_id)
        for secret in (ikm.contact_phone, ikm.contact_email, ikm.contact_name):
            assert not secret or secret not in html
    search = buyer.get("/me/events/ev", params={"q": "tas ketak", "lang": "en"})
    assert search.status_code == 200 and "Results for" in search.text


def test_an_ikm_sees_the_events_buyers_ranked_and_can_search(engine: Engine) -> None:
    ikm, _csrf = signed(engine, "ikm", "I0070")
    html = ikm.get("/me/events/ev").text
    shown = re.findall(r'id="partner-([^"]+)"', html)
    assert shown and set(shown) <= engine.participation.members("ev", "buyer")
    buyer = engine.store.get(Entity.BUYERS, shown[0])
    assert not buyer.contact_email or buyer.contact_email not in html
    found = re.findall(r'id="partner-([^"]+)"', ikm.get("/me/events/ev", params={"q": "Cairns"}).text)
    assert found == ["B001"]


def test_pages_need_a_session_and_the_participants_event(engine: Engine) -> None:
    anonymous = app_client(engine)
    for path in ("/me/events/ev", "/me/events/ev/requests"):
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=")
    assert anonymous.post("/me/events/ev/requests", data={"to": "I0042"}).status_code == 303
    outsider, csrf = signed(engine, "buyer", "B002")  # takes part in "other" only
    assert outsider.get("/me/events/ev").status_code == 404
    assert outsider.get("/me/events/ev/requests").status_code == 404
    assert outsider.get("/me/events/no-such-event").status_code == 404
    refused = outsider.post("/me/events/ev/requests", data={"to": "I0042", "csrf_token": csrf})
    assert refused.status_code == 404
    assert not engine.requests.for_event("ev")
    # a partner of another event is not found either
    buyer, buyer_csrf = signed(engine, "buyer", "B013")
    assert (
        buyer.post("/me/events/ev/requests", data={"to": "I0001", "csrf_token": buyer_csrf}).status_code
        == 404
    )


def test_a_request_is_sent_answered_and_guarded(engine: Engine) -> None:
    buyer, buyer_csrf = signed(engine, "buyer", "B001")
    ikm, ikm_csrf = signed(engine, "ikm", "I0042")
    no_token = buyer.post("/me/events/ev/requests", data={"to": "I0042", "message": "Halo"})
    assert no_token.status_code == 403 and not engine.requests.for_event("ev")
    sent = buyer.post(
        "/me/events/ev/requests",
        data={"to": "I0042", "message": "Kami mencari tas ketak.", "csrf_token": buyer_csrf},
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/me/events/ev?msg=req_sent"
    (request,) = [r for r in engine.requests.for_event("ev") if r.pair == ("B001", "I0042")]
    again = buyer.post("/me/events/ev/requests", data={"to": "I0042", "csrf_token": buyer_csrf})
    assert again.status_code == 409 and ID["req_refused_duplicate"] in again.text
    too_long = buyer.post(
        "/me/events/ev/requests", data={"to": "I0050", "message": "x" * 501, "csrf_token": buyer_csrf}
    )
    assert too_long.status_code == 409 and ID["req_refused_too_long"] in too_long.text

    base = f"/me/events/ev/requests/{request.request_id}"
    own = buyer.post(f"{base}/accept", data={"csrf_token": buyer_csrf})
    assert own.status_code == 403 and ID["req_refused_own_request"] in own.text
    stranger, stranger_csrf = signed(engine, "ikm", "I0050")  # same event, not its request
    assert stranger.post(f"{base}/accept", data={"csrf_token": stranger_csrf}).status_code == 404
    assert (
        stranger.post(
            f"/me/events/other/requests/{request.request_id}/accept", data={"csrf_token": stranger_csrf}
        ).status_code
        == 404
    )
    assert ikm.post(f"{base}/accept", data={}).status_code == 403  # no CSRF token
    assert ikm.post(f"{base}/withdraw", data={"csrf_token": ikm_csrf}).status_code == 403
    assert engine.requests.for_event("ev", status="pending")[0].request_id == request.request_id

    incoming = ikm.get("/me/events/ev/requests").text
    assert "Kami mencari tas ketak." in incoming and ID["req_accept"] in incoming
    buyer_record = engine.store.get(Entity.BUYERS, "B001")
    ikm_record = engine.store.get(Entity.IKMS, "I0042")
    assert ikm_record.contact_phone not in buyer.get("/me/events/ev/requests").text  # not agreed yet
    accepted = ikm.post(f"{base}/accept", data={"csrf_token": ikm_csrf})
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("msg=req_accepted")
    assert (
        engine.requests.get_for(
            "ev", request.request_id, engine.accounts.by_email("b001@peserta.example")
        ).status
        == "accepted"
    )  # type: ignore[arg-type]
    assert ikm_record.contact_phone in buyer.get("/me/events/ev/requests").text  # agreed: contacts show
    assert (
        not buyer_record.contact_email or buyer_record.contact_email in ikm.get("/me/events/ev/requests").text
    )
    late = ikm.post(f"{base}/decline", data={"csrf_token": ikm_csrf})
    assert late.status_code == 409 and ID["req_refused_answered"] in late.text
    partners = buyer.get("/me/events/ev").text
    assert ID["req_status_accepted"] in partners


def test_the_organiser_filters_overrides_and_sets_mode_and_deadline(engine: Engine) -> None:
    buyer, csrf = signed(engine, "buyer", "B003")
    buyer.post("/me/events/ev/requests", data={"to": "I0070", "message": "Kursi rotan?", "csrf_token": csrf})
    (request,) = [r for r in engine.requests.for_event("ev") if r.pair == ("B003", "I0070")]
    assert app_client(engine).get("/events/ev/requests").status_code == 303  # to the login page
    buyer_key = engine.keys.create("buyer", "Pembeli", buyer_id="B003")[1]
    assert app_client(engine, key=buyer_key).get("/events/ev/requests").status_code == 403
    organiser = app_client(engine, key=engine.keys.create("organiser", "Meja panitia")[1])
    page = organiser.get("/events/ev/requests")
    assert page.status_code == 200 and "Kursi rotan?" in page.text
    assert 'href="/events/ev/requests"' in organiser.get("/events/ev").text
    declined = organiser.get("/events/ev/requests", params={"status": "declined"}).text
    assert "Kursi rotan?" not in declined
    assert organiser.get("/events/nope/requests").status_code == 404

    changed = organiser.post(f"/events/ev/requests/{request.request_id}/status", data={"status": "declined"})
    assert changed.status_code == 303
    stored = engine.requests.for_event("ev", status="declined")
    assert [(r.request_id, r.decided_by) for r in stored] == [(request.request_id, "organiser: Meja panitia")]
    assert (
        organiser.post(
            f"/events/other/requests/{request.request_id}/status", data={"status": "accepted"}
        ).status_code
        == 404
    )

    saved = organiser.post(
        "/events/ev/requests/settings", data={"mode": "auto", "deadline": "2030-03-09T17:00"}
    )
    assert saved.status_code == 303
    settings = engine.participation.settings("ev")
    # the demo event is in WITA (UTC+8): 17:00 there is 09:00 UTC
    assert settings.request_mode == "auto"
    assert settings.request_deadline == dt.datetime(2030, 3, 9, 9, 0, tzinfo=dt.UTC)
    page = organiser.get("/events/ev/requests").text
    assert 'value="2030-03-09T17:00"' in page
    assert "9 Maret 2030, 17.00 WITA" in buyer.get("/me/events/ev").text
    bad = organiser.post("/events/ev/requests/settings", data={"mode": "auto", "deadline": "besok"})
    assert bad.status_code == 422
    organiser.post("/events/ev/requests/settings", data={"mode": "accept", "deadline": ""})
    assert engine.participation.settings("ev").request_deadline is None
