"""The organiser's whole day in a real browser, at 1280 px and at 390 px: an event built only through forms
(no YAML typed), planned, run on the day (check-ins, two absentees, a walk-in, a moved meeting, one change
undone), the warning before a re-plan would drop the day's changes, the dashboard's charts, and the agendas
and master grid downloaded. Every page visited is saved as ``scenario-<width>-<step>.png``; at 390 px no
page may scroll sideways. Fixtures (the real server on the demo data, Chromium) are in ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from matching import Engine
from tests.service.conftest import PLAN_TIMEOUT_MS, TIMEOUT_MS, free_move, log_in, no_horizontal_scroll, shot

WIDTHS = {"desktop": 1280, "phone": 390}
TABLES = [f"Meja {i}" for i in range(1, 9)]


@pytest.fixture(params=sorted(WIDTHS))
def tab(request: pytest.FixtureRequest, browser: Browser, server: str) -> Iterator[tuple[str, Page]]:
    width = WIDTHS[request.param]
    context = browser.new_context(
        base_url=server, viewport={"width": width, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield request.param, context.new_page()
    context.close()


def test_an_organiser_runs_an_event_from_the_form_to_the_dashboard(
    tab: tuple[str, Page], web_engine: Engine, tmp_path: Path
) -> None:
    kind, page = tab
    name = f"Temu Bisnis Rotan {kind.title()} 2027"
    event_id = f"temu-bisnis-rotan-{kind}-2027"

    def step(label: str) -> None:
        shot(page, f"scenario-{kind}-{label}")
        if kind == "phone":
            assert no_horizontal_scroll(page), f"{label}: the page scrolls sideways at 390 px"

    _, key = web_engine.keys.create("organiser", f"Panitia {kind}")
    log_in(page, key, f"scenario-{kind}")

    # -- 1. build the event through the form --------------------------------------------------------------
    page.goto("/events")
    step("events")
    page.get_by_role("link", name="Buat acara", exact=True).click()
    page.get_by_label("Nama acara", exact=True).fill(name)
    page.get_by_label("Tanggal", exact=True).fill("2027-06-15")
    page.get_by_label("Tempat", exact=True).fill("Taman Budaya NTB, Mataram")
    page.get_by_label("Zona waktu", exact=True).select_option("WITA")
    page.get_by_role("button", name="+ Tambah sesi").click()
    session = page.locator('[data-rows="sessions"] > [data-row]').last
    session.get_by_label("Mulai", exact=True).fill("13:00")
    session.get_by_label("Selesai", exact=True).fill("15:00")
    page.get_by_label("Daftar nama meja").check()
    page.get_by_label("Nama meja, satu per baris").fill("\n".join(TABLES))
    page.get_by_label("Nama meja, satu per baris").blur()
    page.get_by_label("Meja 1: Baris", exact=True).fill("1")
    page.get_by_label("Meja 1: Kolom", exact=True).fill("1")
    page.get_by_label("Pertemuan paling banyak per pembeli").fill("6")
    page.get_by_label("Pertemuan paling banyak per IKM").fill("3")
    page.get_by_label("Pertemuan paling sedikit per IKM (batas keadilan)").fill("1")
    buyers = page.locator('[data-picker="buyers"]')
    buyers.get_by_label("Cari nama, kode atau kebutuhan").fill("rotan")
    buyers.get_by_role("button", name="Pilih semua yang tampil").click()
    ikms = page.locator('[data-picker="ikms"]')
    ikms.get_by_label("Provinsi", exact=True).select_option("Nusa Tenggara Barat")
    ikms.get_by_label("Bahan", exact=True).select_option("ketak")
    ikms.get_by_role("button", name="Pilih semua yang tampil").click()
    buyer_ids = buyers.locator(".pick input:checked").evaluate_all("els => els.map(e => e.value)")
    ikm_ids = ikms.locator(".pick input:checked").evaluate_all("els => els.map(e => e.value)")
    assert len(buyer_ids) >= 3 and len(ikm_ids) >= 3
    page.get_by_role("button", name="+ Tambah ketersediaan").click()
    row = page.locator('[data-rows="availability"] > [data-row]').last
    row.get_by_label("Peserta", exact=True).select_option(buyer_ids[0])
    row.get_by_label("Mulai", exact=True).fill("09:00")
    row.get_by_label("Selesai", exact=True).fill("12:00")
    page.get_by_role("button", name="+ Tambah keinginan").click()
    row = page.locator('[data-rows="preferences"] > [data-row]').last
    row.get_by_label("Pembeli", exact=True).select_option(buyer_ids[1])
    row.get_by_label("IKM", exact=True).select_option(ikm_ids[1])
    row.get_by_label("Keinginan", exact=True).select_option(label="wajib bertemu")
    expect(page.locator("[data-status]")).to_have_text("Semua isian sudah benar.")
    step("builder")
    page.get_by_role("button", name="Simpan acara").click()
    page.wait_for_url(f"**/events/{event_id}?msg=created")
    event = web_engine.events.get(event_id).event
    assert event.time_zone == "WITA" and event.tables == TABLES and event.booth_layout()["Meja 1"] == (1, 1)
    assert sorted(event.buyers) == sorted(buyer_ids) and sorted(event.ikms) == sorted(ikm_ids)

    # -- 2. plan it --------------------------------------------------------------------------------------
    page.get_by_label("Batas waktu penjadwal (detik)").first.fill("3")
    page.get_by_role("button", name="Susun rencana").click()
    expect(page.get_by_text("Rencana 1 selesai disusun.")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(page.get_by_text("WITA").first).to_be_visible()
    step("planned")
    meetings = web_engine.events.meetings(event_id)
    assert meetings and all(m["buyer_id"] != buyer_ids[0] or m["slot_start"] < "12:00" for m in meetings)

    # -- 3. the event day --------------------------------------------------------------------------------
    page.get_by_role("link", name="Buka konsol hari acara").click()
    expect(page.get_by_role("heading", name=f"Hari acara: {name}")).to_be_visible()
    step("day")
    met = sorted({m["buyer_id"] for m in meetings})
    arrived, absent = met[0], met[1:3]
    if len(absent) < 2:
        absent = [*absent, sorted({m["ikm_id"] for m in meetings})[0]]
    for pid in (arrived, ikm_ids[0]):
        page.locator(f"#p-{pid}").get_by_role("button", name="Hadir", exact=True).click()
        expect(page.get_by_text("Kehadiran dicatat.")).to_be_visible()
    for pid in absent:
        page.locator(f"#p-{pid}").get_by_role("button", name="Tidak hadir").click()
        expect(page.get_by_text("Kehadiran dicatat.")).to_be_visible()
    page.get_by_role("button", name="Pratinjau pembatalan pertemuannya").click()
    apply_preview(page, step, "day-absent")

    page.locator("#op-walk_in summary").click()
    walk_in = page.locator("#walk_in-participant option").nth(1).get_attribute("value")
    assert walk_in
    page.locator("#walk_in-participant").select_option(walk_in)
    page.locator("#op-walk_in").get_by_role("button", name="Pratinjau").click()
    apply_preview(page, step, "day-walk-in")

    meeting, start, table, _ = free_move(web_engine, event_id)
    page.locator("#op-move summary").click()
    page.locator("#move-meeting").select_option(meeting)
    page.locator("#move-start").select_option(start)
    page.locator("#move-table").select_option(table)
    page.locator("#op-move").get_by_role("button", name="Pratinjau").click()
    apply_preview(page, step, "day-move")
    expect(page.locator(f'td.changed-moved[data-pair="{meeting}"]')).to_have_attribute("data-start", start)

    page.locator(".undo-box").get_by_role("button", name="Urungkan").click()
    expect(page.get_by_text("Perubahan diurungkan")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(page.locator("td.changed-moved")).to_have_count(0)
    expect(page.locator(".log-list li.log-undo")).to_have_count(1)
    step("day-undone")
    held = {(m["buyer_id"], m["ikm_id"]) for m in web_engine.events.meetings(event_id)}
    assert not any(pid in pair for pair in held for pid in absent)

    # -- 4. a plain re-plan is guarded -----------------------------------------------------------------
    page.get_by_role("link", name="← Kembali ke acara").click()
    page.get_by_role("button", name="Susun rencana").click()
    guard = page.locator("#replan-guard")
    expect(guard).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(guard).to_contain_text("2 peserta tidak hadir")
    step("guard")
    plans = web_engine.events.plan_record(event_id).plan_no
    guard.get_by_role("button", name="Susun ulang dari keadaan hari ini").click()
    expect(page.get_by_text("Acara disusun ulang dari keadaan hari ini")).to_be_visible(
        timeout=PLAN_TIMEOUT_MS
    )
    assert web_engine.events.plan_record(event_id).plan_no == plans + 1
    replanned = web_engine.events.meetings(event_id)
    assert not any(pid in (m["buyer_id"], m["ikm_id"]) for m in replanned for pid in absent)
    assert any(walk_in in (m["buyer_id"], m["ikm_id"]) for m in replanned)

    # -- 5. the dashboard --------------------------------------------------------------------------------
    page.get_by_role("link", name="Dasbor dan laporan acara").click()
    expect(page.get_by_role("heading", name=f"Dasbor: {name}")).to_be_visible()
    charts = page.locator("svg")
    assert charts.count() >= 4
    expect(charts.first).to_be_visible()
    step("dashboard")

    # -- 6. downloads: agendas and the master grid ---------------------------------------------------------
    page.go_back()
    with page.expect_download() as info:
        page.get_by_role("link", name="Agenda semua peserta, bahasa Indonesia (PDF)").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tabel induk jadwal (XLSX)").click()
    grid = tmp_path / "grid.xlsx"
    info.value.save_as(grid)
    book = load_workbook(grid)
    assert len(book.worksheets) >= 2  # one sheet per session, each printing on one page
    assert all(sheet.page_setup.orientation == "landscape" for sheet in book.worksheets)
    step("downloads")


def apply_preview(page: Page, step: Callable[[str], None], label: str) -> None:
    """Wait for the preview of a day operation, check the checker's verdict, save the page, apply it."""
    preview = page.locator("#preview")
    expect(preview).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(preview.get_by_text("Pemeriksa jadwal tidak menemukan pelanggaran aturan.")).to_be_visible()
    step(f"{label}-preview")
    preview.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_text("Perubahan diterapkan")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
