"""Events kept in the store: definitions, numbered plans with their exports, and meeting outcomes.

What the service (and anyone else holding an :class:`~matching.app.engine.Engine`) uses to run an event over
time: ``engine.events.create(yaml_text)`` stores an event definition (the format of
:mod:`matching.events.model`); :meth:`Events.plan` plans it and writes every export into
``<home>/events/<event id>/plans/<n>/``; :meth:`Events.reschedule` repairs the newest plan after changes on
the day (the format of :mod:`matching.events.repair`; changes accumulate over re-schedules); outcomes are
recorded per meeting, with the model version that proposed it.

Outcomes (:mod:`matching.store.outcomes`) are methods of :class:`Events` too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from matching.common.yaml_files import read_data_text, validate_data
from matching.errors import ConflictError, NotFoundError
from matching.events.model import Event, EventFileError, parse_event
from matching.store.database import Base, as_utc
from matching.store.outcomes import DAY_OUTCOMES, FOLLOWUP_OUTCOMES, Outcome, OutcomeRow, OutcomeStore

if TYPE_CHECKING:
    from matching.app.engine import Engine
    from matching.events.repair import Changes

__all__ = [
    "DAY_OUTCOMES",
    "FOLLOWUP_OUTCOMES",
    "EventRecord",
    "EventRow",
    "Events",
    "Outcome",
    "OutcomeRow",
    "PlanRecord",
    "PlanRow",
]

_SLUG = re.compile(r"[^a-z0-9]+")
_EVENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EventRow(Base):
    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)  # the definition as uploaded (YAML or JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class PlanRow(Base):
    __tablename__ = "plans"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    plan_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # plan | reschedule
    model_version: Mapped[str] = mapped_column(String(200))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[str | None] = mapped_column(Text)  # cumulative changes (JSON) of a re-schedule
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


@dataclass(frozen=True)
class EventRecord:
    event_id: str
    name: str
    event: Event
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime
    plans: int


@dataclass(frozen=True)
class PlanRecord:
    event_id: str
    plan_no: int
    kind: str
    model_version: str
    summary: dict[str, Any]
    created_at: dt.datetime
    folder: Path


def slug(name: str) -> str:
    """An event id made from its name: lower case, ASCII letters and digits joined by hyphens."""
    return _SLUG.sub("-", name.lower()).strip("-")[:64].strip("-") or "event"


def merge_changes(earlier: Changes | None, later: Changes) -> Changes:
    """Changes on top of earlier ones: lists add up, later availability windows replace earlier ones."""
    if earlier is None:
        return later
    return later.model_copy(
        update={
            "no_shows": list(dict.fromkeys([*earlier.no_shows, *later.no_shows])),
            "cancelled": [*earlier.cancelled, *later.cancelled],
            "availability": {**earlier.availability, **later.availability},
            "new_buyers": list(dict.fromkeys([*earlier.new_buyers, *later.new_buyers])),
            "new_ikms": list(dict.fromkeys([*earlier.new_ikms, *later.new_ikms])),
            "preferences": [*earlier.preferences, *later.preferences],
            "now": later.now or earlier.now,
        }
    )


class Events(OutcomeStore):
    """The events of one engine's store and data home."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.root = engine.settings.home / "events"

    @property
    def _store(self) -> Any:
        return self.engine.store

    # -- definitions -----------------------------------------------------------------------------------

    @staticmethod
    def parse(source: str, *, name: str = "event") -> Event:
        """Validate an event definition given as YAML or JSON text (:class:`EventFileError` if invalid)."""
        return parse_event(read_data_text(source, name, error=EventFileError), name)

    def _record(self, row: EventRow, plans: int) -> EventRecord:
        return EventRecord(
            row.event_id,
            row.name,
            self.parse(row.source, name=row.event_id),
            row.source,
            as_utc(row.created_at),
            as_utc(row.updated_at),
            plans,
        )

    def create(self, source: str, *, event_id: str | None = None) -> EventRecord:
        """Store a new event; its id is ``event_id`` or made from its name (ConflictError if taken)."""
        event = self.parse(source)
        event_id = event_id or slug(event.name)
        if not _EVENT_ID.match(event_id):
            raise EventFileError(
                "event", [f"event_id: use lower-case letters, digits and hyphens (value: {event_id!r})"]
            )
        with self._store.session() as session:
            if session.get(EventRow, event_id) is not None:
                raise ConflictError(f"event {event_id!r} exists already; update it or choose another id")
            session.add(EventRow(event_id=event_id, name=event.name, source=source))
            try:
                session.commit()
            except IntegrityError as exc:
                raise ConflictError(f"event {event_id!r} exists already") from exc
        return self.get(event_id)

    def update(self, event_id: str, source: str) -> EventRecord:
        """Replace an event's definition; its plans stay as they were. The next :meth:`reschedule` repairs
        the newest plan against the new definition (meetings in slots, tables or windows it no longer has
        move or are cancelled, with the reason)."""
        event = self.parse(source, name=event_id)
        with self._store.session() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFoundError(f"event {event_id!r} does not exist")
            row.name, row.source = event.name, source
            session.commit()
        return self.get(event_id)

    def get(self, event_id: str) -> EventRecord:
        with self._store.session() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFoundError(f"event {event_id!r} does not exist")
            plans = session.scalar(select(func.count()).where(PlanRow.event_id == event_id)) or 0
            return self._record(row, int(plans))

    def list(self) -> list[EventRecord]:
        with self._store.session() as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.created_at, EventRow.event_id)).all()
            counts = dict(
                session.execute(select(PlanRow.event_id, func.count()).group_by(PlanRow.event_id)).all()
            )
            return [self._record(r, int(counts.get(r.event_id, 0))) for r in rows]

    def delete(self, event_id: str) -> None:
        """Delete an event with its plans, exports and outcomes."""
        with self._store.session() as session:
            if session.get(EventRow, event_id) is None:
                raise NotFoundError(f"event {event_id!r} does not exist")
            for table in (OutcomeRow, PlanRow, EventRow):
                session.execute(delete(table).where(table.event_id == event_id))
            session.commit()
        shutil.rmtree(self.root / event_id, ignore_errors=True)

    # -- plans -----------------------------------------------------------------------------------------

    def _plan_record(self, row: PlanRow) -> PlanRecord:
        folder = self.root / row.event_id / "plans" / str(row.plan_no)
        return PlanRecord(
            row.event_id,
            row.plan_no,
            row.kind,
            row.model_version,
            row.summary,
            as_utc(row.created_at),
            folder,
        )

    def plans(self, event_id: str) -> list[PlanRecord]:
        self.get(event_id)
        with self._store.session() as session:
            rows = session.scalars(
                select(PlanRow).where(PlanRow.event_id == event_id).order_by(PlanRow.plan_no)
            ).all()
            return [self._plan_record(r) for r in rows]

    def plan_record(self, event_id: str, plan_no: int | None = None) -> PlanRecord:
        """Plan ``plan_no`` of the event, or its newest plan; :class:`NotFoundError` when there is none."""
        plans = self.plans(event_id)
        if not plans:
            raise NotFoundError(f"event {event_id!r} has no plan yet; plan it first")
        if plan_no is None:
            return plans[-1]
        for plan in plans:
            if plan.plan_no == plan_no:
                return plan
        raise NotFoundError(f"event {event_id!r} has no plan {plan_no} (plans: 1..{plans[-1].plan_no})")

    def _save_plan(
        self, event_id: str, kind: str, summary: dict[str, Any], staged: Path, changes: str | None = None
    ) -> PlanRecord:
        """Number the staged exports as the event's next plan and record it (retries on a race)."""
        for _ in range(20):
            with self._store.session() as session:
                newest = session.scalar(select(func.max(PlanRow.plan_no)).where(PlanRow.event_id == event_id))
                plan_no = int(newest or 0) + 1
                folder = self.root / event_id / "plans" / str(plan_no)
                row = PlanRow(
                    event_id=event_id,
                    plan_no=plan_no,
                    kind=kind,
                    model_version=str(summary.get("model_version", self.engine.ranker_version)),
                    summary=summary,
                    changes=changes,
                )
                session.add(row)
                try:
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    continue
                if folder.exists():  # left over from a deleted event of the same id
                    shutil.rmtree(folder)
                folder.parent.mkdir(parents=True, exist_ok=True)
                staged.rename(folder)
                session.commit()
                return self._plan_record(row)
        raise ConflictError(f"could not number a new plan of event {event_id!r}; try again")

    def _staging(self, event_id: str) -> Path:
        base = self.root / event_id
        base.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".staging-", dir=base))

    def plan(self, event_id: str, *, top: int = 50, time_limit: float = 10.0) -> PlanRecord:
        """Plan the event from scratch (match list, schedule, check) and keep every export as a new plan."""
        from matching.app.planning import plan_event, write_exports

        record = self.get(event_id)
        self.engine.searcher()
        result = plan_event(self.engine, record.event, top=top, time_limit=time_limit)
        staged = self._staging(event_id)
        try:
            write_exports(result, staged)
            summary = json.loads(json.dumps(result.summary(), default=str))
            return self._save_plan(event_id, "plan", summary, staged)
        finally:
            shutil.rmtree(staged, ignore_errors=True)

    def reschedule(self, event_id: str, changes_source: str, *, time_limit: float = 4.0) -> PlanRecord:
        """Repair the newest plan after ``changes_source`` (YAML or JSON, the changes-file format).

        Changes add up: those of earlier re-schedules of this event still hold (no-shows stay absent).
        """
        from matching.app.replanning import reschedule_event, write_reschedule
        from matching.events.plan_files import read_meetings_csv, read_scores_csv
        from matching.events.repair import Changes, ChangesFileError

        record = self.get(event_id)
        data = read_data_text(changes_source, "changes", error=ChangesFileError)
        changes = validate_data(
            data, Changes, source="changes", root="changes", error=ChangesFileError, empty_ok=True
        )
        current = self.plan_record(event_id)
        with self._store.session() as session:
            earlier_text = session.get(PlanRow, (event_id, current.plan_no)).changes  # type: ignore[union-attr]
        earlier = Changes.model_validate_json(earlier_text) if earlier_text else None
        changes = merge_changes(earlier, changes)
        # the plan was written by us; a start the event no longer has means the event was edited since
        # (a slot cut by a new break, a shorter session): that meeting has no slot now and is moved
        meetings = read_meetings_csv(current.folder / "meetings.csv", record.event.slots())
        scores, reasons = read_scores_csv(current.folder / "scores.csv")
        if changes.new_buyers or changes.new_ikms:
            self.engine.searcher()
        result = reschedule_event(
            self.engine,
            record.event,
            meetings,
            changes,
            scores=scores,
            reasons=reasons,
            time_limit=time_limit,
        )
        staged = self._staging(event_id)
        try:
            write_reschedule(result, staged)
            summary = json.loads(json.dumps(result.plan.summary(), default=str))
            summary["changes"] = result.replan.report()
            return self._save_plan(event_id, "reschedule", summary, staged, changes.model_dump_json())
        finally:
            shutil.rmtree(staged, ignore_errors=True)

    def files(self, event_id: str, plan_no: int | None = None) -> list[str]:
        """The export files of a plan, as paths relative to its folder (``agendas/B001-id.pdf`` ...)."""
        folder = self.plan_record(event_id, plan_no).folder
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())

    def file(self, event_id: str, name: str, plan_no: int | None = None) -> Path:
        """One export file of a plan by its relative path; never a path outside the plan's folder."""
        folder = self.plan_record(event_id, plan_no).folder.resolve()
        try:
            path = (folder / name).resolve()
            found = path.is_relative_to(folder) and path.is_file()
        except (OSError, ValueError):  # a NUL byte, a name too long for the file system ...
            found = False
        if not found:
            raise NotFoundError(f"plan of event {event_id!r} has no file {name!r}")
        return path

    def meetings(self, event_id: str, plan_no: int | None = None) -> list[dict[str, Any]]:
        """The plan's schedule, one dict per meeting (slot, table, buyer, IKM, names, score, reason)."""
        import csv

        plan = self.plan_record(event_id, plan_no)
        names = dict(self._names())
        with (plan.folder / "meetings.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return [
            {
                **row,
                "score": float(row["score"]),
                "buyer_name": names.get(row["buyer_id"], ""),
                "ikm_name": names.get(row["ikm_id"], ""),
            }
            for row in rows
        ]

    def _names(self) -> dict[str, str]:
        from matching.app.planning import participant_names

        return participant_names(self.engine)
