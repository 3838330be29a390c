"""The event builder's form: its state, the event data it describes, and the engine's problems per field.

The form sends flat fields; rows (sessions, breaks, booth places, availability, preferences, confirmed
meetings) repeat the same names, one value per row, in order (``sessions_start``, ``sessions_end`` ...).
:func:`state_from_form` reads them into a :class:`FormState` (rows left blank are dropped), and
:func:`state_from_event` fills one from a stored event. :func:`check_state` turns a state into the event
data, lets the engine judge it (:func:`~matching.events.model.parse_event`, then the participants against
the catalogue) and maps each problem line ``field.path: message (value: ...)`` to the form field it is
about (``sessions-1``, ``booth-3``, ``preferences-0`` ...) with a sentence in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile

from matching.common.yaml_files import DataFileError
from matching.events.model import Event, parse_event
from matching.events.timeslots import TimeWindow, format_clock, generate_slots

__all__ = [
    "ROWS",
    "FieldProblem",
    "FormState",
    "check_state",
    "form_data",
    "form_of_state",
    "slot_starts",
    "state_from_event",
    "state_from_form",
]

# row lists of the form: list name -> the columns of one row
ROWS: dict[str, tuple[str, ...]] = {
    "sessions": ("start", "end"),
    "breaks": ("start", "end"),
    "booth": ("table", "row", "col"),
    "availability": ("who", "start", "end"),
    "preferences": ("buyer", "ikm", "kind"),
    "fixed": ("buyer", "ikm", "start", "table"),
}
# a row counts as blank (and is dropped) when these columns are empty
_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": ("start", "end"),
    "breaks": ("start", "end"),
    "booth": ("row", "col"),
    "availability": ("who", "start", "end"),
    "preferences": ("buyer", "ikm"),
    "fixed": ("buyer", "ikm", "start"),
}
SCALARS = (
    "name",
    "event_id",
    "date",
    "venue",
    "time_zone",
    "slot_minutes",
    "tables_mode",
    "tables_count",
    "table_names",
    "max_meetings_per_buyer",
    "max_meetings_per_ikm",
    "min_meetings_per_ikm",
)


@dataclass
class FormState:
    """What the form holds, as text (so a wrong value is shown back as typed)."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    ikm_fixed_tables: bool = False
    buyers_all: bool = False
    ikms_all: bool = False
    buyers: list[str] = field(default_factory=list)
    ikms: list[str] = field(default_factory=list)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def table_names(self) -> list[str]:
        """The tables the form names: "1".."N" for a count, else the lines of the names box."""
        if self.value("tables_mode") == "names":
            return [line.strip() for line in self.value("table_names").splitlines() if line.strip()]
        count = self.value("tables_count").strip()
        return [str(i) for i in range(1, int(count) + 1)] if count.isdigit() and 0 < int(count) <= 500 else []


@dataclass(frozen=True)
class FieldProblem:
    """One problem: the form field it is about (``key``), that field's label and a sentence."""

    key: str
    label: str
    text: str


def _blank_state() -> FormState:
    return FormState(
        values={
            "time_zone": "WIB",
            "slot_minutes": "20",
            "tables_mode": "count",
            "min_meetings_per_ikm": "0",
        },
        rows={name: [] for name in ROWS},
    )


def state_from_form(form: FormData) -> FormState:
    """The state a submitted form (a starlette ``FormData``) describes; blank rows are left out."""
    state = _blank_state()
    for name in SCALARS:
        value = form.get(name)
        if isinstance(value, str):
            state.values[name] = value.strip() if name != "table_names" else value
    for name, columns in ROWS.items():
        lists = [[str(v) for v in form.getlist(f"{name}_{col}")] for col in columns]
        rows = [dict(zip(columns, cells, strict=False)) for cells in zip(*lists, strict=False)]
        state.rows[name] = [{k: v.strip() for k, v in row.items()} for row in rows]
    _booth_rows(state)
    state.ikm_fixed_tables = bool(form.get("ikm_fixed_tables"))
    state.buyers_all = bool(form.get("buyers_all"))
    state.ikms_all = bool(form.get("ikms_all"))
    for kind in ("buyers", "ikms"):  # in the event's own order first (``<kind>_order``), then the new ones
        chosen = _unique(str(v) for v in form.getlist(kind))
        order = {pid: i for i, pid in enumerate(_unique(str(v) for v in form.getlist(f"{kind}_order")))}
        setattr(state, kind, sorted(chosen, key=lambda pid: order.get(pid, len(order))))
    return state


