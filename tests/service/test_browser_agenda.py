"""The participant agenda page in Chromium, as the printed agenda's QR code opens it: on a desk screen
(1366 px) and on a phone (390 px), in both languages, after a re-schedule (new meetings marked)."""

from __future__ import annotations

import csv
import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from matching import Engine, demo_data_dir
from tests.service.conftest import log_in, no_horizontal_scroll, shot

EVENT = "temu-bisnis-anyaman-ntb-2027"
WHO = "B002"  # registers on the day: every meeting it has after the re-schedule is new


@pytest.fixture(scope="module")
def planned(web_engine: Engine) -> dict[str, str]:
    """The demo event planned, then re-scheduled with the demo changes; a participant's agenda link."""
    events = web_engine.events
    events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"))
    events.plan(EVENT, time_limit=5)
    plan = events.reschedule(EVENT, (demo_data_dir() / "changes.yaml").read_text(encoding="utf-8"))
    text = (plan.folder / "agendas" / f"{WHO}-id.txt").read_text(encoding="utf-8")
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Agenda terbaru: "))
    with (plan.folder / "meetings.csv").open(newline="", encoding="utf-8") as handle:
        mine = [r for r in csv.DictReader(handle) if WHO in (r["buyer_id"], r["ikm_id"])]
    _, key = web_engine.keys.create("organiser", "Meja agenda")
    return {"path": urlsplit(link).path, "key": key, "meetings": str(len(mine)), "first": mine[0]["ikm_id"]}


def test_the_qr_link_opens_the_participants_day(
    page: Page, planned: dict[str, str], web_engine: Engine
) -> None:
    assert planned["path"] == f"/events/{EVENT}/agenda/{WHO}"
    log_in(page, planned["key"], "agenda")
    page.goto(planned["path"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dekranasda Provinsi Jawa Timur")
    expect(page.get_by_text("Semua waktu dalam WITA (UTC+8)")).to_be_visible()
    expect(page.get_by_text("Rabu, 10 Maret 2027 · Islamic Center NTB, Mataram")).to_be_visible()
    items = page.locator("ol.agenda-list > li")
    expect(items).to_have_count(int(planned["meetings"]))
    first = items.first
    expect(first.locator(".agenda-time")).to_have_text(re.compile(r"^1[0-5]:[0-5]0\u2013"))  # after 10:40
    expect(first.locator(".agenda-tz")).to_have_text("WITA")
    expect(first).to_contain_text("Membuat:")
    expect(first.get_by_text("Baru", exact=True)).to_be_visible()
    expect(page.locator("svg .booth.mine")).to_have_count(
        len(set(page.locator(".agenda-table strong").all_inner_texts()))
    )
    shot(page, "agenda-desktop-id")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_text("All times in WITA (UTC+8)")).to_be_visible()
    expect(page.get_by_text("Wednesday, 10 March 2027 · Islamic Center NTB, Mataram")).to_be_visible()
    expect(page.locator("ol.agenda-list > li").first).to_contain_text("Makes:")
    expect(page.get_by_text("new meeting")).to_be_visible()
    assert "@" not in page.locator("ol.agenda-list").inner_text()  # never contact details
    shot(page, "agenda-desktop-en")

    with page.expect_download() as info:
        page.get_by_role("link", name="Printed agenda (PDF)").click()
    assert info.value.suggested_filename == "agendas-en.pdf"


def test_the_agenda_reads_on_a_phone(phone: Page, planned: dict[str, str]) -> None:
    log_in(phone, planned["key"], "agenda-phone")
    phone.goto(planned["path"])
    expect(phone.locator("ol.agenda-list > li")).to_have_count(int(planned["meetings"]))
    expect(phone.locator("svg .booth.mine").first).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "agenda-phone-id")
    phone.goto(planned["path"] + "?lang=en")
    expect(phone.get_by_text("All times in WITA (UTC+8)")).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "agenda-phone-en")


def test_only_organisers_open_agendas_and_unknown_ones_are_not_found(
    server: str, planned: dict[str, str], web_engine: Engine
) -> None:
    _, buyer = web_engine.keys.create("buyer", "Cairns Homewares", buyer_id="B001")
    with httpx.Client(base_url=server, follow_redirects=False) as client:
        assert client.get(planned["path"]).status_code == 303  # to the login page
        client.cookies.set("matching_key", buyer)
        assert client.get(planned["path"]).status_code == 403
        client.cookies.set("matching_key", planned["key"])
        assert client.get(planned["path"]).status_code == 200
        missing = client.get(f"/events/{EVENT}/agenda/NOBODY")
        assert missing.status_code == 404 and "NOBODY" in missing.text
        assert client.get("/events/no-such-event/agenda/B001").status_code == 404
