"""The web pages through the app (TestClient, hashing encoder): languages, login, roles, import errors,
events, outcomes, and that nothing is fetched from another host or shows IKM contacts to buyers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings, demo_data_dir
from service import create_app
from service.deps import COOKIE
from service.settings import ServiceSettings
from service.web.i18n import TEXTS

QUERY = "rattan laundry baskets, 800 pcs/month, SVLK"
SMALL_EVENT = """name: Temu Kecil
slot_minutes: 20
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B001, B003]
ikms: [I0003, I0035, I0038]
"""
# XML namespaces name a vocabulary; nothing is fetched from them
NAMESPACES = {"http://www.w3.org/2000/svg"}
URL = re.compile(r"https?://[^\s\"'<>)]+")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("web-home"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    eng.searcher()
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def keys(engine: Engine) -> dict[str, str]:
    return {
        "organiser": engine.keys.create("organiser", "Meja panitia")[1],
        "buyer": engine.keys.create("buyer", "Pembeli B001", buyer_id="B001")[1],
        "public": engine.keys.create("public", "Kios")[1],
    }


@pytest.fixture(scope="module")
def planned(engine: Engine) -> str:
    """The demo event, stored and planned through the engine (the pages only read it)."""
    source = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
    record = engine.events.create(source, event_id="demo")
    engine.events.plan(record.event_id, time_limit=5)
    return record.event_id


def client(engine: Engine, key: str | None = None, **settings: object) -> TestClient:
    app = create_app(engine=engine, service_settings=ServiceSettings(**settings))  # type: ignore[arg-type]
    # the pages' forms send their own origin, as a browser does (service.security refuses others)
    test_client = TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})
    if key:
        test_client.cookies.set(COOKIE, key)
    return test_client


@pytest.fixture
def organiser(engine: Engine, keys: dict[str, str]) -> Iterator[TestClient]:
    with client(engine, keys["organiser"]) as c:
        yield c


@pytest.fixture
def buyer(engine: Engine, keys: dict[str, str]) -> Iterator[TestClient]:
    with client(engine, keys["buyer"]) as c:
        yield c


def test_both_languages_have_every_text() -> None:
    assert TEXTS["id"].keys() == TEXTS["en"].keys()
    assert all(TEXTS["id"][k] and TEXTS["en"][k] for k in TEXTS["id"])


def test_pages_come_in_indonesian_by_default_and_english_on_request(buyer: TestClient) -> None:
    page = buyer.get("/", params={"q": QUERY})
    assert page.status_code == 200
    assert '<html lang="id">' in page.text and TEXTS["id"]["why"] in page.text
    assert 'href="/?q=' in page.text and "lang=en" in page.text  # the switch keeps the query

    english = buyer.get("/", params={"q": QUERY, "lang": "en"})
    assert '<html lang="en">' in english.text and TEXTS["en"]["why"] in english.text
    assert english.cookies.get("lang") == "en"
    buyer.cookies.set("lang", "en")
    again = buyer.get("/login")  # remembered without ?lang=
    assert '<html lang="en">' in again.text and TEXTS["en"]["login_title"] in again.text


def test_search_explains_each_match_in_the_page_language(buyer: TestClient) -> None:
    for lang, checks in (("en", ("Capacity", "requested")), ("id", ("Kapasitas", "diminta"))):
        page = buyer.get("/", params={"q": QUERY, "lang": lang})
        assert page.status_code == 200
        assert page.text.count('<details class="why">') == 10
        assert all(word in page.text for word in checks)
        assert TEXTS[lang]["status_met"] in page.text or TEXTS[lang]["status_unmet"] in page.text
        assert TEXTS[lang]["score_breakdown"] in page.text


def test_search_pages_through_the_results(buyer: TestClient) -> None:
    first = buyer.get("/", params={"q": QUERY, "limit": 20, "lang": "en"})
    assert (
        '<ol class="matches" start="1">' in first.text
        and TEXTS["en"]["results_range"].format(first=1, last=20, count=50) in first.text
    )
    second = buyer.get("/", params={"q": QUERY, "limit": 20, "offset": 20, "lang": "en"})
    assert '<ol class="matches" start="21">' in second.text and "#21" in second.text
    assert 'rel="prev"' in second.text and 'rel="next"' in second.text


def test_search_with_filters_and_bad_numbers(buyer: TestClient) -> None:
    page = buyer.get(
        "/",
        params={"q": "keranjang rotan", "quantity": "800", "cert": "SVLK", "province": "Bali", "lang": "en"},
    )
    assert page.status_code == 200
    assert (
        "asked for: SVLK (timber legality)" in page.text
        or "Does not hold SVLK (timber legality)" in page.text
    )
    assert "Located in" in page.text
    bad = buyer.get("/", params={"q": "keranjang", "quantity": "banyak", "lang": "en"})
    assert bad.status_code == 422 and "Please check the form" in bad.text


def test_search_pages_show_no_contact_fields_to_buyers(engine: Engine, buyer: TestClient) -> None:
    ikms = {i.ikm_id: i for i in engine.store.ikms()}
    for text in (QUERY, "tas anyaman pandan untuk toko oleh-oleh"):
        page = buyer.get("/", params={"q": text, "limit": 50})
        shown = [ikm for ikm_id, ikm in ikms.items() if f"<h3>{ikm.name}</h3>" in page.text]
        assert len(shown) >= 40
        contacts = [c for ikm in shown for c in (ikm.contact_name, ikm.contact_phone, ikm.contact_email) if c]
        assert contacts and not [c for c in contacts if c in page.text]
        assert "contact" not in page.text.lower()


def test_no_page_or_asset_comes_from_another_host(
    engine: Engine, organiser: TestClient, planned: str
) -> None:
    pages = [
        "/login",
        f"/?q={QUERY}",
        "/?lang=en",
        "/import",
        "/events/new?demo=1",
        f"/events/{planned}",
        f"/events/{planned}?demo_changes=1",
        f"/events/{planned}/outcomes",
        f"/events/{planned}/day",
    ]
    assets = set()
    for path in pages:
        page = organiser.get(path)
        assert page.status_code == 200, path
        assert [u for u in URL.findall(page.text) if not u.startswith("http://testserver")] == [], path
        assets |= set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text))
    assert {"/static/style.css", "/static/app.js", "/static/favicon.svg"} <= assets  # + pages' own files
    for asset in assets:
        response = organiser.get(asset)
        assert response.status_code == 200
        assert set(URL.findall(response.text)) <= NAMESPACES, asset
        assert "@import" not in response.text and "url(" not in response.text


def test_login_sets_a_strict_http_only_cookie_and_logout_clears_it(
    engine: Engine, keys: dict[str, str]
) -> None:
    with client(engine) as c:
        start = c.get("/", params={"q": "rotan"})
        assert start.status_code == 303 and start.headers["location"] == "/login?next=%2F%3Fq%3Drotan"
        wrong = c.post("/login", data={"key": "ikm_00000000_" + "x" * 40, "next": "/"})
        assert wrong.status_code == 401 and TEXTS["id"]["login_wrong"] in wrong.text
        assert COOKIE not in wrong.cookies

        good = c.post("/login", data={"key": keys["buyer"], "next": "/?q=rotan"})
        assert good.status_code == 303 and good.headers["location"] == "/?q=rotan"
        cookie = good.headers["set-cookie"]
        assert (
            cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        )
        assert c.get("/?q=rotan").status_code == 200
        assert "Pembeli B001" in c.get("/login").text

        page = c.get("/logout")  # a page with the button; it never logs out
        assert page.status_code == 200 and 'action="/logout"' in page.text
        assert c.get("/?q=rotan").status_code == 200
        out = c.post("/logout")
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert c.get("/").status_code == 303


def test_login_only_returns_to_this_site(engine: Engine, keys: dict[str, str]) -> None:
    with client(engine) as c:
        for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
            response = c.post("/login", data={"key": keys["buyer"], "next": target})
            assert response.headers["location"] == "/"


def test_public_search_needs_no_key_when_allowed(engine: Engine) -> None:
    with client(engine, public_search=True) as c:
        page = c.get("/", params={"q": QUERY, "lang": "en"})
        assert page.status_code == 200 and "Why this match?" in page.text
        assert c.get("/import").status_code == 303  # organiser pages still need a key


@pytest.mark.parametrize("role", ["buyer", "public"])
def test_organiser_pages_answer_403_to_other_keys(engine: Engine, keys: dict[str, str], role: str) -> None:
    with client(engine, keys[role]) as c:
        for path in ("/import", "/events", "/events/demo", "/events/demo/outcomes", "/events/demo/files/x"):
            page = c.get(path, params={"lang": "en"})
            assert page.status_code == 403, path
            assert "for organisers only" in page.text
        for path in ("/events", "/events/demo/plan", "/events/demo/outcomes"):
            assert c.post(path, data={}).status_code == 403, path
        assert 'href="/import"' not in c.get("/").text  # the menu offers only what the key may do


def test_import_lists_every_rejected_row(organiser: TestClient, tmp_path: Path) -> None:
    header = "ikm_id,name,province,regency,capacity_per_month,ovop_stars\n"
    rows = "I9001,KUB Baru,Bali,Gianyar,abc,2\nI9002,,Bali,Gianyar,100,9\n"
    page = organiser.post(
        "/import",
        data={"lang": "en"},
        files=[("files", ("bad-ikms.csv", (header + rows).encode(), "text/csv"))],
        params={"lang": "en"},
    )
    assert page.status_code == 422
    assert "Import rejected" in page.text and "nothing was written" in page.text
    table = page.text[page.text.index('<table class="issues">') :]
    assert table.count("bad-ikms.csv") >= 3
    for column, value in (("capacity_per_month", "abc"), ("name", ""), ("ovop_stars", "9")):
        assert f"<code>{column}</code>" in table
        assert f'<td class="value" data-label="Value">{value}</td>' in table
    assert '<th scope="col" class="num">Row</th>' in table


def test_import_reports_counts_after_a_redirect(organiser: TestClient, engine: Engine) -> None:
    csv = (demo_data_dir() / "ikms.csv").read_bytes()
    revision = engine.store.revision()
    response = organiser.post(
        "/import", data={"dry_run": "true"}, files=[("files", ("ikms.csv", csv, "text/csv"))]
    )
    assert response.status_code == 303
    page = organiser.get(response.headers["location"] + "&lang=en")
    assert "Dry run finished" in page.text and '<td class="num">598</td>' in page.text
    assert engine.store.revision() == revision


def test_import_names_unreadable_files_and_missing_ones(organiser: TestClient) -> None:
    page = organiser.post("/import?lang=en", files=[("files", ("notes.txt", b"hello", "text/plain"))])
    assert page.status_code == 422 and "notes.txt: use a .csv or .xlsx file" in page.text
    empty = organiser.post("/import?lang=en", data={"dry_run": "true"})
    assert empty.status_code == 422 and "Choose at least one file" in empty.text


def test_event_pages_define_plan_reschedule_and_rate(organiser: TestClient, engine: Engine) -> None:
    bad = organiser.post("/events?lang=en", data={"definition": "name: X\nslot_minutes: 2\ntables: 0\n"})
    assert bad.status_code == 422 and "The event definition is invalid" in bad.text
    assert "slot_minutes" in bad.text

    demo = organiser.get("/events", params={"demo": 1})  # the example event opens in the builder
    assert demo.status_code == 303 and demo.headers["location"] == "/events/new?demo=1"
    assert 'value="Temu Bisnis Anyaman NTB 2027"' in organiser.get("/events/new?demo=1").text

    created = organiser.post(
        "/events", files={"definition_file": ("small.yaml", SMALL_EVENT.encode(), "text/yaml")}
    )
    assert created.status_code == 303 and created.headers["location"] == "/events/temu-kecil?msg=created"
    page = organiser.get(created.headers["location"] + "&lang=en")
    assert "Event created." in page.text and "This event has no plan yet." in page.text

    planned = organiser.post("/events/temu-kecil/plan", data={"time_limit": "2"})
    assert planned.status_code == 303 and planned.headers["location"].endswith("msg=planned&n=1")
    page = organiser.get(planned.headers["location"] + "&lang=en").text
    meetings = engine.events.meetings("temu-kecil")
    assert "Plan 1 is ready." in page and page.count('<td class="meeting"') == len(meetings) > 0
    assert '<th scope="col">Table 1</th>' in page and "09:00\N{EN DASH}09:20" in page
    assert 'href="/events/temu-kecil/files/agendas-id.pdf"' in page
    pdf = organiser.get("/events/temu-kecil/files/agendas-id.pdf")
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]

    rejected = organiser.post("/events/temu-kecil/reschedule?lang=en", data={"changes": "no_shows: 5\n"})
    assert rejected.status_code == 422 and "no_shows" in rejected.text
    first = meetings[0]
    moved = organiser.post(
        "/events/temu-kecil/reschedule", data={"changes": f"no_shows: [{first['ikm_id']}]"}
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("msg=rescheduled&n=2")

    outcomes = organiser.get("/events/temu-kecil/outcomes", params={"lang": "en"}).text
    assert "cooperation possible" in outcomes and "negotiation started" in outcomes
    row = next(m for m in engine.events.meetings("temu-kecil"))
    number = re.findall(rf'name="buyer-(\d+)" value="{row["buyer_id"]}"', outcomes)[0]
    saved = organiser.post(
        "/events/temu-kecil/outcomes",
        data={
            f"buyer-{number}": row["buyer_id"],
            f"ikm-{number}": row["ikm_id"],
            f"day-{number}": "deal_agreed",
            f"notes-{number}": "sampel dikirim",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("msg=saved&n=1")
    [outcome] = engine.events.outcomes("temu-kecil")
    assert (outcome.day_outcome, outcome.notes) == ("deal_agreed", "sampel dikirim")
    again = organiser.get(saved.headers["location"] + "&lang=id").text
    assert "Hasil 1 pertemuan disimpan." in again
    assert '<option value="deal_agreed" selected>kesepakatan tercapai</option>' in again

    cleared = organiser.post(  # a rating entered on the wrong row is taken back
        "/events/temu-kecil/outcomes",
        data={f"buyer-{number}": row["buyer_id"], f"ikm-{number}": row["ikm_id"], f"day-{number}": ""},
    )
    assert cleared.status_code == 303 and cleared.headers["location"].endswith("msg=saved&n=1")
    [outcome] = engine.events.outcomes("temu-kecil")
    assert (outcome.day_outcome, outcome.notes) == (None, None)


def test_unknown_events_and_files_answer_404(organiser: TestClient, planned: str) -> None:
    assert organiser.get("/events/none-such").status_code == 404
    assert organiser.get(f"/events/{planned}/files/../../../etc/passwd").status_code == 404
    assert organiser.get(f"/events/{planned}/outcomes").status_code == 200


def test_the_whole_outcomes_table_of_the_demo_event_saves_at_once(
    organiser: TestClient, engine: Engine, planned: str
) -> None:
    meetings = engine.events.meetings(planned)
    form = {}
    for i, m in enumerate(meetings):  # five fields a meeting: more than a form's default 1,000
        form |= {f"buyer-{i}": m["buyer_id"], f"ikm-{i}": m["ikm_id"], f"day-{i}": "", f"followup-{i}": ""}
        form[f"notes-{i}"] = ""
    form["followup-3"] = "agreement_reached"
    assert len(form) > 1000
    saved = organiser.post(f"/events/{planned}/outcomes", data=form)
    assert saved.status_code == 303 and saved.headers["location"].endswith("msg=saved&n=1")
    [outcome] = engine.events.outcomes(planned)
    assert (outcome.buyer_id, outcome.ikm_id) == (meetings[3]["buyer_id"], meetings[3]["ikm_id"])
    assert outcome.followup_outcome == "agreement_reached"

    one = organiser.get(f"/events/{planned}/outcomes", params={"participant": "B003"}).text
    assert one.count('<select id="day-') == sum(m["buyer_id"] == "B003" for m in meetings)


def test_tables_are_named_once_whether_numbered_or_named() -> None:
    from service.web.i18n import translator
    from service.web.render import table_label

    assert table_label("3", translator("id")) == "Meja 3"
    assert table_label(3, translator("en")) == "Table 3"
    assert table_label("Meja 3", translator("id")) == "Meja 3"  # never "Meja Meja 3"
    assert table_label("Booth A", translator("id")) == "Booth A"
