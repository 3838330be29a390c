"""A buyer opens its own agenda on the phone (390 px) and rates a meeting; the same pages at 1280 px and in
English. Real server, Debian's Chromium, the demo event held on a past day and its plan published."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect

from matching import Engine, demo_data_dir
from matching.events.plan_files import read_plan_rows
from tests.service.conftest import no_horizontal_scroll, participant_session, shot, sign_in_browser

EVENT = "temu-anyaman-lalu"


@pytest.fixture(scope="module")
def published(web_engine: Engine) -> dict[str, str]:
    """The demo event moved to a past day, planned and published; a buyer with meetings, signed in."""
    source = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
    source = source.replace("date: 2027-03-10", "date: 2026-03-10")
    web_engine.events.create(source, event_id=EVENT)
    plan = web_engine.events.plan(EVENT, time_limit=5)
    web_engine.participation.update_settings(
        EVENT, published_plan_no=plan.plan_no, published_at=dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    )
    rows = [r for r in read_plan_rows(plan.folder / "meetings.csv") if r["slot_start"]]
    buyer = rows[0]["buyer_id"]
    mine = sorted((r for r in rows if r["buyer_id"] == buyer), key=lambda r: r["slot_start"])
    _account, token = participant_session(web_engine, "buyer", buyer, name="Rina Wijaya")
    return {"buyer": buyer, "token": token, "count": str(len(mine)), "first": mine[0]["ikm_id"]}


def test_a_buyer_opens_its_agenda_on_the_phone_and_rates_a_meeting(
    phone: Page, server: str, published: dict[str, str], web_engine: Engine
) -> None:
    sign_in_browser(phone, server, published["token"])
    phone.goto(f"/me/events/{EVENT}/agenda")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Agenda saya")
    expect(phone.get_by_text("Semua waktu dalam WITA (UTC+8)")).to_be_visible()
    items = phone.locator("ol.agenda-list > li")
    expect(items).to_have_count(int(published["count"]))
    first = items.first
    expect(first.locator(".agenda-tz")).to_have_text("WITA")
    whatsapp = first.get_by_role("link", name="Chat WhatsApp")
    expect(whatsapp).to_be_visible()
    link = whatsapp.get_attribute("href") or ""
    assert link.startswith("https://wa.me/62") and "Halo, saya Rina Wijaya dari" in unquote(link)
    expect(phone.locator("svg .booth.mine").first).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "my-agenda-phone-id")

    first.get_by_role("link", name="Nilai pertemuan ini").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Nilai pertemuan")
    form = phone.locator(f"#r-{published['first']} form")
    form.get_by_label("kerja sama mungkin").check()
    form.get_by_label("Catatan (boleh kosong)").fill("Minta sampel 20 tas ketak")
    assert no_horizontal_scroll(phone)
    shot(phone, "my-rate-phone-id")
    form.get_by_role("button", name="Simpan penilaian").click()
    expect(phone.get_by_text("Penilaian tersimpan. Terima kasih!")).to_be_visible()
    stored = [r for r in web_engine.ratings.all() if r.event_id == EVENT and r.buyer_id == published["buyer"]]
    assert [(r.ikm_id, r.day_outcome, r.notes) for r in stored] == [
        (published["first"], "cooperation_possible", "Minta sampel 20 tas ketak")
    ]
    phone.get_by_role("link", name="Kembali ke agenda").click()
    expect(phone.locator("ol.agenda-list > li").first).to_contain_text("Penilaian Anda: kerja sama mungkin")
    shot(phone, "my-agenda-phone-rated-id")


def test_the_agenda_on_a_desktop_in_english(page: Page, server: str, published: dict[str, str]) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_browser(page, server, published["token"])
    page.goto(f"/me/events/{EVENT}/agenda?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My agenda")
    expect(page.get_by_text("All times in WITA (UTC+8)")).to_be_visible()
    expect(page.locator("ol.agenda-list > li")).to_have_count(int(published["count"]))
    link = page.get_by_role("link", name="Chat on WhatsApp").first.get_attribute("href") or ""
    assert "Hello, I am Rina Wijaya from" in unquote(link)
    assert no_horizontal_scroll(page)
    shot(page, "my-agenda-desktop-en")
    with page.expect_download() as info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    assert info.value.suggested_filename == f"agenda-{EVENT}.ics"
    page.goto(f"/me/events/{EVENT}/rate")
    shot(page, "my-rate-desktop-en")
