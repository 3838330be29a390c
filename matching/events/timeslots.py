"""Clock times and meeting slots: ``"HH:MM"`` times, time windows, and a day cut into slots.

Times are written ``"HH:MM"`` (``"09.00"`` is accepted too) and held as whole-minute :class:`datetime.time`
values; :data:`ClockTime` is the pydantic field type that reads and writes them. A :class:`TimeWindow` is a
stretch of the day, ``start`` inclusive and ``end`` exclusive.

:func:`generate_slots` cuts sessions into slots of ``slot_minutes``, in order; a slot that would overlap a
break is skipped and cutting resumes at the break's end; a trailing partial slot is dropped. Slots are
numbered from 0 across the day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, model_validator

__all__ = [
    "ClockTime",
    "Slot",
    "TimeWindow",
    "clock_at",
    "format_clock",
    "generate_slots",
    "minute_of_day",
    "parse_clock",
]

_HHMM = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_clock(value: Any) -> dt.time:
    """A whole-minute time from ``"HH:MM"``/``"HH.MM"`` text or a ``datetime.time``; ValueError otherwise."""
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


def format_clock(value: dt.time) -> str:
    """``"HH:MM"``."""
    return value.strftime("%H:%M")


def minute_of_day(value: dt.time) -> int:
    """Minutes since midnight."""
    return value.hour * 60 + value.minute


def clock_at(minutes: int) -> dt.time:
    """The time ``minutes`` after midnight (0 .. 1439)."""
    return dt.time(minutes // 60, minutes % 60)


ClockTime = Annotated[dt.time, BeforeValidator(parse_clock), PlainSerializer(format_clock, return_type=str)]


class TimeWindow(BaseModel):
    """A stretch of the day, ``start`` inclusive, ``end`` exclusive; ``end`` must be after ``start``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _end_after_start(self) -> TimeWindow:
        if self.end <= self.start:
            raise ValueError(f"end {format_clock(self.end)} must be after start {format_clock(self.start)}")
        return self

    @property
    def start_minute(self) -> int:
        return minute_of_day(self.start)

    @property
    def end_minute(self) -> int:
        return minute_of_day(self.end)

    def contains(self, start: int, end: int) -> bool:
        """Whether the minute range [start, end) lies fully inside this window."""
        return self.start_minute <= start and end <= self.end_minute

    def overlaps(self, start: int, end: int) -> bool:
        """Whether the minute range [start, end) shares any time with this window."""
        return start < self.end_minute and self.start_minute < end


@dataclass(frozen=True, slots=True)
class Slot:
    """One meeting slot: ``index`` counts from 0 across the day; ``session`` is the session's index."""

    index: int
    start: dt.time
    end: dt.time
    session: int = 0

    @property
    def label(self) -> str:
        return f"{format_clock(self.start)}-{format_clock(self.end)}"

    @property
    def start_minute(self) -> int:
        return minute_of_day(self.start)

    @property
    def end_minute(self) -> int:
        return minute_of_day(self.end)


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
            slots.append(Slot(len(slots), clock_at(t), clock_at(t + slot_minutes), session_index))
            t += slot_minutes
    return slots
