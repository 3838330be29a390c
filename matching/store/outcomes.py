"""Meeting outcomes in the store: one row per (event, buyer, IKM), recorded one by one or many at once.

Outcome scale (two stages, as organisers rate meetings):
on the day ``not_held`` / ``insufficient_interest`` / ``cooperation_possible`` / ``deal_agreed``;
months later ``no_further_contact`` / ``negotiation_started`` / ``agreement_reached``.
Each outcome keeps the plan, score and model version of the meeting it rates: the training data of
``matching train --outcomes`` (labels by :mod:`matching.learning.outcomes`). The repository stores the values
it is given; which values are valid, and which pairs met, is the caller's rule
(:class:`matching.app.events.Events`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from matching.store.database import Store
from matching.store.tables import OutcomeRow, as_utc

__all__ = ["MetMeeting", "Outcome", "OutcomeRepository", "Rating"]


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
    entered_by: str | None = None  # the organiser key's name that last rated it (None: a file import)


class Rating(Protocol):
    """What a rating gives: the pair, and the values to set (None leaves one as it is, ``""`` clears it)."""

    @property
    def buyer_id(self) -> str: ...
    @property
    def ikm_id(self) -> str: ...
    @property
    def day_outcome(self) -> str | None: ...
    @property
    def followup_outcome(self) -> str | None: ...
    @property
    def notes(self) -> str | None: ...


@dataclass(frozen=True)
class MetMeeting:
    """The meeting a pair had at an event: its score and the plan (number, model version) that holds it."""

    score: float
    plan_no: int
    model_version: str


def _outcome(row: OutcomeRow) -> Outcome:
    values = {f: getattr(row, f) for f in Outcome.__dataclass_fields__}
    return Outcome(**values | {"recorded_at": as_utc(row.recorded_at), "updated_at": as_utc(row.updated_at)})


class OutcomeRepository:
    """The ``outcomes`` table of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def record(
        self,
        event_id: str,
        ratings: Sequence[Rating],
        met: Mapping[tuple[str, str], MetMeeting],
        *,
        entered_by: str | None = None,
    ) -> list[Outcome]:
        """Write every rating in one transaction; a new row takes its meeting from ``met`` (which must hold
        every rated pair). ``entered_by`` (who rated: an organiser key's name) is kept on each row written."""
        with self._store.session() as session:
            rows = []
            for r in ratings:
                row = session.get(OutcomeRow, (event_id, r.buyer_id, r.ikm_id))
                if row is None:
                    meeting = met[(r.buyer_id, r.ikm_id)]
                    row = OutcomeRow(
                        event_id=event_id,
                        buyer_id=r.buyer_id,
                        ikm_id=r.ikm_id,
                        plan_no=meeting.plan_no,
                        model_version=meeting.model_version,
                        score=meeting.score,
                    )
                    session.add(row)
                if r.day_outcome is not None:  # "" clears
                    row.day_outcome = r.day_outcome or None
                if r.followup_outcome is not None:
                    row.followup_outcome = r.followup_outcome or None
                if r.notes is not None:
                    row.notes = r.notes or None
                if entered_by is not None:
                    row.entered_by = entered_by
                rows.append(row)
            session.commit()
            return [_outcome(row) for row in rows]

    def for_event(self, event_id: str) -> list[Outcome]:
        """The event's outcomes, by buyer and IKM."""
        with self._store.session() as session:
            rows = session.scalars(
                select(OutcomeRow)
                .where(OutcomeRow.event_id == event_id)
                .order_by(OutcomeRow.buyer_id, OutcomeRow.ikm_id)
            ).all()
            return [_outcome(r) for r in rows]

    def all(self) -> list[Outcome]:
        """Outcomes of every event, by event, buyer and IKM."""
        with self._store.session() as session:
            rows = session.scalars(
                select(OutcomeRow).order_by(OutcomeRow.event_id, OutcomeRow.buyer_id, OutcomeRow.ikm_id)
            ).all()
            return [_outcome(r) for r in rows]
