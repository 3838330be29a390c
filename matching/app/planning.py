"""Planning a business-matching event: scores -> match list -> schedule -> checked plan -> exports.

:func:`plan_event` scores the event's candidate (buyer, IKM) pairs with a :class:`PairScorer` (each buyer's
best ``top`` IKMs among the event's IKMs, see :func:`matching.ranking.pair_scores.candidate_pairs`), chooses
the meetings (:mod:`matching.events.selection`), puts them into slots and tables
(:mod:`matching.events.scheduling`) and checks the result (:mod:`matching.events.checking`).
:func:`write_exports` writes ``meetings.csv``, ``scores.csv`` and ``plan.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from matching.app.scoring import PairScorer, Participants, ProfileSource
from matching.common.file_names import file_stem, inside
from matching.events.checking import Violation, check_schedule
from matching.events.exports import (
    QrCodes,
    agenda_text,
    meetings_by_participant,
    start_agenda_pdfs,
    write_calendars,
    write_master_grid,
)
from matching.events.meetings import MatchProblem, Meeting, Pair, ScheduleProblem
from matching.events.model import Event, Slot
from matching.events.plan_files import write_meetings_csv, write_scores_csv
from matching.events.rounds import choose_and_schedule
from matching.events.scheduling import ScheduleResult
from matching.events.selection import MatchResult

__all__ = [
    "PairScorer",
    "Participants",
    "PlanResult",
    "agenda_links",
    "plan_event",
    "write_exports",
]


def agenda_links(agenda_link: str | None, people: Iterable[str]) -> dict[str, str]:
    """Participant -> its agenda page, ``agenda_link`` + the quoted id (none without ``agenda_link``)."""
    return {p: agenda_link + quote(p, safe="") for p in people} if agenda_link else {}


@dataclass
class PlanResult:
    """A planned event: the chosen, scheduled meetings and how good and valid they are."""

    event: Event
    slots: list[Slot]
    buyers: list[str]
    ikms: list[str]
    scores: dict[Pair, float]
    reasons: dict[Pair, str]
    match: MatchResult
    schedule: ScheduleResult
    violations: list[Violation]
    seconds: dict[str, float] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # participant id -> company / IKM name
    model_version: str = "weights"  # the ranker that scored the pairs
    rounds: int = 1  # choose-and-schedule rounds it took (see matching.events.rounds)
    replaced: list[tuple[Meeting, str]] = field(default_factory=list)  # tried, no place, replaced
    profiles: ProfileSource | None = None  # what agendas say about participants (products, needs, contacts)
    agenda_link: str | None = None  # "<public URL>/events/<id>/agenda/": the agendas' QR codes link there
    qr_codes: QrCodes | None = field(default=None, repr=False, compare=False)  # started by plan_event

    @property
    def meetings(self) -> list[Meeting]:
        return self.schedule.meetings

    def summary(self) -> dict[str, Any]:
        per_ikm = {i: 0 for i in self.ikms}
        for m in self.meetings:
            per_ikm[m.ikm] = per_ikm.get(m.ikm, 0) + 1
        return {
            "event": self.event.name,
            "model_version": self.model_version,
            "buyers": len(self.buyers),
            "ikms": len(self.ikms),
            "slots": len(self.slots),
            "tables": len(self.event.table_names()),
            "candidate_pairs": len(self.scores),
            "chosen": len(self.match.meetings),
            "scheduled": len(self.meetings),
            "unplaced": [
                {"buyer": m.buyer, "ikm": m.ikm, "reason": why} for m, why in self.schedule.unplaced
            ],
            "replaced": [{"buyer": m.buyer, "ikm": m.ikm, "reason": why} for m, why in self.replaced],
            "objective": self.match.objective,
            "lp_bound": self.match.lp_bound,
            "gap": self.match.gap,
            "min_meetings_per_ikm": min(per_ikm.values(), default=0),
            "ikm_shortfall": self.match.ikm_shortfall,
            "floor_notes": self.match.floor_notes,
            "rounds": self.rounds,
            "idle_gaps_total": self.schedule.idle_gaps_total,
            "violations": [v.message for v in self.violations],
            "seconds": self.seconds,
        }


def plan_event(
    event: Event,
    scorer: PairScorer,
    participants: Participants,
    *,
    top: int = 50,
    time_limit: float = 10.0,
    drop_unplaceable: bool = False,
    agenda_link: str | None = None,
) -> PlanResult:
    """Choose and schedule the event's meetings; see the module docstring.

    ``agenda_link`` (``<public URL>/events/<id>/agenda/``) gives the agendas QR codes to each participant's
    page; their codes are made in a background process while the plan is made (on one core) and are ready
    when :func:`write_exports` writes them.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    buyers, ikms = event.resolve_participants(participants.buyers, participants.ikms)
    links = agenda_links(agenda_link, [*buyers, *ikms])
    qr_codes = QrCodes(links.values()) if links else None
    slots = event.slots()
    tables = event.table_names()
    scores, reasons = scorer.score_pairs(buyers, ikms, top=top)
    timings["scoring"] = time.perf_counter() - started

    kinds = event.preference_kinds()
    fixed = {(f.buyer, f.ikm): f for f in event.fixed_meetings}
    free = {p: len(event.available_slots(p)) for p in [*buyers, *ikms]}
    buyer_cap = event.max_meetings_per_buyer or len(slots)
    ikm_cap = event.max_meetings_per_ikm or len(slots)
    availability = {p: event.available_slots(p) for p in [*buyers, *ikms] if p in event.availability}
    problem = MatchProblem(
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        max_per_buyer={b: min(buyer_cap, free[b]) for b in buyers},
        max_per_ikm={i: min(ikm_cap, free[i]) for i in ikms},
        capacity=len(slots) * len(tables),
        min_per_ikm=event.min_meetings_per_ikm,
        must_meet={p for p, k in kinds.items() if k == "must_meet"},
        meet={p for p, k in kinds.items() if k == "meet"},
        no_thanks={p for p, k in kinds.items() if k == "no_thanks"},
        fixed=set(fixed),
        n_slots=len(slots),
        tables=len(tables),
        availability=availability,
    )

    def prepare(m: Meeting) -> Meeting:
        confirmed = fixed.get(m.pair)
        if confirmed is not None:
            m = replace(m, fixed=True, slot=event.fixed_slot(confirmed).index, table=confirmed.table_name)
        return replace(m, reason=reasons.get(m.pair, m.reason))

    day = ScheduleProblem(
        meetings=[],
        n_slots=len(slots),
        tables=tables,
        availability=availability,
        ikm_fixed_tables=event.ikm_fixed_tables,
    )
    step = time.perf_counter()
    planned = choose_and_schedule(
        problem, day, prepare=prepare, time_limit=time_limit, drop_unplaceable=drop_unplaceable
    )
    match, schedule = planned.match, planned.schedule
    timings["match_list"] = match.seconds
    timings["schedule"] = time.perf_counter() - step - match.seconds
    schedule_problem = replace(day, meetings=[*match.meetings, *(m for m, _ in planned.left_out)])
    violations = check_schedule(
        schedule_problem,
        schedule.meetings,
        max_per_buyer=problem.max_per_buyer,
        max_per_ikm=problem.max_per_ikm,
        no_thanks=problem.no_thanks,
        fixed=[m for m in schedule.meetings if m.pair in fixed],
    )
    timings["total"] = time.perf_counter() - started
    return PlanResult(
        event,
        slots,
        buyers,
        ikms,
        scores,
        reasons,
        match,
        schedule,
        violations,
        timings,
        participants.names,
        scorer.ranker_version,
        planned.rounds,
        planned.replaced,
        profiles=participants.profiles,
        agenda_link=agenda_link,
        qr_codes=qr_codes,
    )


