"""Participants' accounts and sessions: unique lower-case e-mail, hashed session tokens, expiry, disable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from matching import ConfigError, Engine
from matching.errors import NotFoundError
from matching.store.accounts import digest
from matching.store.tables import WebSessionRow


def test_an_account_is_found_by_its_address_in_any_case(engine: Engine) -> None:
    made = engine.accounts.create("Sari@Anyaman.example ", "Sari", "ikm", "I001")
    assert made.email == "sari@anyaman.example" and not made.has_password
    found = engine.accounts.by_email("SARI@anyaman.example")
    assert found is not None and found.user_id == made.user_id and found.kind == "ikm"
    with pytest.raises(ConfigError, match="already has an account"):
        engine.accounts.create("sari@anyaman.example", "Sari again", "ikm", "I001")
    with pytest.raises(ConfigError, match="buyer or an IKM"):
        engine.accounts.create("x@y.example", "X", "organiser", "I001")  # type: ignore[arg-type]


def test_an_ikm_may_have_several_users(engine: Engine) -> None:
    engine.accounts.create("a@ikm.example", "A", "ikm", "I002")
    engine.accounts.create("b@ikm.example", "B", "ikm", "I002")
    engine.accounts.create("c@buyer.example", "C", "buyer", "B001")
    assert [a.email for a in engine.accounts.for_participant("I002")] == ["a@ikm.example", "b@ikm.example"]


def test_a_session_is_found_by_its_token_and_only_its_hash_is_stored(engine: Engine) -> None:
    account = engine.accounts.create("buyer@hotel.example", "Hotel", "buyer", "B002")
    token, started = engine.accounts.start_session(account.user_id)
    found = engine.accounts.session(token)
    assert found is not None and found.account.user_id == account.user_id
    assert found.csrf_token == started.csrf_token and len(found.csrf_token) >= 40
    assert engine.accounts.session(token + "x") is None and engine.accounts.session("") is None
    with engine.store.session() as session:
        rows = session.scalars(select(WebSessionRow)).all()
    assert [r.token_sha256 for r in rows] == [digest(token)] and token not in rows[0].token_sha256
    assert engine.accounts.get(account.user_id).last_sign_in_at is not None


def test_an_expired_session_is_gone(engine: Engine) -> None:
    account = engine.accounts.create("late@ikm.example", "Late", "ikm", "I003")
    token, _ = engine.accounts.start_session(account.user_id)
    with engine.store.session() as session:
        row = session.get(WebSessionRow, digest(token))
        assert row is not None
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.commit()
    assert engine.accounts.session(token) is None
    with engine.store.session() as session:
        assert session.get(WebSessionRow, digest(token)) is None


def test_signing_out_and_disabling_end_sessions(engine: Engine) -> None:
    account = engine.accounts.create("two@ikm.example", "Two", "ikm", "I004")
    first, _ = engine.accounts.start_session(account.user_id)
    second, _ = engine.accounts.start_session(account.user_id)
    engine.accounts.end_session(first)
    assert engine.accounts.session(first) is None and engine.accounts.session(second) is not None
    engine.accounts.disable(account.user_id)
    assert engine.accounts.session(second) is None
    with pytest.raises(NotFoundError):
        engine.accounts.start_session(account.user_id)
