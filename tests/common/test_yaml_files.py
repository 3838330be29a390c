from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from matching.common.yaml_files import (
    MAX_DATA_CHARS,
    MAX_DATA_NODES,
    DataFileError,
    load_data_file,
    problem_line,
    read_data_file,
    read_data_text,
    validate_data,
)
from matching.errors import ConfigError
from matching.events.timeslots import ClockTime


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    at: ClockTime


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = "untitled"
    count: int = Field(default=0, ge=0)
    items: list[Item] = Field(default_factory=list)

    @model_validator(mode="after")
    def _enough(self) -> Plan:
        if len(self.items) > self.count:
            raise ValueError(f"count: is less than the {len(self.items)} items (value: {self.count})")
        return self


class PlanFileError(DataFileError):
    kind = "plan file"


def problems_of(data: object, **kwargs: object) -> list[str]:
    with pytest.raises(DataFileError) as info:
        validate_data(data, Plan, source="p.yaml", root="plan", **kwargs)  # type: ignore[arg-type]
    return info.value.problems


def test_yaml_and_json_read_the_same(tmp_path: Path) -> None:
    data = {"title": "Day", "count": 2, "items": [{"name": "a", "at": "13:20"}, {"name": "b", "at": "09.05"}]}
    (tmp_path / "p.json").write_text(json.dumps(data))
    (tmp_path / "p.yml").write_text(
        "title: Day\ncount: 0x2\nitems:\n  - {name: a, at: 13:20}\n  - {name: b, at: '09.05'}\n"
    )
    from_json = load_data_file(tmp_path / "p.json", Plan, root="plan")
    from_yaml = load_data_file(tmp_path / "p.yml", Plan, root="plan")
    assert from_yaml == from_json
    assert [i.at for i in from_yaml.items] == [dt.time(13, 20), dt.time(9, 5)]


def test_unquoted_clock_times_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("at: 13:20\nn: 12\nneg: -3\n")
    assert read_data_file(path) == {"at": "13:20", "n": 12, "neg": -3}


def test_every_problem_is_one_line_with_path_and_value() -> None:
    problems = problems_of({"count": -1, "items": [{"name": "a", "at": "25:00"}, {"at": "09:00"}], "x": 1})
    time_rule = 'a time must be written "HH:MM" (in quotes), e.g. "09:00" or "13:20"'
    assert problems == [
        "count: Input should be greater than or equal to 0 (value: -1)",
        f"items[0].at: {time_rule} (value: '25:00')",
        "items[1].name: field required",
        "x: Extra inputs are not permitted (value: 1)",
    ]


def test_model_checks_name_their_own_paths() -> None:
    problems = problems_of({"count": 0, "items": [{"name": "a", "at": "09:00"}]})
    assert problems == ["count: is less than the 1 items (value: 0)"]


def test_not_a_mapping_and_empty_files() -> None:
    assert problems_of([1, 2]) == ["plan: the file must hold a mapping of fields (value: [1, 2])"]
    assert problems_of(None) == ["plan: the file must hold a mapping of fields (value: None)"]
    assert validate_data(None, Plan, source="p.yaml", root="plan", empty_ok=True) == Plan()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("p.txt", "title: x", "file: use a .yaml, .yml or .json file (value: '.txt')"),
        ("p.yaml", "title: [unclosed", "file: not valid YAML ("),
        ("p.json", "{bad", "file: not valid JSON ("),
        ("p.yaml", None, "file: cannot be read ("),
    ],
)
def test_unreadable_files_raise_the_given_error(
    tmp_path: Path, name: str, content: str | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(PlanFileError) as info:
        load_data_file(path, Plan, root="plan", error=PlanFileError)
    assert len(info.value.problems) == 1 and info.value.problems[0].startswith(expected)
    assert info.value.source == str(path)


def test_error_message_names_the_file_and_its_kind() -> None:
    error = PlanFileError("p.yaml", ["a: b (value: 1)", "c: d (value: 2)"])
    assert isinstance(error, ConfigError)
    assert str(error) == "p.yaml: 2 problem(s) in the plan file:\n  - a: b (value: 1)\n  - c: d (value: 2)"
    assert str(DataFileError("q.json", ["x"])).startswith("q.json: 1 problem(s) in the data file:")


def test_problem_line_shortens_values() -> None:
    assert problem_line("at", "too late", dt.time(23, 5)) == "at: too late (value: '23:05')"
    long = problem_line("name", "too long", "x" * 200)
    assert long.endswith("...)") and len(long) == len("name: too long (value: )") + 80


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": each level lists the one below ``width`` times, ``width ** levels`` leaves."""
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["x"] * width) + "]"]
    for below, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{below}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built(tmp_path: Path) -> None:
    """Regression: a 353-byte event file of nested aliases took 69 s and 5.4 GiB before its 422."""
    bomb = alias_bomb()
    assert len(bomb) < 600 and MAX_DATA_NODES < 9**9
    started = time.perf_counter()
    with pytest.raises(DataFileError, match="expands to more than"):
        read_data_text(bomb, "bomb")
    (tmp_path / "bomb.yaml").write_text(bomb, encoding="utf-8")
    with pytest.raises(DataFileError, match="expands to more than"):
        read_data_file(tmp_path / "bomb.yaml")
    assert time.perf_counter() - started < 5


def test_aliases_within_the_budget_still_work() -> None:
    text = "morning: &m [{start: '09:00', end: '12:00'}]\nB001: *m\nB002: *m\n"
    data = read_data_text(text, "ok")
    assert data["B001"] == data["B002"] == [{"start": "09:00", "end": "12:00"}]
    assert read_data_text(alias_bomb(levels=3, width=9), "small")["l3"][0][0][0] == ["x"] * 9  # 9**4 values


def test_a_document_over_the_size_limit_is_refused_unparsed(tmp_path: Path) -> None:
    text = "notes: " + "x" * MAX_DATA_CHARS
    with pytest.raises(DataFileError, match="longer than"):
        read_data_text(text, "big")
    (tmp_path / "big.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="longer than"):
        read_data_file(tmp_path / "big.yaml")
