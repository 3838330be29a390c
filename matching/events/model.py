"""The event definition: when meetings can happen, where, with whom, and what is already fixed.

An organiser describes one business-matching day in a YAML (or JSON) file; :func:`load_event` reads and
validates it into an :class:`Event`. Times are ``"HH:MM"`` (``"09.00"`` is accepted too); a YAML ``13:20``
written without quotes is read as text, not as a base-60 number::

    name: Temu Bisnis Anyaman NTB 2027     # required
    date: 2027-03-10                       # optional
    venue: Islamic Center Mataram          # optional
    time_zone: WITA                        # WIB (UTC+7, default), WITA (UTC+8) or WIT (UTC+9)
    slot_minutes: 20                       # meeting length, 5..240 (default 20)
    sessions:                              # required, non-overlapping
      - {start: "09:00", end: "12:00"}
      - {start: "13:00", end: "16:00"}
    breaks: [{start: "10:20", end: "10:40"}]   # each inside a session; no meeting overlaps a break
    tables: 25                             # a count (tables "1".."25") or unique names ["Meja 1", "Booth A"]
    booth_map:                             # optional: where tables stand, on a grid (row, column from 1)
      "1": {row: 1, col: 1}                # tables left out are placed after the given ones, row by row
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
from 0 across the day (:mod:`matching.events.timeslots` holds times, windows and slots).

Every problem found is reported at once in one :class:`EventFileError` (a
:class:`~matching.common.yaml_files.DataFileError`, hence a :class:`~matching.errors.ConfigError`), one line
per problem: ``field.path: message (value: ...)``; :mod:`matching.common.yaml_files` reads and reports.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from matching.catalogue.schema import RecordId
from matching.common.yaml_files import (
    DataFileError,
    load_data_file,
    problem_line,
    validate_data,
)
from matching.events.rules import event_problems
from matching.events.timeslots import ClockTime, Slot, TimeWindow, generate_slots

__all__ = [
    "TIME_ZONES",
    "BoothPlace",
    "ClockTime",
    "Event",
    "EventFileError",
    "FixedMeeting",
    "ParticipantId",
    "Preference",
    "PreferenceKind",
    "Slot",
    "TimeWindow",
    "generate_slots",
    "load_event",
    "parse_event",
]

PreferenceKind = Literal["must_meet", "meet", "no_thanks"]
TimeZoneName = Literal["WIB", "WITA", "WIT"]
# Indonesia's three zones (no daylight saving): Western, Central and Eastern Indonesia Time
TIME_ZONES: dict[str, dt.timezone] = {
    "WIB": dt.timezone(dt.timedelta(hours=7), "WIB"),
    "WITA": dt.timezone(dt.timedelta(hours=8), "WITA"),
    "WIT": dt.timezone(dt.timedelta(hours=9), "WIT"),
}
BOOTH_GRID_MAX = 50
_KIND_STRENGTH: dict[str, int] = {"no_thanks": 0, "meet": 1, "must_meet": 2}


class EventFileError(DataFileError):
    """Raised when an event file cannot be read or describes an impossible event.

    ``problems`` holds one line per problem, ``field.path: message (value: ...)``.
    """

    kind = "event file"


# a buyer_id or ikm_id: the catalogue's id rule, so an event file cannot name what no import would accept
ParticipantId = RecordId


# --- records -----------------------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", frozen=True)


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


class BoothPlace(BaseModel):
    """Where one table stands on the venue's booth map: a cell of a grid, counted from the top left."""

    model_config = _STRICT

    row: int = Field(ge=1, le=BOOTH_GRID_MAX)
    col: int = Field(ge=1, le=BOOTH_GRID_MAX)


