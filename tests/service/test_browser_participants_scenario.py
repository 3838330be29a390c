"""Issue 16's acceptance scenario in a real browser, at 1280 px and at 390 px: participants in the loop.

The organiser invites a buyer and the IKMs of a small ketak event from the participants page and opens the
event; each invitation arrives at a local SMTP server and its link is opened from the e-mail. The buyer sets
its password, edits its needs and looks at its recommended partners. Meanwhile the IKM at the top of that
list accepts its own invitation and uploads a product photo. The buyer then requests 3 meetings (its top 3
partners, with a message). Two other buyers of the event, already signed in, ask the same IKM too: so that
one IKM user has 3 requests to answer, as the issue's acceptance asks ("one IKM user accepts 2 requests and
declines 1"; one buyer can ask an IKM only once). The IKM opens its requests from the e-mail's link, accepts
our buyer and the second one and declines the third. The organiser plans and publishes; the accepted pairs
are in the plan in force and the declined one is not; the agenda e-mails carry the agenda link. Last the
buyer opens that link on a phone (390 px, in the 1280 run too), signs in with its password, sees its
meetings in WITA and rates the meeting with the IKM.

The event was held yesterday (in WITA) so that its meetings have started and can be rated (the rule of
:mod:`matching.app.ratings`); the weeks between invitations and the event day are compressed into one test.
Engine calls: only the setup (the event, an organiser key, the two other buyers' sessions) and reading the
results. Screenshots ``p16-<width>-NN-<step>.png``; no page at 390 px may scroll sideways.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, ViewportSize, expect

from matching import Engine
from matching.catalogue.schema import Entity
from tests.mail_server import LocalSmtp
from tests.service.conftest import (
    PHONE,
    PLAN_TIMEOUT_MS,
    TIMEOUT_MS,
    _free_port,
    demo_engine,
    image_loaded,
    log_in,
    no_horizontal_scroll,
    participant_session,
    serve,
    shot,
    sign_in_browser,
)

PASSWORD = "ketak-lombok-2026"
MAIL_WAIT_S = 30.0


@dataclass(frozen=True)
class Cast:
    """Who takes part in one run: each width has its own event and people (accounts are per address)."""

    buyer: str  # the buyer invited by e-mail: it edits its needs, requests 3 meetings, rates one
    company: str
    email: str  # its catalogue address, where the invitation goes
    needs: str  # what it types as its requirement
    quantity: str
    others: list[tuple[str, str, str]]  # two more buyers (id, company, message) who ask the same IKM
    ikms: list[str]


CASTS = {
    1280: Cast(
        "B012",
        "San Diego Artisan Supply",
        "admin@sandiegoartisansuppl.com",
        "Shopping totes woven from ketak fern for our stores in California. Natural colour, sturdy handles. "
        "Ideally made in Bali or Lombok.",
        "750",
        [
            (
                "B011",
                "Nakamura Interior K.K.",
                "We import gift boxes to Japan; could we see your ketak boxes?",
            ),
            ("B017", "Toko Oleh-Oleh Arunika", "Kami butuh 2.900 tas belanja ketak tiap bulan, bisa?"),
        ],
        ["I0003", "I0042", "I0050", "I0149", "I0156", "I0274"],
    ),
    390: Cast(
        "B064",
        "Haus & Natur München",
        "purchasing@hausnaturmunchen.com",
        "Bags woven from ketak fern for our shop in Munich. Natural colours, delivery within 90 days.",
        "400",
        [
            ("B051", "Katong Gifts Pte Ltd", "We need bread baskets for our resort; do you weave them?"),
            ("B090", "Brussel Deco Import", "We want trays woven from ketak, 350 pieces every month."),
        ],
        ["I0035", "I0127", "I0184", "I0394", "I0475", "I0571"],
    ),
}


# -- a server whose public address is known before the engine is made (the links in the e-mails) -------------


@pytest.fixture(scope="module")
def port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def web_engine(
    tmp_path_factory: pytest.TempPathFactory, demo_e5_home: Path, smtp_server: LocalSmtp, port: int
) -> Iterator[Engine]:
    """The demo catalogue indexed with the real model (as ``conftest.web_engine``), a mail server, and links
    in e-mails pointing at this module's server."""
    eng = demo_engine(
        tmp_path_factory.mktemp("participants-scenario") / "home",
        demo_e5_home,
        public_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
    )
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def server(web_engine: Engine, port: int) -> Iterator[str]:
    """The real app on ``port``, the address the e-mails' links name."""
    with serve(web_engine, port) as base:
        yield base


