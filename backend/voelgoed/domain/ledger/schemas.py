"""The ledger's and the money reports' API bodies (msgspec), and the mappers at the end."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.ledger.models import Account, EntryKind, JournalEntry, JournalLine
from voelgoed.domain.orders.machines import OrderStatus
from voelgoed.domain.payments.providers import PROVIDER_NAMES, PaymentProviderName
from voelgoed.lib.closed_sets import closed_set
from voelgoed.lib.money import display_rand

if TYPE_CHECKING:
    LedgerProvider = str
else:
    LedgerProvider = closed_set(
        "LedgerProvider",
        [*PROVIDER_NAMES, "manual"],
        "Who moved the money of a ledger entry: a payment provider, or `manual` (the organiser, outside any provider).",
    )

Cents = Annotated[int, msgspec.Meta(ge=1, le=100_000_000_00)]
FeeCents = Annotated[int, msgspec.Meta(ge=0, le=100_000_000_00)]


# --- ledger -----------------------------------------------------------------------------------
class AccountBalance(msgspec.Struct):
    account: Account
    debit_cents: int  # sum of the debit lines (positive)
    credit_cents: int  # sum of the credit lines (positive)
    balance_cents: int  # debit - credit: positive is a debit balance
    balance_display: str


class ProviderClearing(msgspec.Struct):
    provider: LedgerProvider
    balance_cents: int  # what this provider still holds for the organiser
    balance_display: str


class TrialBalance(msgspec.Struct):
    """Per account balances of an organisation (or one event). `total_cents` is always 0: every
    entry balances, and the database refuses one that does not."""

    event_id: uuid.UUID | None
    accounts: list[AccountBalance]
    clearing_by_provider: list[ProviderClearing]
    total_cents: int
    entries: int


class JournalLineRead(msgspec.Struct):
    account: Account
    amount_cents: int  # debit positive, credit negative
    amount_display: str


class JournalEntryRead(msgspec.Struct):
    id: uuid.UUID
    kind: EntryKind
    provider: LedgerProvider
    event_id: uuid.UUID | None
    order_id: uuid.UUID | None
    transaction_id: uuid.UUID | None
    refund_id: uuid.UUID | None
    external_reference: str | None
    reverses_entry_id: uuid.UUID | None
    reversed_by_entry_id: uuid.UUID | None
    occurred_at: datetime
    memo: str
    lines: list[JournalLineRead]


class JournalPage(msgspec.Struct):
    items: list[JournalEntryRead]
    total: int
    page: int
    page_size: int


class PayoutCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A payout the organiser saw land in their bank: `amount_cents` received, `fee_cents` the
    provider kept for paying out."""

    provider: PaymentProviderName
    amount_cents: Cents
    fee_cents: FeeCents = 0
    occurred_at: datetime | None = None  # default: now
    event_id: uuid.UUID | None = None  # when the payout is for one event
    external_reference: Annotated[str, msgspec.Meta(max_length=100)] | None = None  # the provider's payout id
    memo: Annotated[str, msgspec.Meta(max_length=300)] = ""


class ReversalCreate(msgspec.Struct, forbid_unknown_fields=True):
    explanation: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


# --- reports ----------------------------------------------------------------------------------
class ReportFigures(msgspec.Struct):
    """Money movements of a period, VAT included unless named otherwise, from the ledger."""

    gross_sales_cents: int  # payments for orders that became paid
    refunds_cents: int  # refunds of those sales
    chargebacks_cents: int
    fees_cents: int  # every provider fee (payment, payout, chargeback)
    vat_output_cents: int  # VAT on sales less VAT given back: owed to SARS
    net_cents: int  # gross - refunds - chargebacks - fees
    revenue_ex_vat_cents: int  # ticket revenue less refunds and chargebacks, without VAT
    payouts_cents: int  # paid into the organiser's bank
    unallocated_received_cents: int  # money received for orders that could not be filled
    unallocated_refunded_cents: int  # of that, paid back
    tickets_sold: int  # tickets of the sales booked (less reversed sales)
    gross_sales_display: str
    refunds_display: str
    chargebacks_display: str
    fees_display: str
    vat_output_display: str
    net_display: str
    revenue_ex_vat_display: str
    payouts_display: str


class ReportDay(msgspec.Struct):
    date: date  # in the report's time zone
    figures: ReportFigures


class SalesReport(msgspec.Struct):
    event_id: uuid.UUID | None  # None: the whole organisation
    time_zone: str
    date_from: date
    date_to: date
    totals: ReportFigures
    days: list[ReportDay]


class SettlementFlag(enum.StrEnum):
    ORDER_NOT_PAID = "order_not_paid"  # the payment succeeded, the order is not paid
    AMOUNT_DIFFERS = "amount_differs"  # the payment's amount is not the order's total
    DUPLICATE_PAYMENT = "duplicate_payment"  # more than one succeeded payment for the order
    NEEDS_REFUND_OPEN = "needs_refund_open"  # money owed back, not (fully) refunded yet
    REFUND_PENDING = "refund_pending"  # a refund has been pending for more than a day
    NOT_IN_LEDGER = "not_in_ledger"  # a succeeded payment the ledger has not booked


class SettlementRow(msgspec.Struct):
    transaction_id: uuid.UUID
    provider_reference: str | None
    completed_at: datetime | None
    order_id: uuid.UUID
    order_reference: str
    order_status: OrderStatus
    order_total_cents: int
    amount_cents: int
    fee_cents: int
    refunded_cents: int
    net_cents: int  # amount - fee - refunded
    amount_display: str
    fee_display: str
    refunded_display: str
    net_display: str
    flags: list[SettlementFlag]


class SettlementTotals(msgspec.Struct):
    payments: int
    amount_cents: int
    fee_cents: int
    refunded_cents: int
    net_cents: int
    flagged: int
    amount_display: str
    fee_display: str
    refunded_display: str
    net_display: str


class SettlementStatement(msgspec.Struct):
    provider: PaymentProviderName
    time_zone: str
    date_from: date
    date_to: date
    rows: list[SettlementRow]
    totals: SettlementTotals


# --- mappers ----------------------------------------------------------------------------------
def account_balance(account: Account, debit: int, credit: int) -> AccountBalance:
    return AccountBalance(
        account=account,
        debit_cents=debit,
        credit_cents=credit,
        balance_cents=debit - credit,
        balance_display=display_rand(debit - credit),
    )


def journal_entry_read(
    entry: JournalEntry, lines: list[JournalLine], reversed_by: uuid.UUID | None = None
) -> JournalEntryRead:
    return JournalEntryRead(
        id=entry.id,
        kind=EntryKind(entry.kind),
        provider=entry.provider,
        event_id=entry.event_id,
        order_id=entry.order_id,
        transaction_id=entry.transaction_id,
        refund_id=entry.refund_id,
        external_reference=entry.external_reference,
        reverses_entry_id=entry.reverses_entry_id,
        reversed_by_entry_id=reversed_by,
        occurred_at=entry.occurred_at,
        memo=entry.memo,
        lines=[
            JournalLineRead(
                account=Account(line.account),
                amount_cents=line.amount_cents,
                amount_display=display_rand(line.amount_cents),
            )
            for line in sorted(lines, key=lambda x: (-x.amount_cents > 0, x.account))
        ],
    )
