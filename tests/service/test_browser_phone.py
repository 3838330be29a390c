"""Every page at phone width (390 px) in a real browser, without sideways scrolling; the search at desktop
width too; the API docs drawn from the app's own assets. Screenshots ``phone-*.png`` and ``search-*.png``.

Fixtures (the real server on the demo data, Chromium) are in ``conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from matching import Engine, demo_data_dir
from tests.service.conftest import log_in, no_horizontal_scroll, shot

QUERY = "keranjang cucian rotan, 800 buah per bulan, SVLK"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
MIN_TAP_PX = 40  # the smallest height of a button or form control a thumb should have to hit
TAP_TARGETS = (
    "main button, main select, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
    "main .pager a, header a, header button"
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def planned(web_engine: Engine) -> str:
    """The demo event, created and planned through the engine (the pages only show it)."""
    source = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
    record = web_engine.events.create(source, event_id="phone-demo")
    web_engine.events.plan(record.event_id, time_limit=5)
    return record.event_id


def tap_targets_too_small(page: Page) -> list[str]:
    """Buttons, selects and text inputs in the page's main part lower than :data:`MIN_TAP_PX`."""
    small: list[str] = page.evaluate(
        """([selector, min]) => [...document.querySelectorAll(selector)]
            .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < min)
            .map((e) => e.outerHTML.slice(0, 80))""",
        [TAP_TARGETS, MIN_TAP_PX],
    )
    return small


def test_search_on_a_desktop_is_honest_and_has_a_hard_filter_switch(page: Page, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("buyer", "Pembeli desktop", buyer_id="B001")
    log_in(page, key, "search-desktop")
    page.get_by_label("Kebutuhan").fill(QUERY)
    page.get_by_text("Saringan (opsional)").click()
    page.get_by_label("Harga maksimum per buah (Rp)").fill("150000")
    page.get_by_label("Tenggat (hari)").fill("30")
    page.get_by_role("button", name="Cari").click()
    results = page.locator("li.match")
    expect(results).to_have_count(10)
    expect(page.locator("li.match .misses").first).to_be_visible()  # what fails, in sentences
    shot(page, "search-desktop-soft")
    first = results.first
    first.get_by_text("Mengapa cocok?").click()
    why = first.locator(".why-body")
    expect(why.locator(".checks-list li", has_text="Kapasitas").first).to_be_visible()
    expect(why.get_by_role("table", name="Rincian skor").locator("meter").first).to_be_visible()
    shot(page, "search-desktop-why")

    page.get_by_label("Sembunyikan").check()  # the hard-filter switch
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("li.match .misses")).to_have_count(0)
    shot(page, "search-desktop-hard")

    page.get_by_label("Kebutuhan").fill("spare part motor bekas")
    page.get_by_label("Tetap tampilkan, di urutan bawah").check()
    page.get_by_label("Harga maksimum per buah (Rp)").fill("")
    page.get_by_label("Tenggat (hari)").fill("")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator(".weak-match")).to_be_visible()
    shot(page, "search-desktop-weak")
    assert no_horizontal_scroll(page)


def test_search_on_a_phone(phone: Page, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("buyer", "Pembeli ponsel", buyer_id="B002")
    log_in(phone, key, "phone")
    assert no_horizontal_scroll(phone)
    phone.get_by_label("Kebutuhan").fill(QUERY)
    phone.get_by_role("button", name="Cari").click()
    expect(phone.locator("li.match")).to_have_count(10)
    assert no_horizontal_scroll(phone)
    shot(phone, "phone-search")
    first = phone.locator("li.match").first
    first.get_by_text("Mengapa cocok?").click()
    expect(first.locator(".why-body")).to_be_visible()
    assert no_horizontal_scroll(phone)
    assert tap_targets_too_small(phone) == []
    first.screenshot(
        path=str(Path(__file__).resolve().parents[2] / "test-artifacts/screenshots/phone-search-why.png")
    )


def test_organiser_pages_on_a_phone(phone: Page, web_engine: Engine, planned: str, tmp_path: Path) -> None:
    _, key = web_engine.keys.create("organiser", "Panitia ponsel")
    log_in(phone, key, "phone-organiser")
    phone.get_by_role("link", name="Impor data").click()
    bad = tmp_path / "ikm-baru.csv"
    bad.write_text(
        "ikm_id,name,province,regency,capacity_per_month,ovop_stars\n"
        "I9101,KUB Ketak Muda,Nusa Tenggara Barat,Lombok Utara,banyak,2\n"
        "I9102,,Jabar,Gianyar,300,9\n",
        encoding="utf-8",
    )
    phone.get_by_label("File (CSV atau XLSX)").set_input_files(bad)
    phone.get_by_role("button", name="Impor").click()
    table = phone.get_by_role("table", name="Masalah per baris")
    expect(table).to_contain_text("bukan angka")  # the engine's problems in Indonesian
    expect(table).to_contain_text("kolom wajib 'name' kosong")
    assert no_horizontal_scroll(phone)
    shot(phone, "phone-import")

    phone.goto("/events")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "phone-events")

    phone.goto(f"/events/{planned}")
    grid = phone.locator(".grid-wrap")
    expect(grid).to_be_visible()
    assert no_horizontal_scroll(phone)
    assert grid.evaluate("(e) => e.scrollWidth > e.clientWidth")  # the grid scrolls inside its own box
    shot(phone, "phone-event")

    phone.goto(f"/events/{planned}/outcomes")
    rows = phone.locator("table.outcomes tbody tr")
    expect(rows.first).to_be_visible()
    assert no_horizontal_scroll(phone)
    box = rows.first.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 150  # a stacked card, not a wide row
    rows.first.locator("select[name^=day-]").select_option("deal_agreed")
    phone.get_by_role("button", name="Simpan").first.click()
    expect(phone.get_by_text("Hasil 1 pertemuan disimpan.")).to_be_visible()
    assert tap_targets_too_small(phone) == []
    shot(phone, "phone-outcomes")

    phone.goto("/events/no-such-event")
    expect(phone.get_by_role("heading", name="Tidak ditemukan")).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "phone-not-found")


def test_forbidden_page_on_a_phone(phone: Page, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("buyer", "Pembeli dilarang", buyer_id="B003")
    log_in(phone, key, "phone-buyer")
    phone.goto("/import")
    expect(phone.get_by_role("heading", name="Akses ditolak")).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "phone-forbidden")


def test_api_docs_draw_from_the_apps_own_assets(page: Page) -> None:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    outside: list[str] = []
    page.on(
        "request", lambda request: outside.append(request.url) if "127.0.0.1" not in request.url else None
    )
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("IKM matching")
    expect(page.get_by_text("/api/v1/search").first).to_be_visible()
    shot(page, "search-api-docs")
    page.goto("/api/v1/redoc")
    expect(page.get_by_role("heading", name="IKM matching").first).to_be_visible()
    shot(page, "search-api-redoc")
    # ReDoc always draws its attribution logo from its CDN; the policy blocks it and ReDoc drops the image
    blocked = [m for m in messages if "Content Security Policy" in m and REDOC_LOGO not in m]
    assert blocked == []
    here = page.url.split("/api/")[0]
    assert [u for u in outside if not u.startswith((here, "data:", "blob:")) and u != REDOC_LOGO] == []
