"""The event day in a real browser (1366 px and 390 px): check-in, absences, a walk-in, a move, undo, and the
warning before "Susun rencana" would drop the day's changes. Fixtures are in ``conftest.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from matching import Engine, demo_data_dir
from tests.service.conftest import PLAN_TIMEOUT_MS, free_move, log_in, no_horizontal_scroll, shot

EVENT_ID = "hari-acara"


@pytest.fixture(scope="module")
def planned(web_engine: Engine) -> Iterator[str]:
    """The demo event stored and planned once for this module."""
    source = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
    web_engine.events.create(source, event_id=EVENT_ID)
    web_engine.events.plan(EVENT_ID, time_limit=5)
    yield EVENT_ID


def preview_and_apply(page: Page, name: str) -> None:
    preview = page.locator("#preview")
    expect(preview).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(preview.get_by_text("Pemeriksa jadwal tidak menemukan pelanggaran aturan.")).to_be_visible()
    shot(page, name)
    preview.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_text("Perubahan diterapkan")).to_be_visible(timeout=PLAN_TIMEOUT_MS)


def test_an_organiser_runs_the_event_day_on_a_desk(page: Page, web_engine: Engine, planned: str) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))  # CSP violations are reported there
    _, key = web_engine.keys.create("organiser", "Panitia")
    log_in(page, key, "console")
    page.goto(f"/events/{planned}")
    page.get_by_role("link", name="Buka konsol hari acara").click()
    expect(page.get_by_role("heading", name="Hari acara: Temu Bisnis Anyaman NTB 2027")).to_be_visible()
    expect(page.locator("table.console-grid caption")).to_contain_text("WITA")
    shot(page, "console-desk-start")

    for pid, button in (("B001", "Hadir"), ("B003", "Hadir"), ("I0003", "Terlambat")):  # three check-ins
        page.locator(f"#p-{pid}").get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_text("Kehadiran dicatat.")).to_be_visible()
    expect(page.locator("#p-B001 .badge.state")).to_have_text("hadir")
    expect(page.locator("#p-I0003 .badge.state")).to_have_text("terlambat")
    page.get_by_label("Cari peserta").fill("mitra handicraft")
    expect(page.locator("#p-B001")).to_be_hidden()
    expect(page.locator("#p-B004")).to_be_visible()
    page.locator("#p-B004").get_by_role("button", name="Tidak hadir").click()  # two absentees
    page.locator("#p-B007").get_by_role("button", name="Tidak hadir").click()
    expect(page.locator(".pending-absent")).to_contain_text("PT Mitra Handicraft International")
    shot(page, "console-desk-checkin")
    page.get_by_role("button", name="Pratinjau pembatalan pertemuannya").click()
    expect(page.locator("#preview")).to_contain_text(
        "Ditandai tidak hadir: Hotel Kirana Ubud, PT Mitra Handicraft International"
    )
    expect(page.locator("#preview .console-changes li.change-cancelled").first).to_be_visible()
    preview_and_apply(page, "console-desk-preview-absent")
    assert web_engine.events.plan_record(planned).plan_no == 2

    page.locator("#op-walk_in summary").click()  # a walk-in buyer
    page.locator("#walk_in-participant").select_option("B002")
    page.locator("#walk_in-start").select_option("10:40")
    page.locator("#op-walk_in").get_by_role("button", name="Pratinjau").click()
    expect(page.locator("#preview")).to_contain_text(
        "Datang langsung: Dekranasda Provinsi Jawa Timur, bisa bertemu"
    )
    preview_and_apply(page, "console-desk-preview-walk-in")
    expect(page.locator("td.changed-added").first).to_be_visible()

    meeting, start, table, _ = free_move(web_engine, EVENT_ID)  # move a meeting with the form
    page.locator("#op-move summary").click()
    page.locator("#move-meeting").select_option(meeting)
    page.locator("#move-start").select_option(start)
    page.locator("#move-table").select_option(table)
    page.locator("#op-move").get_by_role("button", name="Pratinjau").click()
    expect(page.locator("#preview li.change-moved")).to_have_count(1)
    preview_and_apply(page, "console-desk-preview-move")
    moved = page.locator(f'td.changed-moved[data-pair="{meeting}"]')
    expect(moved).to_have_attribute("data-start", start)
    expect(moved).to_have_attribute("data-table", table)
    expect(page.locator(".console-legend")).to_contain_text("dipindah hari ini (1)")
    shot(page, "console-desk-moved")

    undo = page.locator(".undo-box")
    expect(undo).to_contain_text("Yang bisa diurungkan sekarang: Pertemuan")
    undo.get_by_role("button", name="Urungkan").click()  # undo the move
    expect(page.get_by_text("Perubahan diurungkan")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(page.locator("td.changed-moved")).to_have_count(0)
    expect(undo).to_contain_text("Yang bisa diurungkan sekarang: Datang langsung")
    log = page.locator(".log-list")
    expect(log.locator("li.log-undo")).to_have_count(1)
    expect(log.locator("li.undone")).to_contain_text("diurungkan")
    expect(log.locator("li.log-checkin")).to_have_count(5)
    expect(log.locator("li").first).to_contain_text("Panitia")
    shot(page, "console-desk-log")

    page.get_by_role("link", name="← Kembali ke acara").click()  # the guard before a plain plan
    expect(page.locator("td.changed-added").first).to_be_visible()
    page.get_by_role("button", name="Susun rencana").click()
    guard = page.locator("#replan-guard")
    expect(guard).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(guard).to_contain_text("2 peserta tidak hadir")
    expect(guard).to_contain_text("PT Mitra Handicraft International")
    expect(guard).to_contain_text("peserta datang langsung: Dekranasda Provinsi Jawa Timur")
    shot(page, "console-desk-guard")
    assert web_engine.events.plan_record(planned).plan_no == 5  # nothing was planned
    guard.get_by_role("button", name="Buang perubahan hari ini dan susun dari definisi").click()
    expect(guard).to_be_visible()  # the box is not ticked: the browser keeps the form
    guard.get_by_role("button", name="Susun ulang dari keadaan hari ini").click()
    expect(page.get_by_text("Acara disusun ulang dari keadaan hari ini")).to_be_visible(
        timeout=PLAN_TIMEOUT_MS
    )
    buyers = {m["buyer_id"] for m in web_engine.events.meetings(planned)}
    assert "B002" in buyers and not {"B004", "B007"} & buyers
    shot(page, "console-desk-replanned")
    assert not [m for m in messages if "Content Security Policy" in m], messages


def test_the_console_works_on_a_phone(phone: Page, web_engine: Engine, planned: str) -> None:
    _, key = web_engine.keys.create("organiser", "Panitia HP")
    log_in(phone, key, "console-phone")
    phone.goto(f"/events/{planned}/day")
    expect(phone.get_by_role("heading", name="Hari acara: Temu Bisnis Anyaman NTB 2027")).to_be_visible()
    assert no_horizontal_scroll(phone)
    box = phone.locator(".console-grid-box")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the grid scrolls inside its own box
    shot(phone, "console-phone-start")
    phone.locator("#p-B008").get_by_role("button", name="Hadir", exact=True).click()
    expect(phone.locator("#p-B008 .badge.state")).to_have_text("hadir")
    phone.locator("#op-late summary").click()
    phone.locator("#late-participant").select_option("B010")
    phone.locator("#late-start").select_option("10:40")
    phone.locator("#op-late").get_by_role("button", name="Pratinjau").click()
    expect(phone.locator("#preview")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    assert no_horizontal_scroll(phone)
    shot(phone, "console-phone-preview")
    phone.locator("#preview").get_by_role("button", name="Batal").click()
    expect(phone.get_by_text("Pratinjau dibatalkan")).to_be_visible()
    phone.locator("#log").scroll_into_view_if_needed()
    assert no_horizontal_scroll(phone)
    shot(phone, "console-phone-log")
    phone.goto(f"/events/{planned}")
    phone.get_by_role("button", name="Susun rencana").click()
    expect(phone.locator("#replan-guard")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    assert no_horizontal_scroll(phone)
    shot(phone, "console-phone-guard")


def test_dragging_a_meeting_onto_a_free_cell_previews_the_move(
    page: Page, web_engine: Engine, planned: str
) -> None:
    _, key = web_engine.keys.create("organiser", "Panitia seret")
    log_in(page, key, "console-drag")
    page.goto(f"/events/{planned}/day?lang=en")
    meeting, start, table, _ = free_move(web_engine, EVENT_ID)
    source = page.locator(f'td.meeting[data-pair="{meeting}"]')
    target = page.locator(f'td.free[data-start="{start}"][data-table="{table}"]')
    # the drag events a browser sends, dispatched on the two cells (a real mouse drag across a scrolling box
    # lands wherever the box has scrolled to)
    data = page.evaluate_handle("() => new DataTransfer()")
    source.dispatch_event("dragstart", {"dataTransfer": data})
    target.dispatch_event("dragover", {"dataTransfer": data})
    target.dispatch_event("drop", {"dataTransfer": data})
    preview = page.locator("#preview")
    expect(preview).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(preview.locator("li.change-moved")).to_contain_text(f"to {start}, Table {table}")
    shot(page, "console-desk-drag-en")
    preview.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Preview cancelled; nothing changed.")).to_be_visible()
