"""Meeting requests in the browser (Debian Chromium): a buyer at 1280 px requests a meeting with a
recommended IKM, the IKM accepts it on a 390 px phone, and both then see the meeting agreed with the
other's contact details. Screenshots: ``test-artifacts/screenshots/requests-*.png``."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Browser, Page, expect

from matching import Engine, demo_data_dir
from tests.service.conftest import (
    PHONE,
    TIMEOUT_MS,
    no_horizontal_scroll,
    participant_session,
    shot,
    sign_in_browser,
)

EVENT_ID = "temu-permintaan"


def _tab(browser: Browser, server: str, width: int, height: int) -> Page:
    context = browser.new_context(base_url=server, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def test_a_buyer_requests_a_meeting_and_the_ikm_accepts_on_a_phone(
    web_engine: Engine, server: str, browser: Browser
) -> None:
    web_engine.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"), event_id=EVENT_ID)
    web_engine.participation.update_settings(
        EVENT_ID,
        opened_at=dt.datetime.now(dt.UTC),
        request_deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=3),
    )
    _buyer_account, buyer_token = participant_session(web_engine, "buyer", "B012")
    desk = _tab(browser, server, 1280, 900)
    sign_in_browser(desk, server, buyer_token)
    desk.goto(f"/me/events/{EVENT_ID}")
    expect(desk.get_by_role("heading", name="Mitra yang direkomendasikan", level=1)).to_be_visible()
    first = desk.locator("li.partner").first
    expect(first.get_by_text("Mengapa bertemu")).to_be_visible()
    ikm_id = (first.get_attribute("id") or "").removeprefix("partner-")
    ikm_name = first.locator("h3").inner_text()
    assert ikm_id in web_engine.participation.members(EVENT_ID, "ikm")
    assert no_horizontal_scroll(desk)
    shot(desk, "requests-buyer-partners-1280")

    first.get_by_text("Ajukan pertemuan").click()
    first.get_by_label("Pesan singkat").fill("Kami mencari tas ketak untuk hotel kami di Bali.")
    first.get_by_role("button", name="Kirim permintaan").click()
    expect(desk.get_by_text("Permintaan pertemuan terkirim.")).to_be_visible()
    expect(desk.locator(f"#partner-{ikm_id} .badge")).to_have_text("Menunggu jawaban")
    shot(desk, "requests-buyer-sent-1280")

    _ikm_account, ikm_token = participant_session(web_engine, "ikm", ikm_id)
    phone = _tab(browser, server, PHONE["width"], PHONE["height"])
    sign_in_browser(phone, server, ikm_token)
    phone.goto(f"/me/events/{EVENT_ID}")
    expect(phone.locator("li.partner").first).to_be_visible()
    assert no_horizontal_scroll(phone)
    shot(phone, "requests-ikm-partners-390")
    phone.goto(f"/me/events/{EVENT_ID}/requests")
    card = phone.locator("li.req").first
    expect(card).to_contain_text("Kami mencari tas ketak untuk hotel kami di Bali.")
    expect(card).to_contain_text("Kontak terlihat setelah pertemuan disetujui.")
    assert no_horizontal_scroll(phone)
    shot(phone, "requests-ikm-incoming-390")
    card.get_by_role("button", name="Terima").click()
    expect(phone.get_by_text("Permintaan diterima. Pertemuan akan dijadwalkan.")).to_be_visible()
    expect(phone.locator("li.req .badge").first).to_have_text("Disetujui")
    assert no_horizontal_scroll(phone)
    shot(phone, "requests-ikm-accepted-390")

    desk.goto(f"/me/events/{EVENT_ID}/requests")
    agreed = desk.locator("li.req").first
    expect(agreed).to_contain_text(ikm_name)
    expect(agreed.locator(".badge")).to_have_text("Disetujui")
    expect(agreed.locator(".req-contact")).to_be_visible()
    shot(desk, "requests-buyer-agreed-1280")
    (request,) = web_engine.requests.for_event(EVENT_ID)
    assert (request.buyer_id, request.ikm_id, request.status) == ("B012", ikm_id, "accepted")
    desk.context.close()
    phone.context.close()
