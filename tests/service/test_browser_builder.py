"""The event builder in a real browser: an organiser builds an event only through forms (no YAML typed),
saves it, exports it as YAML and imports that file back as the same event; the builder on a phone.

Fixtures (the real server on the demo data, Chromium) are in ``conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from playwright.sync_api import Locator, Page, expect

from matching import Engine
from matching.events.event_files import event_yaml
from matching.events.model import parse_event
from tests.service.conftest import log_in, no_horizontal_scroll, shot

TABLES = [f"Meja {i}" for i in range(1, 13)]


def _last_row(page: Page, rows: str) -> Locator:
    return page.locator(f'[data-rows="{rows}"] > [data-row]').last


def test_organiser_builds_an_event_through_forms_and_round_trips_its_yaml(
    page: Page, web_engine: Engine, tmp_path: Path
) -> None:
    _, key = web_engine.keys.create("organiser", "Panitia")
    log_in(page, key, "builder")
    page.goto("/events")
    page.get_by_role("link", name="Buat acara", exact=True).click()
    expect(page.get_by_role("heading", name="Buat acara", exact=True)).to_be_visible()
    shot(page, "builder-new-desktop")

    page.get_by_label("Nama acara", exact=True).fill("Temu Bisnis Anyaman Lombok 2027")
    page.get_by_label("Tanggal", exact=True).fill("2027-05-12")
    page.get_by_label("Tempat", exact=True).fill("Gedung Wanita, Mataram")
    page.get_by_label("Zona waktu", exact=True).select_option("WITA")
    expect(page.locator("#time_zone option[value=WITA]")).to_contain_text("Bali, NTB")

    # a second session and a coffee break, as rows
    page.get_by_role("button", name="+ Tambah sesi").click()
    session = _last_row(page, "sessions")
    session.get_by_label("Mulai", exact=True).fill("13:00")
    session.get_by_label("Selesai", exact=True).fill("16:00")
    page.get_by_role("button", name="+ Tambah rehat").click()
    brk = _last_row(page, "breaks")
    brk.get_by_label("Mulai", exact=True).fill("10:20")
    brk.get_by_label("Selesai", exact=True).fill("10:40")
    expect(page.locator("[data-slots]")).to_contain_text("17 slot pertemuan")

    # a live problem beside its field, gone once fixed
    session.get_by_label("Mulai", exact=True).fill("11:30")
    session.get_by_label("Mulai", exact=True).blur()
    problem = session.locator("[data-problem]")
    expect(problem).to_have_text("bertumpuk dengan Sesi 1 (09:00-12:00)")
    expect(page.locator("[data-summary]")).to_contain_text("Sesi 2: bertumpuk")
    session.get_by_label("Mulai", exact=True).fill("13:00")
    session.get_by_label("Mulai", exact=True).blur()
    expect(problem).to_be_hidden()

    # named tables, two of them placed on the booth map (one by its row and column, one by clicking)
    page.get_by_label("Daftar nama meja").check()
    page.get_by_label("Nama meja, satu per baris").fill("\n".join(TABLES))
    page.get_by_label("Nama meja, satu per baris").blur()
    expect(page.locator('[data-rows="booth"] > [data-row]')).to_have_count(12)
    page.get_by_label("Meja 1: Baris", exact=True).fill("1")
    page.get_by_label("Meja 1: Kolom", exact=True).fill("5")
    page.get_by_label("Meja 1: Kolom", exact=True).blur()
    grid = page.locator("[data-booth-grid]")
    expect(grid.locator('[data-cell="1,5"]')).to_have_text("Meja 1")
    grid.locator('[data-table="Meja 2"]').click()
    grid.locator('[data-cell="3,5"]').click()
    expect(grid.locator('[data-cell="3,5"]')).to_have_text("Meja 2")
    expect(page.get_by_label("Meja 2: Baris", exact=True)).to_have_value("3")

    page.get_by_label("Pertemuan paling banyak per pembeli").fill("8")
    page.get_by_label("Pertemuan paling banyak per IKM").fill("4")
    page.get_by_label("Pertemuan paling sedikit per IKM (batas keadilan)").fill("1")

    # buyers: those asking for rattan (search text), all of them at once
    buyers = page.locator('[data-picker="buyers"]')
    buyers.get_by_label("Cari nama, kode atau kebutuhan").fill("rotan")
    expect(buyers.locator("[data-shown]")).not_to_contain_text("30 tampil")
    buyers.get_by_role("button", name="Pilih semua yang tampil").click()
    chosen_buyers = buyers.locator(".pick input:checked").count()
    assert chosen_buyers > 0
    expect(buyers.locator("[data-count]")).to_have_text(f"{chosen_buyers} dipilih")
    # IKMs: the ketak makers of Nusa Tenggara Barat
    ikms = page.locator('[data-picker="ikms"]')
    ikms.get_by_label("Provinsi", exact=True).select_option("Nusa Tenggara Barat")
    ikms.get_by_label("Bahan", exact=True).select_option("ketak")
    ikms.get_by_role("button", name="Pilih semua yang tampil").click()
    chosen_ikms = ikms.locator(".pick input:checked").count()
    assert 0 < chosen_ikms <= len(TABLES) * 5
    expect(ikms.locator("[data-count]")).to_have_text(f"{chosen_ikms} dipilih")
    shot(page, "builder-pickers-desktop")

    buyer_ids = buyers.locator(".pick input:checked").evaluate_all("els => els.map(e => e.value)")
    ikm_ids = ikms.locator(".pick input:checked").evaluate_all("els => els.map(e => e.value)")

    page.get_by_role("button", name="+ Tambah ketersediaan").click()
    row = _last_row(page, "availability")
    row.get_by_label("Peserta", exact=True).select_option(buyer_ids[0])
    row.get_by_label("Mulai", exact=True).fill("09:00")
    row.get_by_label("Selesai", exact=True).fill("12:00")

    page.get_by_role("button", name="+ Tambah keinginan").click()
    row = _last_row(page, "preferences")
    row.get_by_label("Pembeli", exact=True).select_option(buyer_ids[0])
    row.get_by_label("IKM", exact=True).select_option(ikm_ids[0])
    row.get_by_label("Keinginan", exact=True).select_option(label="wajib bertemu")

    page.get_by_role("button", name="+ Tambah pertemuan pasti").click()
    row = _last_row(page, "fixed")
    row.get_by_label("Pembeli", exact=True).select_option(buyer_ids[-1])
    row.get_by_label("IKM", exact=True).select_option(ikm_ids[-1])
    row.get_by_label("Mulai", exact=True).select_option("09:20")
    row.get_by_label("Meja", exact=True).select_option("Meja 3")
    expect(page.locator("[data-status]")).to_have_text("Semua isian sudah benar.")
    shot(page, "builder-filled-desktop")

    page.get_by_role("button", name="Simpan acara").click()
    page.wait_for_url("**/events/temu-bisnis-anyaman-lombok-2027?msg=created")
    expect(page.get_by_role("heading", name="Temu Bisnis Anyaman Lombok 2027")).to_be_visible()
    event = web_engine.events.get("temu-bisnis-anyaman-lombok-2027").event
    assert event.time_zone == "WITA" and event.tables == TABLES and len(event.sessions) == 2
    assert event.booth_layout()["Meja 1"] == (1, 5) and event.booth_layout()["Meja 2"] == (3, 5)
    assert event.buyers == sorted(buyer_ids) and event.ikms == sorted(ikm_ids)
    assert [(p.buyer, p.ikm, p.kind) for p in event.preferences] == [(buyer_ids[0], ikm_ids[0], "must_meet")]
    assert [(m.start.strftime("%H:%M"), m.table) for m in event.fixed_meetings] == [("09:20", "Meja 3")]
    assert list(event.availability) == [buyer_ids[0]]

    # export, then import that very file as a second event: the same event
    page.goto("/events")
    shot(page, "builder-events-desktop")
    row = page.locator("tr", has_text="Temu Bisnis Anyaman Lombok 2027")
    with page.expect_download() as info:
        row.get_by_role("link", name="Ekspor YAML").click()
    exported = tmp_path / "event.yaml"
    info.value.save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert text == event_yaml(event) and parse_event(yaml.safe_load(text)) == event
    page.get_by_label("File acara").set_input_files(str(exported))
    page.get_by_label("ID acara (opsional; dibuat dari nama)").fill("lombok-impor")
    page.get_by_role("button", name="Impor", exact=True).click()
    page.wait_for_url("**/events/lombok-impor?msg=created")
    assert web_engine.events.get("lombok-impor").event == event

    # the edit form shows the event back; a change is saved
    page.goto("/events")
    page.locator('a[href="/events/lombok-impor/edit"]').click()
    expect(page.get_by_label("Nama acara", exact=True)).to_have_value("Temu Bisnis Anyaman Lombok 2027")
    expect(page.get_by_label("Meja 2: Kolom", exact=True)).to_have_value("5")
    page.get_by_label("Tempat", exact=True).fill("Taman Budaya, Mataram")
    page.get_by_role("button", name="Simpan acara").click()
    page.wait_for_url("**/events/lombok-impor?msg=builder_saved")
    assert web_engine.events.get("lombok-impor").event.venue == "Taman Budaya, Mataram"


def test_builder_on_a_phone(phone: Page, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("organiser", "Panitia HP")
    log_in(phone, key, "builder-phone")
    phone.goto("/events")
    shot(phone, "builder-events-phone")
    wide = phone.evaluate(
        "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > "
        "window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert no_horizontal_scroll(phone), wide
    phone.get_by_role("link", name="Isi dengan contoh acara").first.click()
    expect(phone.get_by_label("Nama acara", exact=True)).to_have_value("Temu Bisnis Anyaman NTB 2027")
    expect(phone.locator('[data-picker="ikms"] [data-count]')).to_have_text("60 dipilih")
    assert no_horizontal_scroll(phone)
    phone.get_by_label("Pertemuan paling sedikit per IKM (batas keadilan)").fill("9")
    phone.get_by_label("Pertemuan paling sedikit per IKM (batas keadilan)").blur()
    problem = phone.locator('[data-problem="min_meetings_per_ikm"]')
    expect(problem).to_contain_text("lebih besar dari batas paling banyak per IKM (6)")
    assert no_horizontal_scroll(phone)
    shot(phone, "builder-demo-phone")
    phone.get_by_role("link", name="English").click()
    expect(phone.get_by_role("heading", name="Create an event")).to_be_visible()
    ikms = phone.locator('[data-picker="ikms"]')
    ikms.get_by_label("Search name, code or needs").fill("ketak")
    ikms.get_by_label("Search name, code or needs").press("Enter")  # filters, does not save
    expect(ikms.locator("[data-shown]")).not_to_contain_text("598 shown")
    assert phone.url.endswith("/events/new?demo=1&lang=en")
    assert no_horizontal_scroll(phone)
    shot(phone, "builder-demo-phone-en")
