"""Meeting outcomes as labels: the file, the mapping to grades, merging, simulation."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from matching.learning.outcomes import (
    OutcomesFileError,
    combined_outcomes,
    merge_labels,
    outcome_grade,
    outcome_labels,
    read_outcomes_file,
    simulate_outcomes,
)
from tests.helpers import write_csv


@pytest.mark.parametrize(
    ("day", "later", "grade"),
    [
        ("deal_agreed", None, 3),
        ("deal_agreed", "negotiation_started", 3),
        ("deal_agreed", "no_further_contact", 1),
        ("cooperation_possible", None, 2),
        ("cooperation_possible", "agreement_reached", 3),
        ("cooperation_possible", "no_further_contact", 1),
        ("insufficient_interest", None, 0),
        ("insufficient_interest", "negotiation_started", 2),
        ("not_held", None, None),
        ("not_held", "no_further_contact", None),
        (None, None, None),
    ],
)
def test_the_label_mapping(day: str | None, later: str | None, grade: int | None) -> None:
    assert outcome_grade(day, later) == grade


def test_outcomes_files_read_in_either_language(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "hasil.csv",
        [
            ["ID Pembeli", "IKM", "Hasil", "Tindak lanjut", "Catatan"],
            ["B001", "I0001", "Sepakat", "", "contoh dikirim"],
            ["B002", "I0002", "kerja sama mungkin", "negosiasi dimulai", ""],
            ["B003", "I0003", "not_held", "", ""],
        ],
    )
    records = read_outcomes_file(path)
    assert [(r.day_outcome, r.followup_outcome) for r in records] == [
        ("deal_agreed", None),
        ("cooperation_possible", "negotiation_started"),
        ("not_held", None),
    ]
    assert records[0].notes == "contoh dikirim"
    assert outcome_labels(records) == {"B001": {"I0001": 3}, "B002": {"I0002": 2}}


def test_bad_rows_are_named_and_nothing_is_returned(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "outcomes.csv",
        [["buyer_id", "ikm_id", "day_outcome"], ["B001", "", "deal_agreed"], ["B002", "I0002", "great"]],
    )
    with pytest.raises(OutcomesFileError) as caught:
        read_outcomes_file(path)
    assert caught.value.problems == [
        "row 2, column ikm_id: empty",
        "row 3, column day_outcome: unknown value 'great' (use one of not_held, insufficient_interest, "
        "cooperation_possible, deal_agreed)",
    ]
    with pytest.raises(OutcomesFileError, match="the file is empty"):
        read_outcomes_file(write_csv(tmp_path / "empty.csv", []))
    with pytest.raises(OutcomesFileError, match=r"missing column\(s\) ikm_id \(found: buyer_id\)"):
        read_outcomes_file(write_csv(tmp_path / "one.csv", [["buyer_id"]]))
    with pytest.raises(OutcomesFileError, match="missing column"):
        read_outcomes_file(write_csv(tmp_path / "x.csv", [["buyer", "grade"], ["B1", "3"]]))


def test_observed_outcomes_win_over_curated_labels() -> None:
    merged = merge_labels({"B1": {"I1": 3, "I2": 1}}, {"B1": {"I1": 0}, "B2": {"I3": 2}})
    assert merged == {"B1": {"I1": 0, "I2": 1}, "B2": {"I3": 2}}


def test_participant_ratings_count_where_no_organiser_rated() -> None:
    def rated(
        buyer: str, ikm: str, day: str | None, later: str | None = None, event: str = "e"
    ) -> SimpleNamespace:
        return SimpleNamespace(
            event_id=event, buyer_id=buyer, ikm_id=ikm, day_outcome=day, followup_outcome=later
        )

    organiser = [rated("B1", "I1", "insufficient_interest"), rated("B3", "I3", None)]  # B3-I3: nothing said
    sides = [
        rated("B1", "I1", "deal_agreed"),  # the organiser's entry wins over it
        rated("B2", "I2", "deal_agreed"),
        rated("B2", "I2", "cooperation_possible", "agreement_reached"),  # the lower day, the only follow-up
        rated("B3", "I3", "cooperation_possible"),
        rated("B4", "I4", "deal_agreed", event="f"),
        rated("B4", "I4", "not_held", event="f"),  # one side says it never took place: no label
    ]
    found = {(o.event_id, o.buyer_id, o.ikm_id): o for o in combined_outcomes(organiser, sides)}
    assert (found[("e", "B1", "I1")].day_outcome, found[("e", "B1", "I1")].source) == (
        "insufficient_interest",
        "organiser",
    )
    b2 = found[("e", "B2", "I2")]
    assert (b2.day_outcome, b2.followup_outcome, b2.source) == (
        "cooperation_possible",
        "agreement_reached",
        "participants",
    )
    assert found[("e", "B3", "I3")].day_outcome == "cooperation_possible"
    assert found[("f", "B4", "I4")].day_outcome == "not_held"
    assert outcome_labels(found.values()) == {"B1": {"I1": 0}, "B2": {"I2": 3}, "B3": {"I3": 2}}


def test_simulated_outcomes_follow_the_truth_and_are_seeded() -> None:
    meetings = [(f"B{b}", f"I{i}") for b in range(50) for i in range(8)]
    truth = {f"B{b}": {f"I{i}": 3 for i in range(4)} for b in range(50)}
    first = simulate_outcomes(meetings, truth, noise=0.0, seed=1)
    assert first == simulate_outcomes(meetings, truth, noise=0.0, seed=1)
    labels = outcome_labels(first)
    good = [g for b in labels.values() for i, g in b.items() if int(i[1:]) < 4]
    bad = [g for b in labels.values() for i, g in b.items() if int(i[1:]) >= 4]
    assert sum(good) / len(good) > 2 > 0.5 > sum(bad) / len(bad)
