"""The event day in the store: participants' check-ins and the audit log of the day's changes.

Rows, not meaning (:mod:`matching.app.day` gives them their meaning): a check-in is one participant's status
(``arrived``, ``late`` or ``absent``; no row means not yet known) with who set it and when; a log entry is
one applied change or check-in with who made it, when (UTC), its action, its details (JSON), an English
sentence, and the plan numbers before and after. ``undone_by`` links an entry to the undo that reverted it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from matching.errors import NotFoundError
from matching.store.database import Store
from matching.store.tables import CheckInRow, DayLogRow, as_utc, utc_now

__all__ = ["CheckIn", "DayRepository", "LogEntry"]


@dataclass(frozen=True)
class CheckIn:
    participant_id: str
    status: str  # arrived | late | absent
    checked_by: str
    checked_at: dt.datetime


@dataclass(frozen=True)
class LogEntry:
    entry_id: int
    event_id: str
    at: dt.datetime
    who: str
    action: str
    details: dict[str, Any]
    text: str
    plan_before: int | None
    plan_after: int | None
    undone_by: int | None


def _entry(row: DayLogRow) -> LogEntry:
    return LogEntry(
        row.entry_id,
        row.event_id,
        as_utc(row.at),
        row.who,
        row.action,
        dict(row.details or {}),
        row.text,
        row.plan_before,
        row.plan_after,
        row.undone_by,
    )


class DayRepository:
    """The ``checkins`` and ``day_log`` tables of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- check-ins -----------------------------------------------------------------------------------

    def checkins(self, event_id: str) -> dict[str, CheckIn]:
        """Participant id -> its check-in, for those whose status is known."""
        with self._store.session() as session:
            rows = session.scalars(select(CheckInRow).where(CheckInRow.event_id == event_id)).all()
            return {
                r.participant_id: CheckIn(r.participant_id, r.status, r.checked_by, as_utc(r.checked_at))
                for r in rows
            }

    def set_checkin(self, event_id: str, participant_id: str, status: str | None, who: str) -> None:
        """Set a participant's status; None forgets it (back to unknown)."""
        with self._store.session() as session:
            row = session.get(CheckInRow, (event_id, participant_id))
            if status is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(
                    CheckInRow(
                        event_id=event_id,
                        participant_id=participant_id,
                        status=status,
                        checked_by=who,
                        checked_at=utc_now(),
                    )
                )
            else:
                row.status, row.checked_by, row.checked_at = status, who, utc_now()
            session.commit()

    # -- the log ---------------------------------------------------------------------------------------

    def add(
        self,
        event_id: str,
        *,
        who: str,
        action: str,
        details: dict[str, Any],
        text: str,
        plan_before: int | None = None,
        plan_after: int | None = None,
        undoes: int | None = None,
    ) -> LogEntry:
        """A new log entry; with ``undoes`` the entry it reverts is marked as undone by it, in one commit."""
        with self._store.session() as session:
            row = DayLogRow(
                event_id=event_id,
                at=utc_now(),
                who=who,
                action=action,
                details=details,
                text=text,
                plan_before=plan_before,
                plan_after=plan_after,
            )
            session.add(row)
            session.flush()
            if undoes is not None:
                target = session.get(DayLogRow, undoes)
                if target is None or target.event_id != event_id:
                    raise NotFoundError(f"event {event_id!r} has no log entry {undoes}")
                target.undone_by = row.entry_id
            session.commit()
            return _entry(row)

    def log(self, event_id: str) -> list[LogEntry]:
        """The event's log, newest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(DayLogRow).where(DayLogRow.event_id == event_id).order_by(DayLogRow.entry_id.desc())
            ).all()
            return [_entry(r) for r in rows]

    def delete_event(self, event_id: str) -> None:
        """Forget the event's check-ins and log (when the event is deleted)."""
        with self._store.session() as session:
            for table in (CheckInRow, DayLogRow):
                session.execute(delete(table).where(table.event_id == event_id))
            session.commit()
