"""Tax documents (invoices and credit notes), their gap-free numbering, and the buyer's billing
details. docs/tax.md says what is issued when.

A document is never updated after it is issued: `snapshot` holds everything printed on it (the
supplier's and recipient's details, the lines and amounts as they were at issue time), and the PDF
is rendered from the snapshot alone, so a later change of the organisation's address or the
buyer's billing details never rewrites an issued document.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class DocumentKind(enum.StrEnum):
    """A tax document: an invoice, or a credit note that cancels (part of) one."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class TaxDocument(OrgOwned, UUIDAuditBase):
    __tablename__ = "tax_document"
    __table_args__ = (
        UniqueConstraint("organization_id", "kind", "number", name="uq_tax_document_org_kind_number"),
        UniqueConstraint("organization_id", "document_number", name="uq_tax_document_org_document_number"),
        # One credit note per refund: a retried refund completion finds the one already issued.
        Index("uq_tax_document_refund", "refund_id", unique=True, postgresql_where=text("refund_id IS NOT NULL")),
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="tax_document_kind"),
        CheckConstraint("number >= 1", name="tax_document_number_positive"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_order.id", ondelete="RESTRICT"), index=True)
    # The refund a credit note documents (the refunds area's row; no foreign key so the two areas'
    # migrations stay independent). NULL on invoices and on a credit note that replaces an invoice.
    refund_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # A credit note's invoice (the one it reduces or cancels).
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tax_document.id", ondelete="RESTRICT"), default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... per organisation and kind, no gaps
    document_number: Mapped[str] = mapped_column(String(40))  # as printed, e.g. INV-000042
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    total_cents: Mapped[int] = mapped_column()  # VAT-inclusive amount documented
    vat_cents: Mapped[int] = mapped_column()
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)


class TaxDocumentCounter(OrgOwned, UUIDAuditBase):
    """The last number issued per organisation and kind. Incremented in the issuing transaction
    with the row locked (an upsert takes the row lock until commit): a transaction that rolls back
    gives its number back, so the numbers have no gaps; a sequence would leave gaps."""

    __tablename__ = "tax_document_counter"
    __table_args__ = (UniqueConstraint("organization_id", "kind", name="uq_tax_document_counter_org_kind"),)

    kind: Mapped[str] = mapped_column(String(20))
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class BillingDetails(OrgOwned, UUIDAuditBase):
    """Who the buyer wants on the invoice (a full tax invoice names the recipient). Entered on the
    order page; invoices issued after that use them (docs/tax.md)."""

    __tablename__ = "order_billing_details"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ticket_order.id", ondelete="CASCADE"), unique=True, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200), default=None)
    address: Mapped[str | None] = mapped_column(Text, default=None)
    vat_number: Mapped[str | None] = mapped_column(String(10), default=None)
