"""Meeting requests (``meeting_requests``): one side of an event asks to meet the other.

A request names its event, the buyer and the IKM (one request per pair and event, whoever asked), who asked
(``from_kind`` and the account ``created_by``), a short message and its status: ``pending`` until the other
side answers (``accepted`` / ``declined``), or ``withdrawn`` by the sender. ``decided_by`` names the account
that answered, or ``"organiser: <key name>"`` when the organiser set the status. The rules (who may do what,
and when) are :mod:`matching.app.requests`'; the store keeps what it is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matching.errors import ConflictError, NotFoundError
from matching.store.database import Store
from matching.store.tables import MeetingRequestRow, as_utc, utc_now

__all__ = ["STATUSES", "MeetingRequest", "MeetingRequests", "RequestStatus"]

RequestStatus = Literal["pending", "accepted", "declined", "withdrawn"]
STATUSES: tuple[RequestStatus, ...] = ("pending", "accepted", "declined", "withdrawn")


@dataclass(frozen=True)
class MeetingRequest:
    request_id: int
    event_id: str
    buyer_id: str
    ikm_id: str
    from_kind: str  # buyer | ikm: who asked
    message: str
    status: str
    created_by: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None

    @property
    def sender_id(self) -> str:
        """The participant that asked (a buyer or an IKM id)."""
        return self.buyer_id if self.from_kind == "buyer" else self.ikm_id

    @property
    def receiver_id(self) -> str:
        """The participant asked to answer."""
        return self.ikm_id if self.from_kind == "buyer" else self.buyer_id

    @property
    def receiver_kind(self) -> str:
        return "ikm" if self.from_kind == "buyer" else "buyer"

    @property
    def pair(self) -> tuple[str, str]:
        return (self.buyer_id, self.ikm_id)

    @classmethod
    def from_row(cls, row: MeetingRequestRow) -> MeetingRequest:
        values = {f: getattr(row, f) for f in cls.__dataclass_fields__}
        values["created_at"] = as_utc(row.created_at)
        values["decided_at"] = as_utc(row.decided_at)
        return cls(**values)


class MeetingRequests:
    """The ``meeting_requests`` table of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(
        self,
        event_id: str,
        buyer_id: str,
        ikm_id: str,
        *,
        from_kind: str,
        message: str,
        created_by: str,
        status: RequestStatus = "pending",
        decided_by: str | None = None,
    ) -> MeetingRequest:
        """A new request; :class:`ConflictError` when the pair already has one at the event."""
        now = utc_now()
        with self._store.session() as session:
            row = MeetingRequestRow(
                event_id=event_id,
                buyer_id=buyer_id,
                ikm_id=ikm_id,
                from_kind=from_kind,
                message=message,
                status=status,
                created_by=created_by,
                created_at=now,
                decided_by=decided_by,
                decided_at=now if decided_by else None,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                raise ConflictError(
                    f"buyer {buyer_id!r} and IKM {ikm_id!r} already have a meeting request at {event_id!r}"
                ) from exc
            return MeetingRequest.from_row(row)

    def get(self, request_id: int) -> MeetingRequest:
        with self._store.session() as session:
            row = session.get(MeetingRequestRow, request_id)
            if row is None:
                raise NotFoundError(f"no meeting request {request_id}")
            return MeetingRequest.from_row(row)

    def for_pair(self, event_id: str, buyer_id: str, ikm_id: str) -> MeetingRequest | None:
        with self._store.session() as session:
            row = session.scalar(
                select(MeetingRequestRow).where(
                    MeetingRequestRow.event_id == event_id,
                    MeetingRequestRow.buyer_id == buyer_id,
                    MeetingRequestRow.ikm_id == ikm_id,
                )
            )
            return MeetingRequest.from_row(row) if row is not None else None

    def for_event(
        self, event_id: str, *, participant_id: str | None = None, status: str | None = None
    ) -> list[MeetingRequest]:
        """The event's requests, oldest first; only those of one buyer or IKM, or of one status, if given."""
        query = select(MeetingRequestRow).where(MeetingRequestRow.event_id == event_id)
        if participant_id is not None:
            query = query.where(
                (MeetingRequestRow.buyer_id == participant_id) | (MeetingRequestRow.ikm_id == participant_id)
            )
        if status is not None:
            query = query.where(MeetingRequestRow.status == status)
        with self._store.session() as session:
            rows = session.scalars(query.order_by(MeetingRequestRow.request_id)).all()
            return [MeetingRequest.from_row(r) for r in rows]

    def set_status(
        self, request_id: int, status: RequestStatus, *, decided_by: str, expect: str | None = None
    ) -> MeetingRequest:
        """Change a request's status; with ``expect``, only while it still has that status (else
        :class:`ConflictError`: someone answered in between)."""
        with self._store.session() as session:
            row = session.get(MeetingRequestRow, request_id)
            if row is None:
                raise NotFoundError(f"no meeting request {request_id}")
            if expect is not None and row.status != expect:
                raise ConflictError(f"meeting request {request_id} is {row.status} now, no longer {expect}")
            row.status = status
            row.decided_by = decided_by
            row.decided_at = utc_now()
            session.commit()
            return MeetingRequest.from_row(row)

    def reopen(self, request_id: int, *, message: str, created_by: str, from_kind: str) -> MeetingRequest:
        """A withdrawn request sent again (the pair keeps its one row): pending, with the new message."""
        with self._store.session() as session:
            row = session.get(MeetingRequestRow, request_id)
            if row is None:
                raise NotFoundError(f"no meeting request {request_id}")
            row.status, row.message, row.created_by, row.from_kind = "pending", message, created_by, from_kind
            row.created_at, row.decided_by, row.decided_at = utc_now(), None, None
            session.commit()
            return MeetingRequest.from_row(row)
