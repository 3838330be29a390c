"""The hardening probe of issue 14: the seven defects found by using the engine as an attacker and as an
unlucky user would, each reproduced through the ``matching`` command and through the HTTP API.

Every test here failed on the main the probe ran against; the room-level regression tests beside each fix
pin the details, this module keeps the probe itself in the suite. One small catalogue with hostile text
(formula-looking names, control characters) is imported through the command line; then records with hostile
ids are written straight into the store, as text stored before the checks existed would be. The engine runs
with the hashing encoder and hand-set ranker weights, so nothing here loads the real model. Defect 4 is
reproduced by another connection holding SQLite's write lock, as a long import's transaction did; defect 7
on homes of its own.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from matching.catalogue.readers import read_tables
from matching.catalogue.report import ValidatedBatch
from matching.catalogue.schema import IKM, Buyer, Entity
from matching.store.keys import Role
from service import create_app
from tests.helpers import (
    BUYER_HEADER,
    BUYER_ROWS,
    IKM_HEADER,
    IKM_ROWS,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
    run_cli,
    write_csv,
)

API = "/api/v1"
FORMULA_NAME = '=HYPERLINK("http://example.invalid","klik")'
FORMULA_COMPANY = "@SUM(1+1)"
CONTROL_NAME = "CV Rotan\x0bTegal\x01wangi"
TRAVERSAL_ID = "../../x/PWN"  # stored before ids were checked
FORMULA_ID = "=cmd|' /C calc'!A0"  # likewise
STORED_CONTROL_NAME = "KUB\x01 Lama"  # stored before control characters were removed at import
EVENT = """\
name: Probe
slot_minutes: 20
sessions:
  - {start: "09:00", end: "10:00"}
