from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import ConfigError
from matching.events.model import (
    Event,
    EventFileError,
    TimeWindow,
    generate_slots,
    load_event,
    parse_event,
)

DEMO = Path(__file__).resolve().parents[2] / "matching" / "data" / "demo"


def base(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Temu Bisnis",
        "slot_minutes": 20,
        "sessions": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "16:00"}],
        "breaks": [{"start": "10:20", "end": "10:40"}],
        "tables": 5,
    }
    data.update(overrides)
    return data


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(EventFileError) as info:
        parse_event(data)
    return info.value.problems


def labels(event: Event) -> list[str]:
    return [s.label for s in event.slots()]


# --- slots ---------------------------------------------------------------------------------------------


def test_slots_skip_breaks_and_number_across_the_day() -> None:
    event = parse_event(base())
    slots = event.slots()
    assert labels(event)[:5] == ["09:00-09:20", "09:20-09:40", "09:40-10:00", "10:00-10:20", "10:40-11:00"]
    assert len(slots) == 8 + 9
    assert [s.index for s in slots] == list(range(17))
    assert slots[8].start == dt.time(13, 0) and slots[8].session == 1


def test_slot_resumes_at_break_end_when_break_is_off_grid() -> None:
    event = parse_event(
        base(sessions=[{"start": "09:00", "end": "11:00"}], breaks=[{"start": "09:30", "end": "09:45"}])
    )
    assert labels(event) == ["09:00-09:20", "09:45-10:05", "10:05-10:25", "10:25-10:45"]


def test_trailing_partial_slot_is_dropped() -> None:
    event = parse_event(base(sessions=[{"start": "09:00", "end": "10:10"}], breaks=[]))
    assert labels(event) == ["09:00-09:20", "09:20-09:40", "09:40-10:00"]


