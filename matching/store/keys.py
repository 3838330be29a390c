"""API keys for the service: roles, hashed storage, create / list / revoke / authenticate.

A key reads ``ikm_<key id>_<secret>``. The key id (8 hex digits) is public: it names the key in listings and
logs. Only the SHA-256 of the secret is stored, so a stolen database does not give working keys; the full
key is shown once, when it is created. Secrets are 32 random bytes, so a plain hash is safe (no password
stretching is needed for keys nobody chose by hand).

Roles: ``organiser`` may do everything; ``buyer`` may search and read or change its own buyer record;
``public`` may only search (and the service may let anonymous requests search too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import select, update

from matching.errors import ConfigError, NotFoundError, StoreError
from matching.store.database import Store
from matching.store.tables import ApiKeyRow, BuyerRow, as_utc, utc_now

__all__ = ["ApiKey", "ApiKeys", "Role"]

_KEY = re.compile(r"^ikm_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")
_FLUSH_EVERY = 30.0  # seconds between background writes of last use (one short transaction)


class Role(StrEnum):
    """What a key may do."""

    ORGANISER = "organiser"
    BUYER = "buyer"
    PUBLIC = "public"


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    key_id: str
    role: Role
    name: str
    buyer_id: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> ApiKey:
        return cls(
            key_id=row.key_id,
            role=Role(row.role),
            name=row.name,
            buyer_id=row.buyer_id,
            created_at=as_utc(row.created_at),
            last_used_at=as_utc(row.last_used_at),
            revoked_at=as_utc(row.revoked_at),
        )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    """The API keys kept in a :class:`~matching.store.database.Store`."""

    def __init__(self, store: Store, *, flush_every: float = _FLUSH_EVERY) -> None:
        self.store = store
        self.flush_every = flush_every
        self._used: dict[str, dt.datetime] = {}  # key id -> last use not yet written
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()

    def create(self, role: Role | str, name: str, *, buyer_id: str | None = None) -> tuple[ApiKey, str]:
        """A new key: its record and the full key text, which is not stored and cannot be shown again.

        A ``buyer`` key belongs to one stored buyer (``buyer_id``); other roles take none.
        """
        try:
            role = Role(role)
        except ValueError as exc:
            raise ConfigError(
                f"unknown role {role!r}; use one of: {', '.join(r.value for r in Role)}"
            ) from exc
        name = name.strip()
        if not name:
            raise ConfigError("a key needs a name, e.g. the person or desk it is for")
        if role is Role.BUYER:
            if not buyer_id:
                raise ConfigError("a buyer key needs --buyer: the buyer_id it belongs to")
        elif buyer_id:
            raise ConfigError(f"only buyer keys belong to a buyer; a {role.value} key takes no buyer_id")
        with self.store.session() as session:
            if buyer_id and session.get(BuyerRow, buyer_id) is None:
                raise NotFoundError(f"buyer {buyer_id!r} does not exist")
            while True:
                key_id = secrets.token_hex(4)
                if session.get(ApiKeyRow, key_id) is None:
                    break
            secret = secrets.token_urlsafe(32)
            row = ApiKeyRow(
                key_id=key_id,
                secret_sha256=_digest(secret),
                role=role.value,
                name=name,
                buyer_id=buyer_id,
                created_at=utc_now(),
            )
            session.add(row)
            session.commit()
            return ApiKey.from_row(row), f"ikm_{key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        """Every key, oldest first; last use includes uses not yet written."""
        self.flush_usage()
        with self.store.session() as session:
            rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id))
            return [self._with_pending(ApiKey.from_row(r)) for r in rows]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by its id (or its full text); revoking twice keeps the first time."""
        match = _KEY.match(key_id)
        key_id = match.group(1) if match else key_id
        with self.store.session() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None:
                raise NotFoundError(f"API key {key_id!r} does not exist")
            if row.revoked_at is None:
                row.revoked_at = utc_now()
                session.commit()
            return ApiKey.from_row(row)

    def authenticate(self, text: str) -> ApiKey | None:
        """The active key ``text`` stands for, or None (malformed, unknown, wrong secret or revoked).

        Only reads: the use is noted in memory and written later by :meth:`flush_usage` (a background
        thread calls it every ``flush_every`` seconds), so signing in never waits for the database's write
        lock, e.g. while an import writes.
        """
        match = _KEY.match(text.strip())
        if match is None:
            return None
        key_id, secret = match.groups()
        with self.store.session() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.secret_sha256, _digest(secret)):
                return None
            key = ApiKey.from_row(row)
        now = utc_now()
        with self._lock:
            self._used[key_id] = now
        self._start_flusher()
        return replace(key, last_used_at=now)

    def flush_usage(self) -> bool:
        """Write the noted last uses in one short transaction; best effort.

        When the database is busy (or read-only) the uses stay noted for the next try and False is
        returned; nothing is raised, since a last-use time is not worth failing anything for.
        """
        with self._lock:
            used, self._used = self._used, {}
        if not used:
            return True
        try:
            with self.store.session() as session:
                for key_id, when in used.items():
                    session.execute(
                        update(ApiKeyRow).where(ApiKeyRow.key_id == key_id).values(last_used_at=when)
                    )
                session.commit()
        except StoreError:
            with self._lock:
                for key_id, when in used.items():
                    self._used[key_id] = max(when, self._used.get(key_id, when))
            return False
        return True

    def close(self) -> None:
        """Stop the background writer and write what is noted (best effort)."""
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=self.flush_every + 1)
        self.flush_usage()

    def _with_pending(self, key: ApiKey) -> ApiKey:
        with self._lock:
            when = self._used.get(key.key_id)
        return key if when is None else replace(key, last_used_at=when)

    def _start_flusher(self) -> None:
        if self._flusher is not None or self._stop.is_set():
            return
        with self._lock:  # two first sign-ins at once start one writer
            started = self._flusher is not None
            if not started:
                self._flusher = threading.Thread(target=self._flush_loop, name="api-key-usage", daemon=True)
                self._flusher.start()

    def _flush_loop(self) -> None:
        while not self._stop.wait(self.flush_every):
            self.flush_usage()
