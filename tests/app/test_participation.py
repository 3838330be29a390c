"""Who takes part in an event, and each event's participant settings."""

from __future__ import annotations

import datetime as dt

import pytest

from matching import ConfigError, Engine
from matching.errors import NotFoundError

LISTED = """
name: Temu Bisnis Anyaman
date: 2026-12-10
slot_minutes: 30
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
buyers: [B001, B002]
ikms: [I0003, I0035, NOT-IN-CATALOGUE]
"""
EVERYONE = """
name: Pameran Semua
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
"""


@pytest.fixture
def demo(engine: Engine) -> Engine:
    engine.import_demo()
    engine.events.create(LISTED, event_id="listed")
    engine.events.create(EVERYONE, event_id="everyone")
    return engine


def test_a_participant_takes_part_only_in_events_that_name_it(demo: Engine) -> None:
    p = demo.participation
    assert p.takes_part("listed", "buyer", "B001") and p.takes_part("listed", "ikm", "I0035")
    assert not p.takes_part("listed", "buyer", "B003")  # not listed
    assert not p.takes_part("listed", "ikm", "B001")  # a buyer is not an IKM
    assert not p.takes_part("listed", "ikm", "NOT-IN-CATALOGUE")  # listed, but not in the catalogue
    assert not p.takes_part("no-such-event", "buyer", "B001")
    assert p.takes_part("everyone", "buyer", "B003")
    assert [r.event_id for r in p.events_of("buyer", "B001")] == ["listed", "everyone"]
    assert [r.event_id for r in p.events_of("buyer", "B003")] == ["everyone"]
    assert p.members("listed", "ikm") == {"I0003", "I0035"}


def test_settings_have_defaults_and_are_checked(demo: Engine) -> None:
    p = demo.participation
    first = p.settings("listed")
    assert (first.request_mode, first.registration, first.opened, first.published_plan_no) == (
        "accept",
        "closed",
        False,
        None,
    )
    now = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
    deadline = now + dt.timedelta(days=2)
    assert not first.requests_open(now)  # not opened yet
    changed = p.update_settings("listed", request_mode="auto", request_deadline=deadline, opened_at=now)
    assert changed.request_mode == "auto" and changed.request_deadline == deadline
    assert changed.requests_open(now) and not changed.requests_open(deadline)
    assert p.settings("listed") == changed and p.settings("everyone").request_mode == "accept"
    with pytest.raises(ConfigError, match="request_mode"):
        p.update_settings("listed", request_mode="maybe")
    with pytest.raises(ConfigError, match="zone"):
        p.update_settings("listed", request_deadline=dt.datetime(2026, 12, 3, 12, 0))
    with pytest.raises(ConfigError, match="unknown"):
        p.update_settings("listed", colour="red")
    with pytest.raises(NotFoundError):
        p.settings("no-such-event")
