"""Reading import files: limits on rows, columns, cells and unzipped size, and files that are not what
their name says."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from matching import ImportFileError
from matching.catalogue import readers
from matching.catalogue.readers import read_tables
from matching.errors import ImportTooLarge
from tests.helpers import IKM_HEADER, IKM_ROWS, write_csv


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "ikms"
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_csv_over_the_row_limit_is_refused_naming_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 50)
    rows = [[f"I{n:04d}", *IKM_ROWS[0][1:]] for n in range(51)]
    path = write_csv(tmp_path / "ikms.csv", [IKM_HEADER, *rows])
    with pytest.raises(ImportTooLarge, match="more than 50 rows"):
        read_tables(path)
    write_csv(path, [IKM_HEADER, *rows[:50]])
    assert len(read_tables(path)[0].rows) == 50


def test_xlsx_over_the_row_limit_is_refused_while_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 50)
    rows: list[list[object]] = [[f"I{n:04d}", *IKM_ROWS[0][1:]] for n in range(60)]
    path = _xlsx(tmp_path / "ikms.xlsx", [IKM_HEADER, *rows])
    with pytest.raises(ImportTooLarge, match="more than 50 rows"):
        read_tables(path)


def test_a_false_declared_dimension_is_ignored(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "ikms.xlsx", [IKM_HEADER, IKM_ROWS[0]])
    # claim the sheet spans every row and column Excel allows: rows must not be padded to it
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', parts[sheet])
    assert b"XFD1048576" in parts[sheet]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    (table,) = read_tables(path)
    assert len(table.rows) == 1 and len(table.rows[0][1]) <= len(IKM_HEADER)


def test_too_many_columns_is_refused(tmp_path: Path) -> None:
    header = [*IKM_HEADER, *(f"extra{n}" for n in range(readers.MAX_COLUMNS))]
    path = write_csv(tmp_path / "ikms.csv", [header, [*IKM_ROWS[0], *("x" for _ in range(200))]])
    with pytest.raises(ImportTooLarge, match="columns"):
        read_tables(path)


def test_a_cell_over_the_cell_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_CELL_CHARS", 1000)
    row = list(IKM_ROWS[0])
    row[1] = "x" * 2000
    path = _xlsx(tmp_path / "ikms.xlsx", [IKM_HEADER, row])
    with pytest.raises(ImportTooLarge, match="2,000 characters") as info:
        read_tables(path)
    assert "xxxx" not in str(info.value)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "ikms.xlsx", [IKM_HEADER, IKM_ROWS[0]])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/sharedStrings.xml"] = b"<sst>" + b"<si><t>" + b"A" * 50_000_000 + b"</t></si></sst>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ImportTooLarge, match=r"sharedStrings\.xml unzips .* times its size"):
        read_tables(path)


def test_a_workbook_that_unzips_past_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "MAX_UNZIPPED_BYTES", 1000)
    path = _xlsx(tmp_path / "ikms.xlsx", [IKM_HEADER, IKM_ROWS[0]])
    with pytest.raises(ImportTooLarge, match="unzips to"):
        read_tables(path)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        ("\ufeffikm_id,name\nI1,A\n".encode("utf-16-le"), "ikms.csv", "UTF-16"),
        ("ikm_id,name\nI1,A\n".encode("utf-16"), "ikms.csv", "UTF-16"),
        ("ikm_id,name\nI1,A\n".encode("utf-16-le"), "ikms.csv", "UTF-16"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "ikms.csv", "looks like a PNG image"),
        (b"%PDF-1.4\n" + bytes(range(256)), "ikms.csv", "looks like a PDF"),
        (bytes(range(256)) * 8, "ikms.csv", "not a text file"),
        (b"ikm_id,name\nI1,A\n", "ikms.xlsx", "a CSV file named .xlsx"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "ikms.xlsx", "looks like a PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "ikms.xlsx", "old Excel .xls"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_named(
    tmp_path: Path, content: bytes, name: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=expected) as info:
        read_tables(path)
    assert "required column" not in str(info.value)


def test_an_xlsx_named_csv_is_named(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "ikms.xlsx", [IKM_HEADER, IKM_ROWS[0]])
    renamed = path.rename(tmp_path / "ikms.csv")
    with pytest.raises(ImportFileError, match=r"zip file \(an XLSX workbook named \.csv"):
        read_tables(renamed)


def test_a_stray_nul_in_a_csv_cell_is_still_text(tmp_path: Path) -> None:
    row = list(IKM_ROWS[0])
    row[1] = "KUB\x00 Ketak"
    (table,) = read_tables(write_csv(tmp_path / "ikms.csv", [IKM_HEADER, row]))
    assert len(table.rows) == 1
