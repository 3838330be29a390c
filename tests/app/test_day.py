"""The event day: check-ins, operations previewed then applied exactly, the audit log, undo, the guard.

One engine per test (hashing encoder, the demo catalogue and event, planned once and copied): each test runs
the day from the same morning plan.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

from matching import Engine, Settings, demo_data_dir
from matching.app.day import DayOperation, EventDay
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.checking import check_schedule
from matching.events.meetings import Meeting, ScheduleProblem
from matching.events.plan_files import read_plan_rows

DEMO_EVENT = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
EVENT_ID = "temu-bisnis-anyaman-ntb-2027"
WHO = "Meja panitia"


@pytest.fixture(scope="module")
def morning(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the demo event planned once (copied for each test)."""
    home = tmp_path_factory.mktemp("day-home")
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.events.create(DEMO_EVENT)
    engine.events.plan(EVENT_ID, time_limit=2)
    engine.close()
    return home


@pytest.fixture
def engine(morning: Path, tmp_path: Path) -> Iterator[Engine]:
    home = tmp_path / "home"
    shutil.copytree(morning, home)
    eng = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    yield eng
    eng.close()


def rows(engine: Engine, plan_no: int | None = None) -> list[dict[str, str]]:
    return read_plan_rows(engine.events.plan_record(EVENT_ID, plan_no).folder / "meetings.csv")


def places(engine: Engine, plan_no: int | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r["buyer_id"], r["ikm_id"]): (r["slot_start"], r["table"]) for r in rows(engine, plan_no)}


def movable(
    engine: Engine, *, avoid: frozenset[str] = frozenset(), within: Collection[tuple[str, str]] | None = None
) -> tuple[tuple[str, str], dt.time, str]:
    """A meeting of the plan in force (of no one in ``avoid``; one of ``within`` when given) that has a free
    place to move to, and that place."""
    for r in rows(engine):
        pair = (r["buyer_id"], r["ikm_id"])
        if avoid & set(pair) or (within is not None and pair not in within):
            continue
        try:
            return (pair, *free_place(engine, pair))
        except AssertionError:
            continue
    raise AssertionError("no meeting can move")


def free_place(engine: Engine, pair: tuple[str, str]) -> tuple[dt.time, str]:
    """A slot both sides of ``pair`` are free in, and a table free then."""
    event = engine.events.get(EVENT_ID).event
    current = rows(engine)
    busy = {(r["slot_start"], who) for r in current for who in (r["buyer_id"], r["ikm_id"])}
    taken = {(r["slot_start"], r["table"]) for r in current}
    for slot in event.slots():
        start = slot.start.strftime("%H:%M")
        if slot.index not in event.available_slots(pair[0]) or slot.index not in event.available_slots(
            pair[1]
        ):
            continue
        if (start, pair[0]) in busy or (start, pair[1]) in busy:
            continue
        free = [t for t in event.table_names() if (start, t) not in taken]
        if free:
            return slot.start, free[0]
    raise AssertionError("no free place")


def checker_violations(engine: Engine) -> list[str]:
    """The checker run on the plan in force, with the event's windows, tables and caps."""
    record = engine.events.get(EVENT_ID)
    event = record.event
    state = engine.events.day.state(EVENT_ID)
    slot_of = {s.start.strftime("%H:%M"): s.index for s in event.slots()}
    meetings = [
        Meeting(r["buyer_id"], r["ikm_id"], slot=slot_of[r["slot_start"]], table=r["table"])
        for r in rows(engine)
    ]
    people = {p for m in meetings for p in m.pair}
    availability = {p: event.available_slots(p) for p in people}
    if state is not None:
        for p, windows in state.availability.items():
            availability[p] = event.slots_within(windows)
    problem = ScheduleProblem(meetings, len(event.slots()), event.table_names(), availability)
    return [v.message for v in check_schedule(problem, meetings)]