def test_dotted_and_unquoted_yaml_times(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text("name: x\nsessions: [{start: 9.00, end: '10.00'}]\ntables: 1\n", encoding="utf-8")
    with pytest.raises(EventFileError, match=r"sessions\[0\]\.start"):  # YAML float 9.0 is ambiguous
        load_event(path)
    path.write_text("name: x\nsessions: [{start: 13:20, end: 14:00}]\ntables: 1\n", encoding="utf-8")
    assert labels(load_event(path)) == ["13:20-13:40", "13:40-14:00"]
    event = parse_event(base(sessions=[{"start": "09.00", "end": "09.40"}], breaks=[]))
    assert labels(event) == ["09:00-09:20", "09:20-09:40"]


# --- availability, tables, preferences -----------------------------------------------------------------


def test_available_slots() -> None:
    event = parse_event(
        base(
            availability={
                "B001": [{"start": "09:00", "end": "10:00"}],
                "I0001": [{"start": "09:10", "end": "10:00"}, {"start": "15:20", "end": "16:00"}],
            }
        )
    )
    assert event.available_slots("B001") == {0, 1, 2}
    assert event.available_slots("I0001") == {1, 2, 15, 16}
    assert event.available_slots("B999") == set(range(17))


def test_table_names() -> None:
    assert parse_event(base(tables=3)).table_names() == ["1", "2", "3"]
    assert parse_event(base(tables=["Meja 1", "Booth A", 7])).table_names() == ["Meja 1", "Booth A", "7"]


def test_preference_kinds_keep_the_stronger_wish() -> None:
    event = parse_event(
        base(
            preferences=[
                {"buyer": "B1", "ikm": "I1", "kind": "meet"},
                {"buyer": "B1", "ikm": "I1", "kind": "must_meet"},
                {"buyer": "B2", "ikm": "I1", "kind": "no_thanks"},
            ]
        )
    )
    assert event.preference_kinds() == {("B1", "I1"): "must_meet", ("B2", "I1"): "no_thanks"}


def test_fixed_meeting_slot() -> None:
    event = parse_event(base(fixed_meetings=[{"buyer": "B1", "ikm": "I1", "start": "13:20", "table": 4}]))
    meeting = event.fixed_meetings[0]
    assert event.fixed_slot(meeting).index == 9 and meeting.table_name == "4"


def test_time_zone_defaults_to_wib_and_shows_stored_utc_times_locally() -> None:
    assert parse_event(base()).time_zone == "WIB"
    event = parse_event(base(time_zone="WITA"))
    stored = dt.datetime(2027, 3, 10, 1, 30)  # the store keeps naive UTC
    local = event.local_time(stored)
    assert (local.hour, local.minute, local.tzname()) == (9, 30, "WITA")
    assert parse_event(base(time_zone="WIT")).local_time(stored).hour == 10
    assert any("time_zone" in p for p in problems_of(base(time_zone="UTC")))


def test_booth_layout_keeps_placed_tables_and_fills_the_rest_row_by_row() -> None:
    event = parse_event(base(tables=5, booth_map={1: {"row": 1, "col": 3}, "4": {"row": 2, "col": 1}}))
    assert event.booth_layout() == {"1": (1, 3), "2": (1, 1), "3": (1, 2), "4": (2, 1), "5": (2, 2)}
    square = parse_event(base(tables=5)).booth_layout()
    assert square == {"1": (1, 1), "2": (1, 2), "3": (1, 3), "4": (2, 1), "5": (2, 2)}


@pytest.mark.parametrize(
    ("booth_map", "expected"),
    [
        ({"9": {"row": 1, "col": 1}}, "booth_map.9: no such table"),
        (
            {"1": {"row": 1, "col": 1}, "2": {"row": 1, "col": 1}},
            "booth_map.2: table 1 already stands at row 1, column 1",
        ),
        ({"1": {"row": 0, "col": 1}}, "booth_map.1.row"),
    ],
)
def test_booth_map_problems_name_the_table(booth_map: dict[str, Any], expected: str) -> None:
    problems = problems_of(base(booth_map=booth_map))
    assert any(expected in p for p in problems), problems


# --- validation errors name the field and the value ----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"sessions": [{"start": "10:00", "end": "09:00"}]},
            "sessions[0]: end 09:00 must be after start 10:00",
        ),
        ({"sessions": [{"start": "9am", "end": "10:00"}]}, "sessions[0].start: a time must be written"),
        ({"sessions": [{"start": "25:00", "end": "26:00"}]}, "(value: '25:00')"),
        ({"sessions": []}, "sessions: List should have at least 1 item"),
        (
            {
                "sessions": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}],
                "breaks": [],
            },
            "sessions[1]: overlaps sessions[0] (09:00-12:00) (value: '11:00-13:00')",
        ),
        ({"breaks": [{"start": "12:30", "end": "12:45"}]}, "breaks[0]: a break must lie inside one session"),
        ({"slot_minutes": 3}, "slot_minutes: Input should be greater than or equal to 5 (value: 3)"),
        ({"slot_minutes": 300}, "slot_minutes: Input should be less than or equal to 240 (value: 300)"),
        ({"tables": 0}, "tables: tables must be at least 1 (value: 0)"),
        ({"tables": []}, "tables: the list of table names is empty (value: [])"),
        ({"tables": ["A", "B", "A"]}, "tables: table names repeat: A"),
        ({"tables": True}, "tables: tables must be a number"),
        ({"min_meetings_per_ikm": 4, "max_meetings_per_ikm": 3}, "min_meetings_per_ikm: is more than max"),
        (
            {"min_meetings_per_ikm": 40},
            "min_meetings_per_ikm: is more than the 17 slots of the day (value: 40)",
        ),
        ({"buyers": "some"}, "buyers: buyers must be \"all\" or a list of ids (value: 'some')"),
        ({"ikms": ["I1", "I1"]}, "ikms: ids repeat (value: ['I1'])"),
        ({"slot_minute": 20}, "slot_minute: Extra inputs are not permitted (value: 20)"),
        ({"name": None}, "name: Input should be a valid string (value: None)"),
        (
            {"availability": {"B001": [{"start": "12:00", "end": "09:00"}]}},
            "availability.B001[0]: end 09:00 must be after start 12:00",
        ),
        (
            {"availability": {"B001": [{"start": "12:00", "end": "12:50"}]}},
            "availability.B001: covers no whole slot (value: '12:00-12:50')",
        ),
        (
            {"preferences": [{"buyer": "B1", "ikm": "I1", "kind": "maybe"}]},
            "preferences[0].kind: Input should be 'must_meet', 'meet' or 'no_thanks' (value: 'maybe')",
        ),
        (
            {
                "preferences": [
                    {"buyer": "B1", "ikm": "I1", "kind": "must_meet"},
                    {"buyer": "B1", "ikm": "I1", "kind": "no_thanks"},
                ]
            },
            "preferences[1].kind: B1-I1 is already must_meet in preferences[0] (value: 'no_thanks')",
        ),
        (
            {"fixed_meetings": [{"buyer": "B1", "ikm": "I1", "start": "13:25", "table": 1}]},
            "fixed_meetings[0].start: is not a slot start; nearest: 13:20, 13:40 (value: '13:25')",
        ),
        (
            {"fixed_meetings": [{"buyer": "B1", "ikm": "I1", "start": "10:20", "table": 1}]},
            "nearest: 10:00, 10:40 (value: '10:20')",
        ),
        (
            {"fixed_meetings": [{"buyer": "B1", "ikm": "I1", "start": "09:00", "table": 6}]},
            "fixed_meetings[0].table: no such table (tables: 1, 2, 3, 4, 5) (value: 6)",
        ),
        (
            {"fixed_meetings": [{"buyer": "B1", "ikm": "I1", "start": "09:00", "table": [1]}]},
            "fixed_meetings[0].table: a table is a table number or a table name (value: [1])",
        ),
        (
            {
                "preferences": [{"buyer": "B1", "ikm": "I1", "kind": "no_thanks"}],
                "fixed_meetings": [{"buyer": "B1", "ikm": "I1", "start": "09:00", "table": 1}],
            },
            "fixed_meetings[0]: this pair is marked no_thanks (value: 'B1-I1')",
        ),
        (
            {
                "availability": {"I1": [{"start": "13:00", "end": "16:00"}]},
                "fixed_meetings": [{"buyer": "B1", "ikm": "I1", "start": "09:00", "table": 1}],
            },
            "fixed_meetings[0]: I1 is not available at 09:00-09:20",
        ),
        (
            {
                "fixed_meetings": [
                    {"buyer": "B1", "ikm": "I1", "start": "09:00", "table": 1},
                    {"buyer": "B2", "ikm": "I2", "start": "09:00", "table": 1},
                ]
            },
            "fixed_meetings[1].table: already used at 09:00-09:20 by fixed_meetings[0] (value: 1)",
        ),
        (
            {
                "fixed_meetings": [
                    {"buyer": "B1", "ikm": "I1", "start": "09:00", "table": 1},
                    {"buyer": "B1", "ikm": "I2", "start": "09:00", "table": 2},
                ]
            },
            "fixed_meetings[1]: B1 already meets in fixed_meetings[0]",
        ),
    ],
)
def test_validation_errors_name_field_and_value(overrides: dict[str, Any], expected: str) -> None:
    problems = problems_of(base(**overrides))
    assert any(expected in p for p in problems), problems


