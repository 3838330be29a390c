"""The event definition: when meetings can happen, where, with whom, and what is already fixed.

An organiser describes one business-matching day in a YAML (or JSON) file; :func:`load_event` reads and
validates it into an :class:`Event`. Times are ``"HH:MM"`` (``"09.00"`` is accepted too); a YAML ``13:20``
written without quotes is read as text, not as a base-60 number::

    name: Temu Bisnis Anyaman NTB 2027     # required
    date: 2027-03-10                       # optional
    venue: Islamic Center Mataram          # optional
    slot_minutes: 20                       # meeting length, 5..240 (default 20)
    sessions:                              # required, non-overlapping
      - {start: "09:00", end: "12:00"}
      - {start: "13:00", end: "16:00"}
    breaks: [{start: "10:20", end: "10:40"}]   # each inside a session; no meeting overlaps a break
    tables: 25                             # a count (tables "1".."25") or unique names ["Meja 1", "Booth A"]
    ikm_fixed_tables: false                # true: each IKM keeps one table all day, buyers rotate
    max_meetings_per_buyer: 8              # optional cap (default: none)
    max_meetings_per_ikm: 6                # optional cap (default: none)
    min_meetings_per_ikm: 1                # fairness floor (default 0)
    buyers: [B001, B002]                   # or "all" (default)
    ikms: all                              # or a list of ids
    availability:                          # per participant id; absent = the whole event
      B001: [{start: "09:00", end: "12:00"}]
    preferences:                           # kind: must_meet | meet | no_thanks
      - {buyer: B001, ikm: I0042, kind: must_meet}
    fixed_meetings:                        # already confirmed: keep their slot and table
      - {buyer: B003, ikm: I0100, start: "13:20", table: 4}

Slots are cut from each session in order, ``slot_minutes`` long; a slot that would overlap a break is
skipped and cutting resumes at the break's end; a trailing partial slot is dropped. Slots are numbered
from 0 across the day.

Every problem found is reported at once in one :class:`EventFileError` (a
:class:`~matching.errors.ConfigError`), one line per problem: ``field.path: message (value: ...)``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from matching.errors import ConfigError

__all__ = [
    "Event",
    "EventFileError",
    "FixedMeeting",
    "Preference",
    "PreferenceKind",
    "Slot",
    "TimeWindow",
    "generate_slots",
    "load_event",
    "parse_event",
]

PreferenceKind = Literal["must_meet", "meet", "no_thanks"]
_KIND_STRENGTH: dict[str, int] = {"no_thanks": 0, "meet": 1, "must_meet": 2}


class EventFileError(ConfigError):
    """Raised when an event file cannot be read or describes an impossible event.

    ``problems`` holds one line per problem, ``field.path: message (value: ...)``.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the event file:\n{lines}")


# --- times -------------------------------------------------------------------------------------------

