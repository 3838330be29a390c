"""The HTTP API over the demo catalogue: who may do what, what non-organisers never see, create / read /
update / delete, search picking up changes without a restart, imports, events, and the one error shape.

One fast engine (hashing encoder, hand-set ranker weights) serves the whole module; tests that write use
ids of their own, so they do not disturb each other. The module runs twice: on SQLite, and on PostgreSQL (a
new database on the test process's server, ``tests.postgres``).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from matching import Engine, Settings
from matching.store.keys import Role
from service import create_app
from service.settings import ServiceSettings

API = "/api/v1"
DEMO_EVENT = Path(__file__).parents[2] / "matching" / "data" / "demo" / "event.yaml"
EVENT_ID = "api-demo"
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")
ERROR_FIELDS = {"status", "code", "message", "details", "request_id"}


@dataclass
class Demo:
    engine: Engine
    home: Path
    keys: dict[str, str]  # organiser, buyer (of BUYER), public, revoked, malformed
    buyer_id: str
    other_buyer_id: str


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("api") / "home"
    database: dict[str, str] = {}
    if request.param == "postgresql":
        from tests.postgres import fresh_database

        database["database_url"] = fresh_database(request.getfixturevalue("postgres_server"))
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights", **database))
    engine.import_demo()
    engine.searcher()
    buyer_id, other_buyer_id = (b.buyer_id for b in engine.store.buyers()[:2])
    revoked, revoked_text = engine.keys.create(Role.ORGANISER, "left the team")
    engine.keys.revoke(revoked.key_id)
    keys = {
        "organiser": engine.keys.create(Role.ORGANISER, "desk")[1],
        "buyer": engine.keys.create(Role.BUYER, "buyer", buyer_id=buyer_id)[1],
        "public": engine.keys.create(Role.PUBLIC, "kiosk")[1],
        "revoked": revoked_text,
        "malformed": "ikm_not-a-key",
    }
    yield Demo(engine, home, keys, buyer_id, other_buyer_id)
    engine.close()


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[TestClient]:
    # this module sends many wrong keys on purpose; the limit on them is tested in test_key_limit.py
    app = create_app(engine=demo.engine, service_settings=ServiceSettings(key_failures=10_000))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def public_client(demo: Demo) -> Iterator[TestClient]:
    """An app that lets requests without a key search."""
    app = create_app(engine=demo.engine, service_settings=ServiceSettings(public_search=True))
    with TestClient(app) as test_client:
        yield test_client


def auth(demo: Demo, role: str | None) -> dict[str, str]:
    return {"X-API-Key": demo.keys[role]} if role else {}


def organiser(demo: Demo) -> dict[str, str]:
    return auth(demo, "organiser")


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the one error shape with ``status``; returns its ``error`` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == ERROR_FIELDS
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    assert error["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    if code is not None:
        assert error["code"] == code
    return error


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


IKM_HEADER = ["ikm_id", "name", "province", "regency", "ovop_stars", "capacity_per_month", "contact_phone"]


def ikm_rows(*ids: str, stars: str = "2") -> list[list[str]]:
    return [[i, f"KUB Anyaman {i}", "Bali", "Karangasem", stars, "300", "0811-0000-0000"] for i in ids]


def upload(rows: list[list[str]], name: str = "ikms.csv") -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, csv_bytes(rows), "text/csv"))]


def new_ikm(ikm_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "ikm_id": ikm_id,
        "name": f"Kelompok Perajin {ikm_id}",
        "province": "Nusa Tenggara Barat",
        "regency": "Lombok Barat",
        "ovop_stars": 3,
        "capacity_per_month": 400,
        "certifications": ["SVLK"],
        "contact_name": "Ibu Rahmi",
        "contact_phone": "0877-1234-9876",
        "contact_email": f"{ikm_id.lower()}@example.id",
        **changes,
    }


def new_product(product_id: str, ikm_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "ikm_id": ikm_id,
        "name": "Keranjang ketak bulat",
        "material": "ketak",
        "category": "keranjang",
        "price_idr": 150000,
        **changes,
    }


def new_buyer(buyer_id: str, **changes: Any) -> dict[str, Any]:
    return {"buyer_id": buyer_id, "company": "Toko Uji", "requirement": "rattan baskets", **changes}


def stats(client: TestClient) -> tuple[int, int, int]:
    ready = client.get(f"{API}/ready").json()
    return ready["ikms"], ready["products"], ready["buyers"]


# -- access control ----------------------------------------------------------------------------------

ORGANISER_ONLY: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/ikms", {"json": new_ikm("X0001")}),
    ("PUT", "/ikms/I0001", {"json": {k: v for k, v in new_ikm("I0001").items() if k != "ikm_id"}}),
    ("DELETE", "/ikms/I0001", {}),
    ("POST", "/products", {"json": new_product("XP001", "I0001")}),
    ("PUT", "/products/P00001", {"json": {"ikm_id": "I0001", "name": "Tas"}}),
    ("DELETE", "/products/P00001", {}),
    ("POST", "/buyers", {"json": new_buyer("X001")}),
    ("DELETE", "/buyers/B001", {}),
    ("POST", "/imports", {"files": upload([IKM_HEADER, *ikm_rows("X0002")])}),
    ("GET", "/events", {}),
    ("POST", "/events", {"json": {"definition": "name: X\n", "event_id": "x"}}),
    ("GET", f"/events/{EVENT_ID}", {}),
    ("PUT", f"/events/{EVENT_ID}", {"json": {"definition": "name: X\n"}}),
    ("DELETE", f"/events/{EVENT_ID}", {}),
    ("POST", f"/events/{EVENT_ID}/plan", {"json": {"time_limit": 1}}),
    ("POST", f"/events/{EVENT_ID}/reschedule", {"json": {"changes": "no_shows: [B001]\n"}}),
    ("GET", f"/events/{EVENT_ID}/plans", {}),
    ("GET", f"/events/{EVENT_ID}/schedule", {}),
    ("GET", f"/events/{EVENT_ID}/files", {}),
    ("GET", f"/events/{EVENT_ID}/files/meetings.csv", {}),
    ("GET", f"/events/{EVENT_ID}/outcomes", {}),
    ("PUT", f"/events/{EVENT_ID}/outcomes", {"json": {"buyer_id": "B001", "ikm_id": "I0001"}}),
]
ENDPOINT_IDS = [f"{method} {path}" for method, path, _ in ORGANISER_ONLY]
REFUSED = [(None, 401), ("revoked", 401), ("malformed", 401), ("buyer", 403), ("public", 403)]


@pytest.mark.parametrize(("method", "path", "kwargs"), ORGANISER_ONLY, ids=ENDPOINT_IDS)
@pytest.mark.parametrize(("role", "status"), REFUSED, ids=[r or "no-key" for r, _ in REFUSED])
def test_organiser_only_endpoints_refuse_other_callers(
    client: TestClient,
    demo: Demo,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    role: str | None,
    status: int,
) -> None:
    before = stats(client)
    response = client.request(method, API + path, headers=auth(demo, role), **kwargs)
    error = assert_error(response, status, "unauthorized" if status == 401 else "forbidden")
    if status == 401:
        assert response.headers["www-authenticate"]
    else:
        assert "organiser" in error["message"]
    assert stats(client) == before


def test_the_key_may_come_as_header_bearer_or_cookie(client: TestClient, demo: Demo) -> None:
    key = demo.keys["organiser"]
    assert client.get(f"{API}/events", headers={"X-API-Key": key}).status_code == 200
    assert client.get(f"{API}/events", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    cookie_client = TestClient(client.app, cookies={"matching_key": key})
    assert cookie_client.get(f"{API}/events").status_code == 200
    assert_error(client.get(f"{API}/events", headers={"Authorization": "Bearer ikm_0000_x"}), 401)


def test_public_keys_may_not_read_the_catalogue(client: TestClient, demo: Demo) -> None:
    for path in ("/ikms", "/ikms/I0001", "/products", "/products/P00001", "/buyers"):
        assert_error(client.get(API + path, headers=auth(demo, "public")), 403, "forbidden")
        assert_error(client.get(API + path), 401, "unauthorized")


@pytest.mark.parametrize("role", ["organiser", "buyer", "public"])
def test_any_key_may_search(client: TestClient, demo: Demo, role: str) -> None:
    body = {"text": "rattan laundry baskets, 500 pcs", "limit": 5}
    response = client.post(f"{API}/search", json=body, headers=auth(demo, role))
    assert response.status_code == 200, response.text
    result = response.json()
    assert len(result["data"]) == 5 and result["count"] >= 5
    assert [m["rank"] for m in result["data"]] == [1, 2, 3, 4, 5]
    response = client.get(f"{API}/search", params={"q": "tas pandan", "limit": 3}, headers=auth(demo, role))
    assert response.status_code == 200 and len(response.json()["data"]) == 3


def test_searching_without_a_key_needs_public_search(client: TestClient, public_client: TestClient) -> None:
    assert_error(client.post(f"{API}/search", json={"text": "rattan"}), 401, "unauthorized")
    assert_error(client.get(f"{API}/search", params={"q": "rattan"}), 401, "unauthorized")
    assert public_client.post(f"{API}/search", json={"text": "rattan"}).status_code == 200
    assert public_client.get(f"{API}/search", params={"q": "rattan"}).status_code == 200
    # public search does not open anything else
    assert_error(public_client.get(f"{API}/ikms"), 401)
    assert_error(public_client.get(f"{API}/events"), 401)


# -- contact fields ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contacts(demo: Demo) -> list[str]:
    """The demo IKMs' phone numbers and e-mail addresses."""
    values = {v for ikm in demo.engine.store.ikms() for v in (ikm.contact_phone, ikm.contact_email) if v}
    assert len(values) > 100
    return sorted(values)


