"""Participants' user accounts and their signed-in browsers (sessions).

An account is one person acting for a buyer or an IKM (``kind`` and ``participant_id``); an IKM may have
several. E-mail addresses are kept in lower case and are unique. The store keeps what it is given: the
password hash is made by the caller (:mod:`matching.app.accounts`), never here.

A session is a signed-in browser. Its cookie carries a random token; only the token's SHA-256 is stored, so a
stolen database does not give working sessions. Each session has its own CSRF token, which every form of
the participant pages must send back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, select

from matching.errors import ConfigError, NotFoundError
from matching.store.database import Store
from matching.store.tables import AccountRow, WebSessionRow, as_utc, utc_now

__all__ = ["Account", "AccountKind", "Accounts", "SignedIn", "digest"]

AccountKind = Literal["buyer", "ikm"]
SESSION_DAYS = 14


def digest(secret: str) -> str:
    """The SHA-256 (hex) kept in place of a random secret (session, invitation or code)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    """A participant's user, without the password hash."""

    user_id: str
    email: str
    name: str
    kind: AccountKind
    participant_id: str
    phone: str | None
    has_password: bool
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None
    disabled_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @classmethod
    def from_row(cls, row: AccountRow) -> Account:
        kind: AccountKind = "buyer" if row.kind == "buyer" else "ikm"
        return cls(
            user_id=row.user_id,
            email=row.email,
            name=row.name,
            kind=kind,
            participant_id=row.participant_id,
            phone=row.phone,
            has_password=row.password_hash is not None,
            created_at=as_utc(row.created_at),
            last_sign_in_at=as_utc(row.last_sign_in_at),
            disabled_at=as_utc(row.disabled_at),
        )


@dataclass(frozen=True)
class SignedIn:
    """A valid session: its account and the CSRF token its forms must carry."""

    account: Account
    csrf_token: str
    expires_at: dt.datetime


def normal_email(email: str) -> str:
    return email.strip().lower()


class Accounts:
    """The ``accounts`` and ``web_sessions`` tables of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # --- accounts ---------------------------------------------------------------------------------------

    def create(
        self,
        email: str,
        name: str,
        kind: AccountKind,
        participant_id: str,
        *,
        phone: str | None = None,
        password_hash: str | None = None,
    ) -> Account:
        """A new account; :class:`ConfigError` if the e-mail address already has one."""
        address = normal_email(email)
        if kind not in ("buyer", "ikm"):
            raise ConfigError(f"an account is for a buyer or an IKM, not {kind!r}")
        if "@" not in address:
            raise ConfigError(f"not an e-mail address: {email!r}")
        with self._store.session() as session:
            if session.scalar(select(AccountRow).where(AccountRow.email == address)) is not None:
                raise ConfigError(f"{address} already has an account")
            row = AccountRow(
                user_id=secrets.token_hex(8),
                email=address,
                name=name.strip() or address,
                kind=kind,
                participant_id=participant_id,
                phone=phone,
                password_hash=password_hash,
            )
            session.add(row)
            session.commit()
            return Account.from_row(row)

    def get(self, user_id: str) -> Account:
        with self._store.session() as session:
            row = session.get(AccountRow, user_id)
            if row is None:
                raise NotFoundError(f"no account {user_id!r}")
            return Account.from_row(row)

    def by_email(self, email: str) -> Account | None:
        with self._store.session() as session:
            row = session.scalar(select(AccountRow).where(AccountRow.email == normal_email(email)))
            return Account.from_row(row) if row is not None else None

    def for_participant(self, participant_id: str) -> list[Account]:
        """The accounts of one buyer or IKM, by e-mail address."""
        with self._store.session() as session:
            rows = session.scalars(
                select(AccountRow)
                .where(AccountRow.participant_id == participant_id)
                .order_by(AccountRow.email)
            ).all()
            return [Account.from_row(r) for r in rows]

    def password_hash(self, user_id: str) -> str | None:
        """The stored hash, for the caller's password check."""
        with self._store.session() as session:
            row = session.get(AccountRow, user_id)
            return row.password_hash if row is not None else None

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        with self._store.session() as session:
            row = session.get(AccountRow, user_id)
            if row is None:
                raise NotFoundError(f"no account {user_id!r}")
            row.password_hash = password_hash
            session.commit()

    def update(self, user_id: str, *, name: str | None = None, phone: str | None = None) -> Account:
        """Change the name or phone (None leaves a value as it is, ``""`` clears the phone)."""
        with self._store.session() as session:
            row = session.get(AccountRow, user_id)
            if row is None:
                raise NotFoundError(f"no account {user_id!r}")
            if name is not None and name.strip():
                row.name = name.strip()
            if phone is not None:
                row.phone = phone.strip() or None
            session.commit()
            return Account.from_row(row)

    def disable(self, user_id: str) -> None:
        """Disable the account and end all its sessions."""
        with self._store.session() as session:
            row = session.get(AccountRow, user_id)
            if row is None:
                raise NotFoundError(f"no account {user_id!r}")
            row.disabled_at = utc_now()
            session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
            session.commit()

    def count(self) -> int:
        with self._store.session() as session:
            return int(session.scalar(select(func.count()).select_from(AccountRow)) or 0)

    # --- sessions ---------------------------------------------------------------------------------------

    def start_session(self, user_id: str, *, days: int = SESSION_DAYS) -> tuple[str, SignedIn]:
        """A new session for an active account: (the cookie's token, shown once; the session)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utc_now()
        with self._store.session() as session:
            row = session.get(AccountRow, user_id)
            if row is None or row.disabled_at is not None:
                raise NotFoundError(f"no active account {user_id!r}")
            row.last_sign_in_at = now
            expires = now + dt.timedelta(days=days)
            session.add(
                WebSessionRow(
                    token_sha256=digest(token),
                    user_id=user_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=expires,
                    last_seen_at=now,
                )
            )
            session.commit()
            return token, SignedIn(Account.from_row(row), csrf, expires)

    def session(self, token: str) -> SignedIn | None:
        """The session of a cookie's token; None if unknown, expired or its account is disabled."""
        if not token:
            return None
        now = utc_now()
        with self._store.session() as session:
            row = session.get(WebSessionRow, digest(token))
            if row is None:
                return None
            account = session.get(AccountRow, row.user_id)
            if as_utc(row.expires_at) <= now or account is None or account.disabled_at is not None:
                session.delete(row)
                session.commit()
                return None
            return SignedIn(Account.from_row(account), row.csrf_token, as_utc(row.expires_at))

    def end_session(self, token: str) -> None:
        with self._store.session() as session:
            session.execute(delete(WebSessionRow).where(WebSessionRow.token_sha256 == digest(token)))
            session.commit()

    def end_sessions(self, user_id: str) -> int:
        """Sign the account out everywhere (after a password change); the number of sessions ended."""
        with self._store.session() as session:
            result = session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)
