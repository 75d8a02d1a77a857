"""Orders and their lines. `status` changes only through OrderLifecycle (machines.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voelgoed.db.tenancy import OrgOwned


class Order(OrgOwned, UUIDAuditBase):
    __tablename__ = "ticket_order"  # "order" is an SQL keyword
    __table_args__ = (
        CheckConstraint("total_cents >= 0 AND subtotal_cents >= 0 AND discount_cents >= 0", name="order_amounts"),
        # Refunds (domain/refunds) never together exceed what was paid, whatever the code does.
        CheckConstraint(
            "refunded_cents >= 0 AND refund_pending_cents >= 0"
            " AND refunded_cents + refund_pending_cents <= total_cents",
            name="order_refunds",
        ),
        Index("ix_ticket_order_hold_expiry", "status", "hold_expires_at"),
        Index("ix_ticket_order_event_created", "event_id", "created_at"),
        Index("ix_ticket_order_event_paid", "event_id", "paid_at"),  # dashboards: sales over time
        # The redelivery sweep (tickets/jobs.py): paid orders whose tickets were never e-mailed.
        Index(
            "ix_ticket_order_undelivered",
            "paid_at",
            postgresql_where=text("status = 'paid' AND tickets_emailed_at IS NULL"),
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # shown to buyers, e.g. VG-7K3M9QX2
    status: Mapped[str] = mapped_column(String(20), default="reserved", index=True)
    hold_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    buyer_name: Mapped[str | None] = mapped_column(String(200), default=None)
    buyer_email: Mapped[str | None] = mapped_column(String(320), default=None, index=True)
    buyer_phone: Mapped[str | None] = mapped_column(String(40), default=None)
    subtotal_cents: Mapped[int] = mapped_column(default=0)
    discount_cents: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(default=0)  # VAT-inclusive
    vat_cents: Mapped[int] = mapped_column(default=0)  # the VAT contained in total_cents
    # The organisation's VAT rate when the order was reserved (basis points; 0: the seller was not
    # a VAT vendor, the order carries no VAT). Fixed on the order: a later change of the
    # organisation's VAT settings never changes an order already placed.
    vat_rate_bp: Mapped[int] = mapped_column(default=0, server_default="0")
    fees_cents: Mapped[int] = mapped_column(default=0)  # provider fees, when known
    coupon_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coupon.id", ondelete="SET NULL"), default=None)
    # The buyer's unguessable link to the order page and ticket download; only the hash is kept.
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    session_id: Mapped[str | None] = mapped_column(String(64), default=None)  # analytics session
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # A payment arrived after the hold expired and the stock was gone: money must go back.
    needs_refund: Mapped[bool] = mapped_column(default=False)
    tickets_emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Written only by domain/refunds: refunds that succeeded, and refunds still open (requested or
    # pending). Refunds of a late payment (`needs_refund`, never a sale) are not counted here.
    refunded_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    refund_pending_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    # The language the buyer checked out in (lib/i18n.py's LOCALES): their e-mails and ticket PDF
    # are written in it. Set from the checkout page's language; "en" for orders made by the API.
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", lazy="selectin", cascade="all, delete-orphan")


class OrderLine(OrgOwned, UUIDAuditBase):
    __tablename__ = "order_line"
    __table_args__ = (CheckConstraint("quantity > 0 AND unit_price_cents >= 0", name="order_line_amounts"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="CASCADE"), index=True)
    ticket_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_type.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[int] = mapped_column()
    unit_price_cents: Mapped[int] = mapped_column()
    discount_cents: Mapped[int] = mapped_column(default=0)
    line_total_cents: Mapped[int] = mapped_column()
    # A reserved seat (domain/seating): its line has quantity 1. SET NULL: a line of an order that
    # ended unpaid may lose its seat when the event's plan is changed; sold seats block that change.
    event_seat_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("event_seat.id", ondelete="SET NULL"), default=None, index=True
    )

    order: Mapped[Order] = relationship(back_populates="lines")


# The tables for the statement-level paths (holds.py, expiry.py, availability.py: core SQL on a
# connection, no ORM events).
ORD = cast(Table, Order.__table__)
LINE = cast(Table, OrderLine.__table__)