def assert_no_contacts(response: httpx.Response, contacts: list[str]) -> None:
    text = response.text
    for field in CONTACT_FIELDS:
        assert field not in text
    leaked = [v for v in contacts if v in text]
    assert not leaked, leaked[:5]


def _pages(client: TestClient, path: str, headers: dict[str, str]) -> Iterator[httpx.Response]:
    offset = 0
    while True:
        response = client.get(API + path, params={"offset": offset, "limit": 500}, headers=headers)
        assert response.status_code == 200, response.text
        yield response
        offset += 500
        if offset >= response.json()["count"]:
            return


def test_buyers_never_see_ikm_contacts(client: TestClient, demo: Demo, contacts: list[str]) -> None:
    headers = auth(demo, "buyer")
    for response in [*_pages(client, "/ikms", headers), *_pages(client, "/products", headers)]:
        assert_no_contacts(response, contacts)
    with_contacts = [i.ikm_id for i in demo.engine.store.ikms() if i.contact_phone and i.contact_email]
    for ikm_id in with_contacts[:10]:
        response = client.get(f"{API}/ikms/{ikm_id}", headers=headers)
        assert response.status_code == 200 and response.json()["ikm_id"] == ikm_id
        assert_no_contacts(response, contacts)


@pytest.mark.parametrize("role", ["buyer", "public", "anonymous"])
def test_search_results_carry_no_contacts(
    public_client: TestClient, demo: Demo, contacts: list[str], role: str
) -> None:
    headers = {} if role == "anonymous" else auth(demo, role)
    for text in ("rattan laundry baskets", "tas anyaman pandan", "kain tenun ikat sarung", "bamboo"):
        response = public_client.post(f"{API}/search", json={"text": text, "limit": 50}, headers=headers)
        assert response.status_code == 200 and len(response.json()["data"]) == 50
        assert_no_contacts(response, contacts)
        response = public_client.get(f"{API}/search", params={"q": text, "limit": 50}, headers=headers)
        assert response.status_code == 200
        assert_no_contacts(response, contacts)


