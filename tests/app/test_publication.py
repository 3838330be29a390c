"""Opening and publishing an event: who gets which e-mail, nothing before publication, only the affected
after a change, a day change of a published event published at once; WhatsApp links for IKMs without an
account. The e-mails are read as delivered by a real local SMTP server."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from matching import Engine, Settings, demo_data_dir
from matching.app.day import DayOperation
from matching.app.whatsapp import whatsapp_link, whatsapp_number
from matching.events.plan_files import read_plan_rows
from matching.store.accounts import Account
from tests.mail_server import LocalSmtp, local_smtp

DEMO_EVENT = (demo_data_dir() / "event.yaml").read_text(encoding="utf-8")
EVENT_ID = "temu-bisnis-anyaman-ntb-2027"
PUBLIC = "https://temu.example"
AGENDA = f"{PUBLIC}/me/events/{EVENT_ID}/agenda"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("publish-home")
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.events.create(DEMO_EVENT)
    engine.events.plan(EVENT_ID, time_limit=2)
    engine.close()
    return home


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    with local_smtp() as server:
        yield server


@pytest.fixture
def engine(planned: Path, tmp_path: Path, smtp: LocalSmtp) -> Iterator[Engine]:
    home = tmp_path / "home"
    shutil.copytree(planned, home)
    settings = Settings(
        home=home,
        encoder="hashing",
        ranker="weights",
        public_url=PUBLIC,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
    )
    eng = Engine(settings)
    yield eng
    eng.close()


def rows(engine: Engine, plan_no: int | None = None) -> list[dict[str, str]]:
    return read_plan_rows(engine.events.plan_record(EVENT_ID, plan_no).folder / "meetings.csv")


def accounts(engine: Engine) -> dict[str, Account]:
    """Accounts of two sides of one meeting, of an unrelated buyer of the event, and of a buyer of the
    catalogue who is not in the event."""
    meeting = rows(engine)[0]
    buyer, ikm = meeting["buyer_id"], meeting["ikm_id"]
    involved = {r["buyer_id"] for r in rows(engine) if ikm == r["ikm_id"]} | {buyer}
    other = next(r["buyer_id"] for r in rows(engine) if r["buyer_id"] not in involved)
    made = {
        "buyer": engine.accounts.create("buyer@example.com", "Anna Buyer", "buyer", buyer),
        "ikm": engine.accounts.create("ikm@example.com", "Ibu Sari", "ikm", ikm),
        "other": engine.accounts.create("other@example.com", "Other Buyer", "buyer", other),
        "outside": engine.accounts.create("outside@example.com", "Not Invited", "buyer", "B002"),
    }
    return made


def text_of(mail: object) -> str:
    body = mail.get_body(("plain",))  # type: ignore[attr-defined]
    assert body is not None
    return str(body.get_content())


def test_nothing_of_the_agenda_is_sent_before_publication(engine: Engine, smtp: LocalSmtp) -> None:
    accounts(engine)
    engine.publication.open(EVENT_ID, who="Panitia")
    assert engine.participation.settings(EVENT_ID).opened
    engine.mailer.send_due()
    assert engine.outbox.for_event(EVENT_ID) == [] and smtp.messages == []


def test_publishing_mails_each_account_its_own_meetings_and_the_agenda_link(
    engine: Engine, smtp: LocalSmtp
) -> None:
    made = accounts(engine)
    held = engine.outbox.enqueue(
        kind="change",
        to_address="ikm@example.com",
        subject="x",
        body_text="y",
        event_id=EVENT_ID,
        hold_until="published",
    )
    result = engine.publication.publish(EVENT_ID, who="Panitia")
    assert result.plan_no == 1 and result.previous is None and result.released == 1
    settings = engine.participation.settings(EVENT_ID)
    assert settings.published_plan_no == 1 and settings.published_by == "Panitia"
    assert engine.mailer.send_due().sent == 4  # three event accounts and the released message
    assert smtp.to("outside@example.com") == []  # not a participant of the event
    assert engine.outbox.get(held.message_id).status == "sent"
    buyer = made["buyer"].participant_id
    [mail] = [m for m in smtp.to("buyer@example.com")]
    assert mail["Subject"].startswith("Jadwal temu bisnis Anda: Temu Bisnis Anyaman NTB 2027")
    text = text_of(mail)
    assert text.startswith("Halo Anna Buyer,")
    assert AGENDA in text and "Agenda for" in text  # Indonesian, then English
    names = engine.participants().names
    mine = [r for r in rows(engine) if r["buyer_id"] == buyer]
    assert mine
    for r in mine:
        assert (
            f"{r['slot_start']}-{r['slot_end']} WITA  Meja {r['table']}  dengan {names[r['ikm_id']]}" in text
        )
    others = [r for r in rows(engine) if buyer not in (r["buyer_id"], r["ikm_id"])]
    assert not any(
        f"({r['ikm_id']})" in text for r in others if r["ikm_id"] not in {m["ikm_id"] for m in mine}
    )
    rich = mail.get_body(("html",))
    assert rich is not None and f"href='{AGENDA}'" in rich.get_content()
    assert engine.publication.publish(EVENT_ID, who="Panitia").messages == 0  # the same plan again: nothing


def test_a_day_change_of_a_published_event_is_published_and_told_to_the_affected(
    engine: Engine, smtp: LocalSmtp
) -> None:
    made = accounts(engine)
    engine.publication.publish(EVENT_ID, who="Panitia")
    engine.mailer.send_due()
    smtp.messages.clear()
    buyer, ikm = made["buyer"].participant_id, made["ikm"].participant_id
    day = engine.events.day
    preview = day.preview(
        EVENT_ID, DayOperation("cancel", pair=(buyer, ikm), reason="left early"), who="Meja"
    )
    plan = day.apply(EVENT_ID, preview.token, who="Meja panitia")
    settings = engine.participation.settings(EVENT_ID)
    assert settings.published_plan_no == plan.plan_no == 2 and settings.published_by == "Meja panitia"
    assert (buyer, ikm) not in {(r["buyer_id"], r["ikm_id"]) for r in rows(engine, 2)}
    engine.mailer.send_due()
    assert sorted(m["To"] for m in smtp.messages) == ["buyer@example.com", "ikm@example.com"]  # not "other"
    mail = smtp.to("buyer@example.com")[0]
    assert mail["Subject"].startswith("Jadwal Anda berubah")
    text = text_of(mail)
    assert "DIBATALKAN" in text and "CANCELLED" in text and AGENDA in text
    assert {m.kind for m in engine.outbox.for_event(EVENT_ID)} == {"agenda", "change"}
    smtp.messages.clear()
    day.undo(EVENT_ID, who="Meja panitia")  # the meeting is back: told again, to the same two
    assert engine.participation.settings(EVENT_ID).published_plan_no == 3
    engine.mailer.send_due()
    assert sorted(m["To"] for m in smtp.messages) == ["buyer@example.com", "ikm@example.com"]
    assert "BARU" in text_of(smtp.to("ikm@example.com")[0])


def test_a_day_change_of_an_unpublished_event_publishes_nothing(engine: Engine, smtp: LocalSmtp) -> None:
    made = accounts(engine)
    pair = (made["buyer"].participant_id, made["ikm"].participant_id)
    day = engine.events.day
    preview = day.preview(EVENT_ID, DayOperation("cancel", pair=pair), who="Meja")
    day.apply(EVENT_ID, preview.token, who="Meja")
    assert engine.participation.settings(EVENT_ID).published_plan_no is None
    assert engine.outbox.for_event(EVENT_ID) == []


def test_republishing_a_newer_plan_tells_only_those_whose_meetings_changed(engine: Engine) -> None:
    accounts(engine)
    engine.publication.publish(EVENT_ID, who="Panitia")
    before = len(engine.outbox.for_event(EVENT_ID))
    # the accounts' meeting cancelled by a re-schedule outside the day console (a changes file): that plan
    # is not published by itself
    first = rows(engine)[0]
    cancelled = f"cancelled:\n  - {{buyer: {first['buyer_id']}, ikm: {first['ikm_id']}}}\n"
    engine.events.reschedule(EVENT_ID, cancelled)
    assert engine.participation.settings(EVENT_ID).published_plan_no == 1
    old = {(r["buyer_id"], r["ikm_id"], r["slot_start"], r["table"]) for r in rows(engine, 1)}
    new = {(r["buyer_id"], r["ikm_id"], r["slot_start"], r["table"]) for r in rows(engine, 2)}
    changed = {p for m in old ^ new for p in m[:2]}
    assert {first["buyer_id"], first["ikm_id"]} <= changed and len(changed) < 10
    result = engine.publication.publish(EVENT_ID, who="Panitia")
    assert result.previous == 1 and result.plan_no == 2
    assert set(result.participants) == changed
    told = {m.to_address for m in engine.outbox.for_event(EVENT_ID)[before:]}
    expected = {a.email for a in accounts_of(engine) if a.participant_id in changed}
    assert told == expected and {"buyer@example.com", "ikm@example.com"} <= told


def accounts_of(engine: Engine) -> list[Account]:
    return [a for e in ("buyer", "ikm", "other") for a in [engine.accounts.by_email(f"{e}@example.com")] if a]


def test_whatsapp_links_for_ikms_without_an_account(engine: Engine) -> None:
    made = accounts(engine)
    contacts = engine.publication.whatsapp(EVENT_ID, engine.store.ikms())
    ids = {c.participant for c in contacts}
    assert made["ikm"].participant_id not in ids  # has an account: e-mail
    assert ids and all(c.link is None for c in contacts)  # not published: no agenda goes out
    engine.publication.publish(EVENT_ID, who="Panitia")
    contacts = engine.publication.whatsapp(EVENT_ID, engine.store.ikms())
    contact = next(c for c in contacts if any(r["ikm_id"] == c.participant for r in rows(engine)))
    assert contact.link is not None and contact.link.startswith(f"https://wa.me/{contact.number}?text=")
    text = unquote(contact.link.partition("?text=")[2])
    assert f"Agenda untuk: {contact.name} ({contact.participant})" in text
    assert f"{PUBLIC}/events/{EVENT_ID}/agenda/{contact.participant}" in text
    assert contact.number.startswith("628")


@pytest.mark.parametrize(
    ("phone", "number"),
    [
        ("0822-2834-2373", "6282228342373"),
        ("+62 822 2834 2373", "6282228342373"),
        ("62822 2834 2373", "6282228342373"),
        ("822 2834 2373", "6282228342373"),
        ("0812 555 0101 / 0813 555 0202", "628125550101"),
        ("+81 90 1234 5678", "819012345678"),
        ("12-34", None),
        ("", None),
        (None, None),
    ],
)
def test_whatsapp_numbers(phone: str | None, number: str | None) -> None:
    assert whatsapp_number(phone) == number
    link = whatsapp_link(phone, "Halo & selamat pagi")
    assert link == (f"https://wa.me/{number}?text=Halo%20%26%20selamat%20pagi" if number else None)


def test_open_releases_held_request_messages_once(engine: Engine) -> None:
    message = engine.outbox.enqueue(
        kind="request",
        to_address="ikm@example.com",
        subject="s",
        body_text="b",
        event_id=EVENT_ID,
        hold_until="opened",
    )
    assert engine.publication.open(EVENT_ID, who="Panitia") == 1
    opened_at = engine.participation.settings(EVENT_ID).opened_at
    assert engine.outbox.get(message.message_id).status == "queued"
    assert engine.publication.open(EVENT_ID, who="Someone else") == 0
    assert engine.participation.settings(EVENT_ID).opened_at == opened_at  # opened once
    assert isinstance(opened_at, dt.datetime)
