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
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, overload

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiKeyRow",
    "Base",
    "BuyerRow",
    "CheckInRow",
    "DayLogRow",
    "EventRow",
    "IkmRow",
    "MetaRow",
    "OutcomeRow",
    "PlanRow",
    "ProductRow",
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