@pytest.fixture(params=sorted(CASTS), ids=str)
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def tabs(browser: Browser, server: str) -> Iterator[Callable[[ViewportSize], Page]]:
    """Opens a tab in a browser context of its own (one per person), all closed at the end."""
    opened: list[Page] = []

    def open_tab(viewport: ViewportSize) -> Page:
        context = browser.new_context(base_url=server, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context.new_page())
        return opened[-1]

    yield open_tab
    for tab in opened:
        tab.context.close()


# -- helpers -----------------------------------------------------------------------------------------------


def event_yaml(name: str, day: dt.date, cast: Cast) -> str:
    buyers = [cast.buyer, *(b for b, _, _ in cast.others)]
    return f"""
name: {name}
date: {day.isoformat()}
venue: Taman Budaya NTB, Mataram
time_zone: WITA
slot_minutes: 20
sessions: [{{start: "09:00", end: "11:00"}}]
tables: 6
max_meetings_per_buyer: 4
max_meetings_per_ikm: 4
buyers: [{", ".join(buyers)}]
ikms: [{", ".join(cast.ikms)}]
"""


def mail(smtp: LocalSmtp, address: str, subject: str, *, greeting: str = "") -> EmailMessage:
    """The newest e-mail to ``address`` (any, when empty) whose subject holds ``subject`` and whose text
    holds ``greeting``, waiting for the sender's run."""
    deadline = time.monotonic() + MAIL_WAIT_S
    while True:
        found = [
            m
            for m in (smtp.to(address) if address else list(smtp.messages))
            if subject in str(m["Subject"]) and greeting in text(m)
        ]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            seen = [(m["To"], m["Subject"]) for m in smtp.messages]
            raise AssertionError(f"no e-mail to {address} about {subject!r} within {MAIL_WAIT_S} s: {seen}")
        time.sleep(0.1)


def text(message: EmailMessage) -> str:
    """The e-mail's plain-text part."""
    body = message.get_body(("plain",))
    assert body is not None, message["Subject"]
    return str(body.get_content())


def links(message: EmailMessage) -> list[str]:
    """The web addresses in the e-mail's plain-text part."""
    return re.findall(r"https?://[^\s<>\"]+", text(message))


