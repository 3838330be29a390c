"""One participant's day at an event, for the agenda page the printed QR code opens.

:func:`participant_agenda` reads the event's newest plan (``meetings.csv``, and ``changes.csv`` when the
plan is a re-schedule: its moved and added meetings are marked) and says, for each of the participant's
meetings, the local time, the table and the counterpart with what it makes or needs
(:class:`~matching.events.agendas.Profile`, both languages). No contact details are given.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from matching.app.scoring import Participants
from matching.errors import NotFoundError
from matching.events.plan_files import read_plan_rows

if TYPE_CHECKING:
    from matching.app.events import EventRecord, PlanRecord

__all__ = ["AgendaItem", "ParticipantAgenda", "participant_agenda"]


@dataclass(frozen=True)
class AgendaItem:
    """One meeting of the participant: local clock times ("09:00"), table, counterpart and its offer."""

    start: str
    end: str
    table: str
    counterpart: str
    name: str
    kind: str  # the counterpart's side: "buyer" | "ikm"
    offer: dict[str, str] = field(default_factory=dict)  # "id"/"en" -> what it makes / needs
    change: str = ""  # "moved" | "added" in a re-schedule, else ""


@dataclass(frozen=True)
class ParticipantAgenda:
    """The participant's meetings in the newest plan (none before the first plan) and the booth map."""

    record: EventRecord
    participant: str
    name: str
    kind: str  # "buyer" | "ikm"
    plan_no: int | None
    items: list[AgendaItem]
    booth: dict[str, tuple[int, int]]  # every table's (row, column)

    @property
    def tables(self) -> list[str]:
        """The participant's tables, in table order."""
        return sorted({i.table for i in self.items if i.table}, key=lambda t: (len(t), t))


def _changes(folder: Path) -> dict[tuple[str, str], str]:
    path = folder / "changes.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            (row["buyer_id"], row["ikm_id"]): row["change"]
            for row in csv.DictReader(handle)
            if row.get("change") in ("moved", "added")
        }


def participant_agenda(
    record: EventRecord, plan: PlanRecord | None, participant: str, participants: Participants
) -> ParticipantAgenda:
    """The agenda of ``participant`` (a buyer or IKM of the event) in ``plan``.

    :class:`NotFoundError` when the participant does not take part in the event.
    """
    event = record.event
    buyers, ikms = event.resolve_participants(participants.buyers, participants.ikms)
    rows = read_plan_rows(plan.folder / "meetings.csv") if plan is not None else []
    mine = [r for r in rows if participant in (r["buyer_id"], r["ikm_id"])]
    if participant not in buyers and participant not in ikms and not mine:
        raise NotFoundError(f"event {record.event_id!r} has no participant {participant!r}")
    kind = "buyer" if participant in buyers or any(r["buyer_id"] == participant for r in mine) else "ikm"
    changes = _changes(plan.folder) if plan is not None else {}
    others = [r["ikm_id"] if kind == "buyer" else r["buyer_id"] for r in mine]
    profiles = participants.profiles(others) if participants.profiles is not None and others else {}
    items = []
    for row, other in sorted(zip(mine, others, strict=True), key=lambda pair: pair[0]["slot_start"]):
        profile = profiles.get(other)
        items.append(
            AgendaItem(
                start=row["slot_start"],
                end=row["slot_end"],
                table=row["table"],
                counterpart=other,
                name=participants.names.get(other, other),
                kind="ikm" if kind == "buyer" else "buyer",
                offer=dict(profile.offer) if profile else {},
                change=changes.get((row["buyer_id"], row["ikm_id"]), ""),
            )
        )
    return ParticipantAgenda(
        record,
        participant,
        participants.names.get(participant, participant),
        kind,
        plan.plan_no if plan is not None else None,
        items,
        event.booth_layout(),
    )