def _booth_rows(state: FormState) -> None:
    """One booth row per table, in table order (places kept by table name), then places of other tables."""
    given = {row["table"]: row for row in state.rows["booth"]}
    names = state.table_names()
    rows = [given.get(name, {"table": name, "row": "", "col": ""}) for name in names]
    state.rows["booth"] = rows + [
        row for name, row in given.items() if name not in names and _filled("booth", row)
    ]


def _filled(name: str, row: dict[str, str]) -> bool:
    """False for a row left blank (it is not part of the event)."""
    return any(row.get(c, "").strip() for c in _KEY_COLUMNS[name])


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def state_from_event(event: Event) -> FormState:
    """The form filled with a stored event."""
    state = _blank_state()
    v = state.values
    v["name"] = event.name
    v["date"] = event.date.isoformat() if event.date else ""
    v["venue"] = event.venue or ""
    v["time_zone"] = event.time_zone
    v["slot_minutes"] = str(event.slot_minutes)
    if isinstance(event.tables, int):
        v["tables_mode"], v["tables_count"] = "count", str(event.tables)
    else:
        v["tables_mode"], v["table_names"] = "names", "\n".join(event.tables)
    for key in ("max_meetings_per_buyer", "max_meetings_per_ikm"):
        value = getattr(event, key)
        v[key] = "" if value is None else str(value)
    v["min_meetings_per_ikm"] = str(event.min_meetings_per_ikm)
    clock = format_clock
    state.rows["sessions"] = [{"start": clock(w.start), "end": clock(w.end)} for w in event.sessions]
    state.rows["breaks"] = [{"start": clock(w.start), "end": clock(w.end)} for w in event.breaks]
    state.rows["booth"] = [
        {"table": name, "row": str(p.row), "col": str(p.col)} for name, p in event.booth_map.items()
    ]
    _booth_rows(state)
    state.rows["availability"] = [
        {"who": pid, "start": clock(w.start), "end": clock(w.end)}
        for pid, windows in event.availability.items()
        for w in windows
    ]
    state.rows["preferences"] = [{"buyer": p.buyer, "ikm": p.ikm, "kind": p.kind} for p in event.preferences]
    state.rows["fixed"] = [
        {"buyer": m.buyer, "ikm": m.ikm, "start": clock(m.start), "table": m.table_name}
        for m in event.fixed_meetings
    ]
    state.ikm_fixed_tables = event.ikm_fixed_tables
    state.buyers_all, state.buyers = (
        event.buyers == "all",
        [] if event.buyers == "all" else list(event.buyers),
    )
    state.ikms_all, state.ikms = event.ikms == "all", [] if event.ikms == "all" else list(event.ikms)
    return state


def form_of_state(state: FormState) -> FormData:
    """The form fields a browser would send for ``state`` (the inverse of :func:`state_from_form`)."""
    items: list[tuple[str, str | UploadFile]] = list(state.values.items())
    for name, columns in ROWS.items():
        for row in state.rows[name]:
            items.extend((f"{name}_{col}", row.get(col, "")) for col in columns)
    for flag in ("ikm_fixed_tables", "buyers_all", "ikms_all"):
        if getattr(state, flag):
            items.append((flag, "1"))
    for kind in ("buyers", "ikms"):
        items.extend((kind, pid) for pid in getattr(state, kind))
        items.extend((f"{kind}_order", pid) for pid in getattr(state, kind))
    return FormData(items)


# -- state -> event data ----------------------------------------------------------------------------------


