"""The double-entry ledger: journal entries and their lines.

Append-only by the database's own rules (migration 0013, docs/ledger.md): every entry's lines sum
to zero and there are at least two of them (a deferred constraint trigger checked at commit), no
line amount is zero, a line carries its entry's organisation and event, and neither entries nor
lines can be updated or deleted. A mistake is corrected by a reversal entry (`reverses_entry_id`,
at most one per entry). Sign convention: debit positive, credit negative.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase, UUIDBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class Account(enum.StrEnum):
    """The ledger's accounts. Normal balance in brackets (debit positive, credit negative)."""

    PROVIDER_CLEARING = "provider_clearing"  # (debit) money a provider holds for the organiser
    BANK = "bank"  # (debit) the organiser's bank: payouts in, manual refunds out
    TICKET_REVENUE = "ticket_revenue"  # (credit) ticket sales without VAT
    VAT_OUTPUT = "vat_output"  # (credit) VAT charged on sales, owed to SARS
    PROVIDER_FEES = "provider_fees"  # (debit) what providers charged (payment, payout, chargeback fees)
    REFUNDS = "refunds"  # (debit) refunds of sales, without their VAT (contra revenue)
    CHARGEBACKS = "chargebacks"  # (debit) payments the buyer's bank took back, without VAT
    REFUNDS_DUE = "refunds_due"  # (credit) money received for orders that could not be filled


class EntryKind(enum.StrEnum):
    """What a ledger journal entry records (domain/ledger/posting.py)."""

    SALE = "sale"  # a payment for an order that became paid (fee in the same entry)
    UNALLOCATED_RECEIPT = "unallocated_receipt"  # a payment for a needs_refund order: owed back
    REFUND = "refund"  # a refund of a sale (VAT back out of vat_output)
    UNALLOCATED_REFUND = "unallocated_refund"  # money owed back, paid back
    CHARGEBACK = "chargeback"
    FEE = "fee"  # a provider fee booked on its own (learnt after the payment, or not tied to one)
    PAYOUT = "payout"  # the provider paid the organiser's bank (its payout fee in the same entry)
    REVERSAL = "reversal"  # the mirror of `reverses_entry_id`


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class JournalEntry(OrgOwned, UUIDAuditBase):
    """One money movement. Never updated or deleted (the database refuses)."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        CheckConstraint(_in("kind", EntryKind), name="journal_entry_kind"),
        CheckConstraint("(kind = 'reversal') = (reverses_entry_id IS NOT NULL)", name="journal_entry_reversal"),
        # One reversal per entry, one payment entry per payment transaction, one entry per refund:
        # a repeated notification or a retried job cannot book the same money twice.
        Index("uq_journal_entry_reverses", "reverses_entry_id", unique=True),
        Index(
            "uq_journal_entry_payment",
            "transaction_id",
            unique=True,
            postgresql_where=text("kind IN ('sale', 'unallocated_receipt')"),
        ),
        Index(
            "uq_journal_entry_refund",
            "refund_id",
            unique=True,
            postgresql_where=text("kind IN ('refund', 'unallocated_refund')"),
        ),
        Index("uq_journal_entry_idempotency", "organization_id", "idempotency_key", unique=True),
        Index("ix_journal_entry_org_occurred", "organization_id", "occurred_at"),
        Index("ix_journal_entry_event_occurred", "event_id", "occurred_at"),
        Index("ix_journal_entry_order", "order_id"),
    )

    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"), default=None)
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ticket_order.id", ondelete="RESTRICT"), default=None)
    kind: Mapped[str] = mapped_column(String(24))
    provider: Mapped[str] = mapped_column(String(20))  # a PaymentProviderName, or "manual"
    transaction_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_transaction.id", ondelete="RESTRICT"), default=None
    )
    refund_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # the refunds area's id (no FK: it sits above)
    external_reference: Mapped[str | None] = mapped_column(String(100), default=None)  # provider's payout/chargeback id
    reverses_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("journal_entry.id", ondelete="RESTRICT"), default=None
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    memo: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)  # the user, for organiser-entered entries


class JournalLine(OrgOwned, UUIDBase):
    """One side of an entry: `amount_cents` on `account` (debit positive, credit negative).
    Organisation, event and provider are copied from the entry (the database checks they match),
    so balances are sums over this one table."""

    __tablename__ = "journal_line"
    __table_args__ = (
        CheckConstraint("amount_cents <> 0", name="journal_line_non_zero"),
        CheckConstraint(_in("account", Account), name="journal_line_account"),
        Index("ix_journal_line_org_account", "organization_id", "account"),
        Index("ix_journal_line_event_account", "event_id", "account"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("journal_entry.id", ondelete="RESTRICT"), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("event.id", ondelete="RESTRICT"), default=None)
    account: Mapped[str] = mapped_column(String(24))
    provider: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column()
