"""The event dashboard page through the app (TestClient, hashing encoder): organisers only, an empty state
before any plan, charts whose bars follow the figures, and the report downloads."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from matching import Engine, Settings, demo_data_dir
from service import create_app
from service.deps import COOKIE
from service.settings import ServiceSettings
from service.web.i18n import TEXTS

EVENT_ID = "demo"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    home = tmp_path_factory.mktemp("dashboard-home")
    eng = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    eng.import_demo()
    eng.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"), event_id=EVENT_ID)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def keys(engine: Engine) -> dict[str, str]:
    return {
        "organiser": engine.keys.create("organiser", "Meja panitia")[1],
        "buyer": engine.keys.create("buyer", "Pembeli B001", buyer_id="B001")[1],
    }


def client(engine: Engine, key: str | None = None) -> TestClient:
    app = create_app(engine=engine, service_settings=ServiceSettings())
    test_client = TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})
    if key:
        test_client.cookies.set(COOKIE, key)
    return test_client


@pytest.fixture
def organiser(engine: Engine, keys: dict[str, str]) -> Iterator[TestClient]:
    with client(engine, keys["organiser"]) as c:
        yield c


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", html, re.S)]


def test_only_organisers_see_the_dashboard(engine: Engine, keys: dict[str, str]) -> None:
    for path in (f"/events/{EVENT_ID}/dashboard", f"/events/{EVENT_ID}/dashboard/report.pdf"):
        with client(engine) as anonymous:
            assert anonymous.get(path).status_code == 303  # to the login page
        with client(engine, keys["buyer"]) as buyer:
            assert buyer.get(path).status_code == 403


def test_before_any_plan_a_friendly_empty_state(organiser: TestClient) -> None:
    page = organiser.get(f"/events/{EVENT_ID}/dashboard")
    assert page.status_code == 200
    assert TEXTS["id"]["dashboard_empty_title"] in page.text
    assert f'href="/events/{EVENT_ID}"' in page.text and "<svg" not in page.text
    assert organiser.get(f"/events/{EVENT_ID}/dashboard/report.xlsx").status_code == 404
    assert organiser.get("/events/nope/dashboard").status_code == 404


@pytest.fixture(scope="module")
def planned(engine: Engine) -> dict[str, int]:
    """The demo event planned, a few meetings rated, one IKM a no-show; the expected funnel."""
    engine.events.plan(EVENT_ID, time_limit=2)
    meetings = engine.events.meetings(EVENT_ID)
    ratings = [("deal_agreed", None), ("cooperation_possible", "negotiation_started"), ("not_held", None)]
    for m, (day, followup) in zip(meetings, ratings, strict=False):
        engine.events.record_outcome(
            EVENT_ID, m["buyer_id"], m["ikm_id"], day_outcome=day, followup_outcome=followup
        )
    engine.events.reschedule(EVENT_ID, f"no_shows: [{meetings[-1]['ikm_id']}]\n")
    report = engine.event_report(EVENT_ID)
    return dict(report.funnel)


def test_the_charts_follow_the_figures(
    organiser: TestClient, engine: Engine, planned: dict[str, int]
) -> None:
    page = organiser.get(f"/events/{EVENT_ID}/dashboard")
    assert page.status_code == 200
    report = engine.event_report(EVENT_ID)
    charts = _svgs(page.text)
    assert len(charts) == 6  # per IKM, province, material, attendance, funnel, deals
    titles = [c.findtext(f"{SVG}title") for c in charts]
    assert titles[:3] == ["Pertemuan per IKM", "Pertemuan per provinsi", "Pertemuan per bahan"]

    histogram = charts[0]
    bars = histogram.findall(f"{SVG}rect")
    counts = [n for _, n in report.distribution]
    assert [int(b.get("data-value", "")) for b in bars] == counts
    heights = [float(b.get("height", "")) for b in bars]
    top = max(counts)
    for count, height in zip(counts, heights, strict=True):
        assert height == pytest.approx(heights[counts.index(top)] * count / top, abs=0.01)
    assert [b.get("class") for b in bars][: report.floor + 1] == ["bar warn"] * (report.floor + 1)

    provinces = charts[1].findall(f"{SVG}rect")
    assert [(b.get("data-label"), int(b.get("data-value", ""))) for b in provinces] == report.per_province
    widths = [float(b.get("width", "")) for b in provinces]
    assert widths == sorted(widths, reverse=True)

    funnel = charts[4].findall(f"{SVG}rect")
    assert [int(b.get("data-value", "")) for b in funnel] == [  # from the rated meetings down
        planned["rated"],
        planned["held"],
        planned["interest"],
        planned["sample_order"],
        planned["deal"],
    ]
    assert planned["deal"] >= 0 and planned["held"] <= 2
    # every chart has its numbers in a table; the IKM without a meeting is listed at the floor
    assert page.text.count('<table class="data"') >= 6
    absent = next(i for i in report.per_ikm if i.absent)
    assert absent.name in page.text and TEXTS["id"]["dashboard_absent_tag"] in page.text


def test_english_page_and_the_event_page_links_here(organiser: TestClient, planned: dict[str, int]) -> None:
    page = organiser.get(f"/events/{EVENT_ID}/dashboard", params={"lang": "en"})
    assert TEXTS["en"]["dashboard_funnel"] in page.text and "Meetings per province" in page.text
    assert "<script" not in page.text.split("</head>")[1]  # no chart script: the SVG is drawn here
    assert 'href="/static/dashboard.css"' in page.text
    event = organiser.get(f"/events/{EVENT_ID}", params={"lang": "en"})
    assert f'href="/events/{EVENT_ID}/dashboard"' in event.text


def test_the_report_downloads(organiser: TestClient, planned: dict[str, int]) -> None:
    pdf = organiser.get(f"/events/{EVENT_ID}/dashboard/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="demo-laporan.pdf"' in pdf.headers["content-disposition"]
    xlsx = organiser.get(f"/events/{EVENT_ID}/dashboard/report.xlsx", params={"lang": "en"})
    assert xlsx.status_code == 200 and 'filename="demo-report.xlsx"' in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "Outcomes funnel" in book.sheetnames and len(book.sheetnames) == 8
    funnel = book["Outcomes funnel"]
    assert funnel["B2"].value == planned["scheduled"]
    assert organiser.get(f"/events/{EVENT_ID}/dashboard/report.docx").status_code == 404