@dataclass
class _Where:
    """Where each piece of the event data came from in the form, to name the field of a problem."""

    sessions: list[int] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)
    booth: dict[str, int] = field(default_factory=dict)
    availability: dict[tuple[str, int], int] = field(default_factory=dict)
    preferences: list[int] = field(default_factory=list)
    fixed: list[int] = field(default_factory=list)


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def form_data(state: FormState) -> tuple[dict[str, Any], _Where]:
    """The event data (as an event file would hold it) the form describes, and where each row came from."""
    v, where = state.values, _Where()
    data: dict[str, Any] = {"name": v.get("name", "")}
    if v.get("date"):
        data["date"] = v["date"]
    if v.get("venue"):
        data["venue"] = v["venue"]
    data["time_zone"] = v.get("time_zone") or "WIB"
    data["slot_minutes"] = _number(v.get("slot_minutes", "")) if v.get("slot_minutes") else 20
    for name in ("sessions", "breaks"):
        data[name] = []
        for i, row in enumerate(state.rows[name]):
            if not _filled(name, row):
                continue
            data[name].append({"start": row["start"], "end": row["end"]})
            getattr(where, name).append(i)
    if v.get("tables_mode") == "names":
        data["tables"] = [line.strip() for line in v.get("table_names", "").splitlines() if line.strip()]
    else:
        data["tables"] = _number(v.get("tables_count", ""))
    booth: dict[str, Any] = {}
    for i, row in enumerate(state.rows["booth"]):
        if not _filled("booth", row):
            continue
        booth[row["table"]] = {"row": _number(row["row"]), "col": _number(row["col"])}
        where.booth[row["table"]] = i
    if booth:
        data["booth_map"] = booth
    data["ikm_fixed_tables"] = state.ikm_fixed_tables
    for name in ("max_meetings_per_buyer", "max_meetings_per_ikm"):
        if v.get(name):
            data[name] = _number(v[name])
    data["min_meetings_per_ikm"] = _number(v["min_meetings_per_ikm"]) if v.get("min_meetings_per_ikm") else 0
    data["buyers"] = "all" if state.buyers_all else list(state.buyers)
    data["ikms"] = "all" if state.ikms_all else list(state.ikms)
    availability: dict[str, list[dict[str, str]]] = {}
    for i, row in enumerate(state.rows["availability"]):
        if not _filled("availability", row):
            continue
        windows = availability.setdefault(row["who"], [])
        where.availability[(row["who"], len(windows))] = i
        windows.append({"start": row["start"], "end": row["end"]})
    if availability:
        data["availability"] = availability
    data["preferences"] = []
    for i, row in enumerate(state.rows["preferences"]):
        if not _filled("preferences", row):
            continue
        data["preferences"].append({"buyer": row["buyer"], "ikm": row["ikm"], "kind": row["kind"] or "meet"})
        where.preferences.append(i)
    data["fixed_meetings"] = []
    for i, row in enumerate(state.rows["fixed"]):
        if not _filled("fixed", row):
            continue
        table: int | str = row["table"]
        if v.get("tables_mode") != "names" and row["table"].isdigit():
            table = int(row["table"])  # a numbered table, as an event file writes it
        data["fixed_meetings"].append(
            {"buyer": row["buyer"], "ikm": row["ikm"], "start": row["start"], "table": table}
        )
        where.fixed.append(i)
    return data, where


def slot_starts(state: FormState) -> list[str]:
    """The slot starts the form's sessions, breaks and slot length give ([] while they are not valid)."""
    try:
        sessions = [TimeWindow.model_validate(r) for r in state.rows["sessions"] if _filled("sessions", r)]
        breaks = [TimeWindow.model_validate(r) for r in state.rows["breaks"] if _filled("breaks", r)]
        minutes = int(state.value("slot_minutes") or "20")
        if not 5 <= minutes <= 240:
            return []
        return [format_clock(s.start) for s in generate_slots(sessions, breaks, minutes)]
    except (ValueError, TypeError):  # pydantic's ValidationError is a ValueError
        return []


# -- problems --------------------------------------------------------------------------------------------

_INDEXED = re.compile(r"^(sessions|breaks|preferences|fixed_meetings)\[(\d+)\]")
_ROW_LIST = {"fixed_meetings": "fixed"}


