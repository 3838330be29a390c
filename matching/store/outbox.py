"""The e-mail outbox: messages are written here in the same step as the change they report, and sent later
by the mailer (:mod:`matching.app.mailer`), with retries; each try is recorded in ``outbox_sends``.

A message about an event may wait for the organiser (``hold_until``): ``"opened"`` (the event is opened to
participants; meeting requests and answers) or ``"published"`` (the plan is published; agendas and the day's
changes). Such a message is stored as ``held`` and queued when that happens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from matching.store.database import Store
from matching.store.tables import OutboxRow, as_utc

__all__ = ["Hold", "Message", "Outbox"]

Hold = Literal["opened", "published"]


@dataclass(frozen=True)
class Message:
    message_id: int
    event_id: str | None
    kind: str
    to_address: str
    to_user_id: str | None
    subject: str
    body_text: str
    body_html: str | None
    status: str
    hold_until: str | None
    attempts: int
    next_try_at: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: OutboxRow) -> Message:
        values = {f: getattr(row, f) for f in cls.__dataclass_fields__}
        for name in ("next_try_at", "created_at", "sent_at"):
            values[name] = as_utc(values[name])
        return cls(**values)


class Outbox:
    """The ``outbox`` table of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def enqueue(
        self,
        *,
        kind: str,
        to_address: str,
        subject: str,
        body_text: str,
        body_html: str | None = None,
        event_id: str | None = None,
        to_user_id: str | None = None,
        hold_until: Hold | None = None,
    ) -> Message:
        """Store one message: ``queued`` (sent by the next mailer run), or ``held`` until ``hold_until``."""
        with self._store.session() as session:
            row = OutboxRow(
                event_id=event_id,
                kind=kind,
                to_address=to_address.strip(),
                to_user_id=to_user_id,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                status="held" if hold_until else "queued",
                hold_until=hold_until,
                attempts=0,
            )
            session.add(row)
            session.commit()
            return Message.from_row(row)

    def for_event(self, event_id: str) -> list[Message]:
        """The event's messages, oldest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(OutboxRow).where(OutboxRow.event_id == event_id).order_by(OutboxRow.message_id)
            ).all()
            return [Message.from_row(r) for r in rows]
