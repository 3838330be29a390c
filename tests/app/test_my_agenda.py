"""A participant's own agenda of the published plan, changes since its last view, its calendar, its ratings
and the training labels they give."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest

from matching import Engine, Settings
from matching.app.whatsapp import whatsapp_number
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.plan_files import MEETING_COLUMNS, read_plan_rows
from matching.learning.outcomes import outcome_labels
from matching.store.accounts import Account

EVENT = """name: Temu Kecil Lombok
date: 2027-03-10
time_zone: WITA
slot_minutes: 20
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B001, B003]
ikms: [I0003, I0035, I0038, I0042]
"""
WITA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("my-agenda"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    eng.events.create(EVENT, event_id="kecil")
    eng.events.plan("kecil", time_limit=5)
    eng.events.create(EVENT.replace("buyers: [B001, B003]", "buyers: [B007]"), event_id="lain")
    yield eng
    eng.close()


def rows(engine: Engine, plan_no: int) -> list[dict[str, str]]:
    return read_plan_rows(engine.events.plan_record("kecil", plan_no).folder / "meetings.csv")


def account(engine: Engine, kind: str, pid: str, email: str | None = None) -> Account:
    address = email or f"{pid.lower()}@agenda.example"
    return engine.accounts.by_email(address) or engine.accounts.create(address, f"Staf {pid}", kind, pid)  # type: ignore[arg-type]


def publish(engine: Engine, plan_no: int | None) -> None:
    when = dt.datetime(2027, 3, 1, tzinfo=dt.UTC) if plan_no else None
    engine.participation.update_settings("kecil", published_plan_no=plan_no, published_at=when)


def second_plan(engine: Engine, edit: object) -> int:
    """A copy of plan 1 with its meetings.csv rows changed by ``edit`` (rows -> rows), saved as a new plan."""
    first = engine.events.plan_record("kecil", 1)
    staged = first.folder.parent / ".staged-test"
    shutil.copytree(first.folder, staged)
    new = edit(rows(engine, 1))  # type: ignore[operator]
    with (staged / "meetings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, MEETING_COLUMNS)
        writer.writeheader()
        writer.writerows(new)
    return engine.events.save_plan("kecil", "reschedule", dict(first.summary), staged).plan_no


def test_nothing_is_shown_before_publishing_and_strangers_get_not_found(engine: Engine) -> None:
    publish(engine, None)
    mine = engine.my_agenda.agenda("kecil", account(engine, "buyer", "B001"), remember=False)
    assert not mine.published and mine.meetings == []
    with pytest.raises(NotFoundError):  # B007 is not a participant of this event
        engine.my_agenda.agenda("kecil", account(engine, "buyer", "B007"))
    with pytest.raises(NotFoundError):  # an IKM id under a buyer's account is not that IKM
        engine.my_agenda.agenda("kecil", account(engine, "buyer", "I0003", "fake@agenda.example"))


def test_the_agenda_holds_only_the_participants_meetings_with_local_times_and_contacts(
    engine: Engine,
) -> None:
    publish(engine, 1)
    who = account(engine, "ikm", "I0035")
    planned = [r for r in rows(engine, 1) if r["ikm_id"] == "I0035" and r["slot_start"]]
    mine = engine.my_agenda.agenda("kecil", who, remember=False)
    assert planned and sorted(m.item.counterpart for m in mine.meetings) == sorted(
        r["buyer_id"] for r in planned
    )
    first = mine.meetings[0]
    row = next(r for r in planned if r["buyer_id"] == first.item.counterpart)
    assert first.item.start == row["slot_start"] and first.item.table == row["table"]
    hours, minutes = map(int, row["slot_start"].split(":"))
    assert first.starts_at == dt.datetime(2027, 3, 10, hours, minutes, tzinfo=WITA)
    # an IKM sees the buyer's e-mail from the catalogue (B003 has one) and the buyer's own users
    b003 = next((m for m in mine.meetings if m.item.counterpart == "B003"), None)
    if b003 is not None:
        assert "procurement@thedriftwoodcollecti.com" in {c.email for c in b003.contacts}
    # a buyer sees the IKM's phone as a WhatsApp number
    buyer = engine.my_agenda.agenda("kecil", account(engine, "buyer", "B001"), remember=False)
    assert all(m.item.kind == "ikm" for m in buyer.meetings)
    assert any(m.whatsapp and m.whatsapp.startswith("62") for m in buyer.meetings)


def test_whatsapp_numbers_get_the_country_code() -> None:
    assert whatsapp_number("0812-3456-789") == "628123456789"
    assert whatsapp_number("+62 812 3456 789") == "628123456789"
    assert whatsapp_number("812 3456 789") == "628123456789"
    assert whatsapp_number("12") is None and whatsapp_number(None) is None


def test_a_republished_plan_marks_moved_new_and_cancelled_meetings(engine: Engine) -> None:
    publish(engine, 1)
    buyer = account(engine, "buyer", "B003", "b003-view@agenda.example")
    shown = engine.my_agenda.agenda("kecil", buyer)  # the first view: nothing marked
    assert shown.meetings and not shown.changed
    before = [r for r in rows(engine, 1) if r["buyer_id"] == "B003" and r["slot_start"]]
    assert len(before) >= 2
    moved, dropped = before[0], before[1]
    other_ikm = next(
        i for i in ("I0003", "I0035", "I0038", "I0042") if i not in {r["ikm_id"] for r in before}
    )

    def edit(all_rows: list[dict[str, str]]) -> list[dict[str, str]]:
        out = []
        for r in all_rows:
            if r is not None and (r["buyer_id"], r["ikm_id"]) == (dropped["buyer_id"], dropped["ikm_id"]):
                continue
            if (r["buyer_id"], r["ikm_id"]) == (moved["buyer_id"], moved["ikm_id"]):
                r = {**r, "table": "2" if r["table"] == "1" else "1"}
            out.append(r)
        return [*out, {**dropped, "ikm_id": other_ikm}]

    plan_no = second_plan(engine, edit)
    publish(engine, plan_no)
    again = engine.my_agenda.agenda("kecil", buyer)
    marks = {m.item.counterpart: m.change for m in again.meetings}
    assert marks[moved["ikm_id"]] == "moved" and marks[other_ikm] == "added"
    assert [m.item.counterpart for m in again.cancelled] == [dropped["ikm_id"]]
    assert again.cancelled[0].contacts == ()  # no contact for a meeting no longer agreed
    moved_item = next(m for m in again.meetings if m.item.counterpart == moved["ikm_id"])
    assert moved_item.was_table == moved["table"] and moved_item.item.table != moved["table"]
    # a reload (or the other language) shows the same marks while this plan is in force
    reload = engine.my_agenda.agenda("kecil", buyer)
    assert {m.item.counterpart: m.change for m in reload.meetings} == marks
    # another user of the same buyer, who never looked before, sees no marks
    colleague = account(engine, "buyer", "B003", "b003-colleague@agenda.example")
    assert not engine.my_agenda.agenda("kecil", colleague).changed
    publish(engine, 1)


def test_the_calendar_is_the_participants_own_in_the_events_zone(engine: Engine) -> None:
    publish(engine, None)
    who = account(engine, "buyer", "B001")
    with pytest.raises(NotFoundError):
        engine.my_agenda.calendar("kecil", who)
    publish(engine, 1)
    calendar = icalendar.Calendar.from_ical(engine.my_agenda.calendar("kecil", who).read_bytes())
    events = list(calendar.walk("VEVENT"))
    planned = [r for r in rows(engine, 1) if r["buyer_id"] == "B001" and r["slot_start"]]
    assert len(events) == len(planned)
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert starts[0].utcoffset() == dt.timedelta(hours=8)
    assert sorted(s.strftime("%H:%M") for s in starts) == sorted(r["slot_start"] for r in planned)


def test_ratings_follow_the_rules_and_change_the_training_labels(engine: Engine) -> None:
    publish(engine, 1)
    buyer = account(engine, "buyer", "B001")
    met = next(r for r in rows(engine, 1) if r["buyer_id"] == "B001" and r["slot_start"])
    ikm = met["ikm_id"]
    hours, minutes = map(int, met["slot_start"].split(":"))
    start = dt.datetime(2027, 3, 10, hours, minutes, tzinfo=WITA)
    ratings = engine.ratings
    with pytest.raises(ConflictError):  # before the meeting starts
        ratings.rate("kecil", buyer, ikm, day_outcome="deal_agreed", now=start - dt.timedelta(minutes=1))
    unmet = next(
        i
        for i in ("I0003", "I0035", "I0038", "I0297")
        if (met["buyer_id"], i) not in {(r["buyer_id"], r["ikm_id"]) for r in rows(engine, 1)}
    )
    with pytest.raises(NotFoundError):  # a pair not in the published plan
        ratings.rate("kecil", buyer, unmet, day_outcome="deal_agreed", now=start)
    with pytest.raises(NotFoundError):  # an event the buyer does not take part in
        ratings.rate("lain", buyer, ikm, day_outcome="deal_agreed", now=start)
    with pytest.raises(ConfigError):
        ratings.rate("kecil", buyer, ikm, day_outcome="great", now=start)

    assert ("B001", ikm) not in {(o.buyer_id, o.ikm_id) for o in ratings.training_outcomes()}
    stored = ratings.rate("kecil", buyer, ikm, day_outcome="deal_agreed", notes=" sample ", now=start)
    assert (stored.rater_kind, stored.rated_by, stored.notes, stored.plan_no) == (
        "buyer",
        buyer.user_id,
        "sample",
        1,
    )
    assert outcome_labels(ratings.training_outcomes())["B001"][ikm] == 3
    # the IKM's side says less: the lower of the two counts
    ratings.rate("kecil", account(engine, "ikm", ikm), "B001", day_outcome="cooperation_possible", now=start)
    assert outcome_labels(ratings.training_outcomes())["B001"][ikm] == 2
    # an organiser's entry wins for the pair
    engine.events.record_outcome(
        "kecil", "B001", ikm, day_outcome="insufficient_interest", entered_by="Meja panitia"
    )
    assert outcome_labels(ratings.training_outcomes())["B001"][ikm] == 0
    assert engine.events.outcomes("kecil")[0].entered_by == "Meja panitia"
    shown = engine.my_agenda.agenda("kecil", buyer, remember=False)
    rated = next(m for m in shown.meetings if m.item.counterpart == ikm)
    assert rated.rating is not None and rated.rating.day_outcome == "deal_agreed"


def test_an_event_without_a_date_counts_from_the_day_it_was_published(tmp_path: Path) -> None:
    from matching.app.my_agenda import meeting_start
    from matching.events.model import parse_event

    event = parse_event(
        {"name": "x", "sessions": [{"start": "09:00", "end": "10:00"}], "tables": 1, "time_zone": "WIT"}
    )
    published = dt.datetime(2027, 1, 5, 23, 30, tzinfo=dt.UTC)  # 6 January, 08:30 WIT
    assert meeting_start(event, "09:20", published) == dt.datetime(
        2027, 1, 6, 9, 20, tzinfo=dt.timezone(dt.timedelta(hours=9))
    )
    assert meeting_start(event, "09:20", None) is None
