"""Meeting requests: who may send, answer, withdraw and override them, when, the e-mails they send, and how
the planner honours them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from matching import Engine, Settings, demo_data_dir
from matching.app.requests import MAX_MESSAGE, RequestRefused, honour_requests
from matching.errors import ConfigError, NotFoundError
from matching.store.accounts import Account

DEMO_EVENT = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
OTHER_EVENT = """
name: Pameran Lain
sessions: [{start: "09:00", end: "12:00"}]
tables: 4
buyers: [B002]
ikms: [I0001]
"""
NOW = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine(
        Settings(home=tmp_path_factory.mktemp("requests-home"), encoder="hashing", ranker="weights")
    )
    engine.import_demo()
    engine.events.create(DEMO_EVENT, event_id="ev")
    engine.events.create(OTHER_EVENT, event_id="other")
    engine.participation.update_settings("ev", opened_at=NOW - dt.timedelta(days=1))
    yield engine
    engine.close()


def account(engine: Engine, kind: str, pid: str, n: int = 1) -> Account:
    return engine.accounts.create(f"{pid.lower()}-{n}@peserta.example", f"{pid} staff {n}", kind, pid)  # type: ignore[arg-type]


def test_a_buyer_asks_an_ikm_and_the_ikm_accepts(demo: Engine) -> None:
    buyer, ikm = account(demo, "buyer", "B001"), account(demo, "ikm", "I0042")
    second_ikm_user = account(demo, "ikm", "I0042", 2)
    sent = demo.requests.send("ev", buyer, "I0042", "  Kami tertarik dengan tas ketak.  ", now=NOW)
    assert (sent.buyer_id, sent.ikm_id, sent.from_kind, sent.status) == ("B001", "I0042", "buyer", "pending")
    assert sent.message == "Kami tertarik dengan tas ketak." and sent.created_by == buyer.user_id
    mails = demo.outbox.for_event("ev")
    assert {m.to_address for m in mails} == {ikm.email, second_ikm_user.email}  # every staff user of the IKM
    first = mails[0]
    assert first.kind == "request" and first.status == "held" and first.hold_until == "opened"
    assert "Cairns Homewares" in first.subject and "/me/events/ev/requests" in first.body_text
    assert "mengajukan pertemuan" in first.body_text and "asks to meet you" in first.body_text
    assert "Kami tertarik dengan tas ketak." in first.body_text

    answered = demo.requests.answer("ev", sent.request_id, ikm, accept=True, now=NOW)
    assert answered.status == "accepted" and answered.decided_by == ikm.user_id
    answer_mail = demo.outbox.for_event("ev")[-1]
    assert answer_mail.kind == "answer" and answer_mail.to_address == buyer.email
    assert "accepted your request" in answer_mail.subject
    assert [r.request_id for r in demo.requests.of("ev", ikm)] == [sent.request_id]


def test_refusals_say_why(demo: Engine) -> None:
    buyer, ikm = account(demo, "buyer", "B001"), account(demo, "ikm", "I0042")
    with pytest.raises(ConfigError, match=f"at most {MAX_MESSAGE}"):
        demo.requests.send("ev", buyer, "I0042", "x" * (MAX_MESSAGE + 1), now=NOW)
    with pytest.raises(NotFoundError, match="not a ikm of event"):  # another event's IKM
        demo.requests.send("ev", buyer, "I0001", now=NOW)
    with pytest.raises(NotFoundError, match="not a ikm"):  # a buyer is not an IKM
        demo.requests.send("ev", buyer, "B003", now=NOW)
    outsider = account(demo, "buyer", "B002")  # takes part in "other" only
    with pytest.raises(NotFoundError):
        demo.requests.send("ev", outsider, "I0042", now=NOW)
    with pytest.raises(RequestRefused, match="not open"):
        demo.requests.send("other", outsider, "I0001", now=NOW)

    sent = demo.requests.send("ev", buyer, "I0042", now=NOW)
    with pytest.raises(RequestRefused, match="already have a meeting request"):
        demo.requests.send("ev", buyer, "I0042", now=NOW)
    with pytest.raises(RequestRefused, match="already have a meeting request"):  # the reverse, same pair
        demo.requests.send("ev", ikm, "B001", now=NOW)
    with pytest.raises(RequestRefused, match="you sent it"):
        demo.requests.answer("ev", sent.request_id, buyer, accept=True, now=NOW)
    with pytest.raises(RequestRefused, match="only the side that sent"):
        demo.requests.withdraw("ev", sent.request_id, ikm)
    stranger = account(demo, "ikm", "I0050")  # same event, not its request
    with pytest.raises(NotFoundError):
        demo.requests.answer("ev", sent.request_id, stranger, accept=True, now=NOW)
    with pytest.raises(NotFoundError):
        demo.requests.get_for("other", sent.request_id, buyer)  # right id, wrong event

    deadline = NOW + dt.timedelta(hours=1)
    demo.participation.update_settings("ev", request_deadline=deadline)
    with pytest.raises(RequestRefused, match="deadline"):
        demo.requests.answer("ev", sent.request_id, ikm, accept=True, now=deadline)
    with pytest.raises(RequestRefused, match="deadline"):
        demo.requests.send("ev", buyer, "I0050", now=deadline + dt.timedelta(minutes=1))
    declined = demo.requests.answer("ev", sent.request_id, ikm, accept=False, now=NOW)
    assert declined.status == "declined"
    with pytest.raises(RequestRefused, match="already declined"):
        demo.requests.answer("ev", sent.request_id, ikm, accept=True, now=NOW)


def test_withdrawn_requests_may_be_sent_again_and_auto_mode_accepts_at_once(demo: Engine) -> None:
    buyer, ikm = account(demo, "buyer", "B003"), account(demo, "ikm", "I0070")
    sent = demo.requests.send("ev", ikm, "B003", "Kursi rotan kami cocok.", now=NOW)
    assert sent.from_kind == "ikm" and sent.sender_id == "I0070" and sent.receiver_id == "B003"
    assert demo.requests.withdraw("ev", sent.request_id, ikm).status == "withdrawn"
    demo.participation.update_settings("ev", request_mode="auto")
    again = demo.requests.send("ev", buyer, "I0070", now=NOW)
    assert again.request_id == sent.request_id and again.from_kind == "buyer"
    assert again.status == "accepted" and again.decided_by == "auto"
    assert "agreed" in demo.outbox.for_event("ev")[-1].subject


def test_the_organiser_overrides_any_status(demo: Engine) -> None:
    buyer = account(demo, "buyer", "B001")
    sent = demo.requests.send("ev", buyer, "I0042", now=NOW)
    changed = demo.requests.override("ev", sent.request_id, "declined", organiser="panitia")
    assert changed.status == "declined" and changed.decided_by == "organiser: panitia"
    assert [r.status for r in demo.requests.for_event("ev", status="declined")] == ["declined"]
    with pytest.raises(NotFoundError):
        demo.requests.override("other", sent.request_id, "accepted", organiser="panitia")
    with pytest.raises(ConfigError, match="status"):
        demo.requests.override("ev", sent.request_id, "maybe", organiser="panitia")


def test_the_planner_honours_answered_requests(demo: Engine) -> None:
    first = demo.events.plan("ev", time_limit=2)
    meetings = demo.events.meetings("ev", first.plan_no)
    planned = {(m["buyer_id"], m["ikm_id"]) for m in meetings}
    event = demo.events.get("ev").event
    own = {(p.buyer, p.ikm) for p in event.preferences} | {(f.buyer, f.ikm) for f in event.fixed_meetings}
    best = max((m for m in meetings if (m["buyer_id"], m["ikm_id"]) not in own), key=lambda m: m["score"])
    declined_pair = (best["buyer_id"], best["ikm_id"])
    unplanned = next(
        (b, i)
        for b in event.buyers
        for i in event.ikms
        if (b, i) not in planned and (b, i) not in own and b != "B020"
    )
    pending_pair = next(
        (b, i) for b in event.buyers for i in event.ikms if (b, i) not in planned | own | {unplanned}
    )

    def ask(pair: tuple[str, str], n: int) -> int:
        sender = account(demo, "buyer", pair[0], n)
        return demo.requests.send("ev", sender, pair[1], now=NOW).request_id

    accepted_id, declined_id = ask(unplanned, 1), ask(declined_pair, 2)
    ask(pending_pair, 3)
    overruled_id = ask(("B017", "I0127"), 4)  # the organiser's own no_thanks for this pair wins
    for request_id, ikm, yes in ((accepted_id, unplanned[1], True), (declined_id, declined_pair[1], False)):
        demo.requests.answer("ev", request_id, account(demo, "ikm", ikm, request_id), accept=yes, now=NOW)
    demo.requests.override("ev", overruled_id, "accepted", organiser="panitia")

    second = demo.events.plan("ev", time_limit=2)
    after = {(m["buyer_id"], m["ikm_id"]) for m in demo.events.meetings("ev", second.plan_no)}
    assert unplanned in after, "an accepted request is a must-meet pair"
    assert declined_pair not in after, "a declined request is no-thanks, even for the best-scored pair"
    assert ("B017", "I0127") not in after
    merged = honour_requests(event, demo.requests.for_event("ev"))  # every request, pending among them
    kinds = {(p.buyer, p.ikm): p.kind for p in merged.preferences}
    assert (
        pending_pair not in kinds and kinds[unplanned] == "must_meet" and kinds[declined_pair] == "no_thanks"
    )
    assert kinds[("B017", "I0127")] == "no_thanks"
    assert second.summary["violations"] == []


def test_honouring_keeps_the_organisers_choices(demo: Engine) -> None:
    event = demo.events.get("ev").event
    buyer = account(demo, "buyer", "B003")
    fixed = demo.requests.send("ev", buyer, "I0081", now=NOW)  # B003-I0081 is a confirmed meeting
    demo.requests.override("ev", fixed.request_id, "declined", organiser="panitia")
    outside = demo.requests.send("ev", buyer, "I0003", now=NOW)
    demo.requests.override("ev", outside.request_id, "accepted", organiser="panitia")
    answered = demo.requests.preferences("ev")
    merged = honour_requests(event, answered)
    added = merged.preferences[len(event.preferences) :]
    assert [(p.buyer, p.ikm, p.kind) for p in added] == [("B003", "I0003", "must_meet")]
    assert honour_requests(event, answered, ikms={"I0081"}) is event  # I0003 no longer takes part


def test_accepted_requests_that_cannot_be_held_are_not_forced(demo: Engine) -> None:
    """B010 is there in the morning only, I0025 from 10:40: they share slots; B011 (afternoon) and B010 do
    not share any with a morning-only IKM; and the IKM cap (6) limits how many musts one IKM gets."""
    event = demo.events.get("ev").event
    late_buyer = account(demo, "buyer", "B011")  # 13:00-16:00
    early_buyer = account(demo, "buyer", "B010")  # 09:00-12:00
    morning = event.model_copy(
        update={"availability": {**event.availability, "I0003": event.availability["B010"]}}
    )
    apart = demo.requests.send("ev", late_buyer, "I0003", now=NOW)
    together = demo.requests.send("ev", early_buyer, "I0003", now=NOW)
    for r in (apart, together):
        demo.requests.override("ev", r.request_id, "accepted", organiser="panitia")
    added = honour_requests(morning, demo.requests.preferences("ev")).preferences[len(event.preferences) :]
    assert [(p.buyer, p.ikm) for p in added] == [("B010", "I0003")]

    buyers = [b for b in event.buyers if b not in ("B010", "B011", "B020")][:8]  # type: ignore[union-attr]
    for n, b in enumerate(buyers):
        sent = demo.requests.send("ev", account(demo, "buyer", b, 10 + n), "I0035", now=NOW)
        demo.requests.override("ev", sent.request_id, "accepted", organiser="panitia")
    musts = [
        p for p in honour_requests(event, demo.requests.preferences("ev")).preferences if p.ikm == "I0035"
    ]
    assert len(musts) == event.max_meetings_per_ikm == 6
    assert [p.buyer for p in musts] == buyers[:6]  # the earliest requests first
