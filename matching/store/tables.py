"""Every table of the store, in one module: the catalogue, API keys, events with their plans, outcomes.

SQLAlchemy 2.x declarative rows on one :class:`Base`, so ``Base.metadata`` is the whole schema (Alembic's
autogenerate compares against it; see ``migrations/``). Columns are portable (JSON, string keys,
timezone-aware times), so SQLite and PostgreSQL hold the same schema.

=============  ==================================================================================
``ikms``       :class:`IkmRow`: one IKM with its capacity, certificates, contacts (import columns)
``products``   :class:`ProductRow`: one product of an IKM
``buyers``     :class:`BuyerRow`: one buyer and its requirement
``meta``       :class:`MetaRow`: counters (the catalogue revision)
``api_keys``   :class:`ApiKeyRow`: the service's keys (hash of the secret only)
``events``     :class:`EventRow`: an event definition as uploaded (YAML or JSON)
``plans``      :class:`PlanRow`: a numbered plan or re-schedule of an event, with its summary
``outcomes``   :class:`OutcomeRow`: the rating of one meeting, with the plan and model that proposed it
``checkins``   :class:`CheckInRow`: a participant's arrival on the event day (arrived, late, absent)
``day_log``    :class:`DayLogRow`: the event day's audit log: each change and check-in, who, when
=============  ==================================================================================

Participants (buyers and IKMs who sign in themselves):

=====================  ==========================================================================
``accounts``           :class:`AccountRow`: a participant's user (several per IKM), password hash
``web_sessions``       :class:`WebSessionRow`: a signed-in browser (hash of the cookie), its CSRF token
``sign_in_failures``   :class:`SignInFailureRow`: failed sign-ins per e-mail address, lockout time
``sign_in_codes``      :class:`SignInCodeRow`: one-time sign-in codes sent by e-mail (hash only)
``invitations``        :class:`InvitationRow`: single-use, expiring invitation links (hash only)
``registrations``      :class:`RegistrationRow`: self-registration for an event, awaiting approval
``event_settings``     :class:`EventSettingsRow`: request mode and deadline, registration, publication
``meeting_requests``   :class:`MeetingRequestRow`: a participant's request to meet, and the answer
``participant_ratings`` :class:`ParticipantRatingRow`: a participant's rating of a meeting
``product_photos``     :class:`ProductPhotoRow`: an uploaded product photo and its thumbnail
``outbox``             :class:`OutboxRow`: an e-mail to send, with retries
``outbox_sends``       :class:`OutboxSendRow`: each try at sending an outbox message, and its result
``agenda_views``       :class:`AgendaViewRow`: what a participant's agenda showed when last opened
=====================  ==========================================================================
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, overload

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AccountRow",
    "AgendaViewRow",
    "ApiKeyRow",
    "Base",
    "BuyerRow",
    "CheckInRow",
    "DayLogRow",
    "EventRow",
    "EventSettingsRow",
    "IkmRow",
    "InvitationRow",
    "MeetingRequestRow",
    "MetaRow",
    "OutboxRow",
    "OutboxSendRow",
    "OutcomeRow",
    "ParticipantRatingRow",
    "PlanRow",
    "ProductPhotoRow",
    "ProductRow",
    "RegistrationRow",
    "SignInCodeRow",
    "SignInFailureRow",
    "WebSessionRow",
    "as_utc",
    "utc_now",
]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones; PostgreSQL aware ones)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class _Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )


class IkmRow(_Timestamps, Base):
    __tablename__ = "ikms"

    ikm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    province: Mapped[str] = mapped_column(String(64), index=True)
    regency: Mapped[str] = mapped_column(String(120))
    village: Mapped[str | None] = mapped_column(String(120))
    ovop_stars: Mapped[int | None] = mapped_column(Integer)
    capacity_per_month: Mapped[int | None] = mapped_column(BigInteger)
    min_order_qty: Mapped[int | None] = mapped_column(BigInteger)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    export_markets: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProductRow(_Timestamps, Base):
    __tablename__ = "products"

    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ikm_id: Mapped[str] = mapped_column(String(64), ForeignKey("ikms.ikm_id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    material: Mapped[str | None] = mapped_column(String(120), index=True)
    category: Mapped[str | None] = mapped_column(String(120))
    price_idr: Mapped[int | None] = mapped_column(BigInteger)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BuyerRow(_Timestamps, Base):
    __tablename__ = "buyers"

    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    company: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(120))
    requirement: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int | None] = mapped_column(BigInteger)
    max_unit_price_idr: Mapped[int | None] = mapped_column(BigInteger)
    required_certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_provinces: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MetaRow(Base):
    """Counters kept by the store; ``catalogue_revision`` goes up with every committed catalogue change."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    buyer_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EventRow(Base):
    __tablename__ = "events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)  # the definition as uploaded (YAML or JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )


class PlanRow(Base):
    __tablename__ = "plans"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    plan_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # plan | reschedule
    model_version: Mapped[str] = mapped_column(String(200))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[str | None] = mapped_column(Text)  # cumulative changes (JSON) of a re-schedule
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class OutcomeRow(Base):
    __tablename__ = "outcomes"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ikm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_no: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    day_outcome: Mapped[str | None] = mapped_column(String(32))
    followup_outcome: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str | None] = mapped_column(String(200))  # who rated: an organiser key's name
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )


class CheckInRow(Base):
    __tablename__ = "checkins"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # arrived | late | absent
    checked_by: Mapped[str] = mapped_column(String(200))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class DayLogRow(Base):
    __tablename__ = "day_log"

    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    who: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # checkin | absent | cancel | walk_in | move ... | undo
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)  # the change as an English sentence
    plan_before: Mapped[int | None] = mapped_column(Integer)
    plan_after: Mapped[int | None] = mapped_column(Integer)
    undone_by: Mapped[int | None] = mapped_column(Integer)  # the undo entry that reverted this one


# --- participants who sign in themselves ------------------------------------------------------------------


class AccountRow(Base):
    """A participant's user: a buyer's or an IKM's staff member (an IKM may have several)."""

    __tablename__ = "accounts"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower case
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))  # buyer | ikm
    participant_id: Mapped[str] = mapped_column(String(64), index=True)  # the buyer_id or ikm_id
    phone: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str | None] = mapped_column(String(300))  # argon2; None: one-time codes only
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSessionRow(Base):
    """A signed-in browser: only the SHA-256 of the cookie's token is kept."""

    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("accounts.user_id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class SignInFailureRow(Base):
    """Failed sign-ins in a row for one e-mail address (any method); ``locked_until`` after too many."""

    __tablename__ = "sign_in_failures"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SignInCodeRow(Base):
    """A one-time sign-in code sent by e-mail: its hash, expiry, tries and use."""

    __tablename__ = "sign_in_codes"

    code_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class InvitationRow(Base):
    """A single-use, expiring invitation of one participant to an event (only the token's hash is kept)."""

    __tablename__ = "invitations"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # buyer | ikm
    participant_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[str | None] = mapped_column(String(32))  # the account that accepted it
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RegistrationRow(Base):
    """Someone registering for an event themselves; the organiser approves (an account is made) or refuses."""

    __tablename__ = "registrations"

    registration_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # buyer | ikm
    participant_id: Mapped[str | None] = mapped_column(String(64))  # an existing catalogue record, if named
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | refused
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EventSettingsRow(Base):
    """What participants may do at an event: once ``opened``, signed-in participants see recommendations and
    send meeting requests; the plan ``published_plan_no`` is the agenda they see (none before publishing)."""

    __tablename__ = "event_settings"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    request_mode: Mapped[str] = mapped_column(String(16), default="accept")  # accept | auto
    request_deadline: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    registration: Mapped[str] = mapped_column(String(16), default="closed")  # closed | approval
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # open to participants
    opened_by: Mapped[str | None] = mapped_column(String(200))
    published_plan_no: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(200))


class MeetingRequestRow(Base):
    """One side's request to meet the other at an event; the other side accepts or declines."""

    __tablename__ = "meeting_requests"
    __table_args__ = (UniqueConstraint("event_id", "buyer_id", "ikm_id"),)

    request_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), index=True
    )
    buyer_id: Mapped[str] = mapped_column(String(64))
    ikm_id: Mapped[str] = mapped_column(String(64))
    from_kind: Mapped[str] = mapped_column(String(8))  # buyer | ikm: who asked
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|accepted|declined|withdrawn
    created_by: Mapped[str] = mapped_column(String(32))  # the account that asked
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    decided_by: Mapped[str | None] = mapped_column(String(200))  # an account, or "organiser: <key name>"
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ParticipantRatingRow(Base):
    """A participant's own rating of a meeting, on the outcome scale (organisers' entries: ``outcomes``)."""

    __tablename__ = "participant_ratings"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    buyer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ikm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rater_kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # buyer | ikm: one rating a side
    rated_by: Mapped[str] = mapped_column(String(32))  # the account
    day_outcome: Mapped[str | None] = mapped_column(String(32))
    followup_outcome: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    plan_no: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )


class ProductPhotoRow(Base):
    """An uploaded product photo: the files (under the data home) and what was checked of them."""

    __tablename__ = "product_photos"

    photo_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ikm_id: Mapped[str] = mapped_column(String(64), ForeignKey("ikms.ikm_id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(200))  # relative to the photo folder
    thumb_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class OutboxRow(Base):
    """An e-mail to send. ``status``: held (waits for the organiser: opening the event for request messages,
    publishing the plan for agenda messages) | queued | sent | failed (retries used up). ``hold_until``:
    ``opened`` | ``published`` | None."""

    __tablename__ = "outbox"

    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # invitation | request | agenda | change ...
    to_address: Mapped[str] = mapped_column(String(254))
    to_user_id: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    hold_until: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxSendRow(Base):
    """One try at sending an outbox message: when, and the server's answer or the error."""

    __tablename__ = "outbox_sends"

    send_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("outbox.message_id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    ok: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str] = mapped_column(Text)


class AgendaViewRow(Base):
    """What a participant's agenda showed when the user last opened it (to highlight changes since)."""

    __tablename__ = "agenda_views"

    user_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("accounts.user_id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True
    )
    plan_no: Mapped[int] = mapped_column(Integer)
    meetings: Mapped[dict[str, Any]] = mapped_column(JSON)  # counterpart -> {"start", "table"}
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
