"""A participant's profile in Chromium at 1280 and 390 px: an IKM user uploads a product photo and sees it on
its profile and on its public profile; a refused upload says why; a buyer edits its needs on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, expect

from matching import Engine
from tests.service.conftest import (
    PHONE,
    TIMEOUT_MS,
    image_loaded,
    log_in,
    no_horizontal_scroll,
    participant_session,
    shot,
    sign_in_browser,
)

IKM, BUYER = "I0003", "B001"
EVENT = """
name: Temu Bisnis Profil
date: 2027-03-10
slot_minutes: 20
sessions: [{start: "09:00", end: "11:00"}]
tables: 3
buyers: [B001, B002]
ikms: [I0003, I0035]
"""
WIDE: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def event(web_engine: Engine) -> str:
    return web_engine.events.create(EVENT, event_id="profil").event_id


def _tab(browser: Browser, server: str, viewport: ViewportSize) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture(params=[WIDE, PHONE], ids=["1280", "390"])
def tab(request: pytest.FixtureRequest, browser: Browser, server: str) -> Iterator[Page]:
    yield from _tab(browser, server, request.param)


def photo_file(folder: Path) -> Path:
    """A real PNG of woven-looking stripes."""
    image = Image.new("RGB", (900, 600), (196, 160, 110))
    stripes = Image.linear_gradient("L").resize((900, 600)).convert("RGB")
    Image.blend(image, stripes, 0.35).save(folder / "tas.png", "PNG")
    return folder / "tas.png"


def test_an_ikm_uploads_a_product_photo_and_sees_it(
    tab: Page, server: str, web_engine: Engine, event: str, tmp_path: Path
) -> None:
    width = tab.viewport_size["width"] if tab.viewport_size else 0
    _account, token = participant_session(web_engine, "ikm", IKM)
    sign_in_browser(tab, server, token)
    tab.goto("/me/profile")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Profil saya")
    first = tab.locator("li.product-card").first
    product = first.locator("h3").inner_text()
    before = first.locator(".photo-list img").count()
    shot(tab, f"profile-ikm-{width}-before")

    text = tmp_path / "bukan-foto.jpg"
    text.write_text("ini hanya teks, bukan foto")
    first.locator("input[type=file]").set_input_files(text)
    first.get_by_role("button", name="Unggah foto").click()
    expect(tab.locator(".photo-problem")).to_contain_text("bukan gambar JPEG, PNG atau WebP")
    shot(tab, f"profile-ikm-{width}-refused")

    first = tab.locator("li.product-card").first
    first.locator("input[type=file]").set_input_files(photo_file(tmp_path))
    first.get_by_role("button", name="Unggah foto").click()
    expect(tab.get_by_text("Foto diunggah.")).to_be_visible()
    first = tab.locator("li.product-card").first
    expect(first.locator(".photo-list img")).to_have_count(before + 1)
    assert image_loaded(tab.locator("li.product-card .photo-list img").first)
    assert no_horizontal_scroll(tab)
    shot(tab, f"profile-ikm-{width}-uploaded")

    tab.goto(f"/events/{event}/profile/{IKM}")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    card = tab.locator("li.product-card", has_text=product).first
    expect(card.locator(".photo-list img").first).to_be_visible()
    assert image_loaded(tab.locator("li.product-card .photo-list img").first)
    assert no_horizontal_scroll(tab)
    shot(tab, f"profile-public-{width}")

    log_in(tab, web_engine.keys.create("organiser", f"Meja profil {width}")[1], f"profile-search-{width}")
    tab.goto(f"/?q={product}")
    result = tab.locator("li.match", has_text=product).first
    expect(result.locator("img.match-photo")).to_be_visible()
    assert image_loaded(tab.locator("li.match img.match-photo").first)
    assert no_horizontal_scroll(tab)
    shot(tab, f"profile-search-{width}")


def test_a_buyer_edits_its_needs(tab: Page, server: str, web_engine: Engine, event: str) -> None:
    width = tab.viewport_size["width"] if tab.viewport_size else 0
    _account, token = participant_session(web_engine, "buyer", BUYER)
    sign_in_browser(tab, server, token)
    tab.goto("/me/profile")
    tab.get_by_label("Apa yang Anda cari").fill("Keranjang rotan untuk hotel, anyaman rapat")
    tab.get_by_label("Jumlah (buah per pesanan atau per bulan)").fill("seribu")
    tab.get_by_role("button", name="Simpan profil").click()
    expect(tab.get_by_role("alert")).to_contain_text("bukan angka (isian: “seribu”)")
    expect(tab.get_by_label("Apa yang Anda cari")).to_have_value("Keranjang rotan untuk hotel, anyaman rapat")
    assert no_horizontal_scroll(tab)
    shot(tab, f"profile-buyer-{width}-refused")
    tab.get_by_label("Jumlah (buah per pesanan atau per bulan)").fill("1.000")
    tab.get_by_label("SVLK (legalitas kayu)").check()
    tab.get_by_role("button", name="Simpan profil").click()
    expect(tab.get_by_text("Profil disimpan.")).to_be_visible()
    expect(tab.get_by_label("Jumlah (buah per pesanan atau per bulan)")).to_have_value("1000")
    expect(tab.get_by_label("SVLK (legalitas kayu)")).to_be_checked()
    assert no_horizontal_scroll(tab)
    shot(tab, f"profile-buyer-{width}-saved")
    tab.goto(f"/events/{event}/profile/{BUYER}")
    expect(tab.get_by_text("Keranjang rotan untuk hotel, anyaman rapat")).to_be_visible()
    shot(tab, f"profile-public-buyer-{width}")
