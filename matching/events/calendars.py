"""ICS calendars: one file per participant, one event per meeting, in the event's time zone.

Times carry the zone (``DTSTART;TZID=Asia/Makassar:20270310T090000`` for WITA) with its VTIMEZONE, so a
phone anywhere shows the meeting at the right moment: WIB is Asia/Jakarta (UTC+7), WITA Asia/Makassar
(UTC+8), WIT Asia/Jayapura (UTC+9). Where the system has no time zone database the times are written in
UTC instead (still the right moment). Calendars name the counterpart, never its contact details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matching.common.file_names import file_stem, inside
from matching.events.agendas import meetings_by_participant
from matching.events.meetings import Meeting
from matching.events.model import TIME_ZONES, Slot

__all__ = ["ZONE_NAMES", "write_calendars"]

ZONE_NAMES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def _zone(name: str) -> tuple[dt.tzinfo, Any]:
    """The zone to write times in, and its VTIMEZONE component (None when times are written in UTC)."""
    from icalendar import Calendar

    try:
        from zoneinfo import ZoneInfo

        zone: dt.tzinfo = ZoneInfo(ZONE_NAMES[name])
    except (KeyError, ImportError, OSError, ValueError):  # no tz database (a bare Windows Python)
        return dt.UTC, None
    probe = Calendar()
    probe.add("dtstart", dt.datetime(2027, 1, 1, tzinfo=zone))
    probe.add_missing_timezones()
    return zone, probe.walk("VTIMEZONE")[0]


def write_calendars(
    directory: Path,
    participants: Sequence[str],
    meetings: list[Meeting],
    slots: list[Slot],
    names: Mapping[str, str],
    *,
    event_name: str,
    day: dt.date,
    venue: str | None = None,
    time_zone: str = "WIB",
) -> list[Path]:
    """One ICS file per participant (``<id>.ics``) with its meetings at the event's local times."""
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    by_index = {s.index: s for s in slots}
    mine = meetings_by_participant(meetings)
    local = TIME_ZONES.get(time_zone, TIME_ZONES["WIB"])
    zone, vtimezone = _zone(time_zone)

    def moment(clock: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, clock, tzinfo=local).astimezone(zone)

    stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for participant in participants:
        calendar = Calendar()
        calendar.add("prodid", "-//ikm-matching//agenda//ID")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", f"{event_name}: {names.get(participant, participant)}")
        if zone is not dt.UTC:
            calendar.add("x-wr-timezone", ZONE_NAMES[time_zone])
        if vtimezone is not None:
            calendar.add_component(vtimezone)
        for m in mine.get(participant, []):
            slot = by_index.get(m.slot) if m.slot is not None else None
            if slot is None:
                continue
            other = m.ikm if participant == m.buyer else m.buyer
            item = IcsEvent()
            item.add("uid", f"{event_name}-{day}-{m.buyer}-{m.ikm}@ikm-matching".replace(" ", "_"))
            item.add("summary", f"{event_name}: {names.get(other, other)}")
            item.add("dtstart", moment(slot.start))
            item.add("dtend", moment(slot.end))
            item.add("dtstamp", stamp)
            item.add("location", f"{venue + ', ' if venue else ''}Meja {m.table}")
            item.add("description", m.reason or "")
            calendar.add_component(item)
        path = inside(directory, f"{file_stem(participant)}.ics")
        path.write_bytes(calendar.to_ical())
        written.append(path)
    return written
