"""The participant's own agenda, calendar and rating pages through the app (TestClient, hashing encoder):
only its own meetings, contacts of scheduled counterparts only, the printed QR link, ratings' rules, and
every route against no session, another participant's ids and forms without the CSRF token."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from html import unescape
from urllib.parse import unquote

import icalendar
import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from matching.events.plan_files import MEETING_COLUMNS, read_plan_rows
from service import create_app
from service.deps import COOKIE
from service.web.participant_auth import SESSION_COOKIE
from tests.service.conftest import participant_session

PAST = """name: Temu Kecil Lombok
date: 2026-03-10
venue: Islamic Center NTB, Mataram
time_zone: WITA
slot_minutes: 20
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B001, B003]
ikms: [I0003, I0035, I0038, I0042]
"""
FUTURE = PAST.replace("2026-03-10", "2030-03-10").replace("Temu Kecil Lombok", "Temu Nanti")
OTHER = PAST.replace("buyers: [B001, B003]", "buyers: [B007]").replace("Temu Kecil Lombok", "Temu Lain")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("my-pages"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    for event_id, source in (("lalu", PAST), ("nanti", FUTURE), ("lain", OTHER)):
        eng.events.create(source, event_id=event_id)
        eng.events.plan(event_id, time_limit=5)
        publish(eng, event_id, 1)
    yield eng
    eng.close()


def publish(engine: Engine, event_id: str, plan_no: int | None) -> None:
    when = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) if plan_no else None
    engine.participation.update_settings(event_id, published_plan_no=plan_no, published_at=when)


def rows(engine: Engine, event_id: str, plan_no: int | None = None) -> list[dict[str, str]]:
    folder = engine.events.plan_record(event_id, plan_no).folder
    return [r for r in read_plan_rows(folder / "meetings.csv") if r["slot_start"]]


def as_participant(engine: Engine, kind: str, pid: str) -> TestClient:
    client = TestClient(
        create_app(engine=engine), follow_redirects=False, headers={"Origin": "http://testserver"}
    )
    _account, token = participant_session(engine, kind, pid)
    client.cookies.set(SESSION_COOKIE, token)
    return client


def csrf(engine: Engine, client: TestClient) -> str:
    signed = engine.accounts.session(client.cookies.get(SESSION_COOKIE) or "")
    assert signed is not None
    return signed.csrf_token


ROUTES = ("/me/events/{e}/agenda", "/me/events/{e}/agenda.ics", "/me/events/{e}/rate")


def test_without_a_session_every_route_goes_to_sign_in_and_back(engine: Engine) -> None:
    with TestClient(
        create_app(engine=engine), follow_redirects=False, headers={"Origin": "http://testserver"}
    ) as c:
        for route in ROUTES:
            path = route.format(e="lalu")
            response = c.get(path)
            assert response.status_code == 303
            assert unquote(response.headers["location"]) == f"/signin?next={path}"
        assert c.post("/me/events/lalu/rate", data={"with": "I0003"}).status_code == 303


def test_a_participant_of_another_event_gets_not_found_everywhere(engine: Engine) -> None:
    with as_participant(engine, "buyer", "B007") as c:  # takes part in "lain" only
        for route in ROUTES:
            assert c.get(route.format(e="lalu")).status_code == 404
            assert c.get(route.format(e="no-such-event")).status_code == 404
        meeting = rows(engine, "lalu")[0]
        form = {"csrf_token": csrf(engine, c), "with": meeting["ikm_id"], "day_outcome": "deal_agreed"}
        assert c.post("/me/events/lalu/rate", data=form).status_code == 404
    assert not [r for r in engine.ratings.all() if r.buyer_id == "B007"]


def test_the_agenda_says_when_nothing_is_published(engine: Engine) -> None:
    publish(engine, "nanti", None)
    try:
        with as_participant(engine, "buyer", "B001") as c:
            page = c.get("/me/events/nanti/agenda")
            assert page.status_code == 200 and "Jadwal belum diterbitkan" in page.text
            assert "wa.me" not in page.text
            assert c.get("/me/events/nanti/agenda.ics").status_code == 404
            assert "The schedule is not published yet" in c.get("/me/events/nanti/agenda?lang=en").text
    finally:
        publish(engine, "nanti", 1)


def test_the_agenda_shows_own_meetings_with_contacts_and_a_whatsapp_greeting(engine: Engine) -> None:
    names = engine.participants().names
    mine = [r for r in rows(engine, "lalu") if r["buyer_id"] == "B001"]
    met = {r["ikm_id"] for r in mine}
    assert met
    with as_participant(engine, "buyer", "B001") as c:
        page = c.get("/me/events/lalu/agenda")
    assert page.status_code == 200
    text = unescape(page.text)
    items = re.findall(r'<li class="agenda-item[^"]*" id="m-([^"]+)"', text)
    assert sorted(items) == sorted(met)  # its own meetings, no one else's
    assert "Semua waktu dalam WITA (UTC+8)" in text
    for r in mine:
        assert f"{r['slot_start']}\u2013{r['slot_end']}" in text
        assert f'href="/events/lalu/profile/{r["ikm_id"]}"' in text
    ikms = {i.ikm_id: i for i in engine.store.ikms()}
    for ikm_id in met:  # the scheduled counterparts' contacts are shown ...
        if ikms[ikm_id].contact_phone:
            assert ikms[ikm_id].contact_phone in text
    unmet = {"I0003", "I0035", "I0038", "I0042"} - met
    assert unmet
    for ikm_id in unmet:  # ... no one else's
        for value in (ikms[ikm_id].contact_phone, ikms[ikm_id].contact_email):
            if value:
                assert value not in text
    links = re.findall(r'href="(https://wa\.me/(\d+)\?text=([^"]+))"', text)
    assert links
    greeting = unquote(links[0][2])
    first = next(r for r in mine if ikms[r["ikm_id"]].contact_phone)
    assert greeting == (
        f"Halo, saya B001 dari {names['B001']}; kita bertemu di Temu Kecil Lombok pukul "
        f"{first['slot_start']} WITA di Meja {first['table']}."
    )


def test_the_calendar_holds_own_meetings_in_the_events_zone(engine: Engine) -> None:
    mine = [r for r in rows(engine, "lalu") if r["ikm_id"] == "I0035"]
    with as_participant(engine, "ikm", "I0035") as c:
        response = c.get("/me/events/lalu/agenda.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "TZID=Asia/Makassar" in response.text
    events = list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))
    assert sorted(e.decoded("DTSTART").strftime("%H:%M") for e in events) == sorted(
        r["slot_start"] for r in mine
    )
    assert all(e.decoded("DTSTART").utcoffset() == dt.timedelta(hours=8) for e in events)


def test_the_printed_qr_link_sends_each_one_to_the_right_place(engine: Engine) -> None:
    path = "/events/lalu/agenda/B003"
    with as_participant(engine, "buyer", "B003") as c:
        response = c.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/me/events/lalu/agenda"
    with as_participant(engine, "buyer", "B001") as c:  # another participant's code
        assert c.get(path).status_code == 404
    with as_participant(engine, "buyer", "B007") as c:  # its own id, but another event
        assert c.get("/events/lalu/agenda/B007").status_code == 404
    with TestClient(create_app(engine=engine), follow_redirects=False) as c:
        response = c.get(path)
        assert response.status_code == 303 and unquote(response.headers["location"]) == f"/signin?next={path}"
        c.cookies.set(COOKIE, engine.keys.create("organiser", "Meja QR")[1])
        assert c.get(path).status_code == 200


def test_rating_rules_through_the_page(engine: Engine) -> None:
    meeting = next(r for r in rows(engine, "lalu") if r["buyer_id"] == "B001")
    b001 = {r["ikm_id"] for r in rows(engine, "lalu") if r["buyer_id"] == "B001"}
    someone_elses = next(r["ikm_id"] for r in rows(engine, "lalu") if r["ikm_id"] not in b001)  # B003's only
    with as_participant(engine, "buyer", "B001") as c:
        token = csrf(engine, c)
        form = {"with": meeting["ikm_id"], "day_outcome": "cooperation_possible", "notes": "kirim sampel"}
        assert c.post("/me/events/lalu/rate", data=form).status_code == 403  # no CSRF token
        assert c.post("/me/events/lalu/rate", data={**form, "csrf_token": "forged"}).status_code == 403
        # a meeting that has not started yet (the event is in 2030)
        later = next(r for r in rows(engine, "nanti") if r["buyer_id"] == "B001")
        refused = c.post("/me/events/nanti/rate", data={**form, "with": later["ikm_id"], "csrf_token": token})
        assert refused.status_code == 403 and "rate it once it has started" in refused.text
        page = c.get("/me/events/nanti/rate")
        assert "Bisa dinilai mulai pukul" in page.text and 'name="day_outcome"' not in page.text
        # an IKM not in the plan with B001, and an IKM id that exists nowhere
        for other in ("I0297", "NOBODY"):
            assert (
                c.post("/me/events/lalu/rate", data={**form, "with": other, "csrf_token": token}).status_code
                == 404
            )
        elsewhere = {**form, "with": someone_elses, "csrf_token": token}  # B003's meeting, not B001's
        assert c.post("/me/events/lalu/rate", data=elsewhere).status_code == 404
        bad = c.post("/me/events/lalu/rate", data={**form, "day_outcome": "great", "csrf_token": token})
        assert bad.status_code == 422
        saved = c.post("/me/events/lalu/rate", data={**form, "csrf_token": token})
        assert saved.status_code == 303 and saved.headers["location"].startswith("/me/events/lalu/rate")
        page = c.get(saved.headers["location"])
        assert "Penilaian tersimpan" in page.text and "kirim sampel" in page.text
        agenda = unescape(c.get("/me/events/lalu/agenda").text)
        assert "Penilaian Anda: kerja sama mungkin" in agenda
    stored = [r for r in engine.ratings.all() if (r.event_id, r.buyer_id) == ("lalu", "B001")]
    assert [(r.ikm_id, r.rater_kind, r.day_outcome, r.notes) for r in stored] == [
        (meeting["ikm_id"], "buyer", "cooperation_possible", "kirim sampel")
    ]
    # the IKM's side rates its own meeting with B001 separately
    with as_participant(engine, "ikm", meeting["ikm_id"]) as c:
        form = {"with": "B001", "day_outcome": "deal_agreed", "csrf_token": csrf(engine, c)}
        assert c.post("/me/events/lalu/rate", data=form).status_code == 303
    assert {
        r.rater_kind
        for r in engine.ratings.all()
        if (r.event_id, r.buyer_id, r.ikm_id) == ("lalu", "B001", meeting["ikm_id"])
    } == {"buyer", "ikm"}


def test_a_republished_plan_is_highlighted_on_the_page(engine: Engine) -> None:
    with as_participant(engine, "buyer", "B003") as c:
        assert "Jadwal berubah" not in c.get("/me/events/lalu/agenda").text  # the first view
        first = engine.events.plan_record("lalu", 1)
        staged = first.folder.parent / ".staged-page-test"
        shutil.copytree(first.folder, staged)
        mine = [r for r in rows(engine, "lalu", 1) if r["buyer_id"] == "B003"]
        with (staged / "meetings.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, MEETING_COLUMNS)
            writer.writeheader()
            for r in rows(engine, "lalu", 1):
                if r is mine[0] or (r["buyer_id"], r["ikm_id"]) == (mine[0]["buyer_id"], mine[0]["ikm_id"]):
                    continue  # B003's first meeting is cancelled
                writer.writerow(r)
        plan = engine.events.save_plan("lalu", "reschedule", dict(first.summary), staged)
        publish(engine, "lalu", plan.plan_no)
        try:
            page = unescape(c.get("/me/events/lalu/agenda").text)
            assert "Jadwal berubah sejak Anda terakhir membuka agenda ini" in page
            assert "Dibatalkan" in page and engine.participants().names[mine[0]["ikm_id"]] in page
            assert "changed-cancelled" in page
        finally:
            publish(engine, "lalu", 1)


def test_organisers_outcomes_keep_who_entered_them(engine: Engine) -> None:
    meeting = rows(engine, "lalu")[0]
    _, key = engine.keys.create("organiser", "Meja hasil")
    with TestClient(create_app(engine=engine), headers={"X-API-Key": key}) as c:
        body = {"buyer_id": meeting["buyer_id"], "ikm_id": meeting["ikm_id"], "day_outcome": "deal_agreed"}
        response = c.put("/api/v1/events/lalu/outcomes", json=body)
    assert response.status_code == 200 and response.json()["entered_by"] == "Meja hasil"
    _, other = engine.keys.create("organiser", "Meja dua")
    with TestClient(
        create_app(engine=engine), follow_redirects=False, headers={"Origin": "http://testserver"}
    ) as c:
        c.cookies.set(COOKIE, other)
        form = {"buyer-0": meeting["buyer_id"], "ikm-0": meeting["ikm_id"], "day-0": "cooperation_possible"}
        assert c.post("/events/lalu/outcomes", data=form).status_code == 303
    stored = next(
        o
        for o in engine.events.outcomes("lalu")
        if (o.buyer_id, o.ikm_id) == (meeting["buyer_id"], meeting["ikm_id"])
    )
    assert (stored.day_outcome, stored.entered_by) == ("cooperation_possible", "Meja dua")
