"""Failed sign-ins per e-mail address (the lockout) and one-time sign-in codes (``sign_in_failures``,
``sign_in_codes``).

The store keeps what it is given and answers in one transaction each; the rules (how many failures lock an
address and for how long, how long a code lives, how many tries it has) are the caller's
(:mod:`matching.app.accounts`). Only a code's SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import select, update

from matching.store.accounts import normal_email
from matching.store.database import Store
from matching.store.tables import SignInCodeRow, SignInFailureRow, as_utc

__all__ = ["CodeCheck", "SignInRecords"]

CodeCheck = Literal["ok", "wrong", "none"]  # none: no live code (never sent, expired, used or out of tries)


class SignInRecords:
    """The ``sign_in_failures`` and ``sign_in_codes`` tables of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # --- failures ---------------------------------------------------------------------------------------

    def locked_until(self, email: str, now: dt.datetime) -> dt.datetime | None:
        """When the address may try again, if it is locked out now."""
        with self._store.session() as session:
            row = session.get(SignInFailureRow, normal_email(email))
            until = as_utc(row.locked_until) if row is not None else None
            return until if until is not None and until > now else None

    def failed(
        self, email: str, now: dt.datetime, *, limit: int, lockout: dt.timedelta
    ) -> dt.datetime | None:
        """Count one more failure in a row; the one that reaches ``limit`` locks the address (returned)."""
        address = normal_email(email)
        with self._store.session() as session:
            row = session.get(SignInFailureRow, address)
            if row is None:
                row = SignInFailureRow(email=address, failures=0, last_failed_at=now)
                session.add(row)
            row.failures = (row.failures or 0) + 1
            row.last_failed_at = now
            locked = None
            if row.failures >= limit:
                locked = now + lockout
                row.locked_until = locked
                row.failures = 0  # after the lockout the address gets ``limit`` tries again
            session.commit()
            return locked

    def succeeded(self, email: str) -> None:
        """A sign-in worked: the failures in a row start again from zero."""
        with self._store.session() as session:
            row = session.get(SignInFailureRow, normal_email(email))
            if row is not None:
                session.delete(row)
                session.commit()

    # --- one-time codes ---------------------------------------------------------------------------------

    def add_code(self, email: str, code_sha256: str, now: dt.datetime, expires_at: dt.datetime) -> None:
        """Store a new code for the address; its earlier codes stop working."""
        address = normal_email(email)
        with self._store.session() as session:
            session.execute(
                update(SignInCodeRow)
                .where(SignInCodeRow.email == address, SignInCodeRow.used_at.is_(None))
                .values(used_at=now)
            )
            session.add(
                SignInCodeRow(
                    email=address, code_sha256=code_sha256, created_at=now, expires_at=expires_at, tries=0
                )
            )
            session.commit()

    def last_code_at(self, email: str) -> dt.datetime | None:
        """When the address's newest code was made (None: never)."""
        with self._store.session() as session:
            made = session.scalar(
                select(SignInCodeRow.created_at)
                .where(SignInCodeRow.email == normal_email(email))
                .order_by(SignInCodeRow.code_id.desc())
                .limit(1)
            )
            return as_utc(made) if made is not None else None

    def use_code(self, email: str, code_sha256: str, now: dt.datetime, *, max_tries: int) -> CodeCheck:
        """Check a code against the address's live one: ``ok`` uses it up; ``wrong`` spends one try."""
        address = normal_email(email)
        with self._store.session() as session:
            row = session.scalar(
                select(SignInCodeRow)
                .where(SignInCodeRow.email == address, SignInCodeRow.used_at.is_(None))
                .order_by(SignInCodeRow.code_id.desc())
                .limit(1)
            )
            if row is None or as_utc(row.expires_at) <= now or row.tries >= max_tries:
                return "none"
            if row.code_sha256 == code_sha256:
                row.used_at = now
                session.commit()
                return "ok"
            row.tries += 1
            session.commit()
            return "wrong"
