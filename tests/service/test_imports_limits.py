"""``POST /api/v1/imports`` with hostile or mistaken files: a short report, 413 over a limit, 422 naming
what a file really is; every error response stays under 1 MB."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from matching import Engine, Settings
from matching.store.keys import Role
from service import create_app
from service.deps import COOKIE
from tests.helpers import IKM_HEADER, IKM_ROWS

API = "/api/v1/imports"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    home = tmp_path_factory.mktemp("limits") / "home"
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    key = engine.keys.create(Role.ORGANISER, "desk")[1]
    with TestClient(create_app(engine=engine)) as client:
        yield client, {"X-API-Key": key}
    engine.close()


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _post(setup: tuple[TestClient, dict[str, str]], name: str, content: bytes, **form: str):  # type: ignore[no-untyped-def]
    client, headers = setup
    return client.post(API, headers=headers, files=[("files", (name, content, "text/csv"))], data=form)


def test_forty_thousand_bad_rows_get_a_short_counted_report(setup: tuple[TestClient, dict[str, str]]) -> None:
    rows = []
    for n in range(40_000):
        row = list(IKM_ROWS[0])
        row[0], row[5] = f"I{n:06d}", "lima" + "x" * 100
        rows.append(row)
    response = _post(setup, "ikms.csv", _csv([IKM_HEADER, *rows]))
    assert response.status_code == 422, response.text[:500]
    assert len(response.content) < 1_000_000
    error = response.json()["error"]
    assert "40,000 problem(s)" in error["message"]
    assert len(error["details"]) <= 601
    assert any(d["row"] is None and "39,980 more" in d["message"] for d in error["details"])
    assert all(len(d["value"] or "") <= 80 for d in error["details"])


def test_kept_valid_rows_report_counts_of_the_rest(setup: tuple[TestClient, dict[str, str]]) -> None:
    rows = [list(IKM_ROWS[0])]
    for n in range(100):
        row = list(IKM_ROWS[0])
        row[0], row[5] = f"J{n:04d}", "lima"
        rows.append(row)
    response = _post(setup, "ikms.csv", _csv([IKM_HEADER, *rows]), keep_valid="true", dry_run="true")
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert body["error_count"] == 100 and body["omitted"] == 80
    assert len(body["issues"]) == 21


def test_a_zip_bomb_gets_413_naming_the_limit(
    setup: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "ikms.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(IKM_HEADER)
    workbook.save(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst><si><t>" + b"A" * 80_000_000 + b"</t></si></sst>")
    response = _post(setup, "ikms.xlsx", path.read_bytes())
    assert response.status_code == 413, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == "file_too_large" and "times its size" in error["message"]
    assert len(response.content) < 10_000


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("ikms.csv", "ikm_id,name\nI1,A\n".encode("utf-16"), "UTF-16"),
        ("ikms.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "looks like a PNG image"),
        ("ikms.xlsx", b"ikm_id,name\nI1,A\n", "a CSV file named .xlsx"),
    ],
)
def test_a_mistaken_file_gets_422_saying_what_it_is(
    setup: tuple[TestClient, dict[str, str]], name: str, content: bytes, expected: str
) -> None:
    response = _post(setup, name, content)
    assert response.status_code == 422, response.text[:500]
    error = response.json()["error"]
    assert error["code"] == "unreadable_file" and expected in error["message"]
    assert "required column" not in error["message"]


def test_the_import_page_shows_the_total_and_the_counted_rest(
    setup: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = setup
    rows = []
    for n in range(100):
        row = list(IKM_ROWS[0])
        row[0], row[5] = f"W{n:04d}", "lima"
        rows.append(row)
    client.cookies.set(COOKIE, headers["X-API-Key"])
    try:
        page = client.post(
            "/import?lang=en",
            files=[("files", ("ikms.csv", _csv([IKM_HEADER, *rows]), "text/csv"))],
            headers={"Origin": "http://testserver"},
        )
    finally:
        client.cookies.clear()
    assert page.status_code == 422
    assert "Import rejected: 100 problem(s) found" in page.text
    assert "and 80 more" in page.text
    assert len(page.content) < 1_000_000
