"""Participants' own ratings of their meetings (``participant_ratings``), and what their agenda last showed
(``agenda_views``).

A rating is one side's view of one meeting: at most one per (event, buyer, IKM, side), whichever of the
side's users gave it last (``rated_by``). It uses the outcome scale of :mod:`matching.store.outcomes` (on the
day, and the follow-up months later); organisers' entries stay in ``outcomes``. Which pairs may be rated,
and when, is the caller's rule (:mod:`matching.app.ratings`); the repository stores what it is given.

An agenda view is what one user's agenda showed when last opened: the plan number and, per counterpart,
the meeting's start and table (and how it had changed), so the next view can mark what moved, what is new
and what was cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from matching.store.database import Store
from matching.store.tables import AgendaViewRow, ParticipantRatingRow, as_utc, utc_now

__all__ = ["AgendaView", "AgendaViews", "ParticipantRating", "ParticipantRatings"]


@dataclass(frozen=True)
class ParticipantRating:
    event_id: str
    buyer_id: str
    ikm_id: str
    rater_kind: str  # buyer | ikm: the side that rated
    rated_by: str  # the account
    day_outcome: str | None
    followup_outcome: str | None
    notes: str | None
    plan_no: int
    rated_at: dt.datetime
    updated_at: dt.datetime


def _rating(row: ParticipantRatingRow) -> ParticipantRating:
    values = {f: getattr(row, f) for f in ParticipantRating.__dataclass_fields__}
    return ParticipantRating(
        **values | {"rated_at": as_utc(row.rated_at), "updated_at": as_utc(row.updated_at)}
    )


class ParticipantRatings:
    """The ``participant_ratings`` table of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def rate(
        self,
        event_id: str,
        buyer_id: str,
        ikm_id: str,
        rater_kind: str,
        *,
        rated_by: str,
        plan_no: int,
        day_outcome: str | None,
        followup_outcome: str | None,
        notes: str | None,
    ) -> ParticipantRating:
        """Set the side's rating of the meeting (the values given replace the stored ones)."""
        with self._store.session() as session:
            row = session.get(ParticipantRatingRow, (event_id, buyer_id, ikm_id, rater_kind))
            if row is None:
                row = ParticipantRatingRow(
                    event_id=event_id, buyer_id=buyer_id, ikm_id=ikm_id, rater_kind=rater_kind
                )
                session.add(row)
            row.rated_by = rated_by
            row.plan_no = plan_no
            row.day_outcome = day_outcome
            row.followup_outcome = followup_outcome
            row.notes = notes
            session.commit()
            return _rating(row)

    def of_side(self, event_id: str, rater_kind: str, participant_id: str) -> list[ParticipantRating]:
        """The ratings one buyer or IKM gave at the event."""
        column = ParticipantRatingRow.buyer_id if rater_kind == "buyer" else ParticipantRatingRow.ikm_id
        with self._store.session() as session:
            rows = session.scalars(
                select(ParticipantRatingRow).where(
                    ParticipantRatingRow.event_id == event_id,
                    ParticipantRatingRow.rater_kind == rater_kind,
                    column == participant_id,
                )
            ).all()
            return [_rating(r) for r in rows]

    def all(self) -> list[ParticipantRating]:
        """Every participant rating, by event, buyer, IKM and side."""
        with self._store.session() as session:
            rows = session.scalars(
                select(ParticipantRatingRow).order_by(
                    ParticipantRatingRow.event_id,
                    ParticipantRatingRow.buyer_id,
                    ParticipantRatingRow.ikm_id,
                    ParticipantRatingRow.rater_kind,
                )
            ).all()
            return [_rating(r) for r in rows]


@dataclass(frozen=True)
class AgendaView:
    """What a user's agenda of an event showed: the plan and, per counterpart, ``{"start", "table", ...}``."""

    plan_no: int
    meetings: dict[str, dict[str, Any]]
    seen_at: dt.datetime


class AgendaViews:
    """The ``agenda_views`` table of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, user_id: str, event_id: str) -> AgendaView | None:
        with self._store.session() as session:
            row = session.get(AgendaViewRow, (user_id, event_id))
            if row is None:
                return None
            return AgendaView(row.plan_no, dict(row.meetings or {}), as_utc(row.seen_at))

    def save(self, user_id: str, event_id: str, plan_no: int, meetings: dict[str, dict[str, Any]]) -> None:
        with self._store.session() as session:
            row = session.get(AgendaViewRow, (user_id, event_id))
            if row is None:
                row = AgendaViewRow(user_id=user_id, event_id=event_id)
                session.add(row)
            row.plan_no = plan_no
            row.meetings = meetings
            row.seen_at = utc_now()
            session.commit()