def test_organisers_see_ikm_contacts(client: TestClient, demo: Demo) -> None:
    ikm = next(i for i in demo.engine.store.ikms() if i.contact_phone and i.contact_email)
    shown = client.get(f"{API}/ikms/{ikm.ikm_id}", headers=organiser(demo)).json()
    assert (shown["contact_name"], shown["contact_phone"], shown["contact_email"]) == (
        ikm.contact_name,
        ikm.contact_phone,
        ikm.contact_email,
    )
    listed = client.get(f"{API}/ikms", params={"limit": 500}, headers=organiser(demo)).json()["data"]
    assert any(i.get("contact_phone") == ikm.contact_phone for i in listed)


def test_a_buyer_reads_and_updates_only_its_own_record(client: TestClient, demo: Demo) -> None:
    headers = auth(demo, "buyer")
    own = client.get(f"{API}/buyers/{demo.buyer_id}", headers=headers)
    assert own.status_code == 200 and own.json()["buyer_id"] == demo.buyer_id
    listed = client.get(f"{API}/buyers", headers=headers).json()
    assert listed["count"] == 1 and [b["buyer_id"] for b in listed["data"]] == [demo.buyer_id]
    assert_error(client.get(f"{API}/buyers/{demo.other_buyer_id}", headers=headers), 403, "forbidden")

    update = {k: v for k, v in own.json().items() if k != "buyer_id"}
    update["requirement"] = "Keranjang rotan 300 buah per bulan"
    response = client.put(f"{API}/buyers/{demo.buyer_id}", json=update, headers=headers)
    assert response.status_code == 200, response.text
    assert client.get(f"{API}/buyers/{demo.buyer_id}", headers=headers).json()["requirement"] == (
        "Keranjang rotan 300 buah per bulan"
    )
    other = client.put(f"{API}/buyers/{demo.other_buyer_id}", json=update, headers=headers)
    assert_error(other, 403, "forbidden")
    assert (
        client.get(f"{API}/buyers/{demo.other_buyer_id}", headers=organiser(demo)).json()["requirement"]
        != (update["requirement"])
    )


# -- create / read / update / delete -------------------------------------------------------------------