def write_exports(
    plan: PlanResult, out_dir: Path, *, changed: Mapping[Pair, str] | None = None
) -> list[Path]:
    """Every export of a plan into ``out_dir``.

    ``changed`` maps (buyer_id, ikm_id) to "moved" or "added" (e.g. after a re-scheduling): those meetings
    are highlighted (a marker and a colour) in the PDF and text agendas and the master grid.

    ``meetings.csv`` (slot_start, slot_end, table, buyer_id, ikm_id, score, reason), ``scores.csv`` (every
    pair the optimiser could choose, with its reason; see
    :mod:`matching.events.plan_files`), ``plan.json`` (the summary), ``master-grid.xlsx`` (a printable sheet
    per session), ``agendas-id.pdf`` and ``agendas-en.pdf`` (a page per participant, no contact details),
    ``agendas-organiser-id.pdf`` and ``agendas-organiser-en.pdf`` (the same with the counterparts' contact
    details, for the organisers only), ``agendas/<id>-<lang>.txt`` (WhatsApp-ready) and
    ``calendars/<id>.ics`` (when the event has a date). Times are the event's local times with its zone.

    ``changed`` maps (buyer_id, ikm_id) to "moved" or "added" (e.g. after a re-scheduling): those meetings
    are highlighted (a marker and a colour) in the PDF and text agendas and the master grid. With
    ``plan.agenda_link`` every agenda carries a QR code (the text a link) to the participant's agenda page.
    """
    event, people = plan.event, [*plan.buyers, *plan.ikms]
    links = agenda_links(plan.agenda_link, people)
    qr_codes = plan.qr_codes  # each code made once, in a background process while the files below are written
    if links and (qr_codes is None or not qr_codes.covers(links.values())):
        qr_codes = QrCodes(links.values())
    out_dir.mkdir(parents=True, exist_ok=True)
    meetings_path = write_meetings_csv(out_dir / "meetings.csv", plan.meetings, plan.slots)
    scores_path = write_scores_csv(out_dir / "scores.csv", plan.scores, plan.reasons)
    summary_path = out_dir / "plan.json"
    summary_path.write_text(json.dumps(plan.summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written = [meetings_path, scores_path, summary_path]
    grouped = meetings_by_participant(plan.meetings)
    profiles = dict(plan.profiles(people)) if plan.profiles is not None else {}
    pdfs = start_agenda_pdfs(  # in parallel with what follows where that is safe
        [
            (out_dir / f"agendas-{copy}{lang}.pdf", lang, copy == "organiser-")
            for lang in ("id", "en")
            for copy in ("", "organiser-")
        ],
        people,
        plan.meetings,
        plan.slots,
        plan.names,
        event=event,
        changed=changed,
        profiles=profiles,
        links=links,
        grouped=grouped,
        codes=qr_codes.result() if links and qr_codes is not None else None,
    )
    written.append(
        write_master_grid(
            out_dir / "master-grid.xlsx",
            plan.meetings,
            plan.slots,
            event.table_names(),
            plan.names,
            event_name=event.name,
            event=event,
            changed=changed,
        )
    )
    (out_dir / "agendas").mkdir(exist_ok=True)
    for lang in ("id", "en"):
        for person in people:
            path = inside(out_dir / "agendas", f"{file_stem(person)}-{lang}.txt")
            path.write_text(
                agenda_text(
                    person,
                    grouped.get(person, []),
                    plan.slots,
                    plan.names,
                    event_name=event.name,
                    day=event.date,
                    lang=lang,
                    changed=changed,
                    venue=event.venue,
                    zone=event.time_zone,
                    profiles=profiles,
                    link=links.get(person),
                ),
                encoding="utf-8",
            )
            written.append(path)
    if event.date is not None:
        written += write_calendars(
            out_dir / "calendars",
            people,
            plan.meetings,
            plan.slots,
            plan.names,
            event_name=event.name,
            day=event.date,
            venue=event.venue,
            time_zone=event.time_zone,
        )
    written += pdfs()
    return written
