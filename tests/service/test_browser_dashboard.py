"""The event dashboard in a real browser, at 1366 px and 390 px: the demo event planned with a few outcomes
recorded and a no-show; the charts are visible, the report downloads, nothing scrolls sideways.

Fixtures (the real server on the demo data, Chromium) are in ``conftest.py``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from matching import Engine, demo_data_dir
from tests.service.conftest import log_in, no_horizontal_scroll, shot

EVENT_ID = "temu-bisnis-anyaman-ntb-2027"
EMPTY_EVENT = """name: Pameran Kriya Bali
date: 2027-06-01
venue: Taman Budaya, Denpasar
time_zone: WITA
slot_minutes: 20
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B001, B003]
ikms: [I0003, I0035]
"""


@pytest.fixture(scope="module")
def organiser_key(web_engine: Engine) -> str:
    """The demo event planned, rated in part, re-scheduled after a no-show; a second event never planned."""
    events = web_engine.events
    events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"))
    events.plan(EVENT_ID, time_limit=5)
    meetings = events.meetings(EVENT_ID)
    ratings = [
        ("deal_agreed", "agreement_reached"),
        ("deal_agreed", None),
        ("cooperation_possible", "negotiation_started"),
        ("cooperation_possible", None),
        ("insufficient_interest", None),
        ("not_held", None),
    ]
    for m, (day, followup) in zip(meetings[::7], ratings, strict=False):
        events.record_outcome(
            EVENT_ID, m["buyer_id"], m["ikm_id"], day_outcome=day, followup_outcome=followup
        )
    events.reschedule(EVENT_ID, f"no_shows: [{meetings[-1]['ikm_id']}]\n")
    events.create(EMPTY_EVENT)
    return web_engine.keys.create("organiser", "Panitia")[1]


def test_organiser_opens_the_dashboard_and_downloads_the_report(
    page: Page, organiser_key: str, web_engine: Engine
) -> None:
    log_in(page, organiser_key, "dashboard")
    page.goto(f"/events/{EVENT_ID}")
    page.get_by_role("link", name="Dasbor dan laporan acara").click()
    expect(page.get_by_role("heading", name="Dasbor: Temu Bisnis Anyaman NTB 2027")).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(6)
    for index in range(6):
        expect(charts.nth(index)).to_be_visible()
    expect(page.get_by_role("img", name="Corong hasil pertemuan")).to_be_visible()
    expect(page.get_by_role("heading", name="IKM pada atau di bawah batas minimum")).to_be_visible()
    expect(page.locator("table.at-floor").get_by_text("tidak hadir")).to_be_visible()  # the no-show
    page.locator("#per-province details.figures summary").click()
    expect(page.get_by_role("table", name="Angka grafik \u201cPertemuan per provinsi\u201d")).to_be_visible()
    shot(page, "dashboard-desktop")

    with page.expect_download() as info:
        page.get_by_role("link", name="Laporan PDF (Bahasa Indonesia)").click()
    pdf = info.value
    assert pdf.suggested_filename == f"{EVENT_ID}-laporan.pdf"
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as info:
        page.get_by_role("link", name="Laporan XLSX (English)").click()
    xlsx = info.value
    assert xlsx.suggested_filename == f"{EVENT_ID}-report.xlsx"
    book = load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    report = web_engine.event_report(EVENT_ID)
    assert [r[1].value for r in book["Outcomes funnel"].iter_rows(min_row=2)] == [n for _, n in report.funnel]

    page.get_by_role("link", name="English", exact=True).click()
    expect(page.get_by_role("heading", name="Outcomes funnel")).to_be_visible()
    page.locator("#funnel details.rules summary").click()
    expect(page.get_by_text("Deal: follow-up \u201cagreement reached\u201d")).to_be_visible()
    shot(page, "dashboard-desktop-en")


def test_before_a_plan_the_dashboard_says_what_to_do(page: Page, organiser_key: str) -> None:
    log_in(page, organiser_key, "dashboard-empty")
    page.goto("/events/pameran-kriya-bali/dashboard")
    expect(page.get_by_role("heading", name="Belum ada rencana")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(0)
    shot(page, "dashboard-empty")
    page.get_by_role("link", name="Buka halaman acara").click()
    expect(page.get_by_role("heading", name="Pameran Kriya Bali")).to_be_visible()


def test_the_dashboard_on_a_phone(phone: Page, organiser_key: str) -> None:
    log_in(phone, organiser_key, "dashboard-phone")
    phone.goto(f"/events/{EVENT_ID}/dashboard")
    charts = phone.locator("svg.chart")
    expect(charts).to_have_count(6)
    for index in range(6):
        charts.nth(index).scroll_into_view_if_needed()
        expect(charts.nth(index)).to_be_visible()
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] <= 390
    for details in phone.locator("details.figures summary").all():
        details.click()
    assert no_horizontal_scroll(phone)
    shot(phone, "dashboard-phone")
    with phone.expect_download() as info:
        phone.get_by_role("link", name="Laporan PDF (Bahasa Indonesia)").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    phone.goto("/events/pameran-kriya-bali/dashboard")
    expect(phone.get_by_role("heading", name="Belum ada rencana")).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "dashboard-phone-empty")
