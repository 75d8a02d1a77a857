"""Refunds: money going back to a buyer for a paid order, whole or in part.

`status` changes only through RefundLifecycle (machines.py). The order keeps two running sums
(`ticket_order.refunded_cents`, `refund_pending_cents`, written only by domain/refunds) that a
CHECK keeps within what was paid, whatever the code does.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voelgoed.db.tenancy import OrgOwned


class Refund(OrgOwned, UUIDAuditBase):
    """One refund of one payment transaction.

    `allocated`: False for money that was never booked as a sale (a late payment flagged
    `needs_refund`); such refunds do not count in the order's refunded sums."""

    __tablename__ = "refund"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key"),
        CheckConstraint("amount_cents > 0 AND vat_cents >= 0 AND vat_cents <= amount_cents", name="refund_amounts"),
        # The retry sweep (domain/refunds/jobs.py): refunds whose next provider attempt is due.
        Index("ix_refund_due", "next_attempt_at", postgresql_where=text("next_attempt_at IS NOT NULL")),
        # One automatic refund per late payment (needs_refund), unless it failed.
        Index(
            "uq_refund_unallocated_transaction",
            "transaction_id",
            unique=True,
            postgresql_where=text("NOT allocated AND status <> 'failed'"),
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True)
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_transaction.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(10))  # provider | manual
    kind: Mapped[str] = mapped_column(String(12))  # whole_order | tickets | amount
    allocated: Mapped[bool] = mapped_column(default=True)
    amount_cents: Mapped[int] = mapped_column()
    vat_cents: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="requested", index=True)
    provider_refund_id: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    failure_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)  # the last retryable failure
    attempts: Mapped[int] = mapped_column(default=0)
    # When the provider should be asked (again); None: nothing to do (manual, final, or awaiting
    # the provider's notification).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    notify_buyer: Mapped[bool] = mapped_column(default=True)  # False: the caller e-mails the buyer itself
    buyer_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    tickets: Mapped[list[RefundTicket]] = relationship(
        back_populates="refund", lazy="selectin", cascade="all, delete-orphan"
    )


class RefundTicket(OrgOwned, UUIDAuditBase):
    """A ticket a refund paid back (and voided). A ticket is refunded at most once."""

    __tablename__ = "refund_ticket"

    refund_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("refund.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    amount_cents: Mapped[int] = mapped_column()

    refund: Mapped[Refund] = relationship(back_populates="tickets")
