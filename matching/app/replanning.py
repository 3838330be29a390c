"""Re-scheduling an event: late registrants scored, the plan repaired, every export rewritten.

:func:`reschedule_event` wraps :func:`matching.events.repair.replan` (which needs no ranking) for the CLI and
the service, scoring late registrants with a :class:`~matching.app.scoring.PairScorer`;
:func:`write_reschedule` writes the new plan's exports (as :func:`matching.app.planning.write_exports`) plus
the diff: ``changes.csv``, ``changes.json`` and a WhatsApp-ready notice per participant whose day changed.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from matching.app.planning import PlanResult, agenda_links, write_exports
from matching.app.scoring import PairScorer, Participants
from matching.common.file_names import file_stem, inside
from matching.common.spreadsheet import csv_text
from matching.events.exports import QrCodes, changes_text, meetings_by_participant
from matching.events.meetings import Meeting, Pair
from matching.events.model import Event, EventFileError
from matching.events.repair import Changes, Replan, replan

__all__ = ["RescheduleResult", "changed_meetings", "reschedule_event", "write_reschedule"]


@dataclass
class RescheduleResult:
    """A repaired plan (exportable like any plan) and the repair's diff."""

    plan: PlanResult
    replan: Replan


def reschedule_event(
    event: Event,
    current: list[Meeting],
    changes: Changes,
    scorer: PairScorer,
    participants: Participants,
    *,
    scores: dict[Pair, float] | None = None,
    reasons: dict[Pair, str] | None = None,
    top: int = 50,
    time_limit: float = 4.0,
    model_version: str | None = None,
    agenda_link: str | None = None,
) -> RescheduleResult:
    """Repair ``current`` after ``changes`` (see :mod:`matching.events.repair`).

    ``scores``/``reasons`` are the plan's candidate pairs (its ``scores.csv``); when missing they are
    computed again. Late registrants are scored against the event's other side with the ranker.
    ``model_version`` names the ranker that made ``scores``; the result reports it unless pairs were scored
    now, by the scorer's ranker. ``agenda_link`` gives the agendas QR codes (see
    :func:`~matching.app.planning.plan_event`), made in the background during the repair.
    """
    started = time.perf_counter()
    known_buyers, known_ikms = participants.buyers, participants.ikms
    buyers, ikms = event.resolve_participants(known_buyers, known_ikms)
    problems = [f"new_buyers: unknown buyer id {b}" for b in changes.new_buyers if b not in known_buyers]
    problems += [f"new_ikms: unknown IKM id {i}" for i in changes.new_ikms if i not in known_ikms]
    if problems:
        raise EventFileError("changes", problems)
    new_buyers = [b for b in changes.new_buyers if b not in buyers]
    new_ikms = [i for i in changes.new_ikms if i not in ikms]
    rescored = scores is None or bool(new_buyers or new_ikms)  # else the plan's own scores are reused
    if scores is None:
        scores, reasons = scorer.score_pairs(buyers, ikms, top=top)
    scores, reasons = dict(scores), dict(reasons or {})
    for extra_buyers, extra_ikms in ((new_buyers, [*ikms, *new_ikms]), (buyers, new_ikms)):
        if extra_buyers and extra_ikms:
            more, why = scorer.score_pairs(extra_buyers, extra_ikms, top=top)
            scores |= more
            reasons |= why
    buyers, ikms = [*buyers, *new_buyers], [*ikms, *new_ikms]
    absent = set(changes.no_shows)
    buyers_left, ikms_left = [b for b in buyers if b not in absent], [i for i in ikms if i not in absent]
    links = agenda_links(agenda_link, [*buyers_left, *ikms_left])
    qr_codes = QrCodes(links.values()) if links else None
    timings = {"scoring": time.perf_counter() - started}
    repaired = replan(
        event,
        current,
        changes,
        buyers=buyers,
        ikms=ikms,
        scores=scores,
        reasons=reasons,
        time_limit=time_limit,
    )
    timings["replan"] = repaired.seconds
    timings["total"] = time.perf_counter() - started
    plan = PlanResult(
        event,
        event.slots(),
        buyers_left,
        ikms_left,
        scores,
        reasons,
        repaired.match,
        repaired.schedule,
        repaired.violations,
        timings,
        participants.names,
        scorer.ranker_version if rescored or model_version is None else model_version,
        profiles=participants.profiles,
        agenda_link=agenda_link,
        qr_codes=qr_codes,
    )
    return RescheduleResult(plan, repaired)


def changed_meetings(result: RescheduleResult) -> dict[Pair, str]:
    """(buyer_id, ikm_id) -> "moved" or "added" for the meetings the repair changed."""
    return {(c.buyer, c.ikm): c.kind for c in result.replan.changes if c.kind in ("moved", "added")}


def write_reschedule(
    result: RescheduleResult, out_dir: Path, *, changed: Mapping[Pair, str] | None = None
) -> list[Path]:
    """Every export of the repaired plan (as :func:`write_exports`), plus the diff.

    The agendas and the master grid highlight the changed meetings: ``changed`` ((buyer_id, ikm_id) ->
    "moved" | "added", e.g. every change of the day so far), by default those of this repair.

    ``changes.csv`` (change, buyer_id, ikm_id, old_start, old_table, new_start, new_table, reason),
    ``changes.json`` (the counts and each participant's changes) and ``notices/<id>-<lang>.txt``: for each
    participant whose day changed, a WhatsApp-ready message with the changes and the new agenda.
    """
    if changed is None:
        changed = changed_meetings(result)
    written = write_exports(result.plan, out_dir, changed=changed)
    plan, replan_ = result.plan, result.replan
    by_index = {s.index: s for s in plan.slots}

    def start(m: Meeting | None) -> str:
        return by_index[m.slot].start.strftime("%H:%M") if m is not None and m.slot is not None else ""

    path = out_dir / "changes.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["change", "buyer_id", "ikm_id", "old_start", "old_table", "new_start", "new_table", "reason"]
        )
        for c in replan_.changes:
            writer.writerow(
                [
                    c.kind,
                    csv_text(c.buyer),
                    csv_text(c.ikm),
                    start(c.old),
                    csv_text(c.old.table or "") if c.old else "",
                    start(c.new),
                    csv_text(c.new.table or "") if c.new else "",
                    csv_text(c.reason),
                ]
            )
    written.append(path)
    per_participant = replan_.per_participant()
    summary = replan_.report() | {
        "per_participant": {
            who: [
                {"change": c.kind, "buyer": c.buyer, "ikm": c.ikm, "old": start(c.old), "new": start(c.new)}
                for c in items
            ]
            for who, items in sorted(per_participant.items())
        }
    }
    path = out_dir / "changes.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(path)
    grouped = meetings_by_participant(plan.meetings)
    (out_dir / "notices").mkdir(exist_ok=True)
    for who, items in sorted(per_participant.items()):
        for lang in ("id", "en"):
            path = inside(out_dir / "notices", f"{file_stem(who)}-{lang}.txt")
            path.write_text(
                changes_text(
                    who,
                    items,
                    grouped.get(who, []),
                    plan.slots,
                    plan.names,
                    event_name=plan.event.name,
                    day=plan.event.date,
                    lang=lang,
                ),
                encoding="utf-8",
            )
            written.append(path)
    return written