_HHMM = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def _parse_clock(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        if value.second or value.microsecond or value.tzinfo:
            raise ValueError("a time must be whole minutes without a time zone, written as HH:MM")
        return value
    if isinstance(value, str):
        match = _HHMM.match(value)
        if match:
            hour, minute = int(match[1]), int(match[2])
            if hour <= 23 and minute <= 59:
                return dt.time(hour, minute)
    raise ValueError('a time must be written "HH:MM" (in quotes), e.g. "09:00" or "13:20"')


def _format_clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


ClockTime = Annotated[dt.time, BeforeValidator(_parse_clock), PlainSerializer(_format_clock, return_type=str)]
ParticipantId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _clock(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


# --- records -----------------------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(BaseModel):
    """A stretch of the day, ``start`` inclusive, ``end`` exclusive; ``end`` must be after ``start``."""

    model_config = _STRICT

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _end_after_start(self) -> TimeWindow:
        if self.end <= self.start:
            raise ValueError(f"end {_format_clock(self.end)} must be after start {_format_clock(self.start)}")
        return self

    @property
    def start_minute(self) -> int:
        return _minutes(self.start)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end)

    def contains(self, start: int, end: int) -> bool:
        """Whether the minute range [start, end) lies fully inside this window."""
        return self.start_minute <= start and end <= self.end_minute

    def overlaps(self, start: int, end: int) -> bool:
        """Whether the minute range [start, end) shares any time with this window."""
        return start < self.end_minute and self.start_minute < end


class Preference(BaseModel):
    """A buyer's (or organiser's) wish about one buyer-IKM pair."""

    model_config = _STRICT

    buyer: ParticipantId
    ikm: ParticipantId
    kind: PreferenceKind


class FixedMeeting(BaseModel):
    """A meeting already confirmed: it keeps its start time and table."""

    model_config = _STRICT

    buyer: ParticipantId
    ikm: ParticipantId
    start: ClockTime
    table: int | str

    @field_validator("table", mode="before")
    @classmethod
    def _table_type(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
            raise ValueError("a table is a table number or a table name")
        return value.strip() if isinstance(value, str) else value

    @property
    def table_name(self) -> str:
        return str(self.table)


@dataclass(frozen=True, slots=True)
class Slot:
    """One meeting slot: ``index`` counts from 0 across the day; ``session`` is the session's index."""

    index: int
    start: dt.time
    end: dt.time
    session: int = 0

    @property
    def label(self) -> str:
        return f"{_format_clock(self.start)}-{_format_clock(self.end)}"


def generate_slots(
    sessions: Iterable[TimeWindow], breaks: Iterable[TimeWindow], slot_minutes: int
) -> list[Slot]:
    """Cut sessions into slots of ``slot_minutes``; skip past breaks; drop a trailing partial slot."""
    ordered_breaks = sorted(breaks, key=lambda b: (b.start_minute, b.end_minute))
    slots: list[Slot] = []
    for session_index, session in enumerate(sorted(sessions, key=lambda s: s.start_minute)):
        t = session.start_minute
        while t + slot_minutes <= session.end_minute:
            blocking = next((b for b in ordered_breaks if b.overlaps(t, t + slot_minutes)), None)
            if blocking is not None:
                t = blocking.end_minute
                continue
            slots.append(Slot(len(slots), _clock(t), _clock(t + slot_minutes), session_index))
            t += slot_minutes
    return slots


# --- the event ---------------------------------------------------------------------------------------


def _short(value: Any) -> str:
    if isinstance(value, dt.time):
        value = _format_clock(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _problem(path: str, message: str, value: Any) -> str:
    return f"{path}: {message} (value: {_short(value)})"


def _id_list(value: Any, field: str) -> Any:
    if isinstance(value, str) and value.strip().lower() == "all":
        return "all"
    if isinstance(value, list):
        if any(isinstance(v, bool) or not isinstance(v, str | int) or not str(v).strip() for v in value):
            raise ValueError(f"every id in {field} must be a non-empty text")
        return [str(v).strip() for v in value]
    raise ValueError(f'{field} must be "all" or a list of ids')


class Event(BaseModel):
    """One business-matching day; see the module docstring for the file format."""

    model_config = _STRICT

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    date: dt.date | None = None
    venue: str | None = None
    slot_minutes: int = Field(default=20, ge=5, le=240)
    sessions: list[TimeWindow] = Field(min_length=1)
    breaks: list[TimeWindow] = Field(default_factory=list)
    tables: int | list[str]
    ikm_fixed_tables: bool = False
    max_meetings_per_buyer: int | None = Field(default=None, ge=1)
    max_meetings_per_ikm: int | None = Field(default=None, ge=1)
    min_meetings_per_ikm: int = Field(default=0, ge=0)
    buyers: Literal["all"] | list[ParticipantId] = "all"
    ikms: Literal["all"] | list[ParticipantId] = "all"
    availability: dict[ParticipantId, list[TimeWindow]] = Field(default_factory=dict)
    preferences: list[Preference] = Field(default_factory=list)
    fixed_meetings: list[FixedMeeting] = Field(default_factory=list)

    @field_validator("tables", mode="before")
    @classmethod
    def _tables_shape(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("tables must be a number of tables or a list of table names")
        if isinstance(value, int):
            if value < 1:
                raise ValueError("tables must be at least 1")
            return value
        if isinstance(value, list):
            names = [str(v).strip() for v in value if not isinstance(v, bool | dict | list)]
            if len(names) != len(value) or any(not n for n in names):
                raise ValueError("every table name must be a non-empty text or number")
            if not names:
                raise ValueError("the list of table names is empty")
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"table names repeat: {', '.join(repeated)}")
            return names
        raise ValueError("tables must be a number of tables or a list of table names")

    @field_validator("buyers", mode="before")
    @classmethod
    def _buyers_shape(cls, value: Any) -> Any:
        return _id_list(value, "buyers")

    @field_validator("ikms", mode="before")
    @classmethod
    def _ikms_shape(cls, value: Any) -> Any:
        return _id_list(value, "ikms")

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        problems = self._check_times() + self._check_people()
        if not problems:  # later checks need slots and tables to make sense
            problems = self._check_preferences() + self._check_fixed_meetings()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _check_times(self) -> list[str]:
        problems: list[str] = []
        order = sorted(range(len(self.sessions)), key=lambda i: self.sessions[i].start_minute)
        for before, after in itertools.pairwise(order):
            a, b = self.sessions[before], self.sessions[after]
            if b.start_minute < a.end_minute:
                problems.append(
                    _problem(
                        f"sessions[{after}]",
                        f"overlaps sessions[{before}] ({_format_clock(a.start)}-{_format_clock(a.end)})",
                        f"{_format_clock(b.start)}-{_format_clock(b.end)}",
                    )
                )
        for i, brk in enumerate(self.breaks):
            if not any(s.contains(brk.start_minute, brk.end_minute) for s in self.sessions):
                problems.append(
                    _problem(
                        f"breaks[{i}]",
                        "a break must lie inside one session",
                        f"{_format_clock(brk.start)}-{_format_clock(brk.end)}",
                    )
                )
        if problems:
            return problems
        n_slots = len(self.slots())
        if n_slots == 0:
            problems.append(
                _problem(
                    "slot_minutes", "no whole slot fits in the sessions outside breaks", self.slot_minutes
                )
            )
        if self.max_meetings_per_ikm is not None and self.min_meetings_per_ikm > self.max_meetings_per_ikm:
            problems.append(
                _problem(
                    "min_meetings_per_ikm",
                    f"is more than max_meetings_per_ikm ({self.max_meetings_per_ikm})",
                    self.min_meetings_per_ikm,
                )
            )
        if n_slots and self.min_meetings_per_ikm > n_slots:
            problems.append(
                _problem(
                    "min_meetings_per_ikm",
                    f"is more than the {n_slots} slots of the day",
                    self.min_meetings_per_ikm,
                )
            )
        for pid, windows in self.availability.items():
            if n_slots and not self.available_slots(pid):
                spans = ", ".join(f"{_format_clock(w.start)}-{_format_clock(w.end)}" for w in windows)
                problems.append(_problem(f"availability.{pid}", "covers no whole slot", spans or "[]"))
        return problems

    def _check_people(self) -> list[str]:
        problems: list[str] = []
        for field in ("buyers", "ikms"):
            ids = getattr(self, field)
            if isinstance(ids, list):
                if not ids:
                    problems.append(_problem(field, 'the list is empty (write "all" for everyone)', ids))
                repeated = sorted({i for i in ids if ids.count(i) > 1})
                if repeated:
                    problems.append(_problem(field, "ids repeat", repeated))
        return problems

    def _check_preferences(self) -> list[str]:
        problems: list[str] = []
        kinds: dict[tuple[str, str], tuple[int, str]] = {}
        for i, pref in enumerate(self.preferences):
            pair = (pref.buyer, pref.ikm)
            if pair in kinds:
                first, kind = kinds[pair]
                if {kind, pref.kind} == {"must_meet", "no_thanks"}:
                    problems.append(
                        _problem(
                            f"preferences[{i}].kind",
                            f"{pref.buyer}-{pref.ikm} is already {kind} in preferences[{first}]",
                            pref.kind,
                        )
                    )
            else:
                kinds[pair] = (i, pref.kind)
        return problems

    def _check_fixed_meetings(self) -> list[str]:
        problems: list[str] = []
        slots = self.slots()
        starts = {_minutes(s.start): s for s in slots}
        tables = set(self.table_names())
        no_thanks = {(p.buyer, p.ikm) for p in self.preferences if p.kind == "no_thanks"}
        used_tables: dict[tuple[int, str], int] = {}
        busy: dict[tuple[int, str], int] = {}
        for i, meeting in enumerate(self.fixed_meetings):
            path = f"fixed_meetings[{i}]"
            slot = starts.get(_minutes(meeting.start))
            if slot is None:
                nearest = sorted(
                    slots, key=lambda s: (abs(_minutes(s.start) - _minutes(meeting.start)), s.index)
                )
                hint = ", ".join(_format_clock(s.start) for s in sorted(nearest[:2], key=lambda s: s.index))
                problems.append(
                    _problem(f"{path}.start", f"is not a slot start; nearest: {hint}", meeting.start)
                )
            if meeting.table_name not in tables:
                shown = sorted(tables, key=lambda t: (len(t), t))
                valid = ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")
                problems.append(_problem(f"{path}.table", f"no such table (tables: {valid})", meeting.table))
            if (meeting.buyer, meeting.ikm) in no_thanks:
                problems.append(
                    _problem(path, "this pair is marked no_thanks", f"{meeting.buyer}-{meeting.ikm}")
                )
            if slot is None:
                continue
            for pid in (meeting.buyer, meeting.ikm):
                if slot.index not in self.available_slots(pid):
                    problems.append(_problem(path, f"{pid} is not available at {slot.label}", meeting.start))
                if (slot.index, pid) in busy:
                    other = busy[(slot.index, pid)]
                    problems.append(
                        _problem(path, f"{pid} already meets in fixed_meetings[{other}]", meeting.start)
                    )
                busy[(slot.index, pid)] = i
            key = (slot.index, meeting.table_name)
            if key in used_tables:
                problems.append(
                    _problem(
                        f"{path}.table",
                        f"already used at {slot.label} by fixed_meetings[{used_tables[key]}]",
                        meeting.table,
                    )
                )
            used_tables[key] = i
        return problems

    # --- derived views -------------------------------------------------------------------------------

    def slots(self) -> list[Slot]:
        """The day's meeting slots, in time order."""
        return generate_slots(self.sessions, self.breaks, self.slot_minutes)

    def table_names(self) -> list[str]:
        """Table names; a count N becomes ``"1"`` .. ``"N"``."""
        if isinstance(self.tables, int):
            return [str(i) for i in range(1, self.tables + 1)]
        return list(self.tables)

    def available_slots(self, participant_id: str) -> set[int]:
        """Indices of the slots lying fully inside one of the participant's windows (all when none given)."""
        slots = self.slots()
        windows = self.availability.get(participant_id)
        if windows is None:
            return {s.index for s in slots}
        return {
            s.index for s in slots if any(w.contains(_minutes(s.start), _minutes(s.end)) for w in windows)
        }

    def fixed_slot(self, meeting: FixedMeeting) -> Slot:
        """The slot a (validated) fixed meeting occupies."""
        return next(s for s in self.slots() if s.start == meeting.start)

    def preference_kinds(self) -> dict[tuple[str, str], PreferenceKind]:
        """(buyer, ikm) -> kind; when a pair is listed twice the stronger wish (must_meet > meet) wins."""
        kinds: dict[tuple[str, str], PreferenceKind] = {}
        for pref in self.preferences:
            pair = (pref.buyer, pref.ikm)
            current = kinds.get(pair)
            if current is None or _KIND_STRENGTH[pref.kind] > _KIND_STRENGTH[current]:
                kinds[pair] = pref.kind
        return kinds

    def resolve_participants(
        self, all_buyer_ids: Iterable[str], all_ikm_ids: Iterable[str], *, source: str = "event"
    ) -> tuple[list[str], list[str]]:
        """Expand ``"all"`` against the known ids and check every id the event names.

        Returns (buyers, ikms); raises :class:`EventFileError` naming each unknown id and where it appears.
        """
        known_buyers, known_ikms = set(all_buyer_ids), set(all_ikm_ids)
        buyers = sorted(known_buyers) if self.buyers == "all" else list(self.buyers)
        ikms = sorted(known_ikms) if self.ikms == "all" else list(self.ikms)
        problems: list[str] = []
        for field, ids, known in (("buyers", buyers, known_buyers), ("ikms", ikms, known_ikms)):
            unknown = [i for i in ids if i not in known]
            if unknown:
                problems.append(_problem(field, f"{len(unknown)} unknown id(s)", unknown))
        in_event_buyers, in_event_ikms = set(buyers) & known_buyers, set(ikms) & known_ikms
        for pid in self.availability:
            if pid not in in_event_buyers and pid not in in_event_ikms:
                problems.append(_problem(f"availability.{pid}", "not a buyer or IKM of this event", pid))
        for field, records in (("preferences", self.preferences), ("fixed_meetings", self.fixed_meetings)):
            for i, rec in enumerate(records):
                if rec.buyer not in in_event_buyers:
                    problems.append(_problem(f"{field}[{i}].buyer", "not a buyer of this event", rec.buyer))
                if rec.ikm not in in_event_ikms:
                    problems.append(_problem(f"{field}[{i}].ikm", "not an IKM of this event", rec.ikm))
        if self.ikm_fixed_tables and len(ikms) > len(self.table_names()):
            problems.append(
                _problem(
                    "tables",
                    f"ikm_fixed_tables needs one table per IKM ({len(ikms)} IKMs)",
                    self.tables,
                )
            )
        if problems:
            raise EventFileError(source, problems)
        return buyers, ikms


# --- reading -----------------------------------------------------------------------------------------


class _EventYamlLoader(yaml.SafeLoader):
    """SafeLoader that reads ``13:20`` as text (YAML 1.1 would read it as the base-60 number 800)."""


_EventYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_EventYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def _format_pydantic(exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for err in exc.errors():
        loc = err["loc"]
        if not loc and err["type"] == "value_error":  # cross-field checks already carry their paths
            problems.extend(str(err["ctx"]["error"]).splitlines())
            continue
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            problems.append(f"{path or 'event'}: {message.lower()}")
        else:
            problems.append(_problem(path or "event", message, err["input"]))
    return problems


def parse_event(data: Any, source: str = "event") -> Event:
    """Validate already-parsed data (a mapping) into an :class:`Event`, or raise :class:`EventFileError`."""
    if not isinstance(data, Mapping):
        raise EventFileError(source, [_problem("event", "the file must hold a mapping of fields", data)])
    try:
        return Event.model_validate(dict(data))
    except ValidationError as exc:
        raise EventFileError(source, _format_pydantic(exc)) from exc


def load_event(path: str | Path) -> Event:
    """Read an event file (``.yaml``/``.yml`` or ``.json``) and validate it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".json"}:
        raise EventFileError(str(path), [_problem("file", "use a .yaml, .yml or .json file", path.suffix)])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EventFileError(str(path), [f"file: cannot be read ({exc})"]) from exc
    try:
        data = json.loads(text) if suffix == ".json" else yaml.load(text, Loader=_EventYamlLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        where = str(exc).replace("\n", " ")
        raise EventFileError(str(path), [f"file: not valid {suffix[1:].upper()} ({where})"]) from exc
    return parse_event(data, source=str(path))
