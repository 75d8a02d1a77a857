from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voelgoed.db.tenancy import OrgOwned
from voelgoed.domain.venues.models import DEFAULT_TIMEZONE, Venue


class Event(OrgOwned, UUIDAuditBase):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="event_ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="event_capacity_non_negative"),
        # A retried copy request (its Idempotency-Key) finds the events it made instead of copying again.
        UniqueConstraint("organization_id", "copy_key", name="uq_event_organization_id_copy_key"),
        CheckConstraint(
            "(image_key IS NULL) = (image_width IS NULL) AND (image_key IS NULL) = (image_height IS NULL)",
            name="event_image_size_with_key",
        ),
    )

    name: Mapped[str] = mapped_column(String(200), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    venue_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("venue.id", ondelete="RESTRICT"), default=None, index=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    capacity: Mapped[int | None] = mapped_column(default=None)
    # Changed only through EventLifecycle (machines.py).
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The event image (docs/branding.md): the key prefix of its files in the media store
    # (<key>/<width>.webp, widths from lib/images.py::event_image_widths(image_width)) and the size of
    # the largest. Plain columns: a copied event may share the files (deleting checks for sharers).
    image_key: Mapped[str | None] = mapped_column(String(300), default=None)
    image_width: Mapped[int | None] = mapped_column(default=None)
    image_height: Mapped[int | None] = mapped_column(default=None)

    # Copies (workflows/event_copies.py): the event this one was copied from, and the series of
    # dates it belongs to (one id shared by the source and every copy one createEventSeries made).
    copied_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"), default=None, index=True
    )
    series_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    # The copy request's Idempotency-Key ("<key>", or "<key>#<n>" for the n-th date of a series).
    copy_key: Mapped[str | None] = mapped_column(String(120), default=None)

    venue: Mapped[Venue | None] = relationship(lazy="joined", foreign_keys=[venue_id])


# --- Event cancellation: one record per cancelled event with paid orders, and one row per paid order
# the refund-all job has handled. `status` changes only through CancellationLifecycle
# (cancellation_machines.py); the job (workflows/event_cancellation_jobs.py) moves the counters.
#
# `EventCancellationOrder` is the job's memory: an order with a row was handled (cancelled, maybe
# refunded, or recorded as failed) in the same transaction that wrote the row, so a worker killed
# halfway resumes with the orders without a row and never handles one twice. `emailed_at` is set in
# the transaction that sends the buyer's e-mail (docs/event-cancellation.md).


class EventCancellation(OrgOwned, UUIDAuditBase):
    __tablename__ = "event_cancellation"
    __table_args__ = (
        CheckConstraint("mode IN ('refund_all', 'cancel_without_refund')", name="event_cancellation_mode"),
        # The sweep (cron) looks for running cancellations whose job stopped beating.
        Index("ix_event_cancellation_running", "heartbeat_at", postgresql_where=text("status = 'running'")),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"), unique=True)
    mode: Mapped[str] = mapped_column(String(32))  # refund_all | cancel_without_refund
    reason: Mapped[str] = mapped_column(Text)  # for the organisation (audit, refunds)
    message: Mapped[str | None] = mapped_column(Text, default=None)  # to the buyers, in their e-mail
    # Changed only through CancellationLifecycle.
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    orders_total: Mapped[int] = mapped_column(default=0)  # paid orders to handle (grows if a late payment lands)
    orders_done: Mapped[int] = mapped_column(default=0)  # handled, failures included
    refunds_requested: Mapped[int] = mapped_column(default=0)
    refund_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    emails_queued: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    holds_released: Mapped[int] = mapped_column(default=0)  # unpaid reservations cancelled
    runs: Mapped[int] = mapped_column(default=0)  # job starts (a resumed job counts again)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    started_by: Mapped[uuid.UUID | None] = mapped_column(default=None)  # user id (the audit log has the rest)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the job's last batch
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class EventCancellationOrder(OrgOwned, UUIDAuditBase):
    __tablename__ = "event_cancellation_order"
    __table_args__ = (
        CheckConstraint("outcome IN ('refunded', 'cancelled', 'failed')", name="event_cancellation_order_outcome"),
        # Orders whose e-mail is still owed (the job and the sweep re-enqueue them).
        Index(
            "ix_event_cancellation_order_unsent",
            "cancellation_id",
            postgresql_where=text("emailed_at IS NULL AND outcome <> 'failed'"),
        ),
    )

    cancellation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event_cancellation.id", ondelete="CASCADE"))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))  # refunded | cancelled | failed
    refund_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    refund_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # the refund requested with it
    error: Mapped[str | None] = mapped_column(Text, default=None)
    email_queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
