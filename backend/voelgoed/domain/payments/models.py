"""Payment transactions, received provider notifications, and per-organisation credentials."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class PaymentTransaction(OrgOwned, UUIDAuditBase):
    """One attempt to pay one order. `status` changes only through PaymentLifecycle."""

    __tablename__ = "payment_transaction"
    __table_args__ = (UniqueConstraint("provider", "provider_reference"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))  # 'simulated' | 'payfast'
    status: Mapped[str] = mapped_column(String(20), default="initiated", index=True)
    amount_cents: Mapped[int] = mapped_column()
    provider_reference: Mapped[str | None] = mapped_column(String(100), default=None)  # e.g. pf_payment_id
    failure_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class PaymentNotification(UUIDAuditBase):
    """Every notification received (ITN, webhook), verified or not: de-duplication and audit.

    Not tenant-scoped: it arrives before we know (or trust) which organisation it concerns.
    """

    __tablename__ = "payment_notification"
    __table_args__ = (UniqueConstraint("provider", "provider_event_id"),)

    provider: Mapped[str] = mapped_column(String(20))
    provider_event_id: Mapped[str] = mapped_column(String(100))  # e.g. pf_payment_id
    transaction_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_transaction.id", ondelete="SET NULL"), default=None, index=True
    )
    source_ip: Mapped[str | None] = mapped_column(String(64), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    verified: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(200), default="")


class PaymentProviderAccount(OrgOwned, UUIDAuditBase):
    """An organisation's settings for one provider: credentials (e.g. PayFast merchant id, key and
    passphrase), sandbox or live, on or off (`active`, "enabled" in the API), its place in the
    checkout order and the last connection test."""

    __tablename__ = "payment_provider_account"
    __table_args__ = (UniqueConstraint("organization_id", "provider"),)

    provider: Mapped[str] = mapped_column(String(20))
    # Secret values are encrypted with the app's SECRET_KEY (see lib/crypto.py) before storage.
    credentials: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    sandbox: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int | None] = mapped_column(default=None)  # checkout order; None: after the ordered ones
    last_test_ok: Mapped[bool | None] = mapped_column(default=None)
    last_test_message: Mapped[str | None] = mapped_column(String(300), default=None)
    last_tested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
