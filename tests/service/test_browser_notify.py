"""Opening and publishing an event in a real browser (1366 px and 390 px), the e-mails read at a local SMTP
server, and the outbox with its WhatsApp links. Fixtures are in ``conftest.py``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from matching import Engine, Settings, demo_data_dir
from tests.mail_server import LocalSmtp
from tests.service.conftest import log_in, no_horizontal_scroll, participant_session, shot

EVENT_ID = "terbit"


@pytest.fixture(scope="module")
def web_engine(tmp_path_factory: pytest.TempPathFactory, smtp_server: LocalSmtp) -> Iterator[Engine]:
    """This module's engine: the demo catalogue and event, planned, and a mail server (hashing encoder)."""
    home: Path = tmp_path_factory.mktemp("notify-browser-home")
    settings = Settings(
        home=home, encoder="hashing", ranker="weights", smtp_host="127.0.0.1", smtp_port=smtp_server.port
    )
    eng = Engine(settings)
    eng.import_demo()
    eng.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"), event_id=EVENT_ID)
    eng.events.plan(EVENT_ID, time_limit=3)
    yield eng
    eng.close()


def test_an_organiser_opens_and_publishes_and_the_agendas_arrive(
    page: Page, web_engine: Engine, smtp_server: LocalSmtp, server: str
) -> None:
    buyer = web_engine.events.meetings(EVENT_ID)[0]["buyer_id"]
    participant_session(web_engine, "buyer", buyer, email="anna@buyer.example", name="Anna")
    participant_session(web_engine, "ikm", "I0003", email="sari@ikm.example", name="Ibu Sari")
    _, key = web_engine.keys.create("organiser", "Panitia")
    log_in(page, key, "notify")
    page.goto(f"/events/{EVENT_ID}")
    page.get_by_role("link", name="Buka & terbitkan untuk peserta").click()
    expect(page.get_by_role("heading", name="Buka dan terbitkan")).to_be_visible()
    expect(page.get_by_text("Belum dibuka untuk peserta.")).to_be_visible()
    shot(page, "notify-publish-before")
    page.get_by_role("button", name="Buka untuk peserta").click()
    expect(page.get_by_text("Acara dibuka untuk peserta")).to_be_visible()
    page.get_by_role("button", name="Terbitkan jadwal (rencana 1)").click()
    expect(page.get_by_text("Jadwal terbit;")).to_be_visible()
    expect(page.get_by_text("Rencana 1 terbit")).to_be_visible()
    shot(page, "notify-publish-after")

    deadline = time.monotonic() + 15
    while len(smtp_server.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(m["To"] for m in smtp_server.messages) == ["anna@buyer.example", "sari@ikm.example"]
    body = smtp_server.to("anna@buyer.example")[0].get_body(("plain",))
    link = f"{web_engine.settings.public_url}/me/events/{EVENT_ID}/agenda"
    assert body is not None and link in body.get_content()

    page.get_by_role("link", name="Kotak keluar e-mail & WhatsApp").first.click()
    expect(page.get_by_role("heading", name="Kotak keluar")).to_be_visible()
    expect(page.locator("#messages tbody tr")).to_have_count(2)
    expect(page.locator("#messages")).to_contain_text("terkirim")
    href = page.locator("#whatsapp a.button").first.get_attribute("href") or ""
    assert href.startswith("https://wa.me/62") and "WITA" in href.replace("%20", " ")
    shot(page, "notify-outbox")


def test_the_pages_fit_a_phone(phone: Page, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("organiser", "Panitia HP")
    log_in(phone, key, "notify-phone")
    for path, name in ((f"/events/{EVENT_ID}/publish", "publish"), (f"/events/{EVENT_ID}/outbox", "outbox")):
        phone.goto(path)
        expect(phone.locator("h1")).to_be_visible()
        shot(phone, f"notify-phone-{name}")
        assert no_horizontal_scroll(phone), path
