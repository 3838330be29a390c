"""Stored events: definitions, numbered plans with their exports, re-schedules, meeting outcomes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from matching import Engine, EventFileError, Settings, demo_data_dir
from matching.app.events import slug
from matching.errors import ConfigError, ConflictError, NotFoundError

DEMO_EVENT = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
EVENT_ID = "temu-bisnis-anyaman-ntb-2027"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    home = tmp_path_factory.mktemp("events-home")
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.events.create(DEMO_EVENT)
    engine.events.plan(EVENT_ID, time_limit=2)
    yield engine
    engine.close()


def test_event_ids_come_from_names() -> None:
    assert slug("Temu Bisnis Anyaman NTB 2027") == "temu-bisnis-anyaman-ntb-2027"
    assert slug("  Pameran Kriya — Bali!! ") == "pameran-kriya-bali"
    assert slug("!!!") == "event"


def test_definitions_are_validated_and_ids_unique(engine: Engine) -> None:
    with pytest.raises(EventFileError) as caught:
        engine.events.create("name: X\nsessions: []\ntables: 0\n")
    assert {p.split(":")[0] for p in caught.value.problems} == {"sessions", "tables"}
    with pytest.raises(EventFileError, match="not valid YAML"):
        engine.events.create("name: [unclosed\n")
    record = engine.events.create(DEMO_EVENT, event_id="demo")
    assert record.event_id == "demo" and record.plans == 0 and record.event.slot_minutes == 20
    with pytest.raises(ConflictError, match="demo"):
        engine.events.create(DEMO_EVENT, event_id="demo")
    with pytest.raises(EventFileError, match="event_id"):
        engine.events.create(DEMO_EVENT, event_id="Bad Id")
    with pytest.raises(NotFoundError, match="event 'nope'"):
        engine.events.plan_record("nope")
    with pytest.raises(NotFoundError, match="no plan yet"):
        engine.events.plan_record("demo")


def test_a_plan_keeps_its_exports_under_its_number(planned: Engine) -> None:
    plan = planned.events.plan_record(EVENT_ID)
    assert plan.plan_no == 1 and plan.kind == "plan" and plan.model_version == "weights"
    assert plan.summary["scheduled"] == len(planned.events.meetings(EVENT_ID)) > 0
    assert plan.summary["violations"] == []
    assert json.loads((plan.folder / "plan.json").read_text())["model_version"] == "weights"
    files = planned.events.files(EVENT_ID)
    assert {"meetings.csv", "scores.csv", "plan.json", "master-grid.xlsx", "agendas-id.pdf"} <= set(files)
    assert planned.events.file(EVENT_ID, "agendas-en.pdf").read_bytes().startswith(b"%PDF")
    meeting = planned.events.meetings(EVENT_ID)[0]
    assert meeting["buyer_name"] and meeting["ikm_name"] and meeting["reason"]


@pytest.mark.parametrize("name", ["../../matching.sqlite", "/etc/passwd", "agendas/../../../x", "nope.csv"])
def test_files_outside_the_plan_are_not_served(planned: Engine, name: str) -> None:
    with pytest.raises(NotFoundError):
        planned.events.file(EVENT_ID, name)


def test_reschedules_number_on_and_their_changes_add_up(planned: Engine) -> None:
    first = planned.events.meetings(EVENT_ID, 1)[0]["buyer_id"]
    plan = planned.events.reschedule(EVENT_ID, f"no_shows: [{first}]\n", time_limit=2)
    assert plan.kind == "reschedule" and plan.summary["changes"]["cancelled"] > 0
    assert plan.model_version == plan.summary["model_version"] == "weights"  # the plan's scores reused
    remaining = planned.events.meetings(EVENT_ID, plan.plan_no)
    assert first not in {m["buyer_id"] for m in remaining}
    second = next(m["buyer_id"] for m in remaining)
    later = planned.events.reschedule(EVENT_ID, f"no_shows: [{second}]\n", time_limit=2)
    buyers = {m["buyer_id"] for m in planned.events.meetings(EVENT_ID, later.plan_no)}
    assert first not in buyers and second not in buyers  # the first no-show is still absent
    assert [p.plan_no for p in planned.events.plans(EVENT_ID)][-2:] == [plan.plan_no, later.plan_no]
    assert {"changes.csv", "changes.json"} <= set(planned.events.files(EVENT_ID, later.plan_no))


def test_outcomes_keep_the_meeting_and_model_version(planned: Engine) -> None:
    meeting = planned.events.meetings(EVENT_ID, 1)[-1]
    pair = (EVENT_ID, meeting["buyer_id"], meeting["ikm_id"])
    outcome = planned.events.record_outcome(*pair, day_outcome="cooperation_possible", notes="sample sent")
    assert outcome.model_version == "weights" and outcome.score == meeting["score"]
    later = planned.events.record_outcome(*pair, followup_outcome="negotiation_started")
    assert (later.day_outcome, later.followup_outcome, later.notes) == (
        "cooperation_possible",
        "negotiation_started",
        "sample sent",
    )
    assert [o.ikm_id for o in planned.events.outcomes(EVENT_ID)] == [meeting["ikm_id"]]
    with pytest.raises(ConfigError, match="deal_agreed"):
        planned.events.record_outcome(*pair, day_outcome="great")
    with pytest.raises(NotFoundError, match="no meeting"):
        planned.events.record_outcome(EVENT_ID, "B001", "I9999", day_outcome="not_held")


def test_deleting_an_event_removes_its_plans_and_files(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.events.create(DEMO_EVENT, event_id="gone")
    folder = engine.events.plan("gone", time_limit=1).folder
    assert folder.is_dir()
    engine.events.delete("gone")
    assert not folder.exists() and engine.events.all() == []
    with pytest.raises(NotFoundError):
        engine.events.get("gone")
    engine.close()


def test_outcomes_files_are_recorded_all_or_nothing(planned: Engine, tmp_path: Path) -> None:
    from matching.learning.outcomes import OutcomesFileError
    from tests.helpers import write_csv

    a, b = planned.events.meetings(EVENT_ID, 1)[1:3]
    good = write_csv(
        tmp_path / "hasil.csv",
        [
            ["buyer_id", "ikm_id", "day_outcome", "followup_outcome"],
            [a["buyer_id"], a["ikm_id"], "sepakat", ""],
            [b["buyer_id"], b["ikm_id"], "insufficient_interest", "no_further_contact"],
        ],
    )
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            ["buyer_id", "ikm_id", "day_outcome"],
            [a["buyer_id"], a["ikm_id"], "not_held"],
            ["B001", "I9", "deal"],
        ],
    )
    before = planned.events.outcomes(EVENT_ID)
    with pytest.raises(OutcomesFileError, match="row 3: buyer 'B001' and IKM 'I9' have no meeting"):
        planned.events.import_outcomes(EVENT_ID, bad)
    assert planned.events.outcomes(EVENT_ID) == before
    recorded = planned.events.import_outcomes(EVENT_ID, good)
    assert [o.day_outcome for o in recorded] == ["deal_agreed", "insufficient_interest"]
    assert {(o.buyer_id, o.ikm_id) for o in planned.events.all_outcomes()} >= {
        (a["buyer_id"], a["ikm_id"]),
        (b["buyer_id"], b["ikm_id"]),
    }


def test_a_reschedule_after_the_event_lost_a_slot_moves_that_slots_meetings(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.events.create(DEMO_EVENT)
    engine.events.plan(EVENT_ID, time_limit=1)
    at_eleven = {
        (m["buyer_id"], m["ikm_id"]) for m in engine.events.meetings(EVENT_ID) if m["slot_start"] == "11:00"
    }
    assert at_eleven
    old_break = '  - {start: "10:20", end: "10:40"}\n'
    edited = DEMO_EVENT.replace(old_break, old_break + '  - {start: "11:00", end: "11:20"}\n')
    assert edited != DEMO_EVENT
    engine.events.update(EVENT_ID, edited)  # a second coffee break: the 11:00 slot is gone

    plan = engine.events.reschedule(EVENT_ID, "", time_limit=2)  # was a 422: "not a slot start"
    after = engine.events.meetings(EVENT_ID)
    assert plan.kind == "reschedule" and "11:00" not in {m["slot_start"] for m in after}
    changes = plan.summary["changes"]
    assert changes["moved"] + changes["cancelled"] >= len(at_eleven)
    engine.close()
