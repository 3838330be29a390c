"""End to end in a real browser: search, import, the demo event planned and re-scheduled, security.

Fixtures (the real server on the demo data, Chromium) are in ``conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from matching import Engine
from matching.catalogue.schema import Entity
from tests.service.conftest import PLAN_TIMEOUT_MS, log_in, shot

FIRST_SLOT = "09:00\N{EN DASH}09:20"


def test_buyer_searches_in_both_languages_and_reads_why(page: Page, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("buyer", "Cairns Homewares", buyer_id="B001")
    log_in(page, key, "buyer")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Find IKMs")).to_be_visible()

    page.get_by_label("Requirement").fill("rattan laundry baskets, 800 pcs/month, SVLK")
    page.get_by_role("button", name="Search").click()
    results = page.locator("li.match")
    expect(results).to_have_count(10)
    expect(page.get_by_text("50 results, best match first")).to_be_visible()
    shot(page, "buyer-search-en")
    first = results.first
    first.get_by_text("Why this match?").click()
    why = first.locator(".why-body")
    expect(why).to_be_visible()
    expect(why.get_by_text("Materials matched")).to_be_visible()
    expect(why.locator(".tag", has_text="rattan").first).to_be_visible()
    expect(why.locator(".checks-list li", has_text="capacity").first).to_be_visible()
    expect(why.locator(".checks-list li", has_text="SVLK").first).to_be_visible()
    expect(why.get_by_role("table", name="Score breakdown")).to_be_visible()
    shot(page, "buyer-search-en-why")

    page.get_by_role("link", name="Bahasa Indonesia").click()  # the switch keeps the search
    expect(page.get_by_role("heading", name="Cari IKM")).to_be_visible()
    expect(page.locator("li.match")).to_have_count(10)
    page.get_by_label("Kebutuhan").fill("keranjang cucian dari rotan, 800 buah per bulan, bersertifikat SVLK")
    page.get_by_role("button", name="Cari").click()
    first = page.locator("li.match").first
    first.get_by_text("Mengapa cocok?").click()
    why = first.locator(".why-body")
    expect(why.get_by_text("Bahan yang cocok")).to_be_visible()
    expect(why.locator(".tag", has_text="rotan").first).to_be_visible()
    expect(why.locator(".checks-list li", has_text="kapasitas").first).to_be_visible()
    shot(page, "buyer-search-id-why")

    page.get_by_role("link", name="Halaman 2", exact=True).click()  # the second page of results
    expect(page.locator("ol.matches")).to_have_attribute("start", "11")
    shot(page, "buyer-search-id-page2")
    expect(page.get_by_role("link", name="Impor data")).to_have_count(0)  # not for buyers
    page.goto("/import")
    expect(page.get_by_role("heading", name="Akses ditolak")).to_be_visible()
    shot(page, "buyer-import-forbidden")


def test_organiser_uploads_a_csv_and_sees_the_row_errors(
    page: Page, web_engine: Engine, tmp_path: Path
) -> None:
    _, key = web_engine.keys.create("organiser", "Meja panitia")
    log_in(page, key, "organiser-import")
    page.get_by_role("link", name="Impor data").click()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Import catalogue data")).to_be_visible()
    shot(page, "import")
    bad = tmp_path / "new-ikms.csv"
    bad.write_text(
        "ikm_id,name,province,regency,capacity_per_month,ovop_stars\n"
        "I9001,KUB Rotan Baru,Nusa Tenggara Barat,Lombok Barat,1200,3\n"
        "I9002,KUB Ketak Muda,Nusa Tenggara Barat,Lombok Utara,banyak,2\n"
        "I9003,,Bali,Gianyar,300,9\n",
        encoding="utf-8",
    )
    page.get_by_label("Files (CSV or XLSX)").set_input_files(bad)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("Import rejected")
    table = page.get_by_role("table", name="Problems by row")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="capacity_per_month")).to_contain_text("banyak")
    expect(rows.filter(has_text="ovop_stars")).to_contain_text("9")
    expect(table.locator("tbody")).to_contain_text("new-ikms.csv")
    shot(page, "import-errors")
    assert "I9001" not in web_engine.store.ids(Entity.IKMS)  # all or nothing: the valid row was not written


def test_organiser_creates_plans_and_downloads_the_demo_event(page: Page, web_engine: Engine) -> None:
    _, key = web_engine.keys.create("organiser", "Meja panitia 2")
    log_in(page, key, "organiser-event")
    page.goto("/events?lang=en")
    expect(page.get_by_role("heading", name="Business-matching events")).to_be_visible()
    page.get_by_role("link", name="Fill in the example event").click()  # the event builder, filled in
    expect(page.get_by_label("Event name")).to_have_value("Temu Bisnis Anyaman NTB 2027")
    shot(page, "events-demo")
    page.get_by_role("button", name="Save the event").click()
    expect(page.get_by_role("status").first).to_have_text("Event created.")
    expect(page.get_by_role("heading", name="Temu Bisnis Anyaman NTB 2027", level=1)).to_be_visible()
    shot(page, "event-created")

    page.get_by_label("Scheduler time limit (seconds)").first.fill("10")
    page.get_by_role("button", name="Plan the event").click()
    expect(page.get_by_text("Plan 1 is ready.")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    grid = page.get_by_role("table", name="Each cell: buyer ↔ IKM")
    expect(grid).to_be_visible()
    expect(grid.get_by_role("columnheader", name="Table 24")).to_be_visible()
    expect(grid.get_by_role("rowheader", name=FIRST_SLOT)).to_be_visible()
    meetings = web_engine.events.meetings("temu-bisnis-anyaman-ntb-2027")
    expect(grid.locator("td.meeting")).to_have_count(len(meetings))
    fixed = next(m for m in meetings if (m["buyer_id"], m["ikm_id"]) == ("B003", "I0081"))
    row = grid.locator("tr", has=page.get_by_role("rowheader", name=FIRST_SLOT))
    expect(row.locator("td").nth(0)).to_contain_text(fixed["ikm_name"])  # fixed at 09:00, table 1
    shot(page, "event-planned")

    with page.expect_download() as info:
        page.get_by_role("link", name="Agendas of every participant, Indonesian (PDF)").click()
    download = info.value
    assert download.suggested_filename == "agendas-id.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    page.get_by_text("Agendas and calendars per participant").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="B003-en.txt").click()
    agenda = Path(info.value.path()).read_text(encoding="utf-8")
    assert fixed["ikm_name"] in agenda and "09:00" in agenda

    page.get_by_role("heading", name="Re-schedule from a changes file (YAML, advanced)").click()
    page.get_by_role("link", name="Fill in the demo changes").click()
    expect(page.get_by_label("Changes (YAML)")).to_contain_text("no_shows: [B007, I0297]")
    page.get_by_role("button", name="Re-schedule").click()
    expect(page.get_by_text("Re-scheduled: plan 2.")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Plan 2")).to_be_visible()
    meetings = web_engine.events.meetings("temu-bisnis-anyaman-ntb-2027")
    assert not [m for m in meetings if "B007" in (m["buyer_id"], m["ikm_id"])]  # the no-show is gone
    expect(grid.locator("td.meeting")).to_have_count(len(meetings))
    expect(page.locator("table.files th", has_text="Notice (EN)")).to_be_attached()  # in closed <details>
    shot(page, "event-rescheduled")

    page.get_by_role("link", name="Record meeting outcomes").click()
    expect(page.get_by_role("heading", name="Meeting outcomes")).to_be_visible()
    page.locator("select[name^=day-]").first.select_option("cooperation_possible")
    page.locator("select[name^=followup-]").first.select_option(label="negotiation started")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Outcomes saved for 1 meeting(s).")).to_be_visible()
    expect(page.locator("select[name^=day-]").first).to_have_value("cooperation_possible")
    shot(page, "outcomes-saved")
    page.get_by_label("Show the meetings of").select_option("B003")
    page.get_by_role("button", name="Show").click()
    b003 = [m for m in meetings if "B003" in (m["buyer_id"], m["ikm_id"])]
    expect(page.locator("table.outcomes tbody tr")).to_have_count(len(b003))
    shot(page, "outcomes-b003")
    [outcome] = web_engine.events.outcomes("temu-bisnis-anyaman-ntb-2027")
    assert (outcome.day_outcome, outcome.followup_outcome) == ("cooperation_possible", "negotiation_started")


def test_pages_obey_their_security_policy_and_log_out_by_button(page: Page, web_engine: Engine) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    _, key = web_engine.keys.create("organiser", "Meja keluar")
    log_in(page, key, "logout")
    for path in ("/", "/import", "/events", "/logout"):
        response = page.goto(path)
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    shot(page, "logout-page")  # GET /logout shows the button and keeps the key
    expect(page.get_by_text("Masuk sebagai")).to_be_visible()
    page.goto("/events")
    page.locator("header").get_by_role("button", name="Keluar").click()  # the browser sends its Origin
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/import")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert [text for text in violations if "Content Security Policy" in text] == []