tables: 4
buyers: all
ikms: all
"""
BOMB = "".join(
    [f"l0: &l0 [{', '.join(['x'] * 9)}]\n"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)]
)


@dataclass
class Probe:
    root: Path
    home: Path
    files: list[Path]
    ingest_output: str
    engine: Engine
    client: TestClient
    headers: dict[str, str]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    root = tmp_path_factory.mktemp("probe")
    ikms = copy.deepcopy(IKM_ROWS)
    ikms[1][1], ikms[2][1] = FORMULA_NAME, CONTROL_NAME
    buyers = copy.deepcopy(BUYER_ROWS)
    buyers[1][1] = FORMULA_COMPANY
    files = [
        write_csv(root / "ikms.csv", [IKM_HEADER, *ikms]),
        write_csv(root / "products.csv", [PRODUCT_HEADER, *PRODUCT_ROWS]),
        write_csv(root / "buyers.csv", [BUYER_HEADER, *buyers]),
    ]
    home = root / "home"
    ingested = run_cli("ingest", *map(str, files), home=home, fast=True)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    stored = ValidatedBatch()
    first = engine.store.buyers()[0].model_dump()
    for hostile in (TRAVERSAL_ID, FORMULA_ID):  # model_construct skips the id check, as old rows did
        stored.records[Entity.BUYERS].append(Buyer.model_construct(**{**first, "buyer_id": hostile}))
    old = next(i for i in engine.store.ikms() if i.ikm_id == "I0001").model_dump()
    stored.records[Entity.IKMS].append(IKM.model_construct(**{**old, "name": STORED_CONTROL_NAME}))
    engine.store.write(stored)
    headers = {"X-API-Key": engine.keys.create(Role.ORGANISER, "probe")[1]}
    with TestClient(create_app(engine=engine)) as client:
        yield Probe(root, home, files, ingested.stdout + ingested.stderr, engine, client, headers)
    engine.close()


def cli_plan(probe: Probe, name: str) -> Path:
    """Plan the probe event with the command line into ``<root>/<name>/deep/out``; the exports folder."""
    event = probe.root / f"{name}.yaml"
    event.write_text(EVENT, encoding="utf-8")
    out = probe.root / name / "deep" / "out"
    done = run_cli(
        "event", "plan", str(event), "--out", str(out), "--time-limit", "2", home=probe.home, fast=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def api_plan(probe: Probe, event_id: str) -> dict[str, bytes]:
    """Plan the probe event through the API; every export file by name."""
    body = {"definition": EVENT, "event_id": event_id}
    created = probe.client.post(f"{API}/events", json=body, headers=probe.headers)
    assert created.status_code == 201, created.text
    planned = probe.client.post(
        f"{API}/events/{event_id}/plan", json={"time_limit": 2}, headers=probe.headers
    )
    assert planned.status_code == 201, planned.text
    names = probe.client.get(f"{API}/events/{event_id}/files", headers=probe.headers).json()["data"]
    files = {}
    for name in names:
        response = probe.client.get(f"{API}/events/{event_id}/files/{name}", headers=probe.headers)
        assert response.status_code == 200, (name, response.text)
        files[name] = response.content
    return files


def files_named_pwn(root: Path) -> list[Path]:
    return list(root.rglob("*PWN*"))


# 1. Ids became file names unchecked.


def test_1_cli_import_refuses_ids_that_could_name_files_elsewhere(probe: Probe) -> None:
    bad = write_csv(
        probe.root / "bad-ikms.csv",
        [IKM_HEADER, [TRAVERSAL_ID, *IKM_ROWS[0][1:]], ["/abs/path", *IKM_ROWS[1][1:]]],
    )
    done = run_cli("ingest", str(bad), home=probe.home, fast=True)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "row 2" in output and "row 3" in output and "not a valid id" in output
    assert {i.ikm_id for i in probe.engine.store.ikms()} == {"I0001", "I0002", "I0003"}


def test_1_api_refuses_ids_that_could_name_files_elsewhere(probe: Probe) -> None:
    body = dict(zip(IKM_HEADER, [TRAVERSAL_ID, *IKM_ROWS[0][1:]], strict=True))
    body = {k: v for k, v in body.items() if v and k not in ("certifications", "export_markets")}
    response = probe.client.post(f"{API}/ikms", json=body, headers=probe.headers)
    assert response.status_code == 422 and "not a valid id" in response.text
    rows = io.StringIO()
    csv.writer(rows).writerows([IKM_HEADER, ["/abs/path", *IKM_ROWS[0][1:]]])
    upload = [("files", ("ikms.csv", rows.getvalue().encode(), "text/csv"))]
    response = probe.client.post(f"{API}/imports", files=upload, headers=probe.headers)
    assert response.status_code == 422 and "not a valid id" in response.text
    event = EVENT.replace("buyers: all", f"buyers: ['{TRAVERSAL_ID}']")
    response = probe.client.post(f"{API}/events", json={"definition": event}, headers=probe.headers)
    assert response.status_code == 422, response.text


def test_1_cli_plan_keeps_every_file_of_a_stored_hostile_id_inside_its_folder(probe: Probe) -> None:
    out = cli_plan(probe, "cli-ids")
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any("PWN" in p.name for p in written)  # the hostile buyer has its agenda, safely named
    assert all(p.resolve().is_relative_to(out.resolve()) for p in files_named_pwn(probe.root / "cli-ids"))
    assert list(probe.root.rglob("x")) == []  # ../../x/PWN named a folder x outside the exports


def test_1_api_plan_keeps_every_file_of_a_stored_hostile_id_inside_its_folder(probe: Probe) -> None:
    files = api_plan(probe, "api-ids")
    assert any("PWN" in name for name in files)
    plans = probe.home / "events"
    assert all(p.resolve().is_relative_to(plans.resolve()) for p in files_named_pwn(probe.home))
    assert list(probe.root.rglob("x")) == []


# 2. Unbounded import reports and XLSX bombs.

LONG = "x" * 30_000  # one shared string, stored once in the workbook, repeated in every row's report issue


def bomb_workbook(path: Path, rows: int = 3_000) -> Path:
    """A small XLSX whose one shared string expands into a 30,000-character bad value on every row."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "ikms"
    sheet.append(IKM_HEADER)
    for n in range(rows):
        row = list(IKM_ROWS[0])
        row[0], row[5] = f"X{n:06d}", LONG
        sheet.append(row)
    book.save(path)
    return path


def test_2_cli_a_shared_string_bomb_gets_a_short_answer(probe: Probe) -> None:
    bomb = bomb_workbook(probe.root / "bomb-ikms.xlsx")
    assert bomb.stat().st_size < 500_000  # the bomb found was 410 KB
    done = run_cli("ingest", str(bomb), home=probe.home, fast=True)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output
    assert len(output) < 1_000_000 and LONG not in output  # every issue printed its full value
    assert not any(i.ikm_id.startswith("X0") for i in probe.engine.store.ikms())


def test_2_cli_hundreds_of_thousands_of_issues_get_a_counted_report(probe: Probe) -> None:
    rows = [[f"Z{n:06d}", "UD Z", "Bali", "", "", "nine", "lots", "few", "soon"] for n in range(100_000)]
    many = write_csv(probe.root / "many-ikms.csv", [IKM_HEADER[:9], *rows])
    done = run_cli("ingest", str(many), home=probe.home, fast=True)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and len(output) < 1_000_000  # 400,000 issues were listed one by one
    found = re.search(r"([\d,]+) problem\(s\)", output)
    assert found is not None and int(found.group(1).replace(",", "")) >= 400_000
    assert "99,980 more" in output