def test_each_preview_is_exactly_what_apply_commits(engine: Engine) -> None:
    day = engine.events.day
    absent = frozenset({"B004", "I0042"})
    moved: list[tuple[tuple[str, str], dt.time, str]] = []

    def move() -> DayOperation:  # a free place in the plan as it is by then, for a meeting of the first plan
        moved.append(movable(engine, avoid=absent, within=set(places(engine, 1))))
        pair, start, table = moved[0]
        return DayOperation("move", pair=pair, start=start, table=table)

    def cancel() -> DayOperation:
        pair = next(
            (r["buyer_id"], r["ikm_id"]) for r in rows(engine) if not absent & {r["buyer_id"], r["ikm_id"]}
        )
        cancelled.append(pair)
        return DayOperation("cancel", pair=pair, reason="buyer left early")

    cancelled: list[tuple[str, str]] = []
    operations = [
        lambda: DayOperation("absent", participants=tuple(sorted(absent))),
        cancel,
        lambda: DayOperation("walk_in", participants=("B002",), start=dt.time(10, 40)),
        move,
        lambda: DayOperation("late", participants=("B013",), start=dt.time(13, 0)),
    ]
    for make in operations:
        op = make()
        before = engine.events.plan_record(EVENT_ID)
        preview = day.preview(EVENT_ID, op, who=WHO)
        assert preview.base_plan == before.plan_no and preview.violations == []
        staged = (engine.events.root / EVENT_ID / f".preview-{preview.token}" / "meetings.csv").read_text()
        assert engine.events.plan_record(EVENT_ID).plan_no == before.plan_no  # nothing applied yet
        plan = day.apply(EVENT_ID, preview.token, who=WHO)
        assert plan.plan_no == before.plan_no + 1
        assert (plan.folder / "meetings.csv").read_text() == staged  # exactly the previewed plan
        assert not (plan.folder / "preview.json").exists()
        assert checker_violations(engine) == []
        now = places(engine)
        old = places(engine, before.plan_no)
        for c in preview.changes:  # the diff shown is the diff made
            key = (c["buyer"], c["ikm"])
            if c["kind"] == "cancelled":
                assert key in old and key not in now
            elif c["kind"] == "added":
                assert key not in old and now[key] == (c["new_start"], c["new_table"])
            else:
                assert now[key] == (c["new_start"], c["new_table"]) != old[key]
        kept = [k for k in old if k in now and now[k] == old[k]]
        assert len(kept) == preview.report["kept"]
    pair, start, table = moved[0]
    final = places(engine)
    assert not {"B004", "I0042"} & {p for k in final for p in k}
    assert "B002" in {b for b, _ in final}
    assert final[pair] == (start.strftime("%H:%M"), table)
    assert all(slot >= "13:00" for (b, _), (slot, _) in final.items() if b == "B013")
    assert cancelled[0] not in final
    changed = day.changed(EVENT_ID)
    assert changed[pair] == "moved" and any(kind == "added" for kind in changed.values())
    log = day.log(EVENT_ID)
    assert [e.action for e in log] == ["late", "move", "walk_in", "cancel", "absent"]
    assert all(e.who == WHO and e.at.tzinfo is not None for e in log)
    assert log[-1].text.startswith("Marked absent: PT Mitra Handicraft International")
    assert [(e.plan_before, e.plan_after) for e in reversed(log)] == [(1, 2), (2, 3), (3, 4), (4, 5), (5, 6)]
    assert day.checkins(EVENT_ID)["B013"].status == "late"


def test_a_swap_exchanges_two_meetings_places(engine: Engine) -> None:
    day = engine.events.day
    current = rows(engine)
    a = next(r for r in current if r["slot_start"] == "09:40")
    b = next(
        r
        for r in current
        if r["slot_start"] == "09:40"
        and r is not a
        and {r["buyer_id"], r["ikm_id"]}.isdisjoint({a["buyer_id"], a["ikm_id"]})
    )
    pa, pb = (a["buyer_id"], a["ikm_id"]), (b["buyer_id"], b["ikm_id"])
    preview = day.preview(EVENT_ID, DayOperation("swap", pair=pa, other=pb), who=WHO)
    assert {(c["kind"], c["buyer"]) for c in preview.changes} == {("moved", pa[0]), ("moved", pb[0])}
    day.apply(EVENT_ID, preview.token, who=WHO)
    now = places(engine)
    assert now[pa] == ("09:40", b["table"]) and now[pb] == ("09:40", a["table"])


def test_a_move_to_a_taken_table_is_refused_and_nothing_is_staged(engine: Engine) -> None:
    day = engine.events.day
    current = rows(engine)
    a, b = current[0], next(r for r in current if r["slot_start"] != current[0]["slot_start"])
    with pytest.raises(ConfigError, match=f"table {b['table']} at {b['slot_start']} is taken"):
        day.preview(
            EVENT_ID,
            DayOperation(
                "move",
                pair=(a["buyer_id"], a["ikm_id"]),
                start=dt.time.fromisoformat(b["slot_start"]),
                table=b["table"],
            ),
            who=WHO,
        )
    assert list((engine.events.root / EVENT_ID).glob(".preview-*")) == []
    with pytest.raises(ConflictError, match="already takes part"):
        day.preview(EVENT_ID, DayOperation("walk_in", participants=("B001",)), who=WHO)
    with pytest.raises(NotFoundError, match="no buyer or IKM"):
        day.preview(EVENT_ID, DayOperation("walk_in", participants=("B999",)), who=WHO)


