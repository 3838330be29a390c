"""What participants may do at an event (``event_settings``): the request mode and deadline, registration,
whether the event is open to participants, and which plan is published to them.

An event without a row has the defaults: requests need the other side's acceptance, no deadline,
registration closed, not opened, nothing published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, Literal

from matching.errors import ConfigError
from matching.store.database import Store
from matching.store.tables import EventSettingsRow, as_utc

__all__ = ["EventSettings", "EventSettingsRepository"]

RequestMode = Literal["accept", "auto"]
Registration = Literal["closed", "approval"]


@dataclass(frozen=True)
class EventSettings:
    event_id: str
    request_mode: RequestMode = "accept"  # accept: the other side answers; auto: accepted when sent
    request_deadline: dt.datetime | None = None  # no new requests or answers after it (aware, UTC)
    registration: Registration = "closed"  # approval: anyone may register, the organiser approves
    opened_at: dt.datetime | None = None  # participants see recommendations and send requests
    opened_by: str | None = None
    published_plan_no: int | None = None  # the plan participants see as their agenda
    published_at: dt.datetime | None = None
    published_by: str | None = None

    @property
    def opened(self) -> bool:
        return self.opened_at is not None

    def requests_open(self, now: dt.datetime) -> bool:
        """Whether requests may be sent or answered at ``now`` (aware)."""
        return self.opened and (self.request_deadline is None or now < self.request_deadline)


_TIMES = ("request_deadline", "opened_at", "published_at")
_CHOICES = {"request_mode": ("accept", "auto"), "registration": ("closed", "approval")}


class EventSettingsRepository:
    """The ``event_settings`` table of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, event_id: str) -> EventSettings:
        with self._store.session() as session:
            row = session.get(EventSettingsRow, event_id)
            if row is None:
                return EventSettings(event_id)
            values = {f.name: getattr(row, f.name) for f in fields(EventSettings)}
            for name in _TIMES:
                values[name] = as_utc(values[name])
            return EventSettings(**values)

    def update(self, event_id: str, **changes: Any) -> EventSettings:
        """Set the given fields (a field given as None is cleared); the event must exist."""
        known = {f.name for f in fields(EventSettings)} - {"event_id"}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown event setting(s): {', '.join(unknown)}")
        for name, allowed in _CHOICES.items():
            if name in changes and changes[name] not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)} (value: {changes[name]!r})")
        for name in _TIMES:
            value = changes.get(name)
            if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
                raise ConfigError(f"{name} must be a time with its zone (value: {value!r})")
        with self._store.session() as session:
            row = session.get(EventSettingsRow, event_id)
            if row is None:
                row = EventSettingsRow(event_id=event_id, request_mode="accept", registration="closed")
                session.add(row)
            for name, value in changes.items():
                setattr(row, name, value)
            session.commit()
        return self.get(event_id)
