"""Plan files read back: round trip, and bad files rejected with the file, row, column and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching.errors import ImportFileError
from matching.events.meetings import Meeting
from matching.events.model import parse_event
from matching.events.plan_files import (
    read_meetings_csv,
    read_scores_csv,
    write_meetings_csv,
    write_scores_csv,
)
from matching.events.repair import ChangesFileError, load_changes

SLOTS = parse_event(
    {"name": "Uji", "sessions": [{"start": "09:00", "end": "10:00"}], "tables": 2, "slot_minutes": 20}
).slots()


def test_round_trip(tmp_path: Path) -> None:
    meetings = [Meeting("B1", "I1", 0.5, 0, "1", reason="rattan, basket"), Meeting("B2", "I1", 0.25, 2, "2")]
    back = read_meetings_csv(write_meetings_csv(tmp_path / "m.csv", meetings, SLOTS), SLOTS, strict=True)
    assert [(m.pair, m.slot, m.table, m.score, m.reason) for m in back] == [
        (m.pair, m.slot, m.table, m.score, m.reason) for m in meetings
    ]
    scores, reasons = read_scores_csv(
        write_scores_csv(tmp_path / "s.csv", {("B1", "I1"): 0.5}, {("B1", "I1"): "why"})
    )
    assert scores == {("B1", "I1"): 0.5} and reasons == {("B1", "I1"): "why"}


def test_spreadsheet_times_are_read(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("slot_start,table,buyer_id,ikm_id\n9:20,1,B1,I1\n09.40,2,B2,I2\n", encoding="utf-8")
    assert [m.slot for m in read_meetings_csv(path, SLOTS, strict=True)] == [1, 2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "missing column(s) slot_start, table, buyer_id, ikm_id"),
        ("start,table,buyer,ikm\n09:00,1,B1,I1\n", "missing column(s) slot_start"),
        ("slot_start,table,buyer_id,ikm_id\n09:00,1,,I1\n", "row 2, column buyer_id: empty"),
        ("slot_start,table,buyer_id,ikm_id,score\n09:00,1,B1,I1,tinggi\n", "row 2, column score"),
        ("slot_start,table,buyer_id,ikm_id\n09:10,1,B1,I1\n", "row 2, column slot_start: not a slot start"),
    ],
)
def test_bad_meetings_files_name_the_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "meetings.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"meetings\.csv") as caught:
        read_meetings_csv(path, SLOTS, strict=True)
    assert expected in str(caught.value)


def test_a_binary_file_is_reported_not_raised_raw(tmp_path: Path) -> None:
    path = tmp_path / "meetings.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary")
    with pytest.raises(ImportFileError, match=r"meetings\.csv.*not a readable CSV row"):
        read_meetings_csv(path, SLOTS, strict=True)


def test_unknown_start_without_strict_is_left_for_the_checker(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("slot_start,table,buyer_id,ikm_id\n09:10,1,B1,I1\n", encoding="utf-8")
    assert read_meetings_csv(path, SLOTS)[0].slot is None


def test_changes_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert load_changes(empty).no_shows == []
    bad = tmp_path / "bad.yaml"
    bad.write_text("no_shows: B001\ncancelled: [{buyer: B1}]\n", encoding="utf-8")
    with pytest.raises(ChangesFileError) as caught:
        load_changes(bad)
    message = str(caught.value)
    assert "changes file" in message and "no_shows" in message and "cancelled[0].ikm" in message
