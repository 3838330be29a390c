from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matching.common.yaml_files import YamlLoader
from matching.events.event_files import event_yaml
from matching.events.model import Event, EventFileError, load_event, parse_event

DEMO = Path(__file__).resolve().parents[2] / "matching" / "data" / "demo" / "event.yaml"

# ids that YAML would read as something else when written bare: numbers, booleans, null, dates, clock times
TRICKY_IDS = ["123", "0012", "true", "no", "null", "1e3", "2027-03-10", "13:20", "B 01", "a/b.c", "x_1-2"]
ids = st.one_of(
    st.sampled_from(TRICKY_IDS), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._/-]{0,8}", fullmatch=True)
)
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() and "\x85" not in s and "\u2028" not in s and "\u2029" not in s)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def events(draw: st.DrawFn) -> Event:
    """A valid event of any shape: every optional field present or not, tricky ids and names."""
    slot = draw(st.sampled_from([5, 15, 20, 30, 45]))
    first = draw(st.integers(6 * 60, 10 * 60))
    length = draw(st.integers(2, 8)) * slot
    sessions = [(first, first + length)]
    if draw(st.booleans()):
        second = first + length + draw(st.integers(0, 90))
        sessions.append((second, second + draw(st.integers(1, 6)) * slot))
    breaks = []
    if draw(st.booleans()) and length >= 3 * slot:
        breaks.append((first + slot, first + slot + draw(st.integers(5, slot))))
    data: dict[str, Any] = {
        "name": draw(texts),
        "slot_minutes": slot,
        "sessions": [{"start": _clock(a), "end": _clock(b)} for a, b in sessions],
        "breaks": [{"start": _clock(a), "end": _clock(b)} for a, b in breaks],
    }
    if draw(st.booleans()):
        data["date"] = draw(st.dates())
    if draw(st.booleans()):
        data["venue"] = draw(st.one_of(texts, st.just("")))
    data["time_zone"] = draw(st.sampled_from(["WIB", "WITA", "WIT"]))
    named = draw(st.booleans())
    tables: list[str] = (
        draw(st.lists(st.one_of(ids, texts.map(str.strip)), min_size=1, max_size=6, unique=True))
        if named
        else [str(i) for i in range(1, draw(st.integers(1, 8)) + 1)]
    )
    data["tables"] = tables if named else len(tables)
    if draw(st.booleans()):
        placed = draw(st.lists(st.sampled_from(tables), unique=True, max_size=len(tables)))
        cells = draw(
            st.lists(
                st.tuples(st.integers(1, 5), st.integers(1, 5)),
                min_size=len(placed),
                max_size=len(placed),
                unique=True,
            )
        )
        data["booth_map"] = {name: {"row": r, "col": c} for name, (r, c) in zip(placed, cells, strict=True)}
    buyers = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    ikms = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    data["ikm_fixed_tables"] = draw(st.booleans())
    if draw(st.booleans()):
        data["max_meetings_per_buyer"] = draw(st.integers(1, 9))
    if draw(st.booleans()):
        data["max_meetings_per_ikm"] = draw(st.integers(1, 9))
    data["min_meetings_per_ikm"] = draw(st.integers(0, 1))
    data["buyers"] = draw(st.sampled_from(["all", buyers]))
    data["ikms"] = draw(st.sampled_from(["all", ikms]))
    day = (sessions[0][0], sessions[-1][1])
    if draw(st.booleans()):
        who = draw(st.sampled_from(buyers + ikms))
        data["availability"] = {who: [{"start": _clock(day[0]), "end": _clock(day[1])}]}
    if draw(st.booleans()):
        data["preferences"] = [
            {"buyer": b, "ikm": i, "kind": draw(st.sampled_from(["must_meet", "meet"]))}
            for b, i in zip(buyers, ikms, strict=False)
        ]
    if draw(st.booleans()):
        table: Any = tables[0] if named else draw(st.sampled_from([1, "1"]))
        data["fixed_meetings"] = [
            {"buyer": buyers[0], "ikm": ikms[0], "start": _clock(first), "table": table}
        ]
    try:
        return parse_event(data)
    except EventFileError:
        assume(False)
        raise


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(events())
def test_yaml_reads_back_as_the_same_event(event: Event) -> None:
    text = event_yaml(event)
    again = parse_event(yaml.safe_load(text))
    assert again == event
    assert event_yaml(again) == text
    # the engine's own reader (clock times as text) agrees
    assert parse_event(yaml.load(text, Loader=YamlLoader)) == event


def test_demo_event_round_trips_with_its_booth_map_and_time_zone() -> None:
    event = load_event(DEMO)
    text = event_yaml(event)
    again = parse_event(yaml.safe_load(text))
    assert again == event
    assert event_yaml(again) == text
    assert again.time_zone == "WITA"
    assert again.booth_layout() == event.booth_layout()
    assert again.booth_map["13"].col == 4


def test_text_is_short_and_readable() -> None:
    event = parse_event(
        {
            "name": "Temu 1",
            "sessions": [{"start": "9.00", "end": "12:00"}],
            "tables": 3,
            "buyers": ["007", "true"],
            "fixed_meetings": [{"buyer": "007", "ikm": "I1", "start": "09:20", "table": 2}],
        }
    )
    assert event_yaml(event) == (
        "name: Temu 1\n"
        "sessions:\n"
        '- {start: "09:00", end: "12:00"}\n'
        "tables: 3\n"
        "buyers: ['007', 'true']\n"
        "fixed_meetings:\n"
        "- {buyer: '007', ikm: I1, start: \"09:20\", table: 2}\n"
    )


@pytest.mark.parametrize("tables", [["Meja 1", "Booth A"], 4])
def test_tables_keep_their_form(tables: Any) -> None:
    event = parse_event({"name": "x", "sessions": [{"start": "09:00", "end": "10:00"}], "tables": tables})
    assert parse_event(yaml.safe_load(event_yaml(event))).tables == tables
