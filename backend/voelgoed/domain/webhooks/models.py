"""Webhook endpoints, the outbox of events, one delivery per event and endpoint, and its attempts.

The outbox: `outbox_sql.record()` writes a `webhook_event` and one `webhook_delivery` per subscribed
endpoint inside the transaction of the change it reports, so a rolled-back change sends nothing and
a committed one cannot be lost (Redis and the queue only speed delivery up). `status` columns change
only through their machines (machines.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class WebhookEndpoint(OrgOwned, UUIDAuditBase):
    """A URL of the organisation's that receives the event types it subscribed to."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (CheckConstraint("status IN ('enabled', 'disabled')", name="webhook_endpoint_status"),)

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(300), default="")
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    status: Mapped[str] = mapped_column(String(16), default="enabled")
    disabled_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    # The signing secret (`whsec_` + base64), encrypted with the app key (lib/crypto.py, purpose
    # "webhook-secret"). After a rotation the previous one is kept until previous_secret_expires_at,
    # and both signatures are sent meanwhile.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The first failure of the current run of failures (None after a success): long failure disables.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )


class WebhookEvent(OrgOwned, UUIDAuditBase):
    """One event in the outbox. `id` is the message id sent as `webhook-id` (as `msg_<hex>`), the
    same on every retry and redelivery, so receivers de-duplicate on it."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_org_created", "organization_id", "created_at"),)

    event_type: Mapped[str] = mapped_column(String(40))
    # The whole envelope as sent: {"id", "type", "timestamp", "payload_version", "data"}.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)


class WebhookDelivery(OrgOwned, UUIDAuditBase):
    """One event to one endpoint: pending until the endpoint answers 2xx, or until it is given up."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_delivery_event_endpoint"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'cancelled')", name="webhook_delivery_status"),
        # The sweep's and the workers' one question: what is due now?
        Index("ix_webhook_delivery_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_event.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # A worker claims a due delivery by moving its lease forward (SELECT ... FOR UPDATE SKIP LOCKED):
    # a worker killed mid-delivery leaves a lease that runs out, and the delivery is retried.
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class WebhookAttempt(OrgOwned, UUIDAuditBase):
    """One HTTP attempt of a delivery, for the endpoint's delivery log (excerpts, never whole bodies)."""

    __tablename__ = "webhook_attempt"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    request_excerpt: Mapped[str] = mapped_column(Text, default="")  # headers and the body's first 2 KB
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    response_excerpt: Mapped[str] = mapped_column(Text, default="")  # the response body's first 2 KB
    error: Mapped[str | None] = mapped_column(String(500), default=None)  # timeout, refused address, ...
