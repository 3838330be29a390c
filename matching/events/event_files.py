"""An :class:`~matching.events.model.Event` written back as YAML: the export of the event builder.

:func:`event_yaml` gives one canonical text per event: the fields in the order of the file format, times
``"HH:MM"`` in quotes, ids and table names as text, and only the optional fields that differ from their
default, so a small event reads short. It holds no comments (the demo file documents the format). Read
back, it is the same event::

    parse_event(yaml.safe_load(event_yaml(e))) == e
    event_yaml(parse_event(yaml.safe_load(event_yaml(e)))) == event_yaml(e)

Short records (a time window, a preference, a fixed meeting, a booth place) are written on one line
(``{start: "09:00", end: "12:00"}``); lists of ids wrap at about 100 characters.
"""

from __future__ import annotations

from typing import Any

import yaml

from matching.events.model import Event, FixedMeeting, Preference, TimeWindow
from matching.events.timeslots import format_clock

__all__ = ["event_data", "event_yaml"]

_WIDTH = 100


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes the small records of an event on one line and lists of ids in flow style."""


class _Flow(dict[str, Any]):
    """A mapping written ``{a: 1, b: 2}``."""


class _FlowList(list[Any]):
    """A list written ``[a, b, c]``."""


class _Quoted(str):
    """A text always written in double quotes (clock times)."""

    __slots__ = ()


def _flow_map(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _quoted(dumper: yaml.SafeDumper, data: _Quoted) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


_Dumper.add_representer(_Flow, _flow_map)
_Dumper.add_representer(_FlowList, _flow_list)
_Dumper.add_representer(_Quoted, _quoted)


def _clock(value: Any) -> _Quoted:
    return _Quoted(format_clock(value))


def _window(window: TimeWindow) -> _Flow:
    return _Flow(start=_clock(window.start), end=_clock(window.end))


def _preference(pref: Preference) -> _Flow:
    return _Flow(buyer=pref.buyer, ikm=pref.ikm, kind=pref.kind)


def _fixed(meeting: FixedMeeting) -> _Flow:
    return _Flow(buyer=meeting.buyer, ikm=meeting.ikm, start=_clock(meeting.start), table=meeting.table)


def _ids(ids: Any) -> Any:
    return ids if ids == "all" else _FlowList(ids)


def event_data(event: Event) -> dict[str, Any]:
    """The event as plain data in file order, optional fields only when they differ from their default."""
    defaults = Event.model_fields
    data: dict[str, Any] = {"name": event.name}
    if event.date is not None:
        data["date"] = event.date
    if event.venue is not None:
        data["venue"] = event.venue
    for field in ("time_zone", "slot_minutes"):
        if getattr(event, field) != defaults[field].default:
            data[field] = getattr(event, field)
    data["sessions"] = [_window(w) for w in event.sessions]
    if event.breaks:
        data["breaks"] = [_window(w) for w in event.breaks]
    data["tables"] = event.tables if isinstance(event.tables, int) else _FlowList(event.tables)
    if event.booth_map:
        data["booth_map"] = {name: _Flow(row=p.row, col=p.col) for name, p in event.booth_map.items()}
    if event.ikm_fixed_tables:
        data["ikm_fixed_tables"] = True
    for field in ("max_meetings_per_buyer", "max_meetings_per_ikm"):
        if getattr(event, field) is not None:
            data[field] = getattr(event, field)
    if event.min_meetings_per_ikm:
        data["min_meetings_per_ikm"] = event.min_meetings_per_ikm
    if event.buyers != "all":
        data["buyers"] = _ids(event.buyers)
    if event.ikms != "all":
        data["ikms"] = _ids(event.ikms)
    if event.availability:
        data["availability"] = {
            pid: _FlowList(_window(w) for w in windows) for pid, windows in event.availability.items()
        }
    if event.preferences:
        data["preferences"] = [_preference(p) for p in event.preferences]
    if event.fixed_meetings:
        data["fixed_meetings"] = [_fixed(m) for m in event.fixed_meetings]
    return data


def event_yaml(event: Event) -> str:
    """The event as canonical YAML text (UTF-8, no comments); reading it back gives the same event."""
    text: str = yaml.dump(
        event_data(event),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=_WIDTH,
        default_flow_style=False,
    )
    return text
