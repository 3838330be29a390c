"""Meeting outcomes kept in the store, per event: recorded one by one (the service) or from a file (the CLI).

Outcome scale (two stages, as organisers rate meetings):
on the day ``not_held`` / ``insufficient_interest`` / ``cooperation_possible`` / ``deal_agreed``;
months later ``no_further_contact`` / ``negotiation_started`` / ``agreement_reached``.
Each outcome keeps the plan, score and model version of the meeting it rates: the training data of
``matching train --outcomes`` (labels by :mod:`matching.outcomes`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from matching.errors import ConfigError, NotFoundError
from matching.store import Base, as_utc

if TYPE_CHECKING:
    from matching.eventstore import PlanRecord

__all__ = ["DAY_OUTCOMES", "FOLLOWUP_OUTCOMES", "Outcome", "OutcomeRow", "OutcomeStore"]

DAY_OUTCOMES = ("not_held", "insufficient_interest", "cooperation_possible", "deal_agreed")
FOLLOWUP_OUTCOMES = ("no_further_contact", "negotiation_started", "agreement_reached")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OutcomeRow(Base):
    __tablename__ = "outcomes"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ikm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_no: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    day_outcome: Mapped[str | None] = mapped_column(String(32))
    followup_outcome: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


@dataclass(frozen=True)
class Outcome:
    event_id: str
    buyer_id: str
    ikm_id: str
    plan_no: int
    model_version: str
    score: float | None
    day_outcome: str | None
    followup_outcome: str | None
    notes: str | None
    recorded_at: dt.datetime
    updated_at: dt.datetime


def _outcome(row: OutcomeRow) -> Outcome:
    values = {f: getattr(row, f) for f in Outcome.__dataclass_fields__}
    return Outcome(**values | {"recorded_at": as_utc(row.recorded_at), "updated_at": as_utc(row.updated_at)})


class OutcomeStore:
    """The outcome methods of :class:`matching.eventstore.Events` (which provides plans and meetings)."""

    _store: Any

    def plans(self, event_id: str) -> list[PlanRecord]:  # provided by Events
        raise NotImplementedError

    def meetings(self, event_id: str, plan_no: int | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def get(self, event_id: str) -> Any:
        raise NotImplementedError

    def record_outcome(
        self,
        event_id: str,
        buyer_id: str,
        ikm_id: str,
        *,
        day_outcome: str | None = None,
        followup_outcome: str | None = None,
        notes: str | None = None,
    ) -> Outcome:
        """Record (or update) the rating of a meeting of the event's newest plan that holds the pair.

        Only the values given change; the meeting's plan, score and model version are kept with it.
        """
        if day_outcome is not None and day_outcome not in DAY_OUTCOMES:
            raise ConfigError(f"day_outcome {day_outcome!r} is not one of {', '.join(DAY_OUTCOMES)}")
        if followup_outcome is not None and followup_outcome not in FOLLOWUP_OUTCOMES:
            raise ConfigError(
                f"followup_outcome {followup_outcome!r} is not one of {', '.join(FOLLOWUP_OUTCOMES)}"
            )
        meeting, plan = self._meeting(event_id, buyer_id, ikm_id)
        with self._store.session() as session:
            row = session.get(OutcomeRow, (event_id, buyer_id, ikm_id))
            if row is None:
                row = OutcomeRow(
                    event_id=event_id,
                    buyer_id=buyer_id,
                    ikm_id=ikm_id,
                    plan_no=plan.plan_no,
                    model_version=plan.model_version,
                    score=meeting["score"],
                )
                session.add(row)
            if day_outcome is not None:
                row.day_outcome = day_outcome
            if followup_outcome is not None:
                row.followup_outcome = followup_outcome
            if notes is not None:
                row.notes = notes
            session.commit()
            return _outcome(row)

    def import_outcomes(self, event_id: str, path: str | Path) -> list[Outcome]:
        """Record every row of an outcomes CSV/XLSX (:func:`matching.outcomes.read_outcomes_file`).

        All or nothing: when a row is invalid or names a pair that never met at this event, nothing is
        recorded and :class:`~matching.outcomes.OutcomesFileError` lists each such row.
        """
        from matching.outcomes import OutcomesFileError, read_outcomes_file

        records = read_outcomes_file(path)
        met = {
            (m["buyer_id"], m["ikm_id"])
            for p in self.plans(event_id)
            for m in self.meetings(event_id, p.plan_no)
        }
        problems = [
            f"row {number}: buyer {r.buyer_id!r} and IKM {r.ikm_id!r} have no meeting at event {event_id!r}"
            for number, r in enumerate(records, start=2)
            if (r.buyer_id, r.ikm_id) not in met
        ]
        if problems:
            raise OutcomesFileError(Path(path).name, problems)
        return [
            self.record_outcome(
                event_id,
                r.buyer_id,
                r.ikm_id,
                day_outcome=r.day_outcome,
                followup_outcome=r.followup_outcome,
                notes=r.notes,
            )
            for r in records
        ]

    def all_outcomes(self) -> list[Outcome]:
        """Outcomes of every event (the training data of ``matching train --outcomes``)."""
        with self._store.session() as session:
            rows = session.scalars(
                select(OutcomeRow).order_by(OutcomeRow.event_id, OutcomeRow.buyer_id, OutcomeRow.ikm_id)
            ).all()
            return [_outcome(r) for r in rows]

    def _meeting(self, event_id: str, buyer_id: str, ikm_id: str) -> tuple[dict[str, Any], PlanRecord]:
        for plan in reversed(self.plans(event_id)):
            for meeting in self.meetings(event_id, plan.plan_no):
                if meeting["buyer_id"] == buyer_id and meeting["ikm_id"] == ikm_id:
                    return meeting, plan
        raise NotFoundError(f"event {event_id!r} has no meeting of buyer {buyer_id!r} with IKM {ikm_id!r}")

    def outcomes(self, event_id: str) -> list[Outcome]:
        self.get(event_id)
        with self._store.session() as session:
            rows = session.scalars(
                select(OutcomeRow)
                .where(OutcomeRow.event_id == event_id)
                .order_by(OutcomeRow.buyer_id, OutcomeRow.ikm_id)
            ).all()
            return [_outcome(r) for r in rows]
