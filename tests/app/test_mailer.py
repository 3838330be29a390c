"""The outbox and its mailer against a real SMTP server (aiosmtpd on a local port): delivery, retries with
backoff, failure after the last try, messages held until the organiser acts, the background sender."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from matching import Engine, Settings
from matching.store.outbox import BACKOFF, LEASE, MAX_TRIES
from tests.mail_server import LocalSmtp, local_smtp

EVENT = """
name: Temu Bisnis Anyaman
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
"""


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    with local_smtp() as server:
        yield server


def make_engine(home: Path, port: int | None) -> Engine:
    settings = Settings(
        home=home,
        encoder="hashing",
        ranker="weights",
        smtp_host="127.0.0.1" if port else None,
        smtp_port=port,
        mail_from="Panitia Temu Bisnis <panitia@temubisnis.test>",
    )
    return Engine(settings)


@pytest.fixture
def engine(tmp_path: Path, smtp: LocalSmtp) -> Iterator[Engine]:
    eng = make_engine(tmp_path / "home", smtp.port)
    yield eng
    eng.close()


def enqueue(engine: Engine, to: str = "sari@anyaman.test", **kwargs: object) -> int:
    values: dict[str, object] = {
        "kind": "request",
        "to_address": to,
        "subject": "Permintaan pertemuan baru",
        "body_text": "Buka https://temu.test/me/events/e1/requests untuk menjawab.",
        **kwargs,
    }
    return engine.outbox.enqueue(**values).message_id  # type: ignore[arg-type]


def test_a_queued_message_is_delivered_with_text_and_html(engine: Engine, smtp: LocalSmtp) -> None:
    message_id = enqueue(engine, body_html="<p>Buka <a href='https://temu.test/x'>permintaan</a></p>")
    report = engine.mailer.send_due()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [mail] = smtp.messages
    assert mail["To"] == "sari@anyaman.test" and mail["X-Envelope-To"] == "sari@anyaman.test"
    assert mail["Subject"] == "Permintaan pertemuan baru"
    assert mail["From"] == "Panitia Temu Bisnis <panitia@temubisnis.test>"
    plain = mail.get_body(("plain",))
    rich = mail.get_body(("html",))
    assert plain is not None and "https://temu.test/me/events/e1/requests" in plain.get_content()
    assert rich is not None and "href='https://temu.test/x'" in rich.get_content()
    sent = engine.outbox.get(message_id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    [attempt] = engine.outbox.tries(message_id)
    assert attempt.ok
    assert engine.mailer.send_due().tried == 0  # sent once only
    assert len(smtp.messages) == 1


def test_without_a_mail_server_messages_stay_queued(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "home", None)
    try:
        message_id = enqueue(engine)
        report = engine.mailer.send_due()
        assert not report.configured and report.tried == 0
        assert engine.outbox.get(message_id).status == "queued"
        assert engine.outbox.tries(message_id) == []
    finally:
        engine.close()


def test_a_temporary_refusal_is_tried_again_after_the_backoff(engine: Engine, smtp: LocalSmtp) -> None:
    smtp.refuse = ["451 4.3.0 try later"]
    message_id = enqueue(engine)
    t0 = dt.datetime(2027, 3, 10, 1, 0, tzinfo=dt.UTC)
    assert engine.mailer.send_due(now=t0).retrying == 1
    waiting = engine.outbox.get(message_id)
    assert waiting.status == "queued" and waiting.attempts == 1
    assert waiting.last_error is not None and waiting.last_error.startswith("451")
    assert waiting.next_try_at == t0 + BACKOFF[0]
    assert engine.mailer.send_due(now=t0 + BACKOFF[0] - dt.timedelta(seconds=1)).tried == 0  # not yet
    assert smtp.messages == []
    assert engine.mailer.send_due(now=t0 + BACKOFF[0]).sent == 1
    assert [m["To"] for m in smtp.messages] == ["sari@anyaman.test"]
    assert [t.ok for t in engine.outbox.tries(message_id)] == [False, True]
    assert engine.outbox.get(message_id).status == "sent"


def test_after_the_last_try_the_message_fails_with_the_last_error(engine: Engine, smtp: LocalSmtp) -> None:
    smtp.refuse = [f"451 4.3.0 busy {i}" for i in range(MAX_TRIES)] + ["451 never reached"]
    message_id = enqueue(engine)
    now = dt.datetime(2027, 3, 10, 1, 0, tzinfo=dt.UTC)
    waits = []
    for _ in range(MAX_TRIES):
        engine.mailer.send_due(now=now)
        message = engine.outbox.get(message_id)
        if message.next_try_at is not None:
            waits.append(message.next_try_at - now)
            now = message.next_try_at
    assert waits == list(BACKOFF)  # 1, 5, 15, 60 minutes
    failed = engine.outbox.get(message_id)
    assert failed.status == "failed" and failed.attempts == MAX_TRIES
    assert failed.last_error == f"451 4.3.0 busy {MAX_TRIES - 1}"
    assert engine.mailer.send_due(now=now + dt.timedelta(days=1)).tried == 0  # no more tries by itself
    assert smtp.refused == MAX_TRIES and smtp.messages == []
    engine.outbox.retry(message_id)  # the organiser's "send now"
    smtp.refuse = []
    assert engine.mailer.send_due().sent == 1
    assert engine.outbox.get(message_id).status == "sent"


def test_a_permanent_refusal_fails_at_once(engine: Engine, smtp: LocalSmtp) -> None:
    smtp.refuse = ["550 5.1.1 no such mailbox"]
    message_id = enqueue(engine, to="nobody@anyaman.test")
    assert engine.mailer.send_due().failed == 1
    failed = engine.outbox.get(message_id)
    assert (
        failed.status == "failed"
        and failed.attempts == 1
        and failed.last_error == "550 5.1.1 no such mailbox"
    )


def test_an_unreachable_server_counts_as_a_try(tmp_path: Path) -> None:
    with local_smtp() as gone:
        port = gone.port  # free once the server stops
    engine = make_engine(tmp_path / "home", port)
    try:
        message_id = enqueue(engine)
        assert engine.mailer.send_due().retrying == 1
        message = engine.outbox.get(message_id)
        assert message.status == "queued" and "Connection" in (message.last_error or "")
    finally:
        engine.close()


def test_held_messages_wait_for_the_event_and_later_ones_do_not(engine: Engine, smtp: LocalSmtp) -> None:
    engine.events.create(EVENT, event_id="e1")
    request = enqueue(engine, event_id="e1", hold_until="opened")
    agenda = enqueue(engine, event_id="e1", hold_until="published", kind="agenda")
    assert engine.mailer.send_due().tried == 0
    assert {engine.outbox.get(i).status for i in (request, agenda)} == {"held"}
    assert engine.outbox.release("e1", "opened") == 1
    engine.mailer.send_due()
    assert engine.outbox.get(request).status == "sent" and engine.outbox.get(agenda).status == "held"
    engine.participation.update_settings("e1", opened_at=dt.datetime.now(dt.UTC))
    later = enqueue(engine, event_id="e1", hold_until="opened")
    assert engine.outbox.get(later).status == "queued"  # the event is open: nothing to wait for
    assert engine.outbox.counts("e1") == {"held": 1, "queued": 1, "sending": 0, "sent": 1, "failed": 0}


def test_two_senders_never_claim_the_same_message_and_an_unfinished_claim_comes_back(engine: Engine) -> None:
    ids = [enqueue(engine, to=f"u{i}@anyaman.test") for i in range(3)]
    now = dt.datetime(2027, 3, 10, 1, 0, tzinfo=dt.UTC)
    first = engine.outbox.claim_due(now=now, limit=2)
    second = engine.outbox.claim_due(now=now)
    assert [m.message_id for m in first] == ids[:2] and [m.message_id for m in second] == ids[2:]
    assert engine.outbox.claim_due(now=now + LEASE - dt.timedelta(seconds=1)) == []
    assert [m.message_id for m in engine.outbox.claim_due(now=now + LEASE)] == ids  # the senders died


def test_the_background_sender_wakes_when_a_message_is_queued(engine: Engine, smtp: LocalSmtp) -> None:
    engine.settings.mail_every = 300.0  # only the wake-up can send within the test
    sender = engine.start_mail_sender()
    try:
        deadline = time.monotonic() + 10
        while sender.runs == 0 and time.monotonic() < deadline:  # the first (empty) run is over
            time.sleep(0.02)
        enqueue(engine, to="budi@anyaman.test")
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["To"] for m in smtp.messages] == ["budi@anyaman.test"]
    finally:
        engine.stop_mail_sender(sender)
