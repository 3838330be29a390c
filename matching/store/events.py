"""Events in the store: definitions as uploaded, and their numbered plans.

The repository keeps rows, not meaning: an event's definition is stored as the text it was given (parsed and
validated by :mod:`matching.events.model` in :class:`matching.app.events.Events`), a plan as its summary, its
model version and, for a re-schedule, the cumulative changes as JSON text. A plan's exports live in a folder
the caller names; :meth:`EventRepository.add_plan` numbers the plan and lets the caller move its files into
place before the row is committed, so a plan number never points at a missing folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from matching.errors import ConflictError, NotFoundError
from matching.store.database import Store
from matching.store.tables import EventRow, OutcomeRow, PlanRow, as_utc

__all__ = ["EventRepository", "StoredEvent", "StoredPlan"]


@dataclass(frozen=True)
class StoredEvent:
    event_id: str
    name: str
    source: str  # the definition as uploaded (YAML or JSON)
    created_at: dt.datetime
    updated_at: dt.datetime
    plans: int


@dataclass(frozen=True)
class StoredPlan:
    event_id: str
    plan_no: int
    kind: str  # plan | reschedule
    model_version: str
    summary: dict[str, Any]
    created_at: dt.datetime


def _event(row: EventRow, plans: int) -> StoredEvent:
    return StoredEvent(
        row.event_id, row.name, row.source, as_utc(row.created_at), as_utc(row.updated_at), plans
    )


def _plan(row: PlanRow) -> StoredPlan:
    return StoredPlan(
        row.event_id, row.plan_no, row.kind, row.model_version, row.summary, as_utc(row.created_at)
    )


class EventRepository:
    """The ``events`` and ``plans`` tables of one store (and an event's outcomes, when it is deleted)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, event_id: str, name: str, source: str) -> None:
        """A new event; :class:`ConflictError` when the id is taken."""
        with self._store.session() as session:
            if session.get(EventRow, event_id) is not None:
                raise ConflictError(f"event {event_id!r} exists already; update it or choose another id")
            session.add(EventRow(event_id=event_id, name=name, source=source))
            try:
                session.commit()
            except IntegrityError as exc:
                raise ConflictError(f"event {event_id!r} exists already") from exc

    def update(self, event_id: str, name: str, source: str) -> None:
        with self._store.session() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFoundError(f"event {event_id!r} does not exist")
            row.name, row.source = name, source
            session.commit()

    def get(self, event_id: str) -> StoredEvent:
        """The event, or :class:`NotFoundError`."""
        with self._store.session() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFoundError(f"event {event_id!r} does not exist")
            plans = session.scalar(select(func.count()).where(PlanRow.event_id == event_id)) or 0
            return _event(row, int(plans))

    def all(self) -> list[StoredEvent]:
        """Every event, oldest first."""
        with self._store.session() as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.created_at, EventRow.event_id)).all()
            counts = dict(
                session.execute(select(PlanRow.event_id, func.count()).group_by(PlanRow.event_id)).all()
            )
            return [_event(r, int(counts.get(r.event_id, 0))) for r in rows]

    def delete(self, event_id: str) -> None:
        """Delete an event with its plans and outcomes (:class:`NotFoundError` when there is none)."""
        with self._store.session() as session:
            if session.get(EventRow, event_id) is None:
                raise NotFoundError(f"event {event_id!r} does not exist")
            for table in (OutcomeRow, PlanRow, EventRow):
                session.execute(delete(table).where(table.event_id == event_id))
            session.commit()

    def plans(self, event_id: str) -> list[StoredPlan]:
        """The event's plans, oldest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(PlanRow).where(PlanRow.event_id == event_id).order_by(PlanRow.plan_no)
            ).all()
            return [_plan(r) for r in rows]

    def plan_changes(self, event_id: str, plan_no: int) -> str | None:
        """The cumulative changes (JSON text) a re-schedule was made with; None for a plan."""
        with self._store.session() as session:
            row = session.get(PlanRow, (event_id, plan_no))
            return row.changes if row is not None else None

    def add_plan(
        self,
        event_id: str,
        kind: str,
        model_version: str,
        summary: dict[str, Any],
        place: Callable[[int], None],
        changes: str | None = None,
    ) -> StoredPlan:
        """Number a new plan of the event and record it; ``place(plan_no)`` puts its files where that number
        says, before the row is committed. Retries on a race for the number."""
        for _ in range(20):
            with self._store.session() as session:
                newest = session.scalar(select(func.max(PlanRow.plan_no)).where(PlanRow.event_id == event_id))
                plan_no = int(newest or 0) + 1
                row = PlanRow(
                    event_id=event_id,
                    plan_no=plan_no,
                    kind=kind,
                    model_version=model_version,
                    summary=summary,
                    changes=changes,
                )
                session.add(row)
                try:
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    continue
                place(plan_no)
                session.commit()
                return _plan(row)
        raise ConflictError(f"could not number a new plan of event {event_id!r}; try again")
