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
    """One ledger account's totals."""

    account: Annotated[Account, msgspec.Meta(description="The account.")]
    debit_cents: Annotated[
        int, msgspec.Meta(description="Sum of its debit lines (positive).")
    ]  # sum of the debit lines (positive)
    credit_cents: Annotated[
        int, msgspec.Meta(description="Sum of its credit lines (positive).")
    ]  # sum of the credit lines (positive)
    balance_cents: Annotated[
        int, msgspec.Meta(description="Debit minus credit: positive is a debit balance.")
    ]  # debit - credit: positive is a debit balance
    balance_display: Annotated[str, msgspec.Meta(description="The balance for people.", examples=["R1 250.00"])]


class ProviderClearing(msgspec.Struct):
    """What one provider still holds for the organiser."""

    provider: Annotated[LedgerProvider, msgspec.Meta(description="The provider.")]
    balance_cents: Annotated[
        int, msgspec.Meta(description="Received by the provider and not yet paid out, in cents.")
    ]  # what this provider still holds for the organiser
    balance_display: Annotated[str, msgspec.Meta(description="The balance for people.", examples=["R12 500.00"])]


class TrialBalance(msgspec.Struct):
    """Per account balances of an organisation (or one event). `total_cents` is always 0: every
    entry balances, and the database refuses one that does not."""

    event_id: Annotated[uuid.UUID, msgspec.Meta(description="The event; null: the whole organisation.")] | None
    accounts: Annotated[list[AccountBalance], msgspec.Meta(description="Every account with its totals.")]
    clearing_by_provider: Annotated[list[ProviderClearing], msgspec.Meta(description="What each provider still holds.")]
    total_cents: Annotated[int, msgspec.Meta(description="Sum of every balance: always 0.")]
    entries: Annotated[int, msgspec.Meta(description="Journal entries counted.")]


class JournalLineRead(msgspec.Struct):
    """One line of a journal entry."""

    account: Annotated[Account, msgspec.Meta(description="The account.")]
    amount_cents: Annotated[
        int, msgspec.Meta(description="Debit positive, credit negative, in cents.")
    ]  # debit positive, credit negative
    amount_display: Annotated[str, msgspec.Meta(description="The amount for people.", examples=["R250.00"])]


class JournalEntryRead(msgspec.Struct):
    """A ledger journal entry: balanced lines posted together, never changed."""

    id: uuid.UUID
    kind: Annotated[EntryKind, msgspec.Meta(description="What the entry records (sale, refund, fee, payout ...).")]
    provider: Annotated[LedgerProvider, msgspec.Meta(description="Who moved the money.")]
    event_id: uuid.UUID | None
    order_id: uuid.UUID | None
    transaction_id: uuid.UUID | None
    refund_id: uuid.UUID | None
    external_reference: (
        Annotated[
            str, msgspec.Meta(description="The provider's reference (e.g. a payout id).", examples=["PF-PAYOUT-88412"])
        ]
        | None
    )
    reverses_entry_id: (
        Annotated[uuid.UUID, msgspec.Meta(description="The entry this one reverses; null: not a reversal.")] | None
    )
    reversed_by_entry_id: (
        Annotated[uuid.UUID, msgspec.Meta(description="The entry that reversed this one; null: not reversed.")] | None
    )
    occurred_at: Annotated[datetime, msgspec.Meta(description="When the money moved (UTC).")]
    memo: Annotated[str, msgspec.Meta(description="Free text.", examples=["Uitbetaling Desember"])]
    lines: Annotated[list[JournalLineRead], msgspec.Meta(description="Its lines; they sum to zero.")]


class JournalPage(msgspec.Struct):
    """A page of journal entries, newest first."""

    items: list[JournalEntryRead]
    total: int
    page: int
    page_size: int


class PayoutCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A payout the organiser saw land in their bank: `amount_cents` received, `fee_cents` the
    provider kept for paying out."""

    provider: Annotated[PaymentProviderName, msgspec.Meta(description="The provider that paid out.")]
    amount_cents: Annotated[Cents, msgspec.Meta(description="What reached the bank, in cents.", examples=[1250000])]
    fee_cents: Annotated[
        FeeCents, msgspec.Meta(description="The fee the provider kept for the payout, in cents.", examples=[500])
    ] = 0
    occurred_at: Annotated[datetime, msgspec.Meta(description="When it was paid out (UTC); default: now.")] | None = (
        None  # default: now
    )
    event_id: Annotated[uuid.UUID, msgspec.Meta(description="When the payout is for one event.")] | None = (
        None  # when the payout is for one event
    )
    external_reference: (
        Annotated[
            str, msgspec.Meta(max_length=100, description="The provider's payout id.", examples=["PF-PAYOUT-88412"])
        ]
        | None
    ) = None  # the provider's payout id
    memo: Annotated[str, msgspec.Meta(max_length=300, description="Free text.", examples=["Uitbetaling Desember"])] = ""


class ReversalCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Why an entry is reversed."""

    explanation: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="Why, kept on the reversing entry.",
            examples=["Dubbel aangeteken."],
        ),
    ]


