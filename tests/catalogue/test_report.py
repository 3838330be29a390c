"""The import report stays small whatever the file: the first issues per kind, clipped, and counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching import Engine, ValidationFailed
from matching.catalogue.report import ISSUES_PER_KIND, MAX_ISSUES, ImportReport, Issue
from tests.helpers import IKM_HEADER, IKM_ROWS, write_csv


def _bad_stars(count: int) -> list[Issue]:
    return [Issue("ikms.csv", n + 2, "ovop_stars", "x" * 5000, "not a whole number") for n in range(count)]


def test_issues_of_one_kind_are_listed_up_to_the_cap_then_counted() -> None:
    report = ImportReport(issues=_bad_stars(40_000))
    listed = [i for i in report.issues if i.row is not None]
    assert len(listed) == ISSUES_PER_KIND
    assert all(len(i.value or "") <= 80 for i in listed)
    (summary,) = [i for i in report.issues if i.row is None]
    left = 40_000 - ISSUES_PER_KIND
    assert f"and {left:,} more 'not a whole number' in column 'ovop_stars'" == summary.message
    assert report.error_count == 40_000 and report.omitted == left and not report.ok


def test_many_kinds_stay_under_the_total_cap_and_errors_come_first() -> None:
    warnings = [Issue("a.csv", n, f"w{n}", None, "removed", "warning") for n in range(2000)]
    errors = [Issue("a.csv", n, f"col{n}", "v", f"bad {n}") for n in range(2000)]
    report = ImportReport(issues=warnings + errors)
    listed = [i for i in report.issues if i.row is not None]
    assert len(listed) == MAX_ISSUES and all(i.severity == "error" for i in listed)
    assert len(report.issues) <= MAX_ISSUES + 101
    assert report.error_count == 2000 and report.warning_count == 2000
    assert report.omitted == 4000 - MAX_ISSUES
    assert (
        report.issues[-1].message.startswith("and ")
        and "more problems of other kinds" in report.issues[-1].message
    )


def test_a_file_with_forty_thousand_bad_rows_gets_a_short_report(engine: Engine, tmp_path: Path) -> None:
    rows = []
    for n in range(40_000):
        row = list(IKM_ROWS[0])
        row[0], row[5] = f"I{n:06d}", "lima" + "x" * 300
        rows.append(row)
    path = write_csv(tmp_path / "ikms.csv", [IKM_HEADER, *rows])
    with pytest.raises(ValidationFailed) as info:
        engine.import_files([path])
    report = info.value.report
    assert len(report.issues) <= MAX_ISSUES + 101
    assert report.error_count == 40_000
    assert "40,000 problem(s)" in str(info.value)
    assert any(i.row is None and "39,980 more" in i.message for i in report.issues)
    assert len(report.to_csv()) < 100_000
