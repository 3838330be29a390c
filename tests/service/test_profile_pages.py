"""``/me/profile``, the public profile and the photo files through the real app (TestClient, demo catalogue,
hashing encoder): only the session's own record, CSRF on every form, refused values named and kept, a
saved product searchable without a restart, uploads checked by content, no contact on public profiles,
and ids of others answering 404."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from matching import Engine, Settings
from matching.catalogue.schema import Entity
from service import create_app
from service.deps import COOKIE
from service.settings import ServiceSettings
from service.web.participant_auth import SESSION_COOKIE
from tests.service.conftest import participant_session

FAIR = """
name: Temu Bisnis Anyaman
date: 2026-12-10
slot_minutes: 30
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
buyers: [B001, B002]
ikms: [I0003, I0035]
"""
OTHER = """
name: Pameran Lain
date: 2026-12-11
slot_minutes: 30
sessions: [{start: "09:00", end: "12:00"}]
tables: 2
buyers: [B003]
ikms: [I0004]
"""
MAKE = 0x010F
POSTS = (
    "/me/profile",
    "/me/profile/products",
    "/me/profile/products/delete",
    "/me/profile/photos",
    "/me/profile/photos/delete",
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("profile-home"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    eng.events.create(FAIR, event_id="fair")
    eng.events.create(OTHER, event_id="other")
    eng.searcher()
    yield eng
    eng.wait_for_refresh(60)
    eng.close()


@pytest.fixture(scope="module")
def app(engine: Engine) -> FastAPI:
    return create_app(engine=engine, service_settings=ServiceSettings(public_search=True))


def client_as(app: FastAPI, engine: Engine, kind: str | None = None, pid: str = "") -> TestClient:
    client = TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})
    if kind:
        _account, token = participant_session(engine, kind, pid)
        client.cookies.set(SESSION_COOKIE, token)
    return client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def png(size: tuple[int, int] = (800, 600), *, exif: bool = True) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    data = Image.Exif()
    data[MAKE] = "SpyCam"
    image.save(out, "PNG", **({"exif": data.tobytes()} if exif else {}))
    return out.getvalue()


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_session_goes_to_sign_in(app: FastAPI, engine: Engine) -> None:
    with client_as(app, engine) as anonymous:
        answer = anonymous.get("/me/profile")
        assert answer.status_code == 303 and answer.headers["location"] == "/signin?next=%2Fme%2Fprofile"
        for path in POSTS:
            assert anonymous.post(path, data={"csrf_token": "x"}).status_code == 303
        answer = anonymous.get("/events/fair/profile/I0003")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?next=")


def test_every_form_needs_the_csrf_token(app: FastAPI, engine: Engine) -> None:
    before = engine.store.get(Entity.IKMS, "I0035")
    products = engine.profile_edits.products("I0035")
    with client_as(app, engine, "ikm", "I0035") as ikm:
        for path in POSTS:
            for token in (None, "forged"):
                data = {"description": "Dirusak", "name": "X", "product_id": products[0].product_id}
                if token:
                    data["csrf_token"] = token
                assert ikm.post(path, data=data).status_code == 403, path
    assert engine.store.get(Entity.IKMS, "I0035") == before
    assert engine.profile_edits.products("I0035") == products


def test_the_buyer_edits_its_own_needs_only(app: FastAPI, engine: Engine) -> None:
    other = engine.store.get(Entity.BUYERS, "B002")
    company = engine.store.get(Entity.BUYERS, "B001").company
    with client_as(app, engine, "buyer", "B001") as buyer:
        page = buyer.get("/me/profile")
        assert page.status_code == 200 and company in page.text
        token = csrf(page.text)
        refused = buyer.post(
            "/me/profile",
            data={
                "csrf_token": token,
                "requirement": "Tas pandan",
                "quantity": "banyak sekali",
                "province": ["Bali"],
            },
        )
        assert refused.status_code == 422
        shown = text_of(refused.text)
        assert "Jumlah (buah per pesanan atau per bulan): bukan angka (isian: “banyak sekali”)" in shown
        assert 'value="banyak sekali"' in refused.text and "Tas pandan</textarea>" in refused.text  # kept
        assert re.search(r'<option value="Bali" selected>', refused.text)
        saved = buyer.post(
            "/me/profile",
            data={
                "csrf_token": token,
                "buyer_id": "B002",  # ids come from the session, never from the form
                "requirement": "Tas pandan anyaman untuk toko suvenir",
                "quantity": "1.500",
                "max_unit_price_idr": "120000",
                "deadline_days": "30",
                "cert": ["SVLK", "SNI"],
                "province": ["Bali", "Jawa Barat"],
            },
        )
        assert saved.status_code == 303 and "msg=profile_saved" in saved.headers["location"]
        for path in POSTS[1:]:  # products and photos are an IKM's
            assert buyer.post(path, data={"csrf_token": token, "product_id": "P00001"}).status_code == 403
        english = buyer.get("/me/profile", params={"lang": "en"})
        assert "<h1>My profile</h1>" in english.text and "What you are looking for" in english.text
    stored = engine.store.get(Entity.BUYERS, "B001")
    assert (stored.quantity, stored.max_unit_price_idr, stored.deadline_days) == (1500, 120_000, 30)
    assert stored.required_certifications == ["SVLK", "SNI"] and stored.preferred_provinces == [
        "Bali",
        "Jawa Barat",
    ]
    assert stored.company == company
    assert engine.store.get(Entity.BUYERS, "B002") == other


def test_a_saved_product_is_found_by_search_right_after(app: FastAPI, engine: Engine) -> None:
    query = {"q": "tempat tisu ketak motif zebra"}
    with client_as(app, engine, "ikm", "I0035") as ikm:
        assert "Tempat tisu ketak zebra" not in ikm.get("/", params=query).text
        built = engine.searcher_revision
        token = csrf(ikm.get("/me/profile").text)
        added = ikm.post(
            "/me/profile/products",
            data={
                "csrf_token": token,
                "name": "Tempat tisu ketak zebra",
                "description": "Tempat tisu anyaman ketak motif zebra",
                "material": "ketak",
                "category": "tempat tisu",
                "price_idr": "85.000",
            },
        )
        assert added.status_code == 303 and "msg=product_added" in added.headers["location"]
        engine.wait_for_refresh(60)  # the save started the re-index: no restart, no import
        assert engine.searcher_revision > built
        results = ikm.get("/", params=query).text.split('<li class="match card">')[1:]
        assert "Tempat tisu ketak zebra" in results[0]


def test_an_ikm_cannot_reach_another_ikms_products(app: FastAPI, engine: Engine) -> None:
    theirs = engine.profile_edits.products("I0003")[0]
    with client_as(app, engine, "ikm", "I0035") as ikm:
        token = csrf(ikm.get("/me/profile").text)
        data = {"csrf_token": token, "product_id": theirs.product_id, "name": "Diambil alih"}
        assert ikm.post("/me/profile/products", data=data).status_code == 404
        assert ikm.post("/me/profile/products/delete", data=data).status_code == 404
        upload = ikm.post("/me/profile/photos", data=data, files={"photo": ("a.png", png(), "image/png")})
        assert upload.status_code == 404
        refused = ikm.post(
            "/me/profile/products", data={"csrf_token": token, "name": "", "price_idr": "murah"}
        )
        assert refused.status_code == 422
        shown = text_of(refused.text)
        assert (
            "Nama produk: wajib diisi" in shown
            and "Harga per buah (Rp): bukan angka (isian: “murah”)" in shown
        )
    assert engine.store.get(Entity.PRODUCTS, theirs.product_id) == theirs
    assert engine.photos.of_ikm("I0003") == []


def test_photo_uploads_are_checked_by_content(app: FastAPI, engine: Engine) -> None:
    product = engine.profile_edits.products("I0035")[0]
    with client_as(app, engine, "ikm", "I0035") as ikm:
        token = csrf(ikm.get("/me/profile").text)
        data = {"csrf_token": token, "product_id": product.product_id}
        fake = ikm.post(
            "/me/profile/photos", data=data, files={"photo": ("foto.jpg", b"bukan gambar", "image/jpeg")}
        )
        assert fake.status_code == 422
        assert "Foto ditolak: berkas ini bukan gambar JPEG, PNG atau WebP" in text_of(fake.text)
        big = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)
        too_big = ikm.post("/me/profile/photos", data=data, files={"photo": ("besar.png", big, "image/png")})
        assert too_big.status_code == 422 and "paling besar 5 MB" in text_of(too_big.text)
        assert engine.photos.of_ikm("I0035") == []
        ok = ikm.post("/me/profile/photos", data=data, files={"photo": ("produk.png", png(), "image/png")})
        assert ok.status_code == 303 and "msg=photo_added" in ok.headers["location"]
        [photo] = engine.photos.of_ikm("I0035")
        page = ikm.get("/me/profile").text
        assert f"/photos/{photo.photo_id}/thumb" in page
        full, thumb = ikm.get(f"/photos/{photo.photo_id}"), ikm.get(f"/photos/{photo.photo_id}/thumb")
    for answer, longest in ((full, 800), (thumb, 320)):
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        image = Image.open(io.BytesIO(answer.content))
        assert max(image.size) == longest and not dict(image.getexif()) and b"SpyCam" not in answer.content
    with client_as(app, engine) as anonymous:  # public catalogue content, like search results
        assert anonymous.get(f"/photos/{photo.photo_id}/thumb").status_code == 200
        assert anonymous.get("/photos/0123456789abcdef01234567").status_code == 404
        assert anonymous.get("/photos/..%2F..%2Fetc/thumb").status_code == 404
        results = anonymous.get("/", params={"q": product.name}).text.split('<li class="match card">')[1:]
        assert any(f"/photos/{photo.photo_id}/thumb" in r and "I0035" not in r for r in results[:5])


def test_another_ikms_photo_cannot_be_deleted(app: FastAPI, engine: Engine) -> None:
    product = engine.profile_edits.products("I0003")[0]
    photo = engine.photos.upload("I0003", product.product_id, png((60, 60)), uploaded_by="test")
    with client_as(app, engine, "ikm", "I0035") as ikm:
        token = csrf(ikm.get("/me/profile").text)
        answer = ikm.post("/me/profile/photos/delete", data={"csrf_token": token, "photo_id": photo.photo_id})
        assert answer.status_code == 404
    assert engine.photos.get(photo.photo_id) is not None and engine.photos.path(photo).exists()
    with client_as(app, engine, "ikm", "I0003") as owner:
        token = csrf(owner.get("/me/profile").text)
        answer = owner.post(
            "/me/profile/photos/delete", data={"csrf_token": token, "photo_id": photo.photo_id}
        )
        assert answer.status_code == 303
    assert engine.photos.get(photo.photo_id) is None
    with client_as(app, engine) as anonymous:
        assert anonymous.get(f"/photos/{photo.photo_id}").status_code == 404


def test_the_public_profile_is_for_the_events_people_and_has_no_contact(app: FastAPI, engine: Engine) -> None:
    ikm = engine.store.get(Entity.IKMS, "I0003")
    contacts = [c for c in (ikm.contact_name, ikm.contact_phone, ikm.contact_email) if c]
    assert contacts
    with client_as(app, engine, "buyer", "B001") as buyer:
        page = buyer.get("/events/fair/profile/I0003")
        assert page.status_code == 200 and ikm.name in page.text
        assert not any(c in page.text for c in contacts)
        engine.profile_edits.update_buyer("B002", {"required_certifications": "SVLK"})
        assert buyer.get("/events/fair/profile/I0004").status_code == 404  # not at this event
        assert buyer.get("/events/other/profile/I0004").status_code == 404  # not the buyer's event
        assert buyer.get("/events/nothing/profile/I0003").status_code == 404
    b002 = engine.store.get(Entity.BUYERS, "B002")
    with client_as(app, engine, "ikm", "I0035") as seller:
        page = seller.get("/events/fair/profile/B002")
        assert page.status_code == 200 and b002.company in page.text
        assert "SVLK (legalitas kayu)" in page.text  # certificates in words
        assert not b002.contact_email or b002.contact_email not in page.text
        assert "Harga maksimum per buah" not in page.text  # the price ceiling field is the buyer's own
    with client_as(app, engine, "ikm", "I0004") as outsider:
        assert outsider.get("/events/fair/profile/I0003").status_code == 404
        assert outsider.get("/events/other/profile/B003").status_code == 200
    organiser_key = engine.keys.create("organiser", "Meja panitia")[1]
    buyer_key = engine.keys.create("buyer", "Kunci B001", buyer_id="B001")[1]
    with client_as(app, engine) as desk:
        desk.cookies.set(COOKIE, organiser_key)
        assert desk.get("/events/fair/profile/I0003").status_code == 200
        assert desk.get("/events/fair/profile/I0004").status_code == 404
    with client_as(app, engine) as key_only:
        key_only.cookies.set(COOKIE, buyer_key)  # a buyer's API key is not an event participant's session
        assert key_only.get("/events/fair/profile/I0003").status_code == 404


def test_an_account_whose_record_is_gone_is_told_so(app: FastAPI, engine: Engine) -> None:
    with client_as(app, engine, "ikm", "I9999") as lost:
        page = lost.get("/me/profile")
        assert page.status_code == 404 and "I9999" in page.text and "Hubungi penyelenggara" in page.text


def test_the_participants_home_links_to_the_profile(app: FastAPI, engine: Engine) -> None:
    with client_as(app, engine, "ikm", "I0035") as ikm:
        home = ikm.get("/me")
        assert home.status_code == 200 and 'href="/me/profile"' in home.text and "Profil saya" in home.text
