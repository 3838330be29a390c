"""API keys: roles, hashed storage, authenticate, revoke; and the `matching keys` commands."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from matching import ConfigError, Engine, Settings
from matching.errors import NotFoundError
from matching.store import database
from matching.store.keys import Role
from matching.store.tables import ApiKeyRow
from tests.helpers import run_cli


def test_a_created_key_authenticates_with_its_role(engine: Engine) -> None:
    key, text = engine.keys.create("organiser", "registration desk")
    assert text.startswith(f"ikm_{key.key_id}_")
    found = engine.keys.authenticate(text)
    assert found is not None and found.role is Role.ORGANISER and found.name == "registration desk"
    assert found.last_used_at is not None


def test_only_the_hash_of_the_secret_is_stored(engine: Engine) -> None:
    _key, text = engine.keys.create("public", "kiosk")
    secret = text.split("_", 2)[2]
    with engine.store.session() as session:
        row = session.scalars(select(ApiKeyRow)).one()
    assert secret not in (row.secret_sha256, row.key_id, row.name)
    assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
        lambda t: "ikm_00000000_" + t.split("_", 2)[2],  # unknown id
        lambda t: t.replace("ikm_", "key_"),  # malformed
        lambda t: "",
    ],
)
def test_wrong_or_malformed_keys_do_not_authenticate(engine: Engine, mangle) -> None:
    _, text = engine.keys.create("organiser", "desk")
    assert engine.keys.authenticate(mangle(text)) is None


def test_a_revoked_key_no_longer_authenticates(engine: Engine) -> None:
    key, text = engine.keys.create("organiser", "desk")
    revoked = engine.keys.revoke(key.key_id)
    assert not revoked.active
    assert engine.keys.authenticate(text) is None
    assert engine.keys.revoke(text).revoked_at == revoked.revoked_at  # by full text, idempotent
    with pytest.raises(NotFoundError):
        engine.keys.revoke("deadbeef")


def test_buyer_keys_belong_to_a_stored_buyer(engine: Engine) -> None:
    engine.import_demo()
    _key, text = engine.keys.create("buyer", "Sakura", buyer_id="B001")
    assert engine.keys.authenticate(text).buyer_id == "B001"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="--buyer"):
        engine.keys.create("buyer", "nobody")
    with pytest.raises(NotFoundError, match="B999"):
        engine.keys.create("buyer", "ghost", buyer_id="B999")
    with pytest.raises(ConfigError, match="takes no buyer_id"):
        engine.keys.create("organiser", "desk", buyer_id="B001")
    with pytest.raises(ConfigError, match="unknown role"):
        engine.keys.create("admin", "root")


def test_keys_commands_create_list_and_revoke(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_cli("init", home=home).returncode == 0  # keys live in a store; a missing home is an error
    created = run_cli("keys", "create", "--role", "organiser", "--name", "desk", home=home)
    assert created.returncode == 0, created.stderr
    text = created.stdout.strip().splitlines()[-1]
    key_id = text.split("_")[1]
    listed = run_cli("keys", "list", home=home)
    assert key_id in listed.stdout and "organiser" in listed.stdout and text not in listed.stdout
    assert run_cli("keys", "revoke", key_id, home=home).returncode == 0
    engine = Engine(Settings(home=home))
    assert engine.keys.authenticate(text) is None
    engine.close()
    bad = run_cli("keys", "create", "--role", "buyer", "--name", "x", home=home)
    assert bad.returncode == 2 and "--buyer" in bad.stderr  # a usage error


def _hold_write_lock(engine: Engine) -> sqlite3.Connection:
    """Another process's import, as SQLite sees it: a connection holding the write lock."""
    blocker = sqlite3.connect(engine.settings.home / "matching.sqlite", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def test_signing_in_does_not_wait_for_a_writer(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.5, raising=False)  # before the store connects
    key, text = engine.keys.create("organiser", "desk")
    blocker = _hold_write_lock(engine)
    try:
        started = time.monotonic()
        found = engine.keys.authenticate(text)
        assert found is not None and found.key_id == key.key_id and found.last_used_at is not None
        assert time.monotonic() - started < 2
        assert engine.keys.flush_usage() is False  # busy: the use stays noted, nothing raised
    finally:
        blocker.rollback()
        blocker.close()
    assert engine.keys.flush_usage() is True
    with engine.store.session() as session:
        assert session.get(ApiKeyRow, key.key_id).last_used_at is not None  # type: ignore[union-attr]
    assert engine.keys.list()[0].last_used_at is not None