def test_apply_refuses_a_preview_made_against_an_older_plan(engine: Engine) -> None:
    day = engine.events.day
    old = day.preview(EVENT_ID, DayOperation("absent", participants=("B004",)), who=WHO)
    other = day.preview(EVENT_ID, DayOperation("absent", participants=("B007",)), who=WHO)
    day.apply(EVENT_ID, other.token, who=WHO)
    with pytest.raises(ConflictError, match="the plan changed since the preview"):
        day.apply(EVENT_ID, old.token, who=WHO)
    with pytest.raises(NotFoundError, match="preview again"):
        day.get_preview(EVENT_ID, old.token)  # the refused preview is gone
    with pytest.raises(NotFoundError):
        day.apply(EVENT_ID, "../../etc", who=WHO)
    assert engine.events.plan_record(EVENT_ID).plan_no == 2


def test_stale_previews_are_cleaned_up(engine: Engine) -> None:
    day = engine.events.day
    first = day.preview(EVENT_ID, DayOperation("absent", participants=("B004",)), who=WHO)
    day.cancel_preview(EVENT_ID, first.token)
    second = day.preview(EVENT_ID, DayOperation("absent", participants=("B007",)), who=WHO)
    third = day.preview(EVENT_ID, DayOperation("absent", participants=("B008",)), who=WHO)
    day.apply(EVENT_ID, third.token, who=WHO)
    assert day.get_preview(EVENT_ID, second.token).base_plan == 1  # kept a while: applying it says why not
    fourth = day.preview(EVENT_ID, DayOperation("absent", participants=("B010",)), who=WHO)
    folders = list((engine.events.root / EVENT_ID).glob(".preview-*"))
    assert [f.name for f in folders] == [f".preview-{fourth.token}"]  # the next preview removes it


def test_check_ins_are_logged_and_absent_ones_become_no_shows_at_the_next_change(engine: Engine) -> None:
    day: EventDay = engine.events.day
    day.check_in(EVENT_ID, "B001", "arrived", who=WHO)
    day.check_in(EVENT_ID, "I0003", "late", who=WHO)
    day.check_in(EVENT_ID, "B004", "absent", who=WHO)
    day.check_in(EVENT_ID, "I0003", None, who=WHO)
    assert {p: c.status for p, c in day.checkins(EVENT_ID).items()} == {"B001": "arrived", "B004": "absent"}
    with pytest.raises(ConfigError, match="status"):
        day.check_in(EVENT_ID, "B001", "here", who=WHO)
    with pytest.raises(NotFoundError):
        day.check_in(EVENT_ID, "B999", "arrived", who=WHO)
    assert [e.action for e in day.log(EVENT_ID)] == ["checkin"] * 4
    assert day.log(EVENT_ID)[0].text == "Check-in: Grand Lombok Hotel Group (I0003): back to unknown" or (
        day.log(EVENT_ID)[0].details["participant"] == "I0003"
    )
    assert day.undoable(EVENT_ID) is None  # check-ins are not plan changes
    meeting = rows(engine)[3]
    preview = day.preview(
        EVENT_ID, DayOperation("cancel", pair=(meeting["buyer_id"], meeting["ikm_id"])), who=WHO
    )
    gone = {c["buyer"] for c in preview.changes if c["kind"] == "cancelled" and "no-show" in c["reason"]}
    assert gone == {"B004"}  # checked in as absent: its meetings go with the next change
    day.apply(EVENT_ID, preview.token, who=WHO)
    assert "B004" not in {b for b, _ in places(engine)}