def test_ikm_round_trip_with_product_cascade(client: TestClient, demo: Demo) -> None:
    headers = organiser(demo)
    created = client.post(f"{API}/ikms", json=new_ikm("T0001"), headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["contact_email"] == "t0001@example.id"
    assert client.get(f"{API}/ikms/T0001", headers=headers).json()["name"] == "Kelompok Perajin T0001"
    assert_error(client.post(f"{API}/ikms", json=new_ikm("T0001"), headers=headers), 409, "conflict")

    update = {k: v for k, v in new_ikm("T0001", name="KUB Ketak Baru", ovop_stars=4).items() if k != "ikm_id"}
    updated = client.put(f"{API}/ikms/T0001", json=update, headers=headers)
    assert updated.status_code == 200 and updated.json()["ikm_id"] == "T0001"
    shown = client.get(f"{API}/ikms/T0001", headers=headers).json()
    assert (shown["name"], shown["ovop_stars"]) == ("KUB Ketak Baru", 4)

    product = client.post(f"{API}/products", json=new_product("TP0001", "T0001"), headers=headers)
    assert product.status_code == 201, product.text
    assert client.get(f"{API}/products/TP0001", headers=headers).json()["ikm_id"] == "T0001"
    listed = client.get(f"{API}/products", params={"ikm_id": "T0001"}, headers=headers).json()
    assert [p["product_id"] for p in listed["data"]] == ["TP0001"]
    again = client.post(f"{API}/products", json=new_product("TP0001", "T0001"), headers=headers)
    assert_error(again, 409, "conflict")

    assert client.delete(f"{API}/ikms/T0001", headers=headers).status_code == 204
    assert_error(client.get(f"{API}/ikms/T0001", headers=headers), 404, "not_found")
    assert_error(client.get(f"{API}/products/TP0001", headers=headers), 404, "not_found")
    assert_error(client.delete(f"{API}/ikms/T0001", headers=headers), 404, "not_found")
    assert_error(client.put(f"{API}/ikms/T0001", json=update, headers=headers), 404, "not_found")


def test_product_and_buyer_round_trips(client: TestClient, demo: Demo) -> None:
    headers = organiser(demo)
    assert client.post(f"{API}/ikms", json=new_ikm("T0002"), headers=headers).status_code == 201
    assert (
        client.post(f"{API}/products", json=new_product("TP0002", "T0002"), headers=headers).status_code
        == 201
    )
    change = {"ikm_id": "T0002", "name": "Tas ketak oval", "price_idr": 99000}
    assert client.put(f"{API}/products/TP0002", json=change, headers=headers).status_code == 200
    assert client.get(f"{API}/products/TP0002", headers=headers).json()["price_idr"] == 99000
    assert client.delete(f"{API}/products/TP0002", headers=headers).status_code == 204
    assert_error(client.put(f"{API}/products/TP0002", json=change, headers=headers), 404)

    assert client.post(f"{API}/buyers", json=new_buyer("TB001"), headers=headers).status_code == 201
    assert_error(client.post(f"{API}/buyers", json=new_buyer("TB001"), headers=headers), 409, "conflict")
    assert client.get(f"{API}/buyers/TB001", headers=headers).json()["company"] == "Toko Uji"
    assert client.delete(f"{API}/buyers/TB001", headers=headers).status_code == 204
    assert_error(client.get(f"{API}/buyers/TB001", headers=headers), 404, "not_found")


@pytest.mark.parametrize("ikm_id", ["IKM/NTB/001", "Ketak Lestari 01", "I-0001.x_2", "9" * 61])
def test_any_valid_id_can_be_read_updated_and_deleted(client: TestClient, demo: Demo, ikm_id: str) -> None:
    """Regression: ids with a slash (as in registry numbers) could be created but not read or deleted."""
    headers = organiser(demo)
    assert client.post(f"{API}/ikms", json=new_ikm(ikm_id), headers=headers).status_code == 201
    path = f"{API}/ikms/{quote(ikm_id, safe='')}"
    assert client.get(path, headers=headers).json()["ikm_id"] == ikm_id
    update = {k: v for k, v in new_ikm(ikm_id, name="Nama Baru").items() if k != "ikm_id"}
    assert client.put(path, json=update, headers=headers).json()["name"] == "Nama Baru"
    product_id = f"{ikm_id}/P1"
    product = client.post(f"{API}/products", json=new_product(product_id, ikm_id), headers=headers)
    assert product.status_code == 201
    assert client.get(f"{API}/products/{quote(product_id, safe='')}", headers=headers).status_code == 200
    assert client.delete(path, headers=headers).status_code == 204
    assert_error(client.get(path, headers=headers), 404, "not_found")
    assert_error(client.get(f"{API}/products/{quote(product_id, safe='')}", headers=headers), 404)


@pytest.mark.parametrize(
    "ikm_id", ["a\x00b", "Ketak Lestari (Lombok)", "I 0001?x=1#y", "../../x/PWN", "/abs/path", "9" * 65]
)
def test_ids_outside_the_documented_characters_are_422(client: TestClient, demo: Demo, ikm_id: str) -> None:
    """Regression: any id was accepted, and one such as ../../x/PWN then named files outside a plan's
    folder; ids are letters, digits, spaces and . _ - / (README, Import files)."""
    headers = organiser(demo)
    error = assert_error(client.post(f"{API}/ikms", json=new_ikm(ikm_id), headers=headers), 422)
    assert "not a valid id" in json.dumps(error)
    product = new_product(f"P-{len(ikm_id)}", ikm_id)
    assert_error(client.post(f"{API}/products", json=product, headers=headers), 422)


def test_missing_records_are_404(client: TestClient, demo: Demo) -> None:
    headers = organiser(demo)
    for path in ("/ikms/NOPE", "/products/NOPE", "/buyers/NOPE", "/events/nope", "/events/nope/schedule"):
        assert_error(client.get(API + path, headers=headers), 404, "not_found")
    assert_error(client.delete(f"{API}/buyers/NOPE", headers=headers), 404, "not_found")


def test_a_product_of_an_unknown_ikm_is_404(client: TestClient, demo: Demo) -> None:
    response = client.post(
        f"{API}/products", json=new_product("TP0003", "NO-SUCH-IKM"), headers=organiser(demo)
    )
    error = assert_error(response, 404, "not_found")
    assert "NO-SUCH-IKM" in error["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/ikms", new_ikm("T0004", ovop_stars=9), "ovop_stars"),
        ("/ikms", {k: v for k, v in new_ikm("T0004").items() if k != "name"}, "name"),
        ("/ikms", new_ikm("T0004", capacity_per_month="banyak"), "capacity_per_month"),
        ("/ikms", new_ikm("T0004", favourite_colour="red"), "favourite_colour"),
        ("/products", new_product("TP0004", "I0001", price_idr=-5), "price_idr"),
        ("/buyers", new_buyer("TB004", quantity=-1), "quantity"),
        ("/search", {"text": "rattan", "limit": 500}, "limit"),
        ("/search", {"text": ""}, "text"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    client: TestClient, demo: Demo, path: str, body: dict[str, Any], field: str
) -> None:
    before = stats(client)
    error = assert_error(client.post(API + path, json=body, headers=organiser(demo)), 422, "invalid_request")
    assert field in error["message"]
    assert any(field in d["loc"] for d in error["details"])
    assert stats(client) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/ikms", new_ikm("T0005", min_order_qty=10**22), "min_order_qty"),
        ("/ikms", new_ikm("T0005", lead_time_days=2**31), "lead_time_days"),
        ("/buyers", new_buyer("TB005", quantity=2575862177950152070791168), "quantity"),
        ("/buyers", new_buyer("TB005", deadline_days=2**40), "deadline_days"),
        ("/products", new_product("TP0005", "I0001", price_idr=2**63), "price_idr"),
    ],
)
def test_numbers_too_large_for_the_store_are_422_not_503(
    client: TestClient, demo: Demo, path: str, body: dict[str, Any], field: str
) -> None:
    """Regression (schemathesis): an int beyond SQLite's 64 bits failed in the store and answered 503."""
    error = assert_error(client.post(API + path, json=body, headers=organiser(demo)), 422, "invalid_request")
    assert field in error["message"]


def test_an_update_with_a_too_large_number_is_422(client: TestClient, demo: Demo) -> None:
    body = {"ikm_id": "I0001", "name": "Tas", "price_idr": 10**30}
    error = assert_error(client.put(f"{API}/products/P00001", json=body, headers=organiser(demo)), 422)
    assert "price_idr" in error["message"]


def test_malformed_json_is_400(client: TestClient, demo: Demo) -> None:
    headers = {**organiser(demo), "Content-Type": "application/json"}
    assert_error(client.post(f"{API}/ikms", content=b"\x9d\xa7{", headers=headers), 400, "bad_request")


# -- the search index follows the catalogue ------------------------------------------------------------


def _search_until(client: TestClient, demo: Demo, text: str, ikm_id: str, timeout: float = 30.0) -> int:
    """Search until ``ikm_id`` is found; every answer meanwhile must be a full one. Returns the tries."""
    deadline = time.monotonic() + timeout
    tries = 0
    while True:
        tries += 1
        response = client.post(f"{API}/search", json={"text": text, "limit": 50}, headers=auth(demo, "buyer"))
        assert response.status_code == 200, response.text
        assert response.json()["data"]
        if any(m["ikm_id"] == ikm_id for m in response.json()["data"]):
            return tries
        assert time.monotonic() < deadline, f"{ikm_id} not found by search within {timeout} s"
        time.sleep(0.2)


