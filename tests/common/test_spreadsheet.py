"""CSV and XLSX cells that would run as formulas are written as text, and read back as they were."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from matching.catalogue.report import ImportReport, Issue
from matching.common.spreadsheet import FORMULA_STARTS, csv_text, from_csv_text
from matching.events.exports import write_master_grid
from matching.events.meetings import Meeting
from matching.events.model import parse_event
from matching.events.plan_files import (
    read_meetings_csv,
    read_plan_rows,
    read_scores_csv,
    write_meetings_csv,
    write_scores_csv,
)

HOSTILE = ['=HYPERLINK("http://x","klik")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "'=quoted"]
SLOTS = parse_event(
    {"name": "Uji", "sessions": [{"start": "09:00", "end": "10:00"}], "tables": 2, "slot_minutes": 20}
).slots()


@given(st.text())
def test_every_text_comes_back_exactly(text: str) -> None:
    cell = csv_text(text)
    assert from_csv_text(cell) == text
    assert not cell.startswith(FORMULA_STARTS)


def test_plan_files_neutralise_formulas_and_read_back_the_same(tmp_path: Path) -> None:
    """Regression: a name or reason starting with = + - @ tab or CR was written raw into meetings.csv and
    scores.csv, where a spreadsheet runs it."""
    meetings = [Meeting(f"B{i}", text, 0.5, i % 3, "1", reason=text) for i, text in enumerate(HOSTILE)]
    path = write_meetings_csv(tmp_path / "meetings.csv", meetings, SLOTS)
    with path.open(newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells)
    back = read_meetings_csv(path, SLOTS)
    assert sorted((m.ikm, m.reason) for m in back) == sorted((m.ikm, m.reason) for m in meetings)
    assert sorted(row["ikm_id"] for row in read_plan_rows(path)) == sorted(HOSTILE)
    scores = {("B1", text): 0.5 for text in HOSTILE}
    reasons = {("B1", text): text for text in HOSTILE}
    scores_path = write_scores_csv(tmp_path / "scores.csv", scores, reasons)
    assert not any(line.startswith(FORMULA_STARTS) for line in scores_path.read_text().splitlines())
    assert read_scores_csv(scores_path) == (scores, reasons)


def test_the_master_grid_holds_no_formula(tmp_path: Path) -> None:
    """Regression: a company name beginning with "=" became a live formula in master-grid.xlsx."""
    meetings = [Meeting("B1", "I1", 0.5, 0, "1"), Meeting("B2", "I2", 0.5, 1, "2")]
    names = {"B1": HOSTILE[0], "I1": "=1+1", "B2": "@SUM(A1)", "I2": "-3"}
    path = write_master_grid(
        tmp_path / "grid.xlsx", meetings, SLOTS, ["1", "2"], names, event_name="=EVENT()"
    )
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert sheet["A1"].value == "=EVENT()"
    assert any(str(cell.value).startswith(HOSTILE[0]) for cell in cells)


def test_the_import_problem_report_neutralises_values() -> None:
    issue = Issue("ikms.csv", 3, "name", "=cmd|' /C calc'!A0", "too long")
    rows = list(csv.reader(ImportReport(issues=[issue]).to_csv().splitlines()))
    assert rows[1][4] == "'=cmd|' /C calc'!A0"
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