def test_missing_fields_and_all_problems_reported_together() -> None:
    problems = problems_of({"slot_minutes": 1, "tables": -2})
    assert "name: field required" in problems
    assert "sessions: field required" in problems
    assert any(p.startswith("slot_minutes:") for p in problems)
    assert any(p.startswith("tables:") for p in problems)


def test_error_is_a_config_error_and_lists_problems() -> None:
    with pytest.raises(ConfigError) as info:
        parse_event(base(tables=0), source="acara.yaml")
    assert str(info.value).startswith("acara.yaml: 1 problem(s)")
    assert "  - tables: tables must be at least 1 (value: 0)" in str(info.value)


def test_not_a_mapping() -> None:
    assert problems_of([1, 2]) == ["event: the file must hold a mapping of fields (value: [1, 2])"]  # type: ignore[arg-type]


# --- resolving participants ----------------------------------------------------------------------------


def test_resolve_expands_all_and_keeps_listed_order() -> None:
    event = parse_event(base(buyers=["B2", "B1"]))
    assert event.resolve_participants({"B1", "B2", "B3"}, ["I2", "I1"]) == (["B2", "B1"], ["I1", "I2"])


def test_resolve_names_unknown_ids() -> None:
    event = parse_event(
        base(
            buyers=["B1", "B9"],
            availability={"X1": [{"start": "09:00", "end": "10:00"}]},
            preferences=[{"buyer": "B3", "ikm": "I7", "kind": "meet"}],
            fixed_meetings=[{"buyer": "B1", "ikm": "I8", "start": "09:00", "table": 1}],
        )
    )
    with pytest.raises(EventFileError) as info:
        event.resolve_participants({"B1", "B2", "B3"}, {"I1"}, source="e.yaml")
    assert info.value.problems == [
        "buyers: 1 unknown id(s) (value: ['B9'])",
        "availability.X1: not a buyer or IKM of this event (value: 'X1')",
        "preferences[0].buyer: not a buyer of this event (value: 'B3')",
        "preferences[0].ikm: not an IKM of this event (value: 'I7')",
        "fixed_meetings[0].ikm: not an IKM of this event (value: 'I8')",
    ]


def test_resolve_fixed_tables_needs_a_table_per_ikm() -> None:
    event = parse_event(base(tables=2, ikm_fixed_tables=True))
    with pytest.raises(EventFileError, match=r"tables: ikm_fixed_tables needs one table per IKM \(3 IKMs\)"):
        event.resolve_participants({"B1"}, {"I1", "I2", "I3"})


# --- files ---------------------------------------------------------------------------------------------


