"""Meeting outcomes as training labels: the outcomes file, the label mapping, and simulated outcomes.

**Outcomes file** (CSV or XLSX, one row per meeting): ``buyer_id``, ``ikm_id``, ``day_outcome``,
``followup_outcome``, ``notes`` (the last three optional). Values may be written in English or Indonesian
(see :data:`DAY_NAMES`, :data:`FOLLOWUP_NAMES`). :func:`read_outcomes_file` checks every row and raises
:class:`OutcomesFileError` naming row, column and value; nothing is recorded unless every row is valid.

**Label mapping** (:func:`outcome_grade`, the grade scale of the dev qrels, 0-3):

==========================  ==============================  =====
on the day                  months later                    grade
==========================  ==============================  =====
any                         agreement_reached               3
deal_agreed                 (none) / negotiation_started    3
any other                   negotiation_started             2
cooperation_possible        (none)                          2
cooperation_possible        no_further_contact              1
deal_agreed                 no_further_contact              1
insufficient_interest       (none) / no_further_contact     0
not_held                    (none) / no_further_contact     no label (the meeting says nothing)
==========================  ==============================  =====

:func:`merge_labels` puts outcome grades over curated qrels: what happened at a meeting outranks a
judgement made without it.

**Who rated** (:func:`combined_outcomes`): organisers enter outcomes, and each side of a meeting may rate it
itself (buyer and IKM). For a pair, an organiser's entry wins; without one, the two sides' ratings give one
outcome, each stage taken as the *lower* of the sides' values on its scale (the order of
:data:`DAY_OUTCOMES` and :data:`FOLLOWUP_OUTCOMES`; a stage only one side rated takes its value). The lower
value is the cautious reading: one side's "deal" is not a deal the other did not see.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.catalogue.readers import _decode, _delimiter
from matching.common.yaml_files import DataFileError
from matching.errors import ImportFileError
from matching.learning.metrics import Qrels

__all__ = [
    "DAY_NAMES",
    "DAY_OUTCOMES",
    "FOLLOWUP_NAMES",
    "FOLLOWUP_OUTCOMES",
    "CombinedOutcome",
    "OutcomeRecord",
    "OutcomesFileError",
    "combined_outcomes",
    "merge_labels",
    "outcome_grade",
    "outcome_labels",
    "read_outcomes_file",
    "simulate_outcomes",
]

DAY_OUTCOMES = ("not_held", "insufficient_interest", "cooperation_possible", "deal_agreed")
FOLLOWUP_OUTCOMES = ("no_further_contact", "negotiation_started", "agreement_reached")

# what people write -> the stored value (lower-cased, spaces and hyphens as underscores)
DAY_NAMES: dict[str, str] = {
    **{v: v for v in DAY_OUTCOMES},
    "did_not_take_place": "not_held",
    "no_show": "not_held",
    "tidak_terlaksana": "not_held",
    "batal": "not_held",
    "minat_kurang": "insufficient_interest",
    "tidak_berminat": "insufficient_interest",
    "kerja_sama_mungkin": "cooperation_possible",
    "kerjasama_mungkin": "cooperation_possible",
    "berpotensi": "cooperation_possible",
    "deal": "deal_agreed",
    "sepakat": "deal_agreed",
    "deal_disepakati": "deal_agreed",
}
FOLLOWUP_NAMES: dict[str, str] = {
    **{v: v for v in FOLLOWUP_OUTCOMES},
    "no_contact": "no_further_contact",
    "tidak_ada_kontak_lanjutan": "no_further_contact",
    "tidak_ada_kontak": "no_further_contact",
    "negotiation": "negotiation_started",
    "negosiasi_dimulai": "negotiation_started",
    "negosiasi": "negotiation_started",
    "agreement": "agreement_reached",
    "kesepakatan_tercapai": "agreement_reached",
    "kontrak": "agreement_reached",
}
COLUMNS = ("buyer_id", "ikm_id", "day_outcome", "followup_outcome", "notes")
_ALIASES = {
    "buyer": "buyer_id",
    "id_pembeli": "buyer_id",
    "pembeli": "buyer_id",
    "ikm": "ikm_id",
    "id_ikm": "ikm_id",
    "hasil": "day_outcome",
    "hasil_hari_ini": "day_outcome",
    "outcome": "day_outcome",
    "tindak_lanjut": "followup_outcome",
    "followup": "followup_outcome",
    "catatan": "notes",
}


class OutcomesFileError(DataFileError):
    """Raised when an outcomes file cannot be read or has invalid rows (one line per problem)."""

    kind = "outcomes file"


@dataclass(frozen=True)
class OutcomeRecord:
    buyer_id: str
    ikm_id: str
    day_outcome: str | None = None
    followup_outcome: str | None = None
    notes: str | None = None


def _key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def read_outcomes_file(path: str | Path) -> list[OutcomeRecord]:
    """Every row of an outcomes CSV/XLSX, validated; :class:`OutcomesFileError` lists each bad cell."""
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":  # decoded and split like the catalogue's CSV files (BOM, cp1252, ; , or tab)
            text = _decode(path.read_bytes(), path.name, [])
            if not text.strip():
                raise OutcomesFileError(path.name, ["file: the file is empty"])
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=_delimiter(text))
        elif suffix in {".xlsx", ".xlsm"}:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            raise ImportFileError(f"{path.name}: use a .csv or .xlsx file (got {suffix or 'none'})")
    except (OSError, ValueError) as exc:
        raise OutcomesFileError(path.name, [f"file: cannot be read ({exc})"]) from exc
    frame.columns = [_ALIASES.get(_key(str(c)), _key(str(c))) for c in frame.columns]
    missing = [c for c in ("buyer_id", "ikm_id") if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise OutcomesFileError(
            path.name, [f"header: missing column(s) {', '.join(missing)} (found: {found})"]
        )
    problems: list[str] = []
    records: list[OutcomeRecord] = []
    for number, row in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        values = {c: str(row.get(c, "") or "").strip() for c in COLUMNS}
        for column in ("buyer_id", "ikm_id"):
            if not values[column]:
                problems.append(f"row {number}, column {column}: empty")
        day = followup = None
        if values["day_outcome"]:
            day = DAY_NAMES.get(_key(values["day_outcome"]))
            if day is None:
                problems.append(
                    f"row {number}, column day_outcome: unknown value {values['day_outcome']!r} "
                    f"(use one of {', '.join(DAY_OUTCOMES)})"
                )
        if values["followup_outcome"]:
            followup = FOLLOWUP_NAMES.get(_key(values["followup_outcome"]))
            if followup is None:
                problems.append(
                    f"row {number}, column followup_outcome: unknown value {values['followup_outcome']!r} "
                    f"(use one of {', '.join(FOLLOWUP_OUTCOMES)})"
                )
        if not values["day_outcome"] and not values["followup_outcome"]:
            problems.append(f"row {number}: neither day_outcome nor followup_outcome is given")
        records.append(
            OutcomeRecord(values["buyer_id"], values["ikm_id"], day, followup, values["notes"] or None)
        )
    if problems:
        raise OutcomesFileError(path.name, problems)
    return records


def outcome_grade(day_outcome: str | None, followup_outcome: str | None) -> int | None:
    """The training grade (0-3) of a meeting's outcome, or None when it says nothing (see module doc)."""
    if followup_outcome == "agreement_reached":
        return 3
    if day_outcome == "not_held" or (
        day_outcome is None and followup_outcome in (None, "no_further_contact")
    ):
        return 2 if followup_outcome == "negotiation_started" else None
    if followup_outcome == "negotiation_started":
        return 3 if day_outcome == "deal_agreed" else 2
    if day_outcome == "deal_agreed":
        return 1 if followup_outcome == "no_further_contact" else 3
    if day_outcome == "cooperation_possible":
        return 1 if followup_outcome == "no_further_contact" else 2
    return 0  # insufficient_interest


