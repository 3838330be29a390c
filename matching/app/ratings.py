"""Participants rate their own meetings, and the tuning loop reads those ratings beside the organisers'.

Rules of :meth:`Ratings.rate`: the rater's participant takes part in the event, a plan is published, the
pair (the rater and the counterpart) has a meeting in that plan, and the meeting has started (its local
start in the event's zone, :func:`matching.app.my_agenda.meeting_start`); else :class:`NotFoundError` (not
the rater's meeting: the same answer as an unknown one) or :class:`ConflictError` (not started yet). Values
use the outcome scale (:data:`matching.learning.outcomes.DAY_OUTCOMES`, ``FOLLOWUP_OUTCOMES``): the day's
outcome on the day, the follow-up months later. Each side keeps one rating per meeting, the newest of its
users' (``rated_by``).

:meth:`Ratings.training_outcomes` is what ``matching train --outcomes`` learns from: organisers' outcomes
and participants' ratings, one per pair (:func:`matching.learning.outcomes.combined_outcomes`: an
organiser's entry wins; else the lower of the two sides' values on each stage's scale).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from matching.app.my_agenda import MyAgendas, meeting_start
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.plan_files import read_plan_rows
from matching.learning.outcomes import DAY_OUTCOMES, FOLLOWUP_OUTCOMES, CombinedOutcome, combined_outcomes
from matching.store.ratings import ParticipantRating, ParticipantRatings

if TYPE_CHECKING:
    from matching.app.events import Events
    from matching.store.accounts import Account

__all__ = ["Ratings"]


class Ratings:
    """Participants' ratings of their meetings (over the agendas, the events and the ratings table)."""

    def __init__(self, agendas: MyAgendas, events: Events, ratings: ParticipantRatings) -> None:
        self._agendas = agendas
        self._events = events
        self._ratings = ratings

    def rate(
        self,
        event_id: str,
        account: Account,
        counterpart: str,
        *,
        day_outcome: str | None,
        followup_outcome: str | None = None,
        notes: str | None = None,
        now: dt.datetime | None = None,
    ) -> ParticipantRating:
        """Store the account's side's rating of its meeting with ``counterpart`` (see the module doc)."""
        if day_outcome and day_outcome not in DAY_OUTCOMES:
            raise ConfigError(f"day_outcome {day_outcome!r} is not one of {', '.join(DAY_OUTCOMES)}")
        if followup_outcome and followup_outcome not in FOLLOWUP_OUTCOMES:
            raise ConfigError(
                f"followup_outcome {followup_outcome!r} is not one of {', '.join(FOLLOWUP_OUTCOMES)}"
            )
        if not day_outcome and not followup_outcome:
            raise ConfigError("choose how the meeting went (day_outcome) or what followed (followup_outcome)")
        settings, plan = self._agendas.published_plan(event_id, account)
        pair = (
            (account.participant_id, counterpart)
            if account.kind == "buyer"
            else (counterpart, account.participant_id)
        )
        row = None
        if plan is not None:
            row = next(
                (
                    r
                    for r in read_plan_rows(plan.folder / "meetings.csv")
                    if (r["buyer_id"], r["ikm_id"]) == pair and r["slot_start"]
                ),
                None,
            )
        if plan is None or row is None:
            raise NotFoundError(
                f"no meeting with {counterpart!r} in the published agenda of event {event_id!r}"
            )
        event = self._events.get(event_id).event
        start = meeting_start(event, row["slot_start"], settings.published_at)
        moment = now or dt.datetime.now(dt.UTC)
        if start is None or moment < start:
            raise ConflictError(
                f"the meeting with {counterpart!r} starts at {row['slot_start']} {event.time_zone}; "
                "rate it once it has started"
            )
        return self._ratings.rate(
            event_id,
            pair[0],
            pair[1],
            account.kind,
            rated_by=account.user_id,
            plan_no=plan.plan_no,
            day_outcome=day_outcome or None,
            followup_outcome=followup_outcome or None,
            notes=(notes or "").strip() or None,
        )

    def all(self) -> list[ParticipantRating]:
        return self._ratings.all()

    def training_outcomes(self) -> list[CombinedOutcome]:
        """Organisers' outcomes and participants' ratings of every event, one outcome per pair (see the
        module doc): the labels ``matching train --outcomes`` learns from."""
        return combined_outcomes(self._events.all_outcomes(), self._ratings.all())