def test_yaml_and_json_files_load_the_same(tmp_path: Path) -> None:
    data = base(
        date="2027-03-10", fixed_meetings=[{"buyer": "B1", "ikm": "I1", "start": "13:20", "table": 4}]
    )
    json_path = tmp_path / "event.json"
    json_path.write_text(json.dumps(data), encoding="utf-8")
    yaml_path = tmp_path / "event.yml"
    yaml_path.write_text(
        "name: Temu Bisnis\ndate: 2027-03-10\nslot_minutes: 20\n"
        "sessions: [{start: '09:00', end: '12:00'}, {start: 13:00, end: 16:00}]\n"
        "breaks: [{start: '10:20', end: '10:40'}]\ntables: 5\n"
        "fixed_meetings: [{buyer: B1, ikm: I1, start: 13:20, table: 4}]\n",
        encoding="utf-8",
    )
    from_json, from_yaml = load_event(json_path), load_event(yaml_path)
    assert from_json == from_yaml
    assert from_yaml.date == dt.date(2027, 3, 10)
    assert parse_event(from_yaml.model_dump(mode="json")) == from_yaml  # round trip through JSON types


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("e.yaml", "name: [unclosed\n", "file: not valid YAML"),
        ("e.json", "{bad json", "file: not valid JSON"),
        ("e.toml", "name = 1", "file: use a .yaml, .yml or .json file (value: '.toml')"),
        ("e.yaml", "- just\n- a list\n", "event: the file must hold a mapping of fields"),
    ],
)
def test_bad_files_name_the_path(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventFileError) as info:
        load_event(path)
    assert str(info.value).startswith(str(path))
    assert any(expected in p for p in info.value.problems)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EventFileError, match="cannot be read"):
        load_event(tmp_path / "nope.yaml")


def test_demo_event_loads_and_resolves_against_demo_data() -> None:
    event = load_event(DEMO / "event.yaml")
    with (DEMO / "buyers.csv").open(encoding="utf-8") as handle:
        buyer_ids = [row["buyer_id"] for row in csv.DictReader(handle)]
    with (DEMO / "ikms.csv").open(encoding="utf-8") as handle:
        ikm_ids = [row["ikm_id"] for row in csv.DictReader(handle)]
    buyers, ikms = event.resolve_participants(buyer_ids, ikm_ids)
    assert len(buyers) == 20 and len(ikms) == 60
    assert len(event.slots()) == 16
    assert len(event.fixed_meetings) == 2
    assert {p.kind for p in event.preferences} == {"must_meet", "meet", "no_thanks"}
    assert event.available_slots("B010") == set(range(8))


# --- property: slots respect sessions and breaks -------------------------------------------------------


def _window(start: int, end: int) -> TimeWindow:
    return TimeWindow(start=dt.time(start // 60, start % 60), end=dt.time(end // 60, end % 60))


@st.composite
def day_plans(draw: st.DrawFn) -> tuple[list[TimeWindow], list[TimeWindow], int]:
    cuts = sorted(draw(st.sets(st.integers(6 * 60, 22 * 60), min_size=2, max_size=8)))
    sessions = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    breaks: list[TimeWindow] = []
    for start, end in sessions:
        for _ in range(draw(st.integers(0, 2))):
            b_start = draw(st.integers(start, end - 1))
            b_end = draw(st.integers(b_start + 1, end))
            breaks.append(_window(b_start, b_end))
    slot_minutes = draw(st.integers(5, 240))
    return [_window(s, e) for s, e in sessions], breaks, slot_minutes


def _m(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@settings(max_examples=300, deadline=None)
@given(day_plans())
def test_slots_avoid_breaks_lie_in_sessions_and_are_ordered(
    plan: tuple[list[TimeWindow], list[TimeWindow], int],
) -> None:
    sessions, breaks, slot_minutes = plan
    slots = generate_slots(sessions, breaks, slot_minutes)
    for i, slot in enumerate(slots):
        start, end = _m(slot.start), _m(slot.end)
        assert slot.index == i
        assert end - start == slot_minutes
        assert any(_m(s.start) <= start and end <= _m(s.end) for s in sessions)
        assert all(end <= _m(b.start) or _m(b.end) <= start for b in breaks)
    for before, after in itertools.pairwise(slots):
        assert _m(before.end) <= _m(after.start)


@pytest.mark.parametrize(
    "overrides",
    [
        {"buyers": ["../../x/PWN"]},
        {"ikms": ["I1", "/abs/path"]},
        {"availability": {"a\x01b": [{"start": "09:00", "end": "10:00"}]}},
        {"preferences": [{"buyer": "B1", "ikm": "=cmd", "kind": "meet"}]},
    ],
)
def test_event_files_hold_ids_by_the_catalogues_rule(overrides: dict[str, Any]) -> None:
    """Regression: an event file could name any id (issue 14); ids follow the import rule (README)."""
    assert any("not a valid id" in p for p in problems_of(base(**overrides)))