def _key(path: str, where: _Where) -> str:
    """The form field a problem path is about (a field name, or ``<rows>-<n>`` for a row)."""
    match = _INDEXED.match(path)
    if match:
        rows = _ROW_LIST.get(match[1], match[1])
        index = int(match[2])
        positions: list[int] = getattr(where, rows)
        return f"{rows}-{positions[index] if index < len(positions) else index}"
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    if head == "booth_map":
        for name, i in sorted(where.booth.items(), key=lambda item: -len(item[0])):
            if path == f"booth_map.{name}" or path.startswith(f"booth_map.{name}."):
                return f"booth-{i}"
        return "booth"
    if head == "availability":
        best = ""
        for who, _ in where.availability:
            rest = path.removeprefix(f"availability.{who}")
            if rest != path and (rest == "" or rest[0] in ".[") and len(who) >= len(best):
                best = who
                window = re.match(r"^\[(\d+)\]", rest)
                if window and (who, int(window[1])) in where.availability:
                    return f"availability-{where.availability[(who, int(window[1]))]}"
        if best:
            return f"availability-{where.availability[(best, 0)]}"
        return "availability"
    if head in ("event", "file", ""):
        return "form"
    return head


def _label(key: str, t: Callable[..., str]) -> str:
    rows, _, n = key.rpartition("-")
    if rows in ROWS and n.isdigit():
        return t(f"builder_row_{rows}", n=int(n) + 1)
    return t(f"builder_field_{key}") if f"builder_field_{key}" in _FIELD_KEYS else t("builder_field_form")


_FIELD_KEYS = {
    f"builder_field_{name}"
    for name in (
        "form",
        "name",
        "event_id",
        "date",
        "venue",
        "time_zone",
        "slot_minutes",
        "sessions",
        "breaks",
        "tables",
        "booth",
        "ikm_fixed_tables",
        "max_meetings_per_buyer",
        "max_meetings_per_ikm",
        "min_meetings_per_ikm",
        "buyers",
        "ikms",
        "availability",
        "preferences",
        "fixed_meetings",
    )
}

_KINDS = {
    "must_meet": "builder_kind_must_meet",
    "meet": "builder_kind_meet",
    "no_thanks": "builder_kind_no_thanks",
}
_PATH_WORDS = re.compile(r"\b(sessions|breaks|preferences|fixed_meetings)\[(\d+)\]")
_PATH_ROWS = {
    "sessions": "sessions",
    "breaks": "breaks",
    "preferences": "preferences",
    "fixed_meetings": "fixed",
}

