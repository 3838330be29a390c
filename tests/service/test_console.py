"""The event day console through the app (TestClient, hashing encoder): organisers only, check-in, previews
applied or cancelled, undo, ids of another event refused, and the re-plan guard on the event page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings, demo_data_dir
from service import create_app
from service.deps import COOKIE
from service.web.i18n import TEXTS

SMALL_EVENT = """name: Temu Kecil
slot_minutes: 20
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B001, B003]
ikms: [I0003, I0035, I0038]
"""
ID, EN = TEXTS["id"], TEXTS["en"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("console-home"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    eng.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"), event_id="demo")
    eng.events.plan("demo", time_limit=3)
    eng.events.create(SMALL_EVENT, event_id="kecil")
    eng.events.plan("kecil", time_limit=2)
    yield eng
    eng.close()


def client(engine: Engine, key: str | None) -> TestClient:
    test_client = TestClient(
        create_app(engine=engine), follow_redirects=False, headers={"Origin": "http://testserver"}
    )
    if key:
        test_client.cookies.set(COOKIE, key)
    return test_client


@pytest.fixture(scope="module")
def organiser(engine: Engine) -> Iterator[TestClient]:
    with client(engine, engine.keys.create("organiser", "Meja panitia")[1]) as c:
        yield c


def token_of(response_location: str) -> str:
    found = re.search(r"preview=([0-9a-f]{32})", response_location)
    assert found, response_location
    return found.group(1)


def meeting_value(engine: Engine, event_id: str, index: int = 0) -> str:
    m = engine.events.meetings(event_id)[index]
    return f"{m['buyer_id']}|{m['ikm_id']}"


def test_the_console_is_for_organisers_only(engine: Engine) -> None:
    with client(engine, None) as anonymous:
        assert anonymous.get("/events/demo/day").status_code == 303  # to the login page
        assert anonymous.post("/events/demo/day/undo").status_code == 303
    buyer_key = engine.keys.create("buyer", "Pembeli", buyer_id="B001")[1]
    with client(engine, buyer_key) as buyer:
        page = buyer.get("/events/demo/day")
        assert page.status_code == 403 and ID["forbidden_title"] in page.text
        for path in ("checkin", "preview", "apply", "cancel", "undo"):
            assert buyer.post(f"/events/demo/day/{path}", data={"participant": "B001"}).status_code == 403
    assert engine.events.plan_record("demo").plan_no == 1 and engine.events.day.log("demo") == []


def test_the_console_shows_the_grid_check_in_forms_and_log(organiser: TestClient) -> None:
    page = organiser.get("/events/demo/day")
    assert page.status_code == 200
    assert ID["console_title"] in page.text and 'class="grid console-grid"' in page.text
    assert ID["console_grid_caption"].format(zone="WITA") in page.text
    assert 'id="p-B001"' in page.text and ID["console_do_arrived"] in page.text
    for op in ("absent", "cancel", "walk_in", "move", "swap", "late"):
        assert f'id="op-{op}"' in page.text
    assert ID["console_undo_none"] in page.text
    assert "/static/console.css" in page.text and "/static/console.js" in page.text
    assert 'style="' not in page.text and "<script>" not in page.text  # the CSP allows neither
    english = organiser.get("/events/demo/day?lang=en")
    assert EN["console_title"] in english.text and EN["console_ops"] in english.text
    organiser.cookies.delete("lang")
    event_page = organiser.get("/events/demo?lang=id")
    assert 'href="/events/demo/day"' in event_page.text and ID["console_link"] in event_page.text


def test_check_in_preview_apply_undo_through_the_pages(organiser: TestClient, engine: Engine) -> None:
    done = organiser.post("/events/demo/day/checkin", data={"participant": "B001", "status": "arrived"})
    assert done.status_code == 303 and "msg=console_checked" in done.headers["location"]
    page = organiser.get("/events/demo/day")
    assert "status-arrived" in page.text and "Kehadiran Cairns Homewares Pty Ltd: hadir" in page.text

    asked = organiser.post("/events/demo/day/preview", data={"op": "absent", "participant": "B004"})
    assert asked.status_code == 303
    token = token_of(asked.headers["location"])
    shown = organiser.get(f"/events/demo/day?preview={token}")
    assert ID["console_preview"] in shown.text and ID["console_preview_valid"] in shown.text
    assert "Ditandai tidak hadir: PT Mitra Handicraft International" in shown.text
    assert engine.events.plan_record("demo").plan_no == 1  # a preview changes nothing
    applied = organiser.post("/events/demo/day/apply", data={"token": token})
    assert applied.status_code == 303 and "msg=console_applied&n=2" in applied.headers["location"]
    again = organiser.post("/events/demo/day/apply", data={"token": token})
    assert again.status_code == 404 and ID["console_error_gone"] in again.text

    walk_in = organiser.post("/events/demo/day/preview", data={"op": "walk_in", "participant": "B002"})
    token = token_of(walk_in.headers["location"])
    assert organiser.post("/events/demo/day/apply", data={"token": token}).status_code == 303
    page = organiser.get("/events/demo/day")
    assert "changed-added" in page.text and "Datang langsung: Dekranasda Provinsi Jawa Timur" in page.text
    assert ID["console_undo_what"].format(what="Datang langsung: Dekranasda Provinsi Jawa Timur") in page.text
    event_page = organiser.get("/events/demo")
    assert "changed-added" in event_page.text  # the event page's grid highlights it too

    undone = organiser.post("/events/demo/day/undo")
    assert undone.status_code == 303 and "msg=console_undone&n=4" in undone.headers["location"]
    page = organiser.get("/events/demo/day")
    assert "Diurungkan: Datang langsung: Dekranasda Provinsi Jawa Timur" in page.text
    assert ID["console_log_undone"] in page.text
    assert "B002" not in {m["buyer_id"] for m in engine.events.meetings("demo")}

    cancelled = organiser.post("/events/demo/day/preview", data={"op": "absent", "participant": "B007"})
    token = token_of(cancelled.headers["location"])
    gone = organiser.post("/events/demo/day/cancel", data={"token": token})
    assert gone.status_code == 303 and engine.events.plan_record("demo").plan_no == 4


def test_forms_missing_a_choice_or_refused_say_why(organiser: TestClient, engine: Engine) -> None:
    missing = organiser.post("/events/demo/day/preview?lang=en", data={"op": "move", "meeting": ""})
    assert missing.status_code == 422 and EN["console_error_field"].format(field="Meeting") in missing.text
    m = engine.events.meetings("demo")
    busy = next(x for x in m if x["slot_start"] != m[0]["slot_start"])
    taken = organiser.post(
        "/events/demo/day/preview?lang=en",
        data={
            "op": "move",
            "meeting": f"{m[0]['buyer_id']}|{m[0]['ikm_id']}",
            "start": busy["slot_start"],
            "table": busy["table"],
        },
    )
    assert (
        taken.status_code == 422 and f"table {busy['table']} at {busy['slot_start']} is taken" in taken.text
    )
    assert "<select" in taken.text  # the page is there to try again


def test_ids_of_another_event_are_refused(organiser: TestClient, engine: Engine) -> None:
    demo_meeting = next(
        f"{x['buyer_id']}|{x['ikm_id']}"
        for x in engine.events.meetings("demo")
        if x["buyer_id"] not in ("B001", "B003")
    )
    refused = organiser.post("/events/kecil/day/preview", data={"op": "cancel", "meeting": demo_meeting})
    assert refused.status_code == 422 and "no meeting" in refused.text
    stranger = organiser.post("/events/kecil/day/checkin", data={"participant": "B004", "status": "arrived"})
    assert stranger.status_code == 422 and "does not take part" in stranger.text
    asked = organiser.post("/events/demo/day/preview", data={"op": "absent", "participant": "B008"})
    token = token_of(asked.headers["location"])
    other = organiser.post("/events/kecil/day/apply", data={"token": token})  # a preview of another event
    assert other.status_code == 404 and engine.events.plan_record("kecil").plan_no == 1
    assert organiser.post("/events/demo/day/apply", data={"token": "../kecil"}).status_code == 404
    assert organiser.get("/events/nope/day").status_code == 404
    assert organiser.post("/events/nope/day/undo").status_code == 404
    organiser.post("/events/demo/day/cancel", data={"token": token})


def test_the_guard_asks_before_a_plan_drops_the_days_changes(organiser: TestClient, engine: Engine) -> None:
    day = engine.events.day
    assert not day.pending("demo").empty  # B004 is absent since an earlier test
    before = engine.events.plan_record("demo").plan_no
    asked = organiser.post("/events/demo/plan?lang=id", data={"time_limit": "2"})
    assert asked.status_code == 409 and ID["console_guard_title"] in asked.text
    assert ID["console_guard_absent"].format(n=1, names="PT Mitra Handicraft International") in asked.text
    assert engine.events.plan_record("demo").plan_no == before  # nothing planned
    unconfirmed = organiser.post("/events/demo/plan?lang=id", data={"time_limit": "2", "mode": "discard"})
    assert unconfirmed.status_code == 409 and ID["console_guard_confirm_missing"] in unconfirmed.text

    current = organiser.post("/events/demo/plan", data={"time_limit": "2", "mode": "current"})
    assert current.status_code == 303 and "msg=console_replanned" in current.headers["location"]
    assert "B004" not in {m["buyer_id"] for m in engine.events.meetings("demo")}
    assert organiser.post("/events/demo/plan", data={"time_limit": "2"}).status_code == 409  # still guarded

    discard = organiser.post(
        "/events/demo/plan", data={"time_limit": "2", "mode": "discard", "confirm": "yes"}
    )
    assert discard.status_code == 303 and "msg=console_discarded" in discard.headers["location"]
    assert engine.events.changes("demo") is None
    assert day.log("demo")[0].action == "discard"
    # the small event has no day changes: it plans straight away
    assert organiser.post("/events/kecil/plan", data={"time_limit": "2"}).status_code == 303