def test_search_finds_a_new_product_without_a_restart(client: TestClient, demo: Demo) -> None:
    headers = organiser(demo)
    revision = client.get(f"{API}/ready").json()["catalogue_revision"]
    assert client.post(f"{API}/ikms", json=new_ikm("T0010"), headers=headers).status_code == 201
    product = new_product("TP0010", "T0010", name="Keranjang zorblax", description="anyaman zorblax halus")
    assert client.post(f"{API}/products", json=product, headers=headers).status_code == 201
    assert client.get(f"{API}/ready").json()["catalogue_revision"] >= revision + 2

    def search(text: str) -> int:
        body = {"text": text, "limit": 5}
        return client.post(f"{API}/search", json=body, headers=auth(demo, "public")).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:  # while the index is rebuilt in the background
        statuses = list(pool.map(search, ["rattan basket", "tas pandan", "bamboo tray", "tikar"] * 3))
    assert statuses == [200] * 12
    _search_until(client, demo, "keranjang zorblax", "T0010")
    assert client.get(f"{API}/ready").json()["searcher_revision"] >= revision + 2


def test_search_finds_imported_ikms_without_a_restart(client: TestClient, demo: Demo) -> None:
    rows = [["product_id", "ikm_id", "name", "material"], ["TP0011", "T0011", "Tikar quokkaweave", "pandan"]]
    files = [*upload([IKM_HEADER, *ikm_rows("T0011")]), *upload(rows, "products.csv")]
    response = client.post(f"{API}/imports", files=files, headers=organiser(demo))
    assert response.status_code == 200, response.text
    _search_until(client, demo, "tikar quokkaweave", "T0011")


# -- imports -----------------------------------------------------------------------------------------


def test_a_valid_csv_is_imported_with_counts(client: TestClient, demo: Demo) -> None:
    before = stats(client)
    files = upload([IKM_HEADER, *ikm_rows("U0001", "U0002")])
    response = client.post(f"{API}/imports", files=files, headers=organiser(demo))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["committed"] is True and result["dry_run"] is False
    assert result["counts"]["ikms"]["created"] == 2
    assert stats(client)[0] == before[0] + 2
    shown = client.get(f"{API}/ikms/U0002", headers=organiser(demo)).json()
    assert (shown["province"], shown["capacity_per_month"]) == ("Bali", 300)


def test_a_csv_with_a_bad_row_writes_nothing(client: TestClient, demo: Demo) -> None:
    before = stats(client)
    rows = [IKM_HEADER, *ikm_rows("U0101", "U0102"), *ikm_rows("U0103", stars="9")]
    response = client.post(f"{API}/imports", files=upload(rows), headers=organiser(demo))
    error = assert_error(response, 422, "import_rejected")
    problem = next(d for d in error["details"] if d["severity"] == "error")
    assert (problem["source"], problem["row"], problem["column"], problem["value"]) == (
        "ikms.csv",
        4,
        "ovop_stars",
        "9",
    )
    assert problem["message"]
    assert stats(client) == before
    assert_error(client.get(f"{API}/ikms/U0101", headers=organiser(demo)), 404)


