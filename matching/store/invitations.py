"""Invitations of participants to events, and self-registrations waiting for the organiser
(``invitations``, ``registrations``).

An invitation is known by the SHA-256 of its token (the token itself is only in the e-mailed link); that
hash is also the invitation's id on the organiser's pages, where it cannot be turned back into a link.
The rules (who may be invited, how long a link lives) are the caller's (:mod:`matching.app.invitations`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from matching.errors import NotFoundError
from matching.store.accounts import normal_email
from matching.store.database import Store
from matching.store.tables import InvitationRow, RegistrationRow, as_utc

__all__ = ["Invitation", "InvitationRecords", "Registration"]


@dataclass(frozen=True)
class Invitation:
    token_sha256: str
    event_id: str
    kind: str
    participant_id: str
    email: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
    used_by: str | None
    revoked_at: dt.datetime | None

    def status(self, now: dt.datetime) -> str:
        """``used``, ``revoked``, ``expired`` or ``open``."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "open"

    @classmethod
    def from_row(cls, row: InvitationRow) -> Invitation:
        values = {f: getattr(row, f) for f in cls.__dataclass_fields__}
        for name in ("created_at", "expires_at", "used_at", "revoked_at"):
            values[name] = as_utc(values[name])
        return cls(**values)


@dataclass(frozen=True)
class Registration:
    registration_id: int
    event_id: str
    kind: str
    participant_id: str | None
    email: str
    name: str
    company: str
    details: dict[str, Any]
    status: str  # pending | approved | refused
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: RegistrationRow) -> Registration:
        values = {f: getattr(row, f) for f in cls.__dataclass_fields__}
        values["details"] = dict(values["details"] or {})
        for name in ("created_at", "decided_at"):
            values[name] = as_utc(values[name])
        return cls(**values)


class InvitationRecords:
    """The ``invitations`` and ``registrations`` tables of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # --- invitations ------------------------------------------------------------------------------------

    def add(
        self,
        token_sha256: str,
        *,
        event_id: str,
        kind: str,
        participant_id: str,
        email: str,
        created_by: str,
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> Invitation:
        with self._store.session() as session:
            row = InvitationRow(
                token_sha256=token_sha256,
                event_id=event_id,
                kind=kind,
                participant_id=participant_id,
                email=normal_email(email),
                created_by=created_by,
                created_at=now,
                expires_at=expires_at,
            )
            session.add(row)
            session.commit()
            return Invitation.from_row(row)

    def get(self, token_sha256: str) -> Invitation | None:
        with self._store.session() as session:
            row = session.get(InvitationRow, token_sha256)
            return Invitation.from_row(row) if row is not None else None

    def for_event(self, event_id: str) -> list[Invitation]:
        """The event's invitations, newest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(InvitationRow)
                .where(InvitationRow.event_id == event_id)
                .order_by(InvitationRow.created_at.desc())
            ).all()
            return [Invitation.from_row(r) for r in rows]

    def use(self, token_sha256: str, user_id: str, now: dt.datetime) -> bool:
        """Mark an open invitation used by ``user_id``; False if it was not open (used, revoked, expired)."""
        with self._store.session() as session:
            result = session.execute(
                update(InvitationRow)
                .where(
                    InvitationRow.token_sha256 == token_sha256,
                    InvitationRow.used_at.is_(None),
                    InvitationRow.revoked_at.is_(None),
                    InvitationRow.expires_at > now,
                )
                .values(used_at=now, used_by=user_id)
            )
            session.commit()
            return bool(getattr(result, "rowcount", 0))

    def revoke(self, token_sha256: str, now: dt.datetime) -> None:
        with self._store.session() as session:
            row = session.get(InvitationRow, token_sha256)
            if row is None:
                raise NotFoundError(f"no invitation {token_sha256[:12]}")
            if row.used_at is None and row.revoked_at is None:
                row.revoked_at = now
                session.commit()

    # --- registrations ----------------------------------------------------------------------------------

    def register(
        self,
        *,
        event_id: str,
        kind: str,
        participant_id: str | None,
        email: str,
        name: str,
        company: str,
        details: dict[str, Any],
    ) -> Registration:
        with self._store.session() as session:
            row = RegistrationRow(
                event_id=event_id,
                kind=kind,
                participant_id=participant_id,
                email=normal_email(email),
                name=name,
                company=company,
                details=details,
                status="pending",
            )
            session.add(row)
            session.commit()
            return Registration.from_row(row)

    def registration(self, registration_id: int) -> Registration:
        with self._store.session() as session:
            row = session.get(RegistrationRow, registration_id)
            if row is None:
                raise NotFoundError(f"no registration {registration_id}")
            return Registration.from_row(row)

    def registrations(self, event_id: str) -> list[Registration]:
        """The event's registrations, oldest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(RegistrationRow)
                .where(RegistrationRow.event_id == event_id)
                .order_by(RegistrationRow.registration_id)
            ).all()
            return [Registration.from_row(r) for r in rows]

    def decide(
        self,
        registration_id: int,
        status: str,
        *,
        by: str,
        now: dt.datetime,
        participant_id: str | None = None,
    ) -> Registration:
        """Approve or refuse a pending registration (``participant_id``: the catalogue record it became)."""
        with self._store.session() as session:
            row = session.get(RegistrationRow, registration_id)
            if row is None:
                raise NotFoundError(f"no registration {registration_id}")
            row.status = status
            row.decided_by = by
            row.decided_at = now
            if participant_id is not None:
                row.participant_id = participant_id
            session.commit()
            return Registration.from_row(row)