def test_undo_restores_the_plan_before_and_the_log_says_so(engine: Engine) -> None:
    day = engine.events.day
    morning = (engine.events.plan_record(EVENT_ID).folder / "meetings.csv").read_text()
    day.apply(
        EVENT_ID,
        day.preview(EVENT_ID, DayOperation("absent", participants=("B004",)), who=WHO).token,
        who=WHO,
    )
    after_absent = (engine.events.plan_record(EVENT_ID).folder / "meetings.csv").read_text()
    walk_in = day.preview(EVENT_ID, DayOperation("walk_in", participants=("B002",)), who=WHO)
    day.apply(EVENT_ID, walk_in.token, who=WHO)
    assert day.undoable(EVENT_ID).action == "walk_in"
    plan = day.undo(EVENT_ID, who=WHO)
    assert (plan.folder / "meetings.csv").read_text() == after_absent
    assert engine.events.changes(EVENT_ID) == engine.events.changes(EVENT_ID, 2)  # the state before it
    assert day.undoable(EVENT_ID).action == "absent"  # the one before can be undone next
    assert day.checkins(EVENT_ID)["B004"].status == "absent"
    day.undo(EVENT_ID, who=WHO)
    assert (engine.events.plan_record(EVENT_ID).folder / "meetings.csv").read_text() == morning
    assert "B004" not in day.checkins(EVENT_ID)  # the check-in the change set is restored
    assert day.undoable(EVENT_ID) is None
    with pytest.raises(NotFoundError, match="no change to undo"):
        day.undo(EVENT_ID, who=WHO)
    log = day.log(EVENT_ID)
    assert [e.action for e in log] == ["undo", "undo", "walk_in", "absent"]
    assert log[0].text.startswith("Undid: Marked absent") and log[3].undone_by == log[0].entry_id
    assert (log[0].plan_before, log[0].plan_after) == (4, 5)


def test_the_guard_names_what_a_plan_from_the_definition_would_drop(engine: Engine) -> None:
    day = engine.events.day
    assert day.pending(EVENT_ID).empty
    day.apply(
        EVENT_ID,
        day.preview(EVENT_ID, DayOperation("absent", participants=("B004", "B007")), who=WHO).token,
        who=WHO,
    )
    day.apply(
        EVENT_ID,
        day.preview(EVENT_ID, DayOperation("walk_in", participants=("B002",)), who=WHO).token,
        who=WHO,
    )
    pair, start, table = movable(engine)
    day.apply(
        EVENT_ID,
        day.preview(EVENT_ID, DayOperation("move", pair=pair, start=start, table=table), who=WHO).token,
        who=WHO,
    )
    loss = day.pending(EVENT_ID)
    assert [p for p, _ in loss.absent] == ["B004", "B007"] and loss.moved == 1
    assert loss.walk_ins == [("B002", "Dekranasda Provinsi Jawa Timur")]
    sentence = loss.sentence()
    assert "2 absence(s)" in sentence and "Dekranasda Provinsi Jawa Timur" in sentence
    assert "1 moved meeting(s)" in sentence

    plan = day.plan_again(EVENT_ID, "current", who=WHO, time_limit=2)
    now = places(engine, plan.plan_no)
    people = {p for k in now for p in k}
    assert not {"B004", "B007"} & people and "B002" in people  # absences kept out, the walk-in in
    assert now[pair] == (start.strftime("%H:%M"), table)  # the moved meeting stays where it was put
    assert not day.pending(EVENT_ID).empty  # the new plan still carries the day's changes
    assert checker_violations(engine) == []

    plan = day.plan_again(EVENT_ID, "discard", who=WHO, time_limit=2)
    assert engine.events.changes(EVENT_ID) is None
    assert "B004" in {b for b, _ in places(engine, plan.plan_no)}
    log = day.log(EVENT_ID)
    assert log[0].action == "discard" and "Dekranasda Provinsi Jawa Timur" in log[0].text
    assert log[1].action == "replan"


def test_replanning_from_the_day_keeps_meetings_already_held(engine: Engine) -> None:
    day = engine.events.day
    day.apply(
        EVENT_ID,
        day.preview(EVENT_ID, DayOperation("absent", participants=("B004",)), who=WHO).token,
        who=WHO,
    )
    morning = places(engine, 1)
    # 11:00 on the event's day, in its zone (WITA, UTC+8)
    noon = dt.datetime(2027, 3, 10, 3, 0, tzinfo=dt.UTC)
    plan = day.plan_again(EVENT_ID, "current", who=WHO, time_limit=2, now=noon)
    now = places(engine, plan.plan_no)
    held = {k: v for k, v in morning.items() if v[0] < "11:00" and "B004" not in k}
    assert held and all(now.get(k) == v for k, v in held.items())


def test_deleting_the_event_forgets_its_day(engine: Engine) -> None:
    day = engine.events.day
    day.check_in(EVENT_ID, "B001", "arrived", who=WHO)
    day.preview(EVENT_ID, DayOperation("absent", participants=("B004",)), who=WHO)
    engine.events.delete(EVENT_ID)
    engine.events.create(DEMO_EVENT)  # the same id again starts with an empty day
    assert day.checkins(EVENT_ID) == {} and day.log(EVENT_ID) == []
    assert not list((engine.events.root / EVENT_ID).glob(".preview-*"))