def outcome_labels(outcomes: Iterable[Any]) -> Qrels:
    """Graded labels from outcomes (anything with buyer_id, ikm_id, day_outcome, followup_outcome)."""
    labels: Qrels = {}
    for o in outcomes:
        grade = outcome_grade(o.day_outcome, o.followup_outcome)
        if grade is not None:
            labels.setdefault(o.buyer_id, {})[o.ikm_id] = grade
    return labels


@dataclass(frozen=True)
class CombinedOutcome:
    """The outcome a pair's meeting at an event counts as: from an organiser, or from its participants."""

    event_id: str
    buyer_id: str
    ikm_id: str
    day_outcome: str | None
    followup_outcome: str | None
    source: str  # "organiser" | "participants"


def _lower(values: Iterable[str | None], scale: Sequence[str]) -> str | None:
    given = [v for v in values if v in scale]
    return min(given, key=scale.index) if given else None


def combined_outcomes(organiser: Iterable[Any], participants: Iterable[Any]) -> list[CombinedOutcome]:
    """One outcome per (event, buyer, IKM) from organiser entries and participant ratings (see the module
    doc: an organiser entry that says something wins; else the lower of the sides' values per stage).

    Both take anything with ``event_id``, ``buyer_id``, ``ikm_id``, ``day_outcome``, ``followup_outcome``;
    pairs end sorted by event, buyer and IKM.
    """
    found: dict[tuple[str, str, str], CombinedOutcome] = {}
    for o in organiser:
        if o.day_outcome or o.followup_outcome:
            key = (o.event_id, o.buyer_id, o.ikm_id)
            found[key] = CombinedOutcome(*key, o.day_outcome, o.followup_outcome, "organiser")
    sides: dict[tuple[str, str, str], list[Any]] = {}
    for r in participants:
        key = (r.event_id, r.buyer_id, r.ikm_id)
        if key not in found:
            sides.setdefault(key, []).append(r)
    for key, ratings in sides.items():
        day = _lower((r.day_outcome for r in ratings), DAY_OUTCOMES)
        followup = _lower((r.followup_outcome for r in ratings), FOLLOWUP_OUTCOMES)
        if day or followup:
            found[key] = CombinedOutcome(*key, day, followup, "participants")
    return [found[key] for key in sorted(found)]


