"""A participant in Chromium, on a laptop (1280 px) and a phone (390 px): accepts an e-mailed invitation,
lands on /me, signs out and signs in again with the password; the organiser's participants page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from matching import Engine, Settings, demo_data_dir
from tests.service.conftest import TIMEOUT_MS, log_in, no_horizontal_scroll, shot

EVENT = "temu-bisnis-anyaman-ntb-2027"
PASSWORD = "tikar-pandan-biru-2026"


@pytest.fixture(scope="module")
def web_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo catalogue and event; no search index (these pages do not search), so no e5 model."""
    eng = Engine(
        Settings(home=tmp_path_factory.mktemp("accounts-browser"), encoder="hashing", ranker="weights")
    )
    eng.import_demo()
    eng.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"))
    yield eng
    eng.close()


def _tab(browser: Browser, server: str, width: int, height: int) -> Page:
    context = browser.new_context(base_url=server, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.mark.parametrize(("width", "height", "ikm"), [(1280, 800, "I0003"), (390, 844, "I0035")])
def test_invitation_me_sign_out_and_in(
    browser: Browser, server: str, web_engine: Engine, width: int, height: int, ikm: str
) -> None:
    name = f"accounts-{width}"
    email = f"staf.{ikm.lower()}@anyaman.example"
    members = web_engine.participation.members(EVENT, "ikm")
    assert ikm in members
    _, link = web_engine.invitations.invite(EVENT, "ikm", ikm, by="panitia", base_url=server, email=email)
    page = _tab(browser, server, width, height)
    try:
        page.goto(link.removeprefix(server))
        expect(page.get_by_role("heading", level=1)).to_have_text("Undangan temu bisnis")
        expect(page.get_by_text(f"Akun untuk alamat {email}")).to_be_visible()
        assert no_horizontal_scroll(page)
        shot(page, f"{name}-invite")
        page.get_by_label("Nama Anda").fill("Baiq Nurhayati")
        page.get_by_label("Kata sandi (minimal 10 karakter)").fill("pendek")
        page.get_by_role("button", name="Terima undangan").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Undangan temu bisnis")  # not sent:
        assert page.locator("#password").evaluate("e => e.validity.tooShort")  # the browser's minlength
        page.get_by_label("Kata sandi (minimal 10 karakter)").fill(PASSWORD)
        page.get_by_role("button", name="Terima undangan").click()

        expect(page).to_have_url(f"{server}/me?msg=welcome")
        expect(page.get_by_role("heading", level=1)).to_have_text("Beranda saya")
        expect(page.get_by_text("Akun Anda sudah siap")).to_be_visible()
        expect(page.locator(".account .who")).to_contain_text("Masuk sebagai Baiq Nurhayati")
        expect(page.locator(".me-event")).to_contain_text("WITA")
        assert no_horizontal_scroll(page)
        shot(page, f"{name}-me")

        page.get_by_role("button", name="Keluar").click()
        expect(page.get_by_text("Anda sudah keluar.")).to_be_visible()
        assert no_horizontal_scroll(page)
        shot(page, f"{name}-signin")
        page.goto("/me")
        expect(page).to_have_url(f"{server}/signin?next=%2Fme")
        page.get_by_label("Alamat e-mail").fill(email)
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk", exact=True).click()
        expect(page).to_have_url(f"{server}/me")
        expect(page.locator(".account .who")).to_contain_text("Baiq Nurhayati")

        page.goto(link.removeprefix(server))  # the link is used up now
        expect(page.get_by_text("Undangan ini sudah dipakai")).to_be_visible()
        shot(page, f"{name}-invite-used")
    finally:
        page.context.close()


def test_the_organisers_participants_page(browser: Browser, server: str, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("organiser", "Meja peserta")
    for width, height in ((1280, 800), (390, 844)):
        page = _tab(browser, server, width, height)
        try:
            log_in(page, key, f"participants-{width}")
            if width > 400:  # the event page links to it
                page.goto(f"/events/{EVENT}")
                page.get_by_role("link", name="Peserta dan akun").click()
            else:
                page.goto(f"/events/{EVENT}/participants")
            expect(page.get_by_role("heading", level=1)).to_have_text("Peserta dan akun")
            expect(page.get_by_role("button", name="Kirim undangan")).to_be_visible()
            shot(page, f"participants-{width}")
            assert no_horizontal_scroll(page), width
        finally:
            page.context.close()


def test_registration_and_the_code_tab_on_a_phone(browser: Browser, server: str, web_engine: Engine) -> None:
    web_engine.participation.update_settings(EVENT, registration="approval")
    page = _tab(browser, server, 390, 844)
    try:
        page.goto(f"/events/{EVENT}/register")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Daftar ke")
        page.get_by_label("IKM (perajin)").check()
        page.get_by_label("Nama perusahaan atau usaha").fill("UD Ketak Baru")
        page.get_by_label("Nama Anda").fill("Lalu Ahmad")
        page.get_by_label("Alamat e-mail").fill("lalu@ketakbaru.example")
        page.get_by_label("Cari perusahaan Anda di katalog").fill("Ketak")
        page.get_by_role("button", name="Cari").click()
        expect(page.get_by_text("Pilih bila perusahaan Anda sudah ada:")).to_be_visible()
        expect(page.get_by_label("Nama perusahaan atau usaha")).to_have_value("UD Ketak Baru")  # kept
        assert no_horizontal_scroll(page)
        shot(page, "register-390")
        page.get_by_label("Perusahaan baru (belum ada di katalog)").check()
        page.get_by_label("Provinsi (IKM)").fill("Nusa Tenggara Barat")
        page.get_by_role("button", name="Kirim pendaftaran").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Pendaftaran terkirim")
        (registration,) = web_engine.invitations.registrations(EVENT)
        assert (registration.kind, registration.participant_id, registration.company) == (
            "ikm",
            None,
            "UD Ketak Baru",
        )
        page.goto("/signin?method=code")
        page.get_by_label("Alamat e-mail").fill("siapa.saja@example.id")
        page.get_by_role("button", name="Kirim kode").click()
        expect(page.get_by_text("Bila alamat ini terdaftar")).to_be_visible()
        assert no_horizontal_scroll(page)
        shot(page, "signin-code-390")
    finally:
        page.context.close()