def test_2_api_a_shared_string_bomb_gets_a_short_answer(probe: Probe) -> None:
    bomb = bomb_workbook(probe.root / "bomb-api-ikms.xlsx").read_bytes()
    upload = [("files", ("ikms.xlsx", bomb, "application/octet-stream"))]
    response = probe.client.post(f"{API}/imports", files=upload, headers=probe.headers)
    assert response.status_code in (413, 422) and len(response.content) < 1_000_000  # it was 419 MB
    assert LONG not in response.text and response.json()["error"]["message"]


def lying_workbook(path: Path, rows: int) -> Path:
    """An XLSX written by hand whose sheet declares the size A1:B2 but holds ``rows`` data rows."""
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Y{r}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>UD {r}</t></is></c></row>'
        for r in range(2, rows + 2)
    )
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>ikm_id</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="ikms" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><dimension ref="A1:B2"/>'
            f"<sheetData>{header}{cells}</sheetData></worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


def test_2_api_a_sheet_over_the_row_limit_is_refused_whatever_it_declares(probe: Probe) -> None:
    small = lying_workbook(probe.root / "small.xlsx", 3)
    sheet = openpyxl.load_workbook(small, read_only=True).active
    assert sheet is not None and len(list(sheet.iter_rows())) == 2  # read-only openpyxl trusts the lie
    assert [n for n, _ in read_tables(small)[0].rows] == [2, 3, 4]  # the reader counts what is there
    big = lying_workbook(probe.root / "lying-ikms.xlsx", 500_001).read_bytes()
    assert len(big) < 20 * 2**20  # within the upload limit
    upload = [("files", ("ikms.xlsx", big, "application/octet-stream"))]
    started = time.perf_counter()
    response = probe.client.post(f"{API}/imports", files=upload, headers=probe.headers)
    assert response.status_code == 413 and "500,000" in response.text, response.text[:300]
    assert len(response.content) < 1_000_000 and time.perf_counter() - started < 120  # it took 288 s


# 4. "database is locked" while an import wrote.