def photo_file(folder: Path) -> Path:
    """A real PNG (made with Pillow): a basket weave in the browns of ketak."""
    image = Image.new("RGB", (800, 600), (92, 60, 32))
    draw = ImageDraw.Draw(image)
    cell = 40
    for row in range(600 // cell):
        for col in range(800 // cell):
            x, y = col * cell, row * cell
            for i in range(0, cell, 10):  # strands across, then strands down: the over-under of a weave
                if (row + col) % 2:
                    draw.rectangle((x + 1, y + i + 1, x + cell - 2, y + i + 7), fill=(176, 128, 76))
                else:
                    draw.rectangle((x + i + 1, y + 1, x + i + 7, y + cell - 2), fill=(138, 96, 54))
    path = folder / "tas-ketak.png"
    image.save(path, "PNG")
    return path


def other_buyer_asks(
    tab: Page, server: str, engine: Engine, event_id: str, buyer: str, ikm: str, message: str
) -> None:
    """A buyer already signed in (a session made by the setup) asks ``ikm`` through its partners page."""
    _, token = participant_session(engine, "buyer", buyer, name=f"Staf {buyer}")
    sign_in_browser(tab, server, token)
    tab.goto(f"/me/events/{event_id}")
    card = tab.locator(f"#partner-{ikm}")
    card.get_by_text("Ajukan pertemuan").click()
    card.get_by_label("Pesan singkat").fill(message)
    card.get_by_role("button", name="Kirim permintaan").click()
    expect(tab.get_by_text("Permintaan pertemuan terkirim.")).to_be_visible()
    expect(tab.locator(f"#partner-{ikm} .badge")).to_have_text("Menunggu jawaban")


# -- the scenario ------------------------------------------------------------------------------------------


def test_participants_from_the_invitation_to_the_rating(
    width: int,
    tabs: Callable[[ViewportSize], Page],
    web_engine: Engine,
    smtp_server: LocalSmtp,
    server: str,
    tmp_path: Path,
) -> None:
    cast = CASTS[width]
    viewport: ViewportSize = {"width": width, "height": 900}
    event_id = f"temu-ketak-{width}"
    name = f"Temu Bisnis Ketak Lombok ({width})"
    yesterday = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date() - dt.timedelta(days=1)
    web_engine.events.create(event_yaml(name, yesterday, cast), event_id=event_id)
    count = iter(range(1, 100))

    def step(page: Page, label: str) -> None:
        shot(page, f"p16-{width}-{next(count):02d}-{label}")
        if page.viewport_size and page.viewport_size["width"] <= 400:
            assert no_horizontal_scroll(page), f"{label}: the page scrolls sideways at 390 px"

    # -- 1. the organiser invites the buyer and the IKMs, and opens the event --------------------------------
    desk = tabs(viewport)
    _, key = web_engine.keys.create("organiser", f"Panitia {width}")
    log_in(desk, key, f"p16-{width}-00")
    desk.goto(f"/events/{event_id}")
    desk.get_by_role("link", name="Peserta dan akun").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Peserta dan akun")
    for pick in [f"buyer:{cast.buyer}", *(f"ikm:{i}" for i in cast.ikms)]:
        desk.locator(f'input[name="pick"][value="{pick}"]').check()
    step(desk, "participants")
    desk.get_by_role("button", name="Kirim undangan").click()
    expect(desk.get_by_text(f"{1 + len(cast.ikms)} undangan dibuat.")).to_be_visible()
    step(desk, "invited")
    desk.get_by_role("link", name="Kembali ke acara").click()
    desk.get_by_role("link", name="Buka & terbitkan untuk peserta").click()
    desk.get_by_role("button", name="Buka untuk peserta").click()
    expect(desk.get_by_text("Acara dibuka untuk peserta")).to_be_visible()
    step(desk, "opened")

    # -- 2./3. the buyer's invitation arrives; it sets a password, edits its needs, sees its partners --------
    invitation = mail(smtp_server, cast.email, "Undangan temu bisnis")
    (link,) = {u for u in links(invitation) if "/invite/" in u}  # once in Indonesian, once in English
    assert link.startswith(f"{server}/invite/"), link
    buyer = tabs(viewport)
    buyer.goto(link)
    expect(buyer.get_by_role("heading", level=1)).to_have_text("Undangan temu bisnis")
    expect(buyer.get_by_text(f"Akun untuk alamat {cast.email}")).to_be_visible()
    buyer.get_by_label("Nama Anda").fill("Maria Lopez")
    buyer.get_by_label("Kata sandi (minimal 10 karakter)").fill(PASSWORD)
    step(buyer, "buyer-invitation")
    buyer.get_by_role("button", name="Terima undangan").click()
    expect(buyer.get_by_text("Akun Anda sudah siap")).to_be_visible()
    step(buyer, "buyer-me")

    buyer.get_by_role("link", name="Profil saya").click()
    buyer.get_by_label("Apa yang Anda cari").fill(cast.needs)
    buyer.get_by_label("Jumlah (buah per pesanan atau per bulan)").fill(cast.quantity)
    buyer.get_by_role("button", name="Simpan profil").click()
    expect(buyer.get_by_text("Profil disimpan.")).to_be_visible()
    step(buyer, "buyer-profile")

    buyer.goto("/me")
    buyer.locator(".me-event").get_by_role("link", name="Mitra yang direkomendasikan").click()
    expect(buyer.get_by_role("heading", name="Mitra yang direkomendasikan", level=1)).to_be_visible()
    cards = buyer.locator("li.partner")
    expect(cards).to_have_count(len(cast.ikms))
    expect(cards.first.get_by_text("Mengapa bertemu")).to_be_visible()
    top = [(cards.nth(i).get_attribute("id") or "").removeprefix("partner-") for i in range(3)]
    ikm = top[0]  # the partner at the top of the list: its user answers the requests below
    ikm_name = cards.first.locator("h3").inner_text()
    wanted = cards.first.locator(".partner-products .tag").first.inner_text()  # its best-fitting product
    assert set(top) <= set(cast.ikms)
    step(buyer, "buyer-partners")

    # -- 4a. that IKM's user accepts its own invitation and uploads a product photo -------------------------
    ikm_invitation = mail(smtp_server, "", "Undangan temu bisnis", greeting=f"Yth. {ikm_name},")
    ikm_address = str(ikm_invitation["To"])
    (ikm_link,) = {u for u in links(ikm_invitation) if "/invite/" in u}
    maker = tabs(viewport)
    maker.goto(ikm_link)
    maker.get_by_label("Nama Anda").fill("Baiq Sumiati")
    maker.get_by_label("Kata sandi (minimal 10 karakter)").fill("anyaman-ketak-99")
    maker.get_by_role("button", name="Terima undangan").click()
    expect(maker.get_by_text("Akun Anda sudah siap")).to_be_visible()
    step(maker, "ikm-me")
    maker.get_by_role("link", name="Profil saya").click()
    product = maker.locator("li.product-card").filter(
        has=maker.get_by_role("heading", name=wanted, exact=True)
    )
    product.locator("input[type=file]").set_input_files(photo_file(tmp_path))
    product.get_by_role("button", name="Unggah foto").click()
    expect(maker.get_by_text("Foto diunggah.")).to_be_visible()
    expect(product.locator(".photo-list img")).to_have_count(1)
    assert image_loaded(product.locator(".photo-list img"))
    step(maker, "ikm-photo")

    buyer.locator(f"#partner-{ikm} h3 a").click()  # the buyer looks at the IKM's public profile
    expect(buyer.get_by_role("heading", level=1)).to_have_text(ikm_name)
    shown = buyer.locator("li.product-card").filter(has=buyer.get_by_role("heading", name=wanted, exact=True))
    expect(shown.locator(".photo-list img")).to_have_count(1)
    assert image_loaded(shown.locator(".photo-list img"))
    step(buyer, "buyer-sees-photo")
    buyer.go_back()

    # -- 3b. the buyer requests its top 3 partners; two other buyers ask the same IKM ----------------------
    message = "Kami mencari mitra ketak untuk pesanan rutin; boleh kami lihat sampel di meja Anda?"
    for pid in top:
        card = buyer.locator(f"#partner-{pid}")
        card.get_by_text("Ajukan pertemuan").click()
        card.get_by_label("Pesan singkat").fill(message)
        if pid == top[0]:
            step(buyer, "buyer-request-form")
        card.get_by_role("button", name="Kirim permintaan").click()
        expect(buyer.get_by_text("Permintaan pertemuan terkirim.")).to_be_visible()
        expect(buyer.locator(f"#partner-{pid} .badge")).to_have_text("Menunggu jawaban")
    step(buyer, "buyer-requested")
    for other, _, asked in cast.others:
        asker = tabs(viewport)
        other_buyer_asks(asker, server, web_engine, event_id, other, ikm, asked)
        step(asker, f"{other.lower()}-requested")

    # -- 4b. the IKM opens its requests from the e-mail, accepts 2 and declines 1 --------------------------
    requests_link = f"{server}/me/events/{event_id}/requests"
    company = cast.company
    for sender in [company, *(c for _, c, _ in cast.others)]:
        request_mail = mail(smtp_server, ikm_address, f"Permintaan pertemuan dari {sender}")
        assert requests_link in links(request_mail), sender
    maker.goto(requests_link)
    incoming = maker.locator("li.req")
    expect(incoming).to_have_count(3)
    expect(maker.locator("li.req", has_text=company)).to_contain_text(message)
    step(maker, "ikm-requests")
    (second, second_company, _), (third, third_company, _) = cast.others
    for sender, button in ((company, "Terima"), (second_company, "Terima"), (third_company, "Tolak")):
        maker.locator("li.req", has_text=sender).get_by_role("button", name=button, exact=True).click()
        expect(maker.locator("li.req", has_text=sender).locator(".badge")).to_have_text(
            "Disetujui" if button == "Terima" else "Ditolak"
        )
    expect(maker.locator("li.req", has_text=company).locator(".req-contact")).to_be_visible()
    step(maker, "ikm-answered")
    agreed = mail(smtp_server, cast.email, "menerima permintaan Anda")
    assert requests_link in links(agreed)
    declined = mail(smtp_server, f"{third.lower()}@peserta.example", "menolak permintaan Anda")
    assert requests_link in links(declined)
    buyer.goto(requests_link)
    expect(buyer.locator("li.req", has_text=ikm_name).locator(".badge")).to_have_text("Disetujui")
    step(buyer, "buyer-agreed")

    # -- 5. the organiser plans and publishes ---------------------------------------------------------------
    desk.get_by_role("link", name="Kembali ke acara").click()  # from the publish page, still open
    desk.get_by_label("Batas waktu penjadwal (detik)").first.fill("3")
    desk.get_by_role("button", name="Susun rencana").click()
    expect(desk.get_by_text("Rencana 1 selesai disusun.")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    step(desk, "planned")
    desk.get_by_role("link", name="Buka & terbitkan untuk peserta").click()
    desk.get_by_role("button", name="Terbitkan jadwal (rencana 1)").click()
    expect(desk.get_by_text("Rencana 1 terbit")).to_be_visible()
    step(desk, "published")
    held = {(m["buyer_id"], m["ikm_id"]) for m in web_engine.events.meetings(event_id) if m["slot_start"]}
    assert (cast.buyer, ikm) in held and (second, ikm) in held, held
    assert (third, ikm) not in held, held
    agenda_link = f"{server}/me/events/{event_id}/agenda"
    agenda_mail = mail(smtp_server, cast.email, "Jadwal temu bisnis Anda")
    assert agenda_link in links(agenda_mail) and "WITA" in text(agenda_mail)
    assert agenda_link in links(mail(smtp_server, ikm_address, "Jadwal temu bisnis Anda"))

    # -- 6. the buyer opens its agenda on a phone, signs in and rates the meeting with the IKM ---------------
    phone = tabs(PHONE)
    phone.goto(agenda_link)
    expect(phone).to_have_url(re.compile(r"/signin\?next="))
    phone.get_by_label("Alamat e-mail").fill(cast.email)
    phone.get_by_label("Kata sandi").fill(PASSWORD)
    step(phone, "phone-sign-in")
    phone.get_by_role("button", name="Masuk", exact=True).click()
    expect(phone).to_have_url(agenda_link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Agenda saya")
    expect(phone.get_by_text("Semua waktu dalam WITA (UTC+8)")).to_be_visible()
    mine = [
        m for m in web_engine.events.meetings(event_id) if m["buyer_id"] == cast.buyer and m["slot_start"]
    ]
    expect(phone.locator("ol.agenda-list > li")).to_have_count(len(mine))
    item = phone.locator(f"#m-{ikm}")
    meeting = next(m for m in mine if m["ikm_id"] == ikm)
    expect(item.locator(".agenda-time")).to_contain_text(meeting["slot_start"])
    expect(item.locator(".agenda-tz")).to_have_text("WITA")
    step(phone, "phone-agenda")
    item.get_by_role("link", name="Nilai pertemuan ini").click()
    form = phone.locator(f"#r-{ikm} form")
    form.get_by_label("kerja sama mungkin").check()
    form.get_by_label("Catatan (boleh kosong)").fill("Minta sampel 20 tas ketak warna alami")
    step(phone, "phone-rate")
    form.get_by_role("button", name="Simpan penilaian").click()
    expect(phone.get_by_text("Penilaian tersimpan. Terima kasih!")).to_be_visible()
    phone.get_by_role("link", name="Kembali ke agenda").click()
    expect(phone.locator(f"#m-{ikm}")).to_contain_text("Penilaian Anda: kerja sama mungkin")
    step(phone, "phone-rated")

    # -- the results, read through the engine ---------------------------------------------------------------
    ratings = [r for r in web_engine.ratings.all() if r.event_id == event_id]
    assert [(r.buyer_id, r.ikm_id, r.day_outcome, r.notes) for r in ratings] == [
        (cast.buyer, ikm, "cooperation_possible", "Minta sampel 20 tas ketak warna alami")
    ]
    saved = web_engine.store.get(Entity.BUYERS, cast.buyer)
    assert (saved.requirement, saved.quantity) == (cast.needs, int(cast.quantity))
    statuses = {(r.buyer_id, r.ikm_id): r.status for r in web_engine.requests.for_event(event_id)}
    assert statuses == {
        **{(cast.buyer, pid): "pending" for pid in top[1:]},
        (cast.buyer, ikm): "accepted",
        (second, ikm): "accepted",
        (third, ikm): "declined",
    }
    (photo_record,) = web_engine.photos.of_ikm(ikm)
    assert (photo_record.content_type, photo_record.width, photo_record.height) == ("image/png", 800, 600)