def test_keep_valid_writes_the_good_rows(client: TestClient, demo: Demo) -> None:
    before = stats(client)
    rows = [IKM_HEADER, *ikm_rows("U0201"), *ikm_rows("U0202", stars="9")]
    response = client.post(
        f"{API}/imports", files=upload(rows), data={"keep_valid": "true"}, headers=organiser(demo)
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["committed"] is True
    assert result["counts"]["ikms"]["created"] == 1 and result["counts"]["ikms"]["rejected"] == 1
    assert [(i["row"], i["column"]) for i in result["issues"] if i["severity"] == "error"] == [
        (3, "ovop_stars")
    ]
    assert stats(client)[0] == before[0] + 1
    assert client.get(f"{API}/ikms/U0201", headers=organiser(demo)).status_code == 200
    assert_error(client.get(f"{API}/ikms/U0202", headers=organiser(demo)), 404)


def test_a_dry_run_writes_nothing(client: TestClient, demo: Demo) -> None:
    before = stats(client)
    files = upload([IKM_HEADER, *ikm_rows("U0301", "U0302")])
    response = client.post(f"{API}/imports", files=files, data={"dry_run": "true"}, headers=organiser(demo))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["dry_run"] is True and result["committed"] is False
    assert result["counts"]["ikms"]["created"] == 2
    assert stats(client) == before


def test_an_unsupported_file_is_422(client: TestClient, demo: Demo) -> None:
    files = upload([IKM_HEADER, *ikm_rows("U0401")], name="ikms.txt")
    error = assert_error(client.post(f"{API}/imports", files=files, headers=organiser(demo)), 422)
    assert "ikms.txt" in error["message"]


def test_an_import_with_a_number_too_large_is_rejected_not_503(client: TestClient, demo: Demo) -> None:
    """Regression: a count beyond 64 bits passed validation and failed in the store (503)."""
    before = stats(client)
    rows = [IKM_HEADER, ["U0501", "KUB Besar", "Bali", "Bangli", "1", "1" + "0" * 24, ""]]
    error = assert_error(client.post(f"{API}/imports", files=upload(rows), headers=organiser(demo)), 422)
    assert error["code"] == "import_rejected"
    assert [d["column"] for d in error["details"]] == ["capacity_per_month"]
    assert stats(client) == before


def test_an_upload_over_the_limit_is_413(demo: Demo) -> None:
    app = create_app(engine=demo.engine, service_settings=ServiceSettings(max_upload_mb=0.01))
    rows = [IKM_HEADER, *ikm_rows(*(f"U{n:05d}" for n in range(600)))]
    assert len(csv_bytes(rows)) > 0.01 * 2**20
    with TestClient(app) as small:
        before = stats(small)
        response = small.post(f"{API}/imports", files=upload(rows), headers=organiser(demo))
        assert_error(response, 413, "payload_too_large")
        assert stats(small) == before


def test_a_streamed_body_over_the_limit_is_413_not_400(demo: Demo) -> None:
    """Regression: without Content-Length the limit tripped inside FastAPI's body parsing, which said 400."""
    app = create_app(engine=demo.engine, service_settings=ServiceSettings(max_upload_mb=0.01))

    def chunks(head: bytes, tail: bytes) -> Iterator[bytes]:
        yield head
        for _ in range(30):
            yield b"x" * 1000
        yield tail

    boundary = "limit-test"
    form_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="ikms.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    with TestClient(app) as small:
        json_headers = {**organiser(demo), "Content-Type": "application/json"}
        response = small.post(f"{API}/search", content=chunks(b'{"text": "', b'"}'), headers=json_headers)
        assert_error(response, 413, "payload_too_large")
        form_headers = {**organiser(demo), "Content-Type": f"multipart/form-data; boundary={boundary}"}
        tail = f"\r\n--{boundary}--\r\n".encode()
        response = small.post(f"{API}/imports", content=chunks(form_head, tail), headers=form_headers)
        assert_error(response, 413, "payload_too_large")


# -- events ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned(client: TestClient, demo: Demo) -> dict[str, Any]:
    """The demo event, stored as ``api-demo`` and planned once through the API."""
    body = {"definition": DEMO_EVENT.read_text(encoding="utf-8"), "event_id": EVENT_ID}
    created = client.post(f"{API}/events", json=body, headers=organiser(demo))
    assert created.status_code == 201, created.text
    assert created.json()["plans"] == 0
    plan = client.post(f"{API}/events/{EVENT_ID}/plan", json={"time_limit": 2}, headers=organiser(demo))
    assert plan.status_code == 201, plan.text
    return plan.json()


def test_a_planned_event_has_a_schedule_and_files(client: TestClient, demo: Demo, planned: dict) -> None:
    headers = organiser(demo)
    assert (planned["plan_no"], planned["kind"]) == (1, "plan")
    event = client.get(f"{API}/events/{EVENT_ID}", headers=headers).json()
    assert event["plans"] >= 1 and event["slots"] == 16 and event["tables"] == 24
    schedule = client.get(f"{API}/events/{EVENT_ID}/schedule", params={"plan": 1}, headers=headers).json()
    assert schedule["plan_no"] == 1 and schedule["count"] == len(schedule["data"]) > 0
    assert schedule["model_version"] == planned["model_version"]
    files = client.get(f"{API}/events/{EVENT_ID}/files", params={"plan": 1}, headers=headers).json()["data"]
    assert "meetings.csv" in files and any(f.startswith("agendas") and f.endswith(".pdf") for f in files)

    pdf_name = next(f for f in files if f.startswith("agendas") and f.endswith(".pdf"))
    pdf = client.get(f"{API}/events/{EVENT_ID}/files/{pdf_name}", params={"plan": 1}, headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    meetings = client.get(f"{API}/events/{EVENT_ID}/files/meetings.csv", params={"plan": 1}, headers=headers)
    assert meetings.status_code == 200
    header = next(csv.reader(io.StringIO(meetings.text)))
    assert {"buyer_id", "ikm_id", "slot_start", "table"} <= set(header)
    nested = next(f for f in files if "/" in f)
    assert (
        client.get(f"{API}/events/{EVENT_ID}/files/{nested}", params={"plan": 1}, headers=headers).status_code
        == 200
    )


def test_event_files_never_leave_the_plan_folder(
    client: TestClient, demo: Demo, planned: dict[str, Any]
) -> None:
    secret = demo.home / "secret.txt"  # beside the database in the data home (on PostgreSQL, in its place)
    secret.write_text("not for download", encoding="utf-8")
    targets = ["secret.txt", "matching.sqlite"]
    names = [quote("../" * depth + target, safe="") for depth in range(1, 7) for target in targets]
    names += [quote(str(secret.resolve()), safe=""), quote("/etc/passwd", safe=""), "%2E%2E%2Fmeetings.csv"]
    for name in names:
        response = client.get(f"{API}/events/{EVENT_ID}/files/{name}", headers=organiser(demo))
        assert_error(response, 404, "not_found")
        assert b"SQLite" not in response.content and b"not for download" not in response.content


def test_odd_file_names_are_404_not_500(client: TestClient, demo: Demo, planned: dict[str, Any]) -> None:
    """Regression: a NUL byte or a name too long for the file system escaped as ValueError/OSError (500)."""
    for name in ("%00", "meetings.csv%00", "agendas%2F%00x.pdf", "x" * 5000, "a/" * 3000):
        response = client.get(f"{API}/events/{EVENT_ID}/files/{name}", headers=organiser(demo))
        assert_error(response, 404, "not_found")


def test_event_definition_errors(client: TestClient, demo: Demo, planned: dict[str, Any]) -> None:
    headers = organiser(demo)
    broken = "name: Rusak\nslot_minutes: -5\nsessions: [{start: '13:00', end: '09:00'}]\ntables: 0\n"
    response = client.post(f"{API}/events", json={"definition": broken, "event_id": "rusak"}, headers=headers)
    error = assert_error(response, 422, "invalid_definition")
    assert error["details"] and any("slot_minutes" in str(line) for line in error["details"])
    assert_error(
        client.post(f"{API}/events", json={"definition": "{[", "event_id": "rusak"}, headers=headers), 422
    )
    again = {"definition": DEMO_EVENT.read_text(encoding="utf-8"), "event_id": EVENT_ID}
    assert_error(client.post(f"{API}/events", json=again, headers=headers), 409, "conflict")
    bad_id = {"definition": "name: X\n", "event_id": "../x"}
    assert_error(client.post(f"{API}/events", json=bad_id, headers=headers), 422, "invalid_request")
    assert_error(client.get(f"{API}/events/{EVENT_ID}/schedule", params={"plan": 99}, headers=headers), 404)


@pytest.mark.parametrize(
    "definition",
    ["name: X\ndate: 2027-02-30\n", "name: X\ntables: !!int many\n", "name: " + "[" * 50_000],
    ids=["impossible-date", "bad-int-tag", "deep-nesting"],
)
def test_unparsable_definitions_are_422_not_500(
    client: TestClient, demo: Demo, planned: dict[str, Any], definition: str
) -> None:
    """Regression: YAML that PyYAML rejects with ValueError or RecursionError (not YAMLError) was a 500."""
    response = client.post(f"{API}/events", json={"definition": definition}, headers=organiser(demo))
    error = assert_error(response, 422, "invalid_definition")
    assert any("not valid YAML" in line for line in error["details"])
    changes = {"changes": f"now: '10:40'\n{definition}", "time_limit": 1}
    response = client.post(f"{API}/events/{EVENT_ID}/reschedule", json=changes, headers=organiser(demo))
    assert_error(response, 422)


def test_an_alias_bomb_is_a_quick_422(client: TestClient, demo: Demo, planned: dict[str, Any]) -> None:
    """Regression: a 353-byte definition of nested aliases took 69 s and 5.4 GiB before a 422, stalling
    searches; it is refused before anything is built from it."""
    headers = organiser(demo)
    bomb = "".join(
        [f"l0: &l0 [{', '.join(['x'] * 9)}]\n"]
        + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)]
    )
    started = time.perf_counter()
    response = client.post(f"{API}/events", json={"definition": bomb, "event_id": "bom"}, headers=headers)
    error = assert_error(response, 422, "invalid_definition")
    assert any("expands to more than" in line for line in error["details"])
    changes = {"changes": bomb, "time_limit": 1}
    assert_error(client.post(f"{API}/events/{EVENT_ID}/reschedule", json=changes, headers=headers), 422)
    assert time.perf_counter() - started < 10