# engine message -> text key; the groups fill {a}, {b}, {c}
_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^overlaps (.+) \((.+)\)$"), "builder_msg_overlaps"),
    (re.compile(r"^a break must lie inside one session$"), "builder_msg_break_outside"),
    (re.compile(r"^no whole slot fits in the sessions outside breaks$"), "builder_msg_no_slot"),
    (re.compile(r"^is more than max_meetings_per_ikm \((\d+)\)$"), "builder_msg_min_over_max"),
    (re.compile(r"^is more than the (\d+) slots of the day$"), "builder_msg_min_over_slots"),
    (re.compile(r"^covers no whole slot$"), "builder_msg_no_whole_slot"),
    (re.compile(r"^no such table$"), "builder_msg_no_table"),
    (re.compile(r"^table (.+) already stands at row (\d+), column (\d+)$"), "builder_msg_cell_taken"),
    (re.compile(r"^the list is empty"), "builder_msg_none_chosen"),
    (re.compile(r"^ids repeat$"), "builder_msg_ids_repeat"),
    (re.compile(r"^(.+) is already (\w+) in (.+)$"), "builder_msg_pair_twice"),
    (re.compile(r"^is not a slot start; nearest: (.+)$"), "builder_msg_not_slot_start"),
    (re.compile(r"^no such table \(tables: (.+)\)$"), "builder_msg_no_such_table"),
    (re.compile(r"^this pair is marked no_thanks$"), "builder_msg_pair_no_thanks"),
    (re.compile(r"^(.+) is not available at (.+)$"), "builder_msg_not_available"),
    (re.compile(r"^(.+) already meets in (.+)$"), "builder_msg_already_meets"),
    (re.compile(r"^already used at (.+) by (.+)$"), "builder_msg_table_used"),
    (re.compile(r"^end (\S+) must be after start (\S+)$"), "builder_msg_end_before_start"),
    (re.compile(r"^field required$", re.IGNORECASE), "builder_msg_required"),
    (re.compile(r'^a time must be written "HH:MM"'), "builder_msg_time"),
    (re.compile(r"^Input should be greater than or equal to (\d+)$"), "builder_msg_at_least"),
    (re.compile(r"^Input should be less than or equal to (\d+)$"), "builder_msg_at_most"),
    (re.compile(r"^Input should be a valid integer"), "builder_msg_integer"),
    (re.compile(r"^Input should be a valid date"), "builder_msg_date"),
    (re.compile(r"^(\d+) unknown id\(s\)$"), "builder_msg_unknown_ids"),
    (re.compile(r"^not a buyer of this event$"), "builder_msg_not_buyer"),
    (re.compile(r"^not an IKM of this event$"), "builder_msg_not_ikm"),
    (re.compile(r"^not a buyer or IKM of this event$"), "builder_msg_not_participant"),
    (re.compile(r"^ikm_fixed_tables needs one table per IKM \((\d+) IKMs\)$"), "builder_msg_fixed_tables"),
    (re.compile(r"^tables must be at least 1$"), "builder_msg_tables_min"),
    (re.compile(r"^tables must be a number"), "builder_msg_tables_shape"),
    (re.compile(r"^table names repeat: (.+)$"), "builder_msg_table_names_repeat"),
    (re.compile(r"^the list of table names is empty$"), "builder_msg_tables_shape"),
    (re.compile(r"^String should have at least 1 character$"), "builder_msg_required"),
    (re.compile(r"^Input should be 'WIB', 'WITA' or 'WIT'$"), "builder_msg_time_zone"),
    (re.compile(r"^not a valid id"), "builder_msg_bad_id"),
    (re.compile(r"^use lower-case letters, digits and hyphens"), "builder_msg_event_id"),
]


def _words(text: str, t: Callable[..., str]) -> str:
    """Engine paths and kinds inside a message in words: ``sessions[0]`` -> "Sesi 1", ``no_thanks`` -> ..."""
    text = _PATH_WORDS.sub(lambda m: t(f"builder_row_{_PATH_ROWS[m[1]]}", n=int(m[2]) + 1), text)
    return _KIND_WORDS.sub(lambda m: t(_KINDS[m[1]]), text)


_KIND_WORDS = re.compile(r"\b(must_meet|no_thanks|meet)\b")


def _sentence(message: str, value: str, t: Callable[..., str]) -> str:
    shown = re.sub(r"[\[\]']", "", value)
    for pattern, key in _MESSAGES:
        match = pattern.match(message)
        if match:
            groups = [_words(g, t) for g in match.groups()]
            return t(key, v=shown, **dict(zip("abc", groups, strict=False)))
    return _words(message, t)


_LINE = re.compile(r"^(?P<path>.*?): (?P<message>.*?)(?: \(value: (?P<value>.*)\))?$", re.DOTALL)


def field_problems(lines: Iterable[str], where: _Where, t: Callable[..., str]) -> list[FieldProblem]:
    """Each engine problem line as the form field it is about and a sentence in ``t``'s language."""
    found: list[FieldProblem] = []
    for line in lines:
        match = _LINE.match(line)
        path, message, value = (
            (match["path"], match["message"], match["value"] or "") if match else ("form", line, "")
        )
        key = _key(path, where)
        found.append(FieldProblem(key, _label(key, t), _sentence(message, value, t)))
    return found


def check_state(
    state: FormState, known_buyers: Iterable[str], known_ikms: Iterable[str], t: Callable[..., str]
) -> tuple[Event | None, list[FieldProblem]]:
    """The event the form describes, or None with every problem, each named by its form field.

    The engine judges the event (:func:`parse_event`); a valid event is then checked against the catalogue:
    every buyer and IKM it names must exist (:meth:`Event.resolve_participants`).
    """
    data, where = form_data(state)
    try:
        event = parse_event(data, source="form")
        event.resolve_participants(known_buyers, known_ikms, source="form")
    except DataFileError as exc:
        return None, field_problems(exc.problems or [str(exc)], where, t)
    return event, []