# --- reports ----------------------------------------------------------------------------------
class ReportFigures(msgspec.Struct):
    """Money movements of a period, VAT included unless named otherwise, from the ledger."""

    gross_sales_cents: Annotated[
        int, msgspec.Meta(description="Payments for orders that became paid.")
    ]  # payments for orders that became paid
    refunds_cents: Annotated[int, msgspec.Meta(description="Refunds of those sales.")]  # refunds of those sales
    chargebacks_cents: Annotated[int, msgspec.Meta(description="Chargebacks.")]
    fees_cents: Annotated[
        int, msgspec.Meta(description="Every provider fee (payment, payout, chargeback).")
    ]  # every provider fee (payment, payout, chargeback)
    vat_output_cents: Annotated[
        int, msgspec.Meta(description="VAT on sales less VAT given back: owed to SARS.")
    ]  # VAT on sales less VAT given back: owed to SARS
    net_cents: Annotated[
        int, msgspec.Meta(description="Gross minus refunds, chargebacks and fees.")
    ]  # gross - refunds - chargebacks - fees
    revenue_ex_vat_cents: Annotated[
        int, msgspec.Meta(description="Ticket revenue less refunds and chargebacks, without VAT.")
    ]  # ticket revenue less refunds and chargebacks, without VAT
    payouts_cents: Annotated[
        int, msgspec.Meta(description="Paid into the organiser's bank.")
    ]  # paid into the organiser's bank
    unallocated_received_cents: Annotated[
        int, msgspec.Meta(description="Money received for orders that could not be filled.")
    ]  # money received for orders that could not be filled
    unallocated_refunded_cents: Annotated[int, msgspec.Meta(description="Of that, paid back.")]  # of that, paid back
    tickets_sold: Annotated[
        int, msgspec.Meta(description="Tickets of the sales booked (less reversed sales).")
    ]  # tickets of the sales booked (less reversed sales)
    gross_sales_display: str
    refunds_display: str
    chargebacks_display: str
    fees_display: str
    vat_output_display: str
    net_display: str
    revenue_ex_vat_display: str
    payouts_display: str


class ReportDay(msgspec.Struct):
    """One day of the sales report."""

    date: Annotated[date, msgspec.Meta(description="The day, in the report's time zone.")]  # in the report's time zone
    figures: Annotated[ReportFigures, msgspec.Meta(description="The day's figures.")]


class SalesReport(msgspec.Struct):
    """Sales per day and in total, from the ledger."""

    event_id: (
        Annotated[uuid.UUID, msgspec.Meta(description="The event reported; null: the whole organisation.")] | None
    )  # None: the whole organisation
    time_zone: str
    date_from: date
    date_to: date
    totals: Annotated[ReportFigures, msgspec.Meta(description="The figures of the whole range.")]
    days: Annotated[list[ReportDay], msgspec.Meta(description="One entry per day of the range.")]


class SettlementFlag(enum.StrEnum):
    """Why a settlement row needs a look (domain/ledger/settlement.py)."""

    ORDER_NOT_PAID = "order_not_paid"  # the payment succeeded, the order is not paid
    AMOUNT_DIFFERS = "amount_differs"  # the payment's amount is not the order's total
    DUPLICATE_PAYMENT = "duplicate_payment"  # more than one succeeded payment for the order
    NEEDS_REFUND_OPEN = "needs_refund_open"  # money owed back, not (fully) refunded yet
    REFUND_PENDING = "refund_pending"  # a refund has been pending for more than a day
    NOT_IN_LEDGER = "not_in_ledger"  # a succeeded payment the ledger has not booked


class SettlementRow(msgspec.Struct):
    """One payment a provider reported as succeeded."""

    transaction_id: uuid.UUID
    provider_reference: str | None
    completed_at: datetime | None
    order_id: uuid.UUID
    order_reference: str
    order_status: Annotated[OrderStatus, msgspec.Meta(description="The order's status now.")]
    order_total_cents: Annotated[int, msgspec.Meta(description="The order's total.")]
    amount_cents: Annotated[int, msgspec.Meta(description="What the payment paid.")]
    fee_cents: Annotated[int, msgspec.Meta(description="The provider's fee.")]
    refunded_cents: Annotated[int, msgspec.Meta(description="Refunded of it.")]
    net_cents: Annotated[int, msgspec.Meta(description="Amount minus fee minus refunded.")]  # amount - fee - refunded
    amount_display: str
    fee_display: str
    refunded_display: str
    net_display: str
    flags: Annotated[list[SettlementFlag], msgspec.Meta(description="What does not reconcile (empty: all is well).")]


class SettlementTotals(msgspec.Struct):
    """Totals of a settlement statement."""

    payments: Annotated[int, msgspec.Meta(description="Payments listed.")]
    amount_cents: int
    fee_cents: int
    refunded_cents: int
    net_cents: int
    flagged: Annotated[int, msgspec.Meta(description="Of them, with at least one flag.")]
    amount_display: str
    fee_display: str
    refunded_display: str
    net_display: str


class SettlementStatement(msgspec.Struct):
    """A provider's payments in a date range, to reconcile with its own statement."""

    provider: Annotated[PaymentProviderName, msgspec.Meta(description="The provider.")]
    time_zone: str
    date_from: date
    date_to: date
    rows: Annotated[list[SettlementRow], msgspec.Meta(description="One per payment.")]
    totals: Annotated[SettlementTotals, msgspec.Meta(description="The rows' totals.")]


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