def test_reschedule_after_a_no_show(client: TestClient, demo: Demo, planned: dict[str, Any]) -> None:
    headers = organiser(demo)
    before = client.get(f"{API}/events/{EVENT_ID}/schedule", headers=headers).json()
    absent = sorted({m["buyer_id"] for m in before["data"]} - {"B003", "B016"})[0]  # no fixed meeting
    body = {"changes": f"no_shows: [{absent}]\n", "time_limit": 2}
    response = client.post(f"{API}/events/{EVENT_ID}/reschedule", json=body, headers=headers)
    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["kind"] == "reschedule" and plan["plan_no"] == before["plan_no"] + 1
    after = client.get(f"{API}/events/{EVENT_ID}/schedule", headers=headers).json()
    assert after["plan_no"] == plan["plan_no"] and after["count"] > 0
    assert absent not in {m["buyer_id"] for m in after["data"]}
    plans = client.get(f"{API}/events/{EVENT_ID}/plans", headers=headers).json()
    assert [p["plan_no"] for p in plans["data"]][-1] == plan["plan_no"]
    broken = {"changes": "no_shows: 7\n", "time_limit": 1}
    assert_error(client.post(f"{API}/events/{EVENT_ID}/reschedule", json=broken, headers=headers), 422)


def test_a_plan_never_drops_the_days_changes_silently(
    client: TestClient, demo: Demo, planned: dict[str, Any]
) -> None:
    headers = organiser(demo)
    before = client.get(f"{API}/events/{EVENT_ID}/schedule", headers=headers).json()
    absent = sorted({m["ikm_id"] for m in before["data"]} - {"I0081", "I0042", "I0050", "I0070"})[0]
    body = {"changes": f"no_shows: [{absent}]\n", "time_limit": 2}
    assert client.post(f"{API}/events/{EVENT_ID}/reschedule", json=body, headers=headers).status_code == 201
    refused = client.post(f"{API}/events/{EVENT_ID}/plan", json={"time_limit": 2}, headers=headers)
    message = assert_error(refused, 409, "conflict")["message"]
    assert "absence" in message and "day_changes" in message
    plans = client.get(f"{API}/events/{EVENT_ID}/plans", headers=headers).json()["count"]
    kept = client.post(
        f"{API}/events/{EVENT_ID}/plan", json={"time_limit": 2, "day_changes": "keep"}, headers=headers
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["plan_no"] == plans + 1
    after = client.get(f"{API}/events/{EVENT_ID}/schedule", headers=headers).json()
    assert absent not in {m["ikm_id"] for m in after["data"]}  # the absence holds in the new plan


def test_outcomes_are_recorded_with_the_model_version(
    client: TestClient, demo: Demo, planned: dict[str, Any]
) -> None:
    headers = organiser(demo)
    schedule = client.get(f"{API}/events/{EVENT_ID}/schedule", headers=headers).json()
    meeting = schedule["data"][0]
    pair = {"buyer_id": meeting["buyer_id"], "ikm_id": meeting["ikm_id"]}
    response = client.put(
        f"{API}/events/{EVENT_ID}/outcomes",
        json={**pair, "day_outcome": "cooperation_possible"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["model_version"] == schedule["model_version"] and outcome["model_version"]
    assert outcome["plan_no"] == schedule["plan_no"] and outcome["score"] == pytest.approx(meeting["score"])
    later = {**pair, "followup_outcome": "negotiation_started", "notes": "sampel dikirim"}
    assert client.put(f"{API}/events/{EVENT_ID}/outcomes", json=later, headers=headers).status_code == 200
    listed = client.get(f"{API}/events/{EVENT_ID}/outcomes", headers=headers).json()
    stored = next(o for o in listed["data"] if (o["buyer_id"], o["ikm_id"]) == tuple(pair.values()))
    assert (stored["day_outcome"], stored["followup_outcome"], stored["notes"]) == (
        "cooperation_possible",
        "negotiation_started",
        "sampel dikirim",
    )
    assert stored["model_version"] == schedule["model_version"]

    invalid = client.put(
        f"{API}/events/{EVENT_ID}/outcomes", json={**pair, "day_outcome": "great"}, headers=headers
    )
    assert "day_outcome" in assert_error(invalid, 422, "invalid_request")["message"]
    planned_pairs = {(m["buyer_id"], m["ikm_id"]) for m in schedule["data"]}
    absent = next(
        (b, i)
        for b in ("B001", "B003", "B999")
        for i in ("I0001", "I0002", "I9999")
        if (b, i) not in planned_pairs
    )
    missing = {"buyer_id": absent[0], "ikm_id": absent[1], "day_outcome": "deal_agreed"}
    assert_error(
        client.put(f"{API}/events/{EVENT_ID}/outcomes", json=missing, headers=headers), 404, "not_found"
    )


def test_an_event_is_updated_and_deleted(client: TestClient, demo: Demo) -> None:
    headers = organiser(demo)
    definition = (
        "name: Pameran Kecil\nslot_minutes: 30\nsessions: [{start: '09:00', end: '11:00'}]\ntables: 3\n"
    )
    created = client.post(f"{API}/events", json={"definition": definition}, headers=headers)
    assert created.status_code == 201, created.text
    event_id = created.json()["event_id"]
    assert created.json()["slots"] == 4
    changed = definition.replace("tables: 3", "tables: 5")
    updated = client.put(f"{API}/events/{event_id}", json={"definition": changed}, headers=headers)
    assert updated.status_code == 200 and updated.json()["tables"] == 5
    assert event_id in [e["event_id"] for e in client.get(f"{API}/events", headers=headers).json()["data"]]
    assert client.delete(f"{API}/events/{event_id}", headers=headers).status_code == 204
    assert_error(client.get(f"{API}/events/{event_id}", headers=headers), 404, "not_found")
    assert_error(client.put(f"{API}/events/{event_id}", json={"definition": changed}, headers=headers), 404)


# -- errors, request ids, health ---------------------------------------------------------------------


def test_an_unexpected_exception_is_500_without_a_traceback(demo: Demo) -> None:
    app: FastAPI = create_app(engine=demo.engine)

    def explode() -> None:
        raise RuntimeError("secret internals /etc/shadow")

    app.add_api_route(f"{API}/test-explode", explode)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get(f"{API}/test-explode", headers={"X-Request-ID": "boom-1"})
    error = assert_error_shape_5xx(response)
    assert error["request_id"] == "boom-1" and "boom-1" in error["message"]
    assert "secret internals" not in response.text and "RuntimeError" not in response.text


def assert_error_shape_5xx(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == ERROR_FIELDS and error["code"] == "internal_error"
    assert "Traceback" not in response.text and 'File "' not in response.text
    return error


def test_the_client_request_id_is_echoed(client: TestClient, demo: Demo) -> None:
    response = client.get(f"{API}/ikms/NOPE", headers={**organiser(demo), "X-Request-ID": "desk-7.42"})
    assert response.headers["x-request-id"] == "desk-7.42"
    assert assert_error(response, 404)["request_id"] == "desk-7.42"
    ok = client.get(f"{API}/health", headers={"X-Request-ID": "desk-7.43"})
    assert ok.headers["x-request-id"] == "desk-7.43"
    insane = client.get(f"{API}/health", headers={"X-Request-ID": "x" * 300})
    assert insane.headers["x-request-id"] != "x" * 300 and insane.headers["x-request-id"]


def test_routing_errors_have_the_same_shape(client: TestClient, demo: Demo) -> None:
    assert_error(client.get(f"{API}/no-such-thing", headers=organiser(demo)), 404)
    assert_error(client.patch(f"{API}/ikms/I0001", headers=organiser(demo)), 405, "method_not_allowed")
    assert_error(
        client.get(f"{API}/ikms", params={"limit": 0}, headers=organiser(demo)), 422, "invalid_request"
    )


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get(f"{API}/health").json() == {"status": "ok"}
    ready = client.get(f"{API}/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["ikms"] >= 598
    metrics = client.get(f"{API}/metrics")
    assert metrics.status_code == 200 and "matching_http_requests_total" in metrics.text


def test_openapi_documents_the_error_shape(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    assert "ErrorResponse" in spec["components"]["schemas"]
    expected = {
        ("/api/v1/ikms", "post"): {"401", "403", "409", "422"},
        ("/api/v1/ikms/{ikm_id}", "get"): {"401", "403", "404"},
        ("/api/v1/search", "post"): {"400", "401", "413", "422"},
        ("/api/v1/imports", "post"): {"401", "403", "413", "422"},
        ("/api/v1/events/{event_id}/outcomes", "put"): {"401", "403", "404", "422"},
    }
    for (path, method), statuses in expected.items():
        responses = spec["paths"][path][method]["responses"]
        for status in statuses:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorResponse"), (path, method, status)
    download = spec["paths"]["/api/v1/events/{event_id}/files/{name}"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "text/csv", "text/calendar"} <= set(download)


# -- a writer holding the database (issue 14, defect 4) -----------------------------------------------------


def test_requests_are_served_while_another_writer_holds_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: signing in wrote last_used_at, so every request failed ('database is locked', 500)
    while an import held SQLite's write lock; a dry-run import took the lock too. A write that cannot get
    the lock is a plain 503 with Retry-After, never SQL or row values."""
    import sqlite3

    from matching.store import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.5, raising=False)
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.searcher()
    key = {"X-API-Key": engine.keys.create(Role.ORGANISER, "desk")[1]}
    blocker = sqlite3.connect(tmp_path / "home" / "matching.sqlite", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with TestClient(create_app(engine=engine)) as client:
            assert client.get(f"{API}/ikms", params={"limit": 5}, headers=key).status_code == 200
            found = client.get(f"{API}/search", params={"q": "anyaman bambu"}, headers=key)
            assert found.status_code == 200, found.text
            rows = [IKM_HEADER, *ikm_rows("LOCK1", "LOCK2")]
            dry = client.post(f"{API}/imports", files=upload(rows), data={"dry_run": "true"}, headers=key)
            assert dry.status_code == 200, dry.text
            busy = client.post(f"{API}/imports", files=upload(rows), headers=key)
            error = assert_error(busy, 503, "store_busy")
            assert busy.headers["Retry-After"].isdigit()
            for word in ("INSERT", "SELECT", "[SQL", "parameters", "0811-0000-0000", "KUB Anyaman"):
                assert word not in busy.text
            assert "busy" in error["message"]
    finally:
        blocker.rollback()
        blocker.close()
        engine.close()
