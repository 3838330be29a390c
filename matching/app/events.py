"""The event service: definitions, numbered plans with their exports, and meeting outcomes, over time.

What the service (and anyone else holding an :class:`~matching.app.engine.Engine`) uses to run an event:
``engine.events.create(yaml_text)`` stores an event definition (the format of :mod:`matching.events.model`);
:meth:`Events.plan` plans it and writes every export into ``<home>/events/<event id>/plans/<n>/``;
:meth:`Events.reschedule` repairs the newest plan after changes on the day (the format of
:mod:`matching.events.repair`; changes accumulate over re-schedules); :meth:`Events.record_outcomes` rates
meetings, keeping the plan, score and model version that proposed each.

:class:`Events` is composed of its parts: the event and outcome repositories of the store
(:mod:`matching.store.events`, :mod:`matching.store.outcomes`), the folder the exports go to, a
:class:`~matching.app.scoring.PairScorer` and the participants the catalogue holds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from matching.app.agendas import ParticipantAgenda, participant_agenda
from matching.app.day import EventDay
from matching.app.planning import plan_event, write_exports
from matching.app.replanning import RescheduleResult, reschedule_event, write_reschedule
from matching.app.requests import honour_requests
from matching.app.scoring import PairScorer, Participants
from matching.common.yaml_files import read_data_text, validate_data
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.model import Event, EventFileError, parse_event
from matching.events.plan_files import read_meetings_csv, read_plan_rows, read_scores_csv
from matching.events.repair import Changes, ChangesFileError, merge_changes
from matching.learning.outcomes import (
    DAY_OUTCOMES,
    FOLLOWUP_OUTCOMES,
    OutcomeRecord,
    OutcomesFileError,
    read_outcomes_file,
)
from matching.store.day import DayRepository
from matching.store.events import EventRepository, StoredEvent, StoredPlan
from matching.store.outcomes import MetMeeting, Outcome, OutcomeRepository
from matching.store.requests import MeetingRequests

__all__ = [
    "DAY_OUTCOMES",
    "FOLLOWUP_OUTCOMES",
    "EventDay",
    "EventRecord",
    "Events",
    "Outcome",
    "PlanRecord",
]

_SLUG = re.compile(r"[^a-z0-9]+")
_EVENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


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


class Events:
    """The events of one store, their plans under ``root`` (``<root>/<event id>/plans/<n>/``), and outcomes.

    Plans are scored by ``scorer`` over ``participants()`` (called when a plan is made: the catalogue may
    have changed since the last one).
    """

    def __init__(
        self,
        root: Path,
        events: EventRepository,
        outcomes: OutcomeRepository,
        *,
        scorer: PairScorer,
        participants: Callable[[], Participants],
        public_url: str | None = None,
        days: DayRepository | None = None,
        on_day_change: Callable[[str, str], None] | None = None,
        requests: MeetingRequests | None = None,
    ) -> None:
        self.root = root
        self.public_url = (
            public_url  # agendas' QR codes link to <public_url>/events/<id>/agenda/<participant>
        )
        self._events = events
        self._outcomes = outcomes
        self._scorer = scorer
        self._participants = participants
        self._days = days
        self._on_day_change = on_day_change  # (event id, who) after the day console changed the plan
        self._requests = requests  # participants' answered meeting requests: plans honour them

    @property
    def day(self) -> EventDay:
        """The event day: check-ins, previewed changes, the audit log and undo (:mod:`matching.app.day`)."""
        if self._days is None:
            raise ConfigError("these events have no day log (no DayRepository was given)")
        return EventDay(self, self._days, on_change=self._on_day_change)

    def people(self) -> Participants:
        """Who the catalogue holds now (ids and names of buyers and IKMs)."""
        return self._participants()

    # -- definitions -----------------------------------------------------------------------------------

    @staticmethod
    def parse(source: str, *, name: str = "event") -> Event:
        """Validate an event definition given as YAML or JSON text (:class:`EventFileError` if invalid)."""
        return parse_event(read_data_text(source, name, error=EventFileError), name)

    def _record(self, stored: StoredEvent) -> EventRecord:
        return EventRecord(
            stored.event_id,
            stored.name,
            self.parse(stored.source, name=stored.event_id),
            stored.source,
            stored.created_at,
            stored.updated_at,
            stored.plans,
        )

    def create(self, source: str, *, event_id: str | None = None) -> EventRecord:
        """Store a new event; its id is ``event_id`` or made from its name (ConflictError if taken)."""
        event = self.parse(source)
        event_id = event_id or slug(event.name)
        if not _EVENT_ID.match(event_id):
            raise EventFileError(
                "event", [f"event_id: use lower-case letters, digits and hyphens (value: {event_id!r})"]
            )
        self._events.add(event_id, event.name, source)
        return self.get(event_id)

    def update(self, event_id: str, source: str) -> EventRecord:
        """Replace an event's definition; its plans stay as they were. The next :meth:`reschedule` repairs
        the newest plan against the new definition (meetings in slots, tables or windows it no longer has
        move or are cancelled, with the reason)."""
        event = self.parse(source, name=event_id)
        self._events.update(event_id, event.name, source)
        return self.get(event_id)

    def get(self, event_id: str) -> EventRecord:
        return self._record(self._events.get(event_id))

    def all(self) -> list[EventRecord]:
        """Every event, oldest first."""
        return [self._record(stored) for stored in self._events.all()]

    def delete(self, event_id: str) -> None:
        """Delete an event with its plans, exports and outcomes."""
        self._events.delete(event_id)
        if self._days is not None:
            self._days.delete_event(event_id)
        shutil.rmtree(self.root / event_id, ignore_errors=True)

    # -- plans -----------------------------------------------------------------------------------------

    def _plan_record(self, stored: StoredPlan) -> PlanRecord:
        folder = self.root / stored.event_id / "plans" / str(stored.plan_no)
        return PlanRecord(
            stored.event_id,
            stored.plan_no,
            stored.kind,
            stored.model_version,
            stored.summary,
            stored.created_at,
            folder,
        )

    def plans(self, event_id: str) -> list[PlanRecord]:
        self._events.get(event_id)
        return [self._plan_record(p) for p in self._events.plans(event_id)]

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

    def save_plan(
        self,
        event_id: str,
        kind: str,
        summary: dict[str, Any],
        staged: Path,
        changes: str | None = None,
        *,
        after: int | None = None,
    ) -> PlanRecord:
        """Number the staged exports (a folder, moved into place) as the event's next plan and record it.

        With ``after``, only when the newest plan is still plan ``after`` (else :class:`ConflictError`, and
        nothing is recorded or moved).
        """

        def place(plan_no: int) -> None:
            if after is not None and plan_no != after + 1:
                raise ConflictError(
                    f"the plan changed since the preview (plan {plan_no - 1} is in force now); preview again"
                )
            folder = self.root / event_id / "plans" / str(plan_no)
            if folder.exists():  # left over from a deleted event of the same id
                shutil.rmtree(folder)
            folder.parent.mkdir(parents=True, exist_ok=True)
            staged.rename(folder)

        model_version = str(summary.get("model_version", self._scorer.ranker_version))
        stored = self._events.add_plan(event_id, kind, model_version, summary, place, changes)
        return self._plan_record(stored)

    def agenda_link(self, event_id: str) -> str | None:
        """Where the event's agenda pages are, ``<public_url>/events/<id>/agenda/`` (None: no public URL)."""
        if not self.public_url:
            return None
        return f"{self.public_url.rstrip('/')}/events/{quote(event_id, safe='')}/agenda/"

    def _staging(self, event_id: str) -> Path:
        base = self.root / event_id
        base.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".staging-", dir=base))

    def plan(
        self,
        event_id: str,
        *,
        top: int = 50,
        time_limit: float = 10.0,
        event: Event | None = None,
        changes: Changes | None = None,
    ) -> PlanRecord:
        """Plan the event from scratch (match list, schedule, check) and keep every export as a new plan.

        ``event`` replaces the stored definition for this plan (the event with the day's state applied,
        :meth:`EventDay.plan_again`); ``changes`` is then the day's state the new plan carries on.
        Participants' accepted meeting requests are must-meet pairs, declined ones no-thanks, unless the
        organiser's own preference says otherwise (:func:`matching.app.requests.honour_requests`).
        """
        record = self.get(event_id)
        people = self._participants()
        chosen = event or record.event
        if self._requests is not None:
            answered = self._requests.for_event(event_id)
            chosen = honour_requests(chosen, answered, buyers=people.buyers, ikms=people.ikms)
        link = self.agenda_link(event_id)
        result = plan_event(chosen, self._scorer, people, top=top, time_limit=time_limit, agenda_link=link)
        staged = self._staging(event_id)
        try:
            write_exports(result, staged)
            summary = json.loads(json.dumps(result.summary(), default=str))
            state = changes.model_dump_json() if changes is not None else None
            return self.save_plan(event_id, "plan", summary, staged, state)
        finally:
            shutil.rmtree(staged, ignore_errors=True)

    def changes(self, event_id: str, plan_no: int | None = None) -> Changes | None:
        """The day's accumulated changes a plan carries (None: a plan made from the definition alone)."""
        plan = self.plan_record(event_id, plan_no)
        text = self._events.plan_changes(event_id, plan.plan_no)
        return Changes.model_validate_json(text) if text else None

    def repair(self, event_id: str, changes: Changes, *, time_limit: float = 4.0) -> RescheduleResult:
        """The newest plan repaired after ``changes`` (the whole accumulated state), not yet saved."""
        record = self.get(event_id)
        current = self.plan_record(event_id)
        # the plan was written by us; a start the event no longer has means the event was edited since
        # (a slot cut by a new break, a shorter session): that meeting has no slot now and is moved
        meetings = read_meetings_csv(current.folder / "meetings.csv", record.event.slots())
        scores, reasons = read_scores_csv(current.folder / "scores.csv")
        result = reschedule_event(
            record.event,
            meetings,
            changes,
            self._scorer,
            self._participants(),
            scores=scores,
            reasons=reasons,
            time_limit=time_limit,
            agenda_link=self.agenda_link(event_id),
        )
        return result

    def reschedule(self, event_id: str, changes_source: str, *, time_limit: float = 4.0) -> PlanRecord:
        """Repair the newest plan after ``changes_source`` (YAML or JSON, the changes-file format).

        Changes add up: those of earlier re-schedules of this event still hold (no-shows stay absent).
        """
        self.get(event_id)
        data = read_data_text(changes_source, "changes", error=ChangesFileError)
        changes = validate_data(
            data, Changes, source="changes", root="changes", error=ChangesFileError, empty_ok=True
        )
        changes = merge_changes(self.changes(event_id), changes)
        result = self.repair(event_id, changes, time_limit=time_limit)
        staged = self._staging(event_id)
        try:
            write_reschedule(result, staged)
            summary = json.loads(json.dumps(result.plan.summary(), default=str))
            summary["changes"] = result.replan.report()
            return self.save_plan(event_id, "reschedule", summary, staged, changes.model_dump_json())
        finally:
            shutil.rmtree(staged, ignore_errors=True)

    def agenda(self, event_id: str, participant_id: str) -> ParticipantAgenda:
        """One participant's meetings in the newest plan, for its agenda page (see matching.app.agendas)."""
        record = self.get(event_id)
        plan = self.plan_record(event_id) if record.plans else None
        return participant_agenda(record, plan, participant_id, self._participants())

    def files(self, event_id: str, plan_no: int | None = None) -> list[str]:
        """The export files of a plan, as paths relative to its folder (``agendas/B001-id.pdf`` ...)."""
        folder = self.plan_record(event_id, plan_no).folder
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())

    def file(self, event_id: str, name: str, plan_no: int | None = None) -> Path:
        """One export file of a plan by its relative path; never a path outside the plan's folder."""
        folder = self.plan_record(event_id, plan_no).folder.resolve()
        try:
            path = (folder / name).resolve()
            if path.is_relative_to(folder) and path.is_file():
                return path
        except (OSError, ValueError):  # a NUL byte, a name too long for the file system ...
            pass
        raise NotFoundError(f"plan of event {event_id!r} has no file {name!r}")

    def meetings(self, event_id: str, plan_no: int | None = None) -> list[dict[str, Any]]:
        """The plan's schedule, one dict per meeting (slot, table, buyer, IKM, names, score, reason)."""
        plan = self.plan_record(event_id, plan_no)
        names = self._participants().names
        rows = read_plan_rows(plan.folder / "meetings.csv")
        return [
            {
                **row,
                "score": float(row["score"]),
                "buyer_name": names.get(row["buyer_id"], ""),
                "ikm_name": names.get(row["ikm_id"], ""),
            }
            for row in rows
        ]

    # -- outcomes --------------------------------------------------------------------------------------

    def record_outcome(
        self,
        event_id: str,
        buyer_id: str,
        ikm_id: str,
        *,
        day_outcome: str | None = None,
        followup_outcome: str | None = None,
        notes: str | None = None,
        entered_by: str | None = None,
    ) -> Outcome:
        """Record (or update) the rating of a meeting of the event's newest plan that holds the pair.

        Only the values given change (None leaves one as it is, ``""`` clears it); the meeting's plan, score
        and model version are kept with it, and ``entered_by`` (the organiser key's name) with the row.
        """
        rating = OutcomeRecord(buyer_id, ikm_id, day_outcome, followup_outcome, notes)
        return self.record_outcomes(event_id, [rating], entered_by=entered_by)[0]

    def record_outcomes(
        self, event_id: str, ratings: Sequence[OutcomeRecord], *, entered_by: str | None = None
    ) -> list[Outcome]:
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
        return self._outcomes.record(event_id, ratings, met, entered_by=entered_by)

    def import_outcomes(self, event_id: str, path: str | Path) -> list[Outcome]:
        """Record every row of an outcomes CSV/XLSX (:func:`matching.learning.outcomes.read_outcomes_file`).

        All or nothing: when a row is invalid or names a pair that never met at this event, nothing is
        recorded and :class:`~matching.learning.outcomes.OutcomesFileError` lists each such row.
        """
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
        return self._outcomes.all()

    def outcomes(self, event_id: str) -> list[Outcome]:
        self._events.get(event_id)
        return self._outcomes.for_event(event_id)

    def _met(self, event_id: str) -> dict[tuple[str, str], MetMeeting]:
        """Every pair that has a meeting in some plan of the event: its score and the newest such plan.

        Reads each plan's meetings.csv once (no participant names needed here).
        """
        met: dict[tuple[str, str], MetMeeting] = {}
        for plan in self.plans(event_id):  # oldest first: a newer plan overwrites
            for row in read_plan_rows(plan.folder / "meetings.csv"):
                met[(row["buyer_id"], row["ikm_id"])] = MetMeeting(
                    float(row["score"]), plan.plan_no, plan.model_version
                )
        return met