def merge_labels(
    curated: Mapping[str, Mapping[str, int]], outcomes: Mapping[str, Mapping[str, int]]
) -> Qrels:
    """Curated qrels with outcome grades laid over them (an observed outcome wins for its pair)."""
    merged: Qrels = {b: dict(g) for b, g in curated.items()}
    for buyer, grades in outcomes.items():
        merged.setdefault(buyer, {}).update(grades)
    return merged


# how a meeting of a pair of true grade g turns out (day outcome probabilities), before noise
_DAY_GIVEN_GRADE: dict[int, dict[str, float]] = {
    3: {"deal_agreed": 0.55, "cooperation_possible": 0.35, "insufficient_interest": 0.10},
    2: {"deal_agreed": 0.20, "cooperation_possible": 0.55, "insufficient_interest": 0.25},
    1: {"deal_agreed": 0.03, "cooperation_possible": 0.30, "insufficient_interest": 0.67},
    0: {"deal_agreed": 0.01, "cooperation_possible": 0.09, "insufficient_interest": 0.90},
}
_FOLLOWUP_GIVEN_DAY: dict[str, dict[str, float]] = {
    "deal_agreed": {"agreement_reached": 0.6, "negotiation_started": 0.3, "no_further_contact": 0.1},
    "cooperation_possible": {"agreement_reached": 0.1, "negotiation_started": 0.4, "no_further_contact": 0.5},
    "insufficient_interest": {"no_further_contact": 1.0},
}


def _draw(rng: random.Random, table: Mapping[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def simulate_outcomes(
    meetings: Sequence[tuple[str, str]],
    truth: Mapping[str, Mapping[str, int]],
    *,
    noise: float = 0.2,
    no_show: float = 0.05,
    followup: float = 0.5,
    seed: int = 0,
) -> list[OutcomeRecord]:
    """Synthetic outcomes of ``meetings`` (buyer, IKM) drawn from the true grades with noise.

    Each meeting fails to take place with probability ``no_show``; otherwise its day outcome is drawn from
    the grade's distribution (:data:`_DAY_GIVEN_GRADE`), or, with probability ``noise``, from the
    distribution of a uniformly random grade (organisers misjudge, buyers change their mind). A share
    ``followup`` of meetings also gets a follow-up rating. Seeded: the same inputs give the same outcomes.
    """
    rng = random.Random(seed)
    out: list[OutcomeRecord] = []
    for buyer, ikm in meetings:
        if rng.random() < no_show:
            out.append(OutcomeRecord(buyer, ikm, "not_held"))
            continue
        grade = truth.get(buyer, {}).get(ikm, 0)
        if rng.random() < noise:
            grade = rng.randint(0, 3)
        day = _draw(rng, _DAY_GIVEN_GRADE[grade])
        later = _draw(rng, _FOLLOWUP_GIVEN_DAY[day]) if rng.random() < followup else None
        out.append(OutcomeRecord(buyer, ikm, day, later))
    return out
