"""Signing participants in: argon2 password hashes, the rules, one-time codes and the lockout."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from matching import Engine
from matching.app.accounts import CODE_TRIES, MAX_FAILURES, PasswordRejected, SignIns
from matching.store.accounts import digest
from matching.store.sign_ins import SignInRecords
from matching.store.tables import AccountRow, OutboxRow, SignInCodeRow

START = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)
PASSWORD = "anyaman-pandan-2026"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def forward(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sign_ins(engine: Engine, clock: Clock) -> SignIns:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return SignIns(engine.accounts, SignInRecords(engine.store), engine.outbox, hasher=cheap, clock=clock)


def _outbox(engine: Engine) -> list[OutboxRow]:
    with engine.store.session() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.message_id)).all())


def _sent_code(engine: Engine, address: str) -> str:
    bodies = [m.body_text for m in _outbox(engine) if m.to_address == address and m.kind == "code"]
    assert bodies, "no code e-mail"
    found = re.search(r"\b(\d{6})\b", bodies[-1])
    assert found is not None
    return found.group(1)


def test_only_an_argon2_hash_of_the_password_is_stored(engine: Engine, sign_ins: SignIns) -> None:
    account = engine.accounts.create("sari@anyaman.example", "Sari", "ikm", "I0003")
    sign_ins.set_password(account.user_id, PASSWORD)
    with engine.store.session() as session:
        stored = session.get(AccountRow, account.user_id)
        assert stored is not None and stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert sign_ins.with_password("SARI@anyaman.example", PASSWORD).ok
    assert not sign_ins.with_password("sari@anyaman.example", PASSWORD + "x").ok


def test_password_rules(engine: Engine, sign_ins: SignIns) -> None:
    account = engine.accounts.create("budi.rotan@example.id", "Budi", "ikm", "I0035")
    with pytest.raises(PasswordRejected) as short:
        sign_ins.set_password(account.user_id, "pendek123")  # 9 characters
    assert short.value.reason == "short"
    with pytest.raises(PasswordRejected) as same:
        sign_ins.set_password(account.user_id, "Budi.Rotan@example.id")
    assert same.value.reason == "email"
    assert engine.accounts.password_hash(account.user_id) is None
    sign_ins.set_password(account.user_id, "sepuluh-10")  # exactly 10
    assert engine.accounts.get(account.user_id).has_password


def test_unknown_address_and_wrong_password_get_one_answer(engine: Engine, sign_ins: SignIns) -> None:
    account = engine.accounts.create("hotel@buyer.example", "Hotel", "buyer", "B001")
    sign_ins.set_password(account.user_id, PASSWORD)
    wrong = sign_ins.with_password("hotel@buyer.example", "salah-sekali-123")
    unknown = sign_ins.with_password("nobody@buyer.example", "salah-sekali-123")
    codes_only = engine.accounts.create("codes@buyer.example", "Codes", "buyer", "B002")
    no_password = sign_ins.with_password(codes_only.email, "salah-sekali-123")
    assert wrong == unknown == no_password
    assert wrong.account is None and wrong.locked_until is None


def test_five_failures_in_a_row_lock_the_address_for_fifteen_minutes(
    engine: Engine, sign_ins: SignIns, clock: Clock
) -> None:
    account = engine.accounts.create("hotel@buyer.example", "Hotel", "buyer", "B001")
    sign_ins.set_password(account.user_id, PASSWORD)
    results = [sign_ins.with_password(account.email, f"salah-{i}-xxxxx") for i in range(MAX_FAILURES)]
    assert [r.locked_until for r in results[:-1]] == [None] * (MAX_FAILURES - 1)
    assert results[-1].locked_until == START + dt.timedelta(minutes=15)
    clock.forward(minutes=14)
    refused = sign_ins.with_password(account.email, PASSWORD)  # even the right password
    assert not refused.ok and refused.locked_until == START + dt.timedelta(minutes=15)
    clock.forward(minutes=1, seconds=1)
    assert sign_ins.with_password(account.email, PASSWORD).ok
    # a success clears the count: four more failures do not lock
    for i in range(MAX_FAILURES - 1):
        assert sign_ins.with_password(account.email, f"salah-{i}-xxxxx").locked_until is None
    assert sign_ins.with_password(account.email, PASSWORD).ok


def test_unknown_addresses_are_locked_out_too(sign_ins: SignIns) -> None:
    results = [sign_ins.with_password("ghost@example.id", "apa-saja-12345") for _ in range(MAX_FAILURES)]
    assert results[-1].locked_until is not None


def test_a_code_works_once_and_only_its_hash_is_stored(engine: Engine, sign_ins: SignIns) -> None:
    account = engine.accounts.create("sari@anyaman.example", "Sari", "ikm", "I0003")
    assert sign_ins.send_code("Sari@Anyaman.example") is None
    code = _sent_code(engine, "sari@anyaman.example")
    with engine.store.session() as session:
        rows = session.scalars(select(SignInCodeRow)).all()
    assert len(rows) == 1 and code not in rows[0].code_sha256 and len(rows[0].code_sha256) == 64
    first = sign_ins.with_code(account.email, f" {code[:3]} {code[3:]} ")  # spaces are forgiven
    assert first.account is not None and first.account.user_id == account.user_id
    assert not sign_ins.with_code(account.email, code).ok  # used


def test_a_code_expires_after_ten_minutes(engine: Engine, sign_ins: SignIns, clock: Clock) -> None:
    account = engine.accounts.create("sari@anyaman.example", "Sari", "ikm", "I0003")
    sign_ins.send_code(account.email)
    code = _sent_code(engine, account.email)
    clock.forward(minutes=10)
    assert not sign_ins.with_code(account.email, code).ok
    sign_ins.send_code(account.email)
    fresh = _sent_code(engine, account.email)
    clock.forward(minutes=9, seconds=59)
    assert sign_ins.with_code(account.email, fresh).ok


def test_a_new_code_voids_the_old_one(engine: Engine, sign_ins: SignIns, clock: Clock) -> None:
    account = engine.accounts.create("sari@anyaman.example", "Sari", "ikm", "I0003")
    sign_ins.send_code(account.email)
    clock.forward(seconds=61)
    sign_ins.send_code(account.email)
    with engine.store.session() as session:
        rows = session.scalars(select(SignInCodeRow).order_by(SignInCodeRow.code_id)).all()
    assert [r.used_at is not None for r in rows] == [True, False]
    assert sign_ins.with_code(account.email, _sent_code(engine, account.email)).ok


def test_codes_are_sent_at_most_once_a_minute(engine: Engine, sign_ins: SignIns, clock: Clock) -> None:
    account = engine.accounts.create("sari@anyaman.example", "Sari", "ikm", "I0003")
    for _ in range(5):  # someone pressing "send" again and again, or flooding the inbox
        assert sign_ins.send_code(account.email) is None
        clock.forward(seconds=10)
    codes = [m for m in _outbox(engine) if m.kind == "code"]
    assert len(codes) == 1
    assert sign_ins.with_code(account.email, _sent_code(engine, account.email)).ok  # the first still works
    clock.forward(seconds=20)
    sign_ins.send_code(account.email)
    assert len([m for m in _outbox(engine) if m.kind == "code"]) == 2


def test_a_code_has_five_tries(engine: Engine) -> None:
    records = SignInRecords(engine.store)
    records.add_code("a@b.example", digest("123456"), START, START + dt.timedelta(minutes=10))
    checks = [
        records.use_code("a@b.example", digest("654321"), START, max_tries=CODE_TRIES) for _ in range(5)
    ]
    assert checks == ["wrong"] * CODE_TRIES
    assert records.use_code("a@b.example", digest("123456"), START, max_tries=CODE_TRIES) == "none"


def test_wrong_codes_count_towards_the_lockout(engine: Engine, sign_ins: SignIns) -> None:
    account = engine.accounts.create("sari@anyaman.example", "Sari", "ikm", "I0003")
    sign_ins.send_code(account.email)
    code = _sent_code(engine, account.email)
    wrong = "000000" if code != "000000" else "111111"
    results = [sign_ins.with_code(account.email, wrong) for _ in range(MAX_FAILURES)]
    assert results[-1].locked_until == START + dt.timedelta(minutes=15)
    assert sign_ins.send_code(account.email) == START + dt.timedelta(minutes=15)  # no code while locked


def test_no_code_is_sent_to_an_unknown_or_disabled_address(engine: Engine, sign_ins: SignIns) -> None:
    account = engine.accounts.create("gone@anyaman.example", "Gone", "ikm", "I0003")
    engine.accounts.disable(account.user_id)
    assert sign_ins.send_code("gone@anyaman.example") is None
    assert sign_ins.send_code("nobody@anyaman.example") is None
    assert [m for m in _outbox(engine) if m.kind == "code"] == []


def test_demo_logins_are_made_once_and_work(engine: Engine) -> None:
    from matching.app.accounts import demo_logins

    engine.import_demo()
    first = demo_logins(engine)
    again = demo_logins(engine)
    assert [(d.kind, d.email) for d in first] == [
        ("buyer", "demo.buyer@peserta.example"),
        ("ikm", "demo.ikm@peserta.example"),
    ]
    assert first == again and len(engine.events.all()) == 1 and engine.accounts.count() == 2
    for login in first:
        assert engine.participation.takes_part(login.event_id, login.kind, login.participant_id)
        assert engine.sign_ins.with_password(login.email, login.password).ok
