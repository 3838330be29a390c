"""Meeting outcomes kept in the store, per event: recorded one by one (the service) or from a file (the CLI).

Outcome scale (two stages, as organisers rate meetings):
on the day ``not_held`` / ``insufficient_interest`` / ``cooperation_possible`` / ``deal_agreed``;
months later ``no_further_contact`` / ``negotiation_started`` / ``agreement_reached``.
Each outcome keeps the plan, score and model version of the meeting it rates: the training data of
``matching train --outcomes`` (labels by :mod:`matching.learning.outcomes`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from matching.errors import ConfigError, NotFoundError
from matching.learning.outcomes import DAY_OUTCOMES, FOLLOWUP_OUTCOMES, OutcomeRecord
from matching.store.database import Base, as_utc

if TYPE_CHECKING:
    from matching.app.events import PlanRecord

__all__ = ["DAY_OUTCOMES", "FOLLOWUP_OUTCOMES", "Outcome", "OutcomeRow", "OutcomeStore"]


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
    """The outcome methods of :class:`matching.app.events.Events` (which provides plans and meetings)."""

    _store: Any

    def plans(self, event_id: str) -> list[PlanRecord]:  # provided by Events
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

        Only the values given change (None leaves one as it is, ``""`` clears it); the meeting's plan, score
        and model version are kept with it.
        """
        rating = OutcomeRecord(buyer_id, ikm_id, day_outcome, followup_outcome, notes)
        return self.record_outcomes(event_id, [rating])[0]

    def record_outcomes(self, event_id: str, ratings: Sequence[OutcomeRecord]) -> list[Outcome]:
        """:meth:`record_outcome` for several meetings, in one transaction: all of them or none.

        :class:`ConfigError` names the first unknown outcome value, :class:`NotFoundError` the first pair
        that has no meeting at the event.
        """
        for r in ratings:
            if r.day_outcome and r.day_outcome not in DAY_OUTCOMES:
                raise ConfigError(f"day_outcome {r.day_outcome!r} is not one of {', '.join(DAY_OUTCOMES)}")
            if r.followup_outcome and r.followup_outcome not in FOLLOWUP_OUTCOMES:
                raise ConfigError(
                    f"followup_outcome {r.followup_outcome!r} is not one of {', '.join(FOLLOWUP_OUTCOMES)}"
                )
        met = self._met(event_id)
        for r in ratings:
            if (r.buyer_id, r.ikm_id) not in met:
                raise NotFoundError(
                    f"event {event_id!r} has no meeting of buyer {r.buyer_id!r} with IKM {r.ikm_id!r}"
                )
        with self._store.session() as session:
            rows = []
            for r in ratings:
                row = session.get(OutcomeRow, (event_id, r.buyer_id, r.ikm_id))
                if row is None:
                    score, plan = met[(r.buyer_id, r.ikm_id)]
                    row = OutcomeRow(
                        event_id=event_id,
                        buyer_id=r.buyer_id,
                        ikm_id=r.ikm_id,
                        plan_no=plan.plan_no,
                        model_version=plan.model_version,
                        score=score,
                    )
                    session.add(row)
                if r.day_outcome is not None:  # "" clears
                    row.day_outcome = r.day_outcome or None
                if r.followup_outcome is not None:
                    row.followup_outcome = r.followup_outcome or None
                if r.notes is not None:
                    row.notes = r.notes or None
                rows.append(row)
            session.commit()
            return [_outcome(row) for row in rows]

    def import_outcomes(self, event_id: str, path: str | Path) -> list[Outcome]:
        """Record every row of an outcomes CSV/XLSX (:func:`matching.learning.outcomes.read_outcomes_file`).

        All or nothing: when a row is invalid or names a pair that never met at this event, nothing is
        recorded and :class:`~matching.learning.outcomes.OutcomesFileError` lists each such row.
        """
        from matching.learning.outcomes import OutcomesFileError, read_outcomes_file

        records = read_outcomes_file(path)
        met = self._met(event_id)
        problems = [
            f"row {number}: buyer {r.buyer_id!r} and IKM {r.ikm_id!r} have no meeting at event {event_id!r}"
            for number, r in enumerate(records, start=2)
            if (r.buyer_id, r.ikm_id) not in met
        ]
        if problems:
            raise OutcomesFileError(Path(path).name, problems)
        return self.record_outcomes(event_id, records)

    def all_outcomes(self) -> list[Outcome]:
        """Outcomes of every event (the training data of ``matching train --outcomes``)."""
        with self._store.session() as session:
            rows = session.scalars(
                select(OutcomeRow).order_by(OutcomeRow.event_id, OutcomeRow.buyer_id, OutcomeRow.ikm_id)
            ).all()
            return [_outcome(r) for r in rows]

    def _met(self, event_id: str) -> dict[tuple[str, str], tuple[float, PlanRecord]]:
        """Every pair that has a meeting in some plan of the event: its score and the newest such plan.

        Reads each plan's meetings.csv once (no participant names needed here).
        """
        met: dict[tuple[str, str], tuple[float, PlanRecord]] = {}
        for plan in self.plans(event_id):  # oldest first: a newer plan overwrites
            with (plan.folder / "meetings.csv").open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    met[(row["buyer_id"], row["ikm_id"])] = (float(row["score"]), plan)
        return met

    def outcomes(self, event_id: str) -> list[Outcome]:
        self.get(event_id)
        with self._store.session() as session:
            rows = session.scalars(
                select(OutcomeRow)
                .where(OutcomeRow.event_id == event_id)
                .order_by(OutcomeRow.buyer_id, OutcomeRow.ikm_id)
            ).all()
            return [_outcome(r) for r in rows]