@contextmanager
def write_lock_held(home: Path) -> Iterator[None]:
    """Another connection holds SQLite's write lock, as a long import's transaction did."""
    blocker = sqlite3.connect(home / "matching.sqlite", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        blocker.rollback()
        blocker.close()


def test_4_cli_reads_and_a_dry_run_are_served_while_another_writer_holds_the_lock(probe: Probe) -> None:
    with write_lock_held(probe.home):
        started = time.perf_counter()
        search = run_cli("search", "rattan laundry basket", "--json", home=probe.home, fast=True)
        assert search.returncode == 0, search.stderr
        dry = run_cli("ingest", "--dry-run", *map(str, probe.files), home=probe.home, fast=True)
        assert dry.returncode == 0, dry.stdout + dry.stderr  # the dry run took the write lock
        assert "locked" not in dry.stderr and time.perf_counter() - started < 120


def test_4_api_sign_ins_searches_and_a_dry_run_are_served_while_another_writer_holds_the_lock(
    probe: Probe,
) -> None:
    fresh = {"X-API-Key": probe.engine.keys.create(Role.ORGANISER, "probe-lock")[1]}  # never used yet
    probe.engine.searcher()
    rows = io.StringIO()
    csv.writer(rows).writerows([IKM_HEADER, ["I0099", *IKM_ROWS[0][1:]]])
    upload = [("files", ("ikms.csv", rows.getvalue().encode(), "text/csv"))]
    with write_lock_held(probe.home):
        for headers in (fresh, probe.headers):  # signing in wrote last_used_at: 500 "database is locked"
            listed = probe.client.get(f"{API}/ikms", params={"limit": 5}, headers=headers)
            assert listed.status_code == 200, listed.text
            found = probe.client.post(f"{API}/search", json={"text": "rattan"}, headers=headers)
            assert found.status_code == 200, found.text
        dry = probe.client.post(f"{API}/imports", files=upload, data={"dry_run": "true"}, headers=fresh)
        assert dry.status_code == 200, dry.text


# 3. Formula injection in exports.


def assert_no_live_formula(meetings_csv: bytes, master_grid: bytes) -> None:
    rows = list(csv.reader(io.StringIO(meetings_csv.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA_ID in cells and FORMULA_ID not in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    book = openpyxl.load_workbook(io.BytesIO(master_grid))
    values = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in values if c.data_type == "f"]
    texts = [str(c.value) for c in values]
    assert any(FORMULA_NAME in t for t in texts) and any(FORMULA_ID in t for t in texts)


def test_3_cli_plan_writes_formula_text_as_text(probe: Probe) -> None:
    out = cli_plan(probe, "cli-formula")
    assert_no_live_formula((out / "meetings.csv").read_bytes(), (out / "master-grid.xlsx").read_bytes())
    assert_no_live_formula((out / "scores.csv").read_bytes(), (out / "master-grid.xlsx").read_bytes())


def test_3_api_plan_writes_formula_text_as_text(probe: Probe) -> None:
    files = api_plan(probe, "api-formula")
    assert_no_live_formula(files["meetings.csv"], files["master-grid.xlsx"])


# 5. Control characters broke planning.


def test_5_cli_import_removes_control_characters_and_planning_succeeds(probe: Probe) -> None:
    assert "control character(s) U+0001, U+000B removed" in probe.ingest_output
    names = {i.ikm_id: i.name for i in probe.engine.store.ikms()}
    assert names["I0003"] == "CV Rotan Tegalwangi" and names["I0001"] == STORED_CONTROL_NAME
    out = cli_plan(probe, "cli-control")
    grid = openpyxl.load_workbook(out / "master-grid.xlsx")
    texts = [str(c.value) for s in grid.worksheets for row in s.iter_rows() for c in row if c.value]
    assert any("KUB Lama" in t for t in texts)


def test_5_api_import_removes_control_characters_and_planning_succeeds(probe: Probe) -> None:
    rows = io.StringIO()
    csv.writer(rows).writerows([IKM_HEADER, ["I0009", "UD\x01 Baru\x0b", *IKM_ROWS[2][2:]]])
    upload = [("files", ("ikms.csv", rows.getvalue().encode(), "text/csv"))]
    response = probe.client.post(f"{API}/imports", files=upload, headers=probe.headers)
    assert response.status_code == 200, response.text
    assert any("control character" in issue["message"] for issue in response.json()["issues"])
    files = api_plan(probe, "api-control")
    assert "master-grid.xlsx" in files and any(name.endswith(".pdf") for name in files)


# 6. A YAML expansion bomb stalled the engine.


def test_6_cli_refuses_an_alias_bomb_quickly(probe: Probe) -> None:
    bomb = probe.root / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    started = time.perf_counter()
    done = run_cli("event", "plan", str(bomb), "--out", str(probe.root / "bomb"), home=probe.home, fast=True)
    assert done.returncode != 0 and "expands to more than" in done.stdout + done.stderr
    assert time.perf_counter() - started < 30  # the process start included; the bomb took 69 s and 5.4 GiB


def test_6_api_refuses_an_alias_bomb_quickly(probe: Probe) -> None:
    started = time.perf_counter()
    response = probe.client.post(f"{API}/events", json={"definition": BOMB}, headers=probe.headers)
    assert response.status_code == 422 and "expands to more than" in response.text
    assert time.perf_counter() - started < 5


# 7. A mistyped home silently started an empty store.


def test_7_cli_a_mistyped_home_is_an_error_and_an_empty_catalogue_searches_to_nothing(
    tmp_path: Path,
) -> None:
    typo = tmp_path / "typo"
    stats = run_cli("stats", home=typo, fast=True)
    assert stats.returncode != 0 and str(typo) in stats.stderr and "Traceback" not in stats.stderr
    assert not typo.exists()  # it created a new empty database and exited 0
    empty = tmp_path / "empty"
    assert run_cli("init", home=empty, fast=True).returncode == 0
    search = run_cli("search", "rattan laundry basket", "--json", home=empty, fast=True)
    assert search.returncode == 0, search.stderr  # it died with a matmul ValueError
    assert json.loads(search.stdout)["data"] == [] and "ValueError" not in search.stderr


def test_7_api_ready_tells_whether_search_can_work_and_an_empty_search_is_no_500(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "empty", encoder="hashing", ranker="weights"))
    headers = {"X-API-Key": engine.keys.create(Role.ORGANISER, "probe")[1]}
    try:
        with TestClient(create_app(engine=engine)) as client:
            ready = client.get(f"{API}/ready")
            assert ready.status_code == 503 and ready.json()["reason"] == "empty catalogue"  # it said 200
            found = client.post(f"{API}/search", json={"text": "rattan chair"}, headers=headers)
            assert found.status_code == 200 and found.json()["data"] == []  # it was a 500
            assert "catalogue is empty" in found.json()["notice"]
            page = client.get("/", params={"q": "rattan chair", "lang": "en"}, headers=headers)
            assert page.headers["content-type"].startswith("text/html")  # it was a JSON body
    finally:
        engine.close()
