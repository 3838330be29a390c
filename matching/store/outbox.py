"""The e-mail outbox: messages are written here in the same step as the change they report, and sent later
by the mailer (:mod:`matching.app.mailer`), with retries; each try is recorded in ``outbox_sends``.

A message about an event may wait for the organiser (``hold_until``): ``"opened"`` (the event is opened to
participants; meeting requests and answers) or ``"published"`` (the plan is published; agendas and the day's
changes). Such a message is stored as ``held`` and queued when that happens (:meth:`Outbox.release`); one
enqueued after it happened is queued at once.

A message's life: ``held`` -> ``queued`` -> ``sending`` (claimed by one sender, :meth:`Outbox.claim_due`)
-> ``sent``, or back to ``queued`` with the next try after :data:`BACKOFF` (1, 5, 15, 60 minutes), or
``failed`` after :data:`MAX_TRIES` tries or a permanent refusal (the last error is kept). A claim that was
never finished (the sender died) is due again after :data:`LEASE`. "Send now" (:meth:`Outbox.retry`) queues
a message for the next run, whatever its backoff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from matching.errors import NotFoundError
from matching.store.database import Store
from matching.store.tables import EventSettingsRow, OutboxRow, OutboxSendRow, as_utc, utc_now

__all__ = ["BACKOFF", "LEASE", "MAX_TRIES", "Hold", "Message", "Outbox", "SendTry"]

Hold = Literal["opened", "published"]
MAX_TRIES = 5
BACKOFF = (  # the wait after the 1st, 2nd, 3rd and 4th failed try
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(minutes=60),
)
LEASE = dt.timedelta(minutes=10)  # a claimed message not finished by then is due again
STATUSES = ("held", "queued", "sending", "sent", "failed")


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


@dataclass(frozen=True)
class SendTry:
    """One try at sending a message: when (UTC), whether the server took it, its answer or the error."""

    message_id: int
    at: dt.datetime
    ok: bool
    result: str


def _due(now: dt.datetime) -> ColumnElement[bool]:
    """Messages a sender may claim at ``now``: queued and past their backoff, or a claim left unfinished."""
    return or_(
        and_(
            OutboxRow.status == "queued", or_(OutboxRow.next_try_at.is_(None), OutboxRow.next_try_at <= now)
        ),
        and_(OutboxRow.status == "sending", OutboxRow.next_try_at <= now),
    )


class Outbox:
    """The ``outbox`` table of one store. ``on_queued`` is called after a message became due to send (the
    service's sender wakes up then)."""

    def __init__(self, store: Store, *, on_queued: Callable[[], None] | None = None) -> None:
        self._store = store
        self._on_queued = on_queued

    def _queued(self) -> None:
        if self._on_queued is not None:
            self._on_queued()

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
        """Store one message: ``queued`` (sent by the next mailer run), or ``held`` until ``hold_until``
        (queued at once when the event was opened or published already)."""
        with self._store.session() as session:
            held = hold_until is not None
            if held and event_id is not None:
                settings = session.get(EventSettingsRow, event_id)
                if settings is not None:
                    done = settings.opened_at if hold_until == "opened" else settings.published_plan_no
                    held = done is None
            row = OutboxRow(
                event_id=event_id,
                kind=kind,
                to_address=to_address.strip(),
                to_user_id=to_user_id,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                status="held" if held else "queued",
                hold_until=hold_until,
                attempts=0,
            )
            session.add(row)
            session.commit()
            message = Message.from_row(row)
        if not held:
            self._queued()
        return message

    def get(self, message_id: int) -> Message:
        with self._store.session() as session:
            row = session.get(OutboxRow, message_id)
            if row is None:
                raise NotFoundError(f"no message {message_id} in the outbox")
            return Message.from_row(row)

    def messages(
        self, *, event_id: str | None = None, status: str | None = None, limit: int = 200
    ) -> list[Message]:
        """Messages, newest first; of one event and/or in one status when given."""
        query = select(OutboxRow).order_by(OutboxRow.message_id.desc()).limit(limit)
        if event_id is not None:
            query = query.where(OutboxRow.event_id == event_id)
        if status is not None:
            query = query.where(OutboxRow.status == status)
        with self._store.session() as session:
            return [Message.from_row(r) for r in session.scalars(query).all()]

    def counts(self, event_id: str | None = None) -> dict[str, int]:
        """How many messages are in each status (every status named, zero included)."""
        query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        if event_id is not None:
            query = query.where(OutboxRow.event_id == event_id)
        with self._store.session() as session:
            found = {status: n for status, n in session.execute(query).all()}
        return {status: found.get(status, 0) for status in STATUSES}

    def release(self, event_id: str, hold: Hold) -> int:
        """Queue the event's messages held until ``hold`` happened; how many."""
        with self._store.session() as session:
            result = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.event_id == event_id, OutboxRow.status == "held", OutboxRow.hold_until == hold
                )
                .values(status="queued", next_try_at=None)
            )
            session.commit()
            released = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if released:
            self._queued()
        return released

    def claim_due(self, *, now: dt.datetime | None = None, limit: int = 50) -> list[Message]:
        """Claim up to ``limit`` due messages for one sender (oldest first): they become ``sending`` until
        :meth:`sent` or :meth:`failed_try` (or :data:`LEASE` passes). Two senders never claim the same one."""
        now = now or utc_now()
        claimed = []
        with self._store.session() as session:
            ids = session.scalars(
                select(OutboxRow.message_id).where(_due(now)).order_by(OutboxRow.message_id).limit(limit)
            ).all()
            for message_id in ids:
                result = session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.message_id == message_id, _due(now))
                    .values(status="sending", next_try_at=now + LEASE)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(message_id)
            session.commit()
            rows = session.scalars(
                select(OutboxRow).where(OutboxRow.message_id.in_(claimed)).order_by(OutboxRow.message_id)
            ).all()
            return [Message.from_row(r) for r in rows]

    def sent(self, message_id: int, result: str, *, now: dt.datetime | None = None) -> None:
        """Record a successful try: the message is ``sent``."""
        now = now or utc_now()
        with self._store.session() as session:
            row = session.get(OutboxRow, message_id)
            if row is None:
                raise NotFoundError(f"no message {message_id} in the outbox")
            row.status, row.sent_at, row.next_try_at = "sent", now, None
            row.attempts += 1
            session.add(OutboxSendRow(message_id=message_id, at=now, ok=True, result=result))
            session.commit()

    def failed_try(
        self, message_id: int, error: str, *, permanent: bool = False, now: dt.datetime | None = None
    ) -> Message:
        """Record a failed try: queued again after the backoff, or ``failed`` after :data:`MAX_TRIES` tries
        (at once when ``permanent``: the server refused the message for good)."""
        now = now or utc_now()
        with self._store.session() as session:
            row = session.get(OutboxRow, message_id)
            if row is None:
                raise NotFoundError(f"no message {message_id} in the outbox")
            row.attempts += 1
            row.last_error = error
            if permanent or row.attempts >= MAX_TRIES:
                row.status, row.next_try_at = "failed", None
            else:
                row.status = "queued"
                row.next_try_at = now + BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
            session.add(OutboxSendRow(message_id=message_id, at=now, ok=False, result=error))
            session.commit()
            return Message.from_row(row)

    def retry(self, message_id: int, *, event_id: str | None = None) -> Message:
        """ "Send now": a queued (waiting out its backoff) or failed message is due at the next run. Another
        event's message (``event_id`` given) is not found; a held, sending or sent one is left as it is."""
        with self._store.session() as session:
            row = session.get(OutboxRow, message_id)
            if row is None or (event_id is not None and row.event_id != event_id):
                raise NotFoundError(f"no message {message_id} in the outbox")
            changed = row.status in ("queued", "failed")
            if changed:
                row.status, row.next_try_at = "queued", None
            session.commit()
            message = Message.from_row(row)
        if changed:
            self._queued()
        return message

    def tries(self, message_id: int) -> list[SendTry]:
        """Every try at sending the message, oldest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(OutboxSendRow)
                .where(OutboxSendRow.message_id == message_id)
                .order_by(OutboxSendRow.send_id)
            ).all()
            return [SendTry(r.message_id, as_utc(r.at), r.ok, r.result) for r in rows]

    def for_event(self, event_id: str) -> list[Message]:
        """The event's messages, oldest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(OutboxRow).where(OutboxRow.event_id == event_id).order_by(OutboxRow.message_id)
            ).all()
            return [Message.from_row(r) for r in rows]
