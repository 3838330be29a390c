"""The machine-readable files of a plan: ``meetings.csv`` and ``scores.csv``, written and read back.

``matching event plan`` writes them; ``matching event check`` and ``matching event reschedule`` read them,
so a plan can be checked, repaired and re-planned on the day from its folder alone.

``meetings.csv``: ``slot_start, slot_end, table, buyer_id, ikm_id, score, reason`` (times ``HH:MM``).
``scores.csv``: ``buyer_id, ikm_id, score, reason`` for every pair the optimiser could choose (each
buyer's best IKMs); ``reason`` is the one-line "why this match".

Reading raises :class:`~matching.errors.ImportFileError` naming the file, row, column and value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from matching.common.spreadsheet import csv_text, from_csv_text
from matching.errors import ImportFileError
from matching.events.meetings import Meeting, Pair
from matching.events.model import Slot

__all__ = [
    "MEETING_COLUMNS",
    "SCORE_COLUMNS",
    "read_meetings_csv",
    "read_plan_rows",
    "read_scores_csv",
    "write_meetings_csv",
    "write_scores_csv",
]

MEETING_COLUMNS = ["slot_start", "slot_end", "table", "buyer_id", "ikm_id", "score", "reason"]
SCORE_COLUMNS = ["buyer_id", "ikm_id", "score", "reason"]


def _hhmm(slot: Slot | None, end: bool = False) -> str:
    if slot is None:
        return ""
    return (slot.end if end else slot.start).strftime("%H:%M")


def write_meetings_csv(path: Path, meetings: Iterable[Meeting], slots: list[Slot]) -> Path:
    """Meetings in (slot, table, buyer) order; unscheduled ones with empty times and table."""
    by_index = {s.index: s for s in slots}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MEETING_COLUMNS)
        for m in sorted(
            meetings, key=lambda m: (m.slot if m.slot is not None else -1, m.table or "", m.buyer)
        ):
            slot = by_index.get(m.slot) if m.slot is not None else None
            writer.writerow(
                [
                    _hhmm(slot),
                    _hhmm(slot, end=True),
                    csv_text(m.table or ""),
                    csv_text(m.buyer),
                    csv_text(m.ikm),
                    f"{m.score:.4f}",
                    csv_text(m.reason),
                ]
            )
    return path


def write_scores_csv(path: Path, scores: Mapping[Pair, float], reasons: Mapping[Pair, str]) -> Path:
    """Every candidate pair, each buyer's best first."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SCORE_COLUMNS)
        for (buyer, ikm), score in sorted(scores.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
            reason = reasons.get((buyer, ikm), "")
            writer.writerow([csv_text(buyer), csv_text(ikm), f"{score:.4f}", csv_text(reason)])
    return path


def _rows(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc})") from exc
    row_number = 1
    with handle:
        try:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise ImportFileError(
                    f"{path.name}: missing column(s) {', '.join(missing)} "
                    f"(header: {', '.join(reader.fieldnames or [])})"
                )
            for row_number, row in enumerate(reader, start=2):
                yield (
                    row_number,
                    {k: from_csv_text((v or "").strip()) for k, v in row.items() if k is not None},
                )
        except (csv.Error, UnicodeDecodeError) as exc:  # a cell over csv's size limit, a binary file
            raise ImportFileError(
                f"{path.name}, row {row_number + 1}: not a readable CSV row ({exc})"
            ) from exc


def _score(path: Path, row_number: int, value: str) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError as exc:
        raise ImportFileError(
            f"{path.name}, row {row_number}, column score: not a number (value: {value!r})"
        ) from exc


def read_meetings_csv(path: Path, slots: list[Slot], *, strict: bool = False) -> list[Meeting]:
    """Meetings of a ``meetings.csv``; ``slot_start`` is matched to the event's slots.

    An unknown or empty ``slot_start`` gives a meeting without a slot (the checker reports it), or with
    ``strict`` an :class:`ImportFileError` naming the row and the valid starts.
    """
    by_start = {s.start.strftime("%H:%M"): s.index for s in slots}
    meetings: list[Meeting] = []
    for row_number, row in _rows(path, ["slot_start", "table", "buyer_id", "ikm_id"]):
        for column in ("buyer_id", "ikm_id"):
            if not row[column]:
                raise ImportFileError(f"{path.name}, row {row_number}, column {column}: empty")
        start = row["slot_start"]
        if len(start) == 4 and start[1] in ":.":  # "9:00" as spreadsheets write it
            start = "0" + start
        start = start.replace(".", ":")
        slot = by_start.get(start)
        if strict and slot is None:
            valid = ", ".join(list(by_start)[:6]) + (", ..." if len(by_start) > 6 else "")
            raise ImportFileError(
                f"{path.name}, row {row_number}, column slot_start: not a slot start of the event "
                f"(value: {row['slot_start']!r}; slots start at {valid})"
            )
        meetings.append(
            Meeting(
                buyer=row["buyer_id"],
                ikm=row["ikm_id"],
                score=_score(path, row_number, row.get("score", "")),
                slot=slot,
                table=row["table"] or None,
                reason=row.get("reason", ""),
            )
        )
    return meetings


def read_plan_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a ``meetings.csv`` as dicts of its columns, text cells as they were before writing."""
    return [row for _, row in _rows(path, ["buyer_id", "ikm_id"])]


def read_scores_csv(path: Path) -> tuple[dict[Pair, float], dict[Pair, str]]:
    """(scores, reasons) of a ``scores.csv``; ``reason`` is optional."""
    scores: dict[Pair, float] = {}
    reasons: dict[Pair, str] = {}
    for row_number, row in _rows(path, ["buyer_id", "ikm_id", "score"]):
        pair = (row["buyer_id"], row["ikm_id"])
        if not all(pair):
            raise ImportFileError(f"{path.name}, row {row_number}: empty buyer_id or ikm_id")
        scores[pair] = _score(path, row_number, row["score"])
        if row.get("reason"):
            reasons[pair] = row["reason"]
    return scores, reasons
