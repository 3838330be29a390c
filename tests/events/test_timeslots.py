from __future__ import annotations

import datetime as dt

import pytest

from matching.events.timeslots import (
    TimeWindow,
    clock_at,
    format_clock,
    generate_slots,
    minute_of_day,
    parse_clock,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", dt.time(9)), ("9.05", dt.time(9, 5)), (" 23:59 ", dt.time(23, 59)), (dt.time(7), dt.time(7))],
)
def test_parse_clock_accepts(text: object, expected: dt.time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:5", "0900", 900, 9.0, None, dt.time(9, 0, 30)])
def test_parse_clock_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock(text)


def test_minutes_round_trip() -> None:
    assert all(minute_of_day(clock_at(m)) == m for m in range(24 * 60))
    assert format_clock(clock_at(13 * 60 + 5)) == "13:05"


def test_slots_know_their_minutes_and_label() -> None:
    morning = TimeWindow(start="09:00", end="10:00")  # type: ignore[arg-type]
    slots = generate_slots([morning], [TimeWindow(start="09:20", end="09:30")], 20)  # type: ignore[arg-type]
    assert [(s.start_minute, s.end_minute, s.label) for s in slots] == [
        (540, 560, "09:00-09:20"),
        (570, 590, "09:30-09:50"),
    ]