# --- the event ---------------------------------------------------------------------------------------


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
    time_zone: TimeZoneName = "WIB"
    slot_minutes: int = Field(default=20, ge=5, le=240)
    sessions: list[TimeWindow] = Field(min_length=1)
    breaks: list[TimeWindow] = Field(default_factory=list)
    tables: int | list[str]
    booth_map: dict[str, BoothPlace] = Field(default_factory=dict)
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

    @field_validator("booth_map", mode="before")
    @classmethod
    def _booth_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):  # a YAML key 3: is the number 3; tables are named by text
            return {str(k).strip() if isinstance(k, int | str) else k: v for k, v in value.items()}
        return value

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
        problems = event_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # --- derived views -------------------------------------------------------------------------------

    def slots(self) -> list[Slot]:
        """The day's meeting slots, in time order."""
        return generate_slots(self.sessions, self.breaks, self.slot_minutes)

    def table_names(self) -> list[str]:
        """Table names; a count N becomes ``"1"`` .. ``"N"``."""
        if isinstance(self.tables, int):
            return [str(i) for i in range(1, self.tables + 1)]
        return list(self.tables)

    def tz(self) -> dt.timezone:
        """The event's time zone (a fixed offset: Indonesia has no daylight saving)."""
        return TIME_ZONES[self.time_zone]

    def local_time(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` (naive values are UTC, as the store keeps them) in the event's time zone."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.tz())

    def booth_layout(self) -> dict[str, tuple[int, int]]:
        """Every table's (row, column) on the booth map, counted from 1.

        Tables the map places keep their cell; the others fill the free cells row by row, in table order,
        on a grid as wide as the map or about square when there is no map.
        """
        names = self.table_names()
        placed = {name: (p.row, p.col) for name, p in self.booth_map.items() if name in names}
        width = max([c for _, c in placed.values()], default=0) or max(1, math.ceil(math.sqrt(len(names))))
        taken = set(placed.values())
        cells = ((r, c) for r in itertools.count(1) for c in range(1, width + 1))
        for name in names:
            if name not in placed:
                cell = next(cells)
                while cell in taken:
                    cell = next(cells)
                placed[name] = cell
                taken.add(cell)
        return {name: placed[name] for name in names}

    def available_slots(self, participant_id: str) -> set[int]:
        """Indices of the slots lying fully inside one of the participant's windows (all when none given)."""
        windows = self.availability.get(participant_id)
        if windows is None:
            return {s.index for s in self.slots()}
        return self.slots_within(windows)

    def slots_within(self, windows: Iterable[TimeWindow]) -> set[int]:
        """Indices of the slots lying fully inside one of ``windows``."""
        windows = list(windows)
        return {
            s.index for s in self.slots() if any(w.contains(s.start_minute, s.end_minute) for w in windows)
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
                problems.append(problem_line(field, f"{len(unknown)} unknown id(s)", unknown))
        in_event_buyers, in_event_ikms = set(buyers) & known_buyers, set(ikms) & known_ikms
        for pid in self.availability:
            if pid not in in_event_buyers and pid not in in_event_ikms:
                problems.append(problem_line(f"availability.{pid}", "not a buyer or IKM of this event", pid))
        named: tuple[tuple[str, Sequence[Preference | FixedMeeting]], ...] = (
            ("preferences", self.preferences),
            ("fixed_meetings", self.fixed_meetings),
        )
        for field, records in named:
            for i, rec in enumerate(records):
                if rec.buyer not in in_event_buyers:
                    problems.append(
                        problem_line(f"{field}[{i}].buyer", "not a buyer of this event", rec.buyer)
                    )
                if rec.ikm not in in_event_ikms:
                    problems.append(problem_line(f"{field}[{i}].ikm", "not an IKM of this event", rec.ikm))
        if self.ikm_fixed_tables and len(ikms) > len(self.table_names()):
            problems.append(
                problem_line(
                    "tables",
                    f"ikm_fixed_tables needs one table per IKM ({len(ikms)} IKMs)",
                    self.tables,
                )
            )
        if problems:
            raise EventFileError(source, problems)
        return buyers, ikms


# --- reading -----------------------------------------------------------------------------------------


def parse_event(data: Any, source: str = "event") -> Event:
    """Validate already-parsed data (a mapping) into an :class:`Event`, or raise :class:`EventFileError`."""
    return validate_data(data, Event, source=source, root="event", error=EventFileError)


def load_event(path: str | Path) -> Event:
    """Read an event file (``.yaml``/``.yml`` or ``.json``) and validate it."""
    return load_data_file(path, Event, root="event", error=EventFileError)
