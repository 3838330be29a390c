"""The participant sign-in, invitation, registration, home and organiser participants pages (TestClient):
what they show, what they refuse (no session, another event's participant, a post without its CSRF token,
a non-organiser), and that the cookie they set is a working session."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from matching import Engine, Settings
from matching.store.tables import OutboxRow
from service import create_app
from service.deps import COOKIE
from service.web.participant_auth import SESSION_COOKIE
from tests.service.conftest import participant_session

LOMBOK = """
name: Temu Bisnis Ketak Lombok
date: 2026-12-10
venue: Mataram
time_zone: WITA
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
buyers: [B001, B002]
ikms: [I0003, I0035]
"""
OTHER = """
name: Pameran Rotan Cirebon
date: 2026-12-12
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
buyers: [B003]
ikms: [I0038]
"""
PASSWORD = "tikar-pandan-biru"
ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("accounts-home"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    eng.events.create(LOMBOK, event_id="lombok")
    eng.events.create(OTHER, event_id="cirebon")
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def organiser_key(engine: Engine) -> str:
    return engine.keys.create("organiser", "Meja panitia")[1]


@pytest.fixture
def web(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine), follow_redirects=False, headers=ORIGIN) as client:
        yield client


@pytest.fixture
def organiser(engine: Engine, organiser_key: str) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine), follow_redirects=False, headers=ORIGIN) as client:
        client.cookies.set(COOKIE, organiser_key)
        yield client


def _last_mail(engine: Engine, to: str, kind: str) -> str:
    with engine.store.session() as session:
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.to_address == to, OutboxRow.kind == kind)
        ).all()
    assert rows, f"no {kind} e-mail to {to}"
    return rows[-1].body_text


def _invite(organiser: TestClient, engine: Engine, pid: str, email: str) -> str:
    kind = "buyer" if pid.startswith("B") else "ikm"
    response = organiser.post(
        "/events/lombok/participants/add-user", data={"participant": f"{kind}:{pid}", "email": email}
    )
    assert response.status_code == 200 and "/invite/" in response.text
    found = re.search(r"/invite/([A-Za-z0-9_-]+)", _last_mail(engine, email, "invitation"))
    assert found is not None
    return found.group(1)


def test_accepting_an_invitation_signs_in_and_lands_on_me(
    engine: Engine, organiser: TestClient, web: TestClient
) -> None:
    token = _invite(organiser, engine, "I0003", "ketak.baiq@example.id")
    page = web.get(f"/invite/{token}")
    assert page.status_code == 200
    assert "Temu Bisnis Ketak Lombok" in page.text and "ketak.baiq@example.id" in page.text
    short = web.post(f"/invite/{token}", data={"name": "Baiq", "method": "password", "password": "pendek"})
    assert short.status_code == 400 and "minimal 10 karakter" in short.text
    assert engine.accounts.by_email("ketak.baiq@example.id") is None
    done = web.post(f"/invite/{token}", data={"name": "Baiq Nur", "method": "password", "password": PASSWORD})
    assert done.status_code == 303 and done.headers["location"].startswith("/me")
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
    home = web.get("/me")
    assert home.status_code == 200
    assert "Masuk sebagai Baiq Nur" in home.text and "Temu Bisnis Ketak Lombok" in home.text
    assert "WITA" in home.text and "Pameran Rotan Cirebon" not in home.text  # not its event
    again = web.get(f"/invite/{token}")
    assert again.status_code == 410 and "sudah dipakai" in again.text


def test_unknown_and_revoked_invitation_links(engine: Engine, organiser: TestClient, web: TestClient) -> None:
    assert web.get("/invite/no-such-token").status_code == 404
    token = _invite(organiser, engine, "I0035", "rotan.staf@example.id")
    listing = organiser.get("/events/lombok/participants")
    hashes = re.findall(r'name="invitation" value="([0-9a-f]{64})"', listing.text)
    assert hashes
    for h in hashes:
        assert organiser.post("/events/lombok/participants/revoke", data={"invitation": h}).status_code == 303
    closed = web.post(f"/invite/{token}", data={"name": "X", "method": "code"})
    assert closed.status_code == 410 and "dibatalkan" in closed.text
    assert engine.accounts.by_email("rotan.staf@example.id") is None


def test_sign_in_with_password_and_the_same_answer_for_unknown(engine: Engine, web: TestClient) -> None:
    account, _ = participant_session(engine, "buyer", "B001", email="hotel.b001@example.id")
    engine.sign_ins.set_password(account.user_id, PASSWORD)
    wrong = web.post("/signin", data={"email": "hotel.b001@example.id", "password": "salah-salah-1"})
    unknown = web.post("/signin", data={"email": "ghost@example.id", "password": "salah-salah-1"})
    assert wrong.status_code == unknown.status_code == 401
    assert "E-mail atau kata sandi salah" in wrong.text.replace("Alamat e-mail", "E-mail")
    assert wrong.text.count("salah.") == unknown.text.count("salah.")
    ok = web.post("/signin", data={"email": "HOTEL.B001@example.id", "password": PASSWORD, "next": "/me"})
    assert ok.status_code == 303 and ok.headers["location"] == "/me"
    assert "Masuk sebagai" in web.get("/me").text


def test_next_never_leaves_the_site(engine: Engine, web: TestClient) -> None:
    account, _ = participant_session(engine, "buyer", "B002", email="b002@example.id")
    engine.sign_ins.set_password(account.user_id, PASSWORD)
    ok = web.post(
        "/signin", data={"email": "b002@example.id", "password": PASSWORD, "next": "//evil.example"}
    )
    assert ok.headers["location"] == "/me"


def test_the_page_says_when_to_try_again(engine: Engine, web: TestClient) -> None:
    account, _ = participant_session(engine, "ikm", "I0035", email="locked@example.id")
    engine.sign_ins.set_password(account.user_id, PASSWORD)
    for _ in range(5):
        web.post("/signin", data={"email": "locked@example.id", "password": "salah-salah-1"})
    locked = web.post("/signin", data={"email": "locked@example.id", "password": PASSWORD})
    assert locked.status_code == 429 and "Coba lagi dalam 15 menit" in locked.text


def test_sign_in_with_a_code(engine: Engine, web: TestClient) -> None:
    participant_session(engine, "ikm", "I0003", email="kode@example.id")
    sent = web.post("/signin/code/send", data={"email": "kode@example.id"})
    unknown = web.post("/signin/code/send", data={"email": "siapa@example.id"})
    assert sent.status_code == unknown.status_code == 200
    assert "Bila alamat ini terdaftar" in sent.text and "Bila alamat ini terdaftar" in unknown.text
    code = re.search(r"\b(\d{6})\b", _last_mail(engine, "kode@example.id", "code"))
    assert code is not None
    done = web.post("/signin/code", data={"email": "kode@example.id", "code": code.group(1)})
    assert done.status_code == 303 and done.headers["location"] == "/me"
    reused = web.post("/signin/code", data={"email": "kode@example.id", "code": code.group(1)})
    assert reused.status_code == 401


def test_sign_out_needs_the_csrf_token(engine: Engine, web: TestClient) -> None:
    _account, token = participant_session(engine, "buyer", "B001", email="keluar@example.id")
    web.cookies.set(SESSION_COOKIE, token)
    assert web.post("/signout", data={}).status_code == 403
    assert engine.accounts.session(token) is not None
    signed = engine.accounts.session(token)
    assert signed is not None
    out = web.post("/signout", data={"csrf_token": signed.csrf_token})
    assert out.status_code == 303 and engine.accounts.session(token) is None
    web.cookies.clear()
    assert web.post("/signout", data={}).status_code == 303  # no session: to the sign-in page


def test_me_needs_a_session(web: TestClient) -> None:
    response = web.get("/me")
    assert response.status_code == 303 and response.headers["location"] == "/signin?next=%2Fme"


def test_the_participants_page_is_for_organisers(
    engine: Engine, web: TestClient, organiser: TestClient
) -> None:
    assert web.get("/events/lombok/participants").status_code == 303  # to the key login
    _account, token = participant_session(engine, "ikm", "I0003")
    web.cookies.set(SESSION_COOKIE, token)
    assert web.get("/events/lombok/participants").status_code == 303  # a participant is no organiser
    for path in ("invite", "add-user", "registration", "revoke"):
        assert web.post(f"/events/lombok/participants/{path}", data={}).status_code == 303
    buyer_key = engine.keys.create("buyer", "Pembeli", buyer_id="B001")[1]
    web.cookies.set(COOKIE, buyer_key)
    assert web.get("/events/lombok/participants").status_code == 403
    assert organiser.get("/events/nowhere/participants").status_code == 404
    page = organiser.get("/events/lombok/participants")
    assert page.status_code == 200 and "Kirim undangan" in page.text
    assert "I0038" not in page.text  # a participant of another event
    assert "/events/lombok/participants" in organiser.get("/events/lombok").text


def test_invite_selected_uses_catalogue_addresses(engine: Engine, organiser: TestClient) -> None:
    nothing = organiser.post("/events/lombok/participants/invite", data={})
    assert nothing.status_code == 200 and "Pilih dulu" in nothing.text
    outsider = organiser.post("/events/lombok/participants/invite", data={"pick": "ikm:I0038"})
    assert "Tidak bisa diundang" in outsider.text  # not a participant of this event
    response = organiser.post(
        "/events/lombok/participants/invite", data={"pick": ["buyer:B001", "ikm:I0003"]}
    )
    assert response.status_code == 200
    for kind, pid in (("buyer", "B001"), ("ikm", "I0003")):
        address = engine.invitations.contact_email(kind, pid)
        assert (address is not None and address.lower() in response.text) or pid in response.text


def test_registration_closed_open_approve(engine: Engine, organiser: TestClient, web: TestClient) -> None:
    assert web.get("/events/nowhere/register").status_code == 404
    closed = web.get("/events/lombok/register")
    assert closed.status_code == 200 and "tidak dibuka" in closed.text
    refused = web.post("/events/lombok/register", data={"kind": "buyer"})
    assert refused.status_code == 409
    assert (
        organiser.post("/events/lombok/participants/registration", data={"value": "approval"}).status_code
        == 303
    )
    assert engine.participation.settings("lombok").registration == "approval"
    form = {
        "kind": "buyer",
        "company": "Hotel Senggigi Indah",
        "name": "Ayu",
        "email": "ayu@senggigi.example",
    }
    bad = web.post("/events/lombok/register", data={**form, "email": "bukan-alamat"})
    assert bad.status_code == 400 and "Alamat e-mail" in bad.text
    sent = web.post("/events/lombok/register", data={**form, "requirement": "keranjang ketak 300 buah"})
    assert sent.status_code == 200 and "Pendaftaran terkirim" in sent.text
    listing = organiser.get("/events/lombok/participants")
    assert "Hotel Senggigi Indah" in listing.text
    (rid,) = re.findall(r"/events/lombok/registrations/(\d+)/approve", listing.text)
    assert organiser.post(f"/events/cirebon/registrations/{rid}/approve").status_code == 404
    approved = organiser.post(f"/events/lombok/registrations/{rid}/approve")
    assert approved.status_code == 200 and "/invite/" in approved.text
    account = engine.accounts.by_email("ayu@senggigi.example")
    assert account is not None and engine.participation.takes_part("lombok", "buyer", account.participant_id)
    search = web.get("/events/lombok/register", params={"kind": "buyer", "q": "Senggigi"})
    assert "Hotel Senggigi Indah" in search.text  # now in the catalogue
