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
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from matching.errors import ConfigError, NotFoundError
from matching.store.database import Store
from matching.store.tables import ApiKeyRow, BuyerRow, as_utc, utc_now

__all__ = ["ApiKey", "ApiKeys", "Role"]

_KEY = re.compile(r"^ikm_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")
_LAST_USED_EVERY = dt.timedelta(minutes=1)  # write last_used_at at most this often per key


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

    def __init__(self, store: Store) -> None:
        self.store = store

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
        with self.store.session() as session:
            rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id))
            return [ApiKey.from_row(r) for r in rows]

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
        """The active key ``text`` stands for, or None (malformed, unknown, wrong secret or revoked)."""
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
            now = utc_now()
            last = as_utc(row.last_used_at)
            if last is None or now - last > _LAST_USED_EVERY:
                row.last_used_at = now
                session.commit()
            return ApiKey.from_row(row)
