"""The settlement statement: every payment a provider reported as succeeded in a date range,
reconciled with its order and with the ledger (fee, refunds, net), with the mismatches a person
must look at flagged (schemas.SettlementFlag)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from voelgoed.domain.ledger.models import Account, EntryKind, JournalEntry, JournalLine
from voelgoed.domain.ledger.reports import date_range
from voelgoed.domain.ledger.schemas import SettlementFlag, SettlementRow, SettlementStatement, SettlementTotals
from voelgoed.domain.orders.models import Order
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.lib.money import display_rand

# Refunds still pending per order: order id -> when the oldest pending refund was requested. The
# refunds area (above the ledger) owns refunds, so its reader is handed in by the caller.
PendingRefunds = Callable[[AsyncSession, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, datetime]]]
PENDING_TOO_LONG = timedelta(days=1)
SETTLED_ORDER_STATUSES = ("paid", "refunded")
MANUAL = "manual"


async def _payment_entries(db: AsyncSession, tx_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, int]]:
    """transaction id -> (kind of its payment entry, fees booked for it: in that entry, in fee or
    chargeback entries naming the transaction, less reversed ones)."""
    kinds = await db.execute(
        select(JournalEntry.transaction_id, JournalEntry.kind).where(
            JournalEntry.transaction_id.in_(tx_ids),
            JournalEntry.kind.in_([EntryKind.SALE.value, EntryKind.UNALLOCATED_RECEIPT.value]),
        )
    )
    fees = await db.execute(
        select(JournalEntry.transaction_id, func.sum(JournalLine.amount_cents))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.transaction_id.in_(tx_ids), JournalLine.account == Account.PROVIDER_FEES.value)
        .group_by(JournalEntry.transaction_id)
    )
    fee_of = {tx: int(cents) for tx, cents in fees.tuples()}
    return {tx: (kind, fee_of.get(tx, 0)) for tx, kind in kinds.tuples() if tx is not None}


async def _refunds(db: AsyncSession, provider: str, order_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], int]:
    """(order id, refund kind) -> money paid back for it (less reversed refunds), all dates: through
    the provider, or by the organiser by hand."""
    original = aliased(JournalEntry)
    kind = func.coalesce(original.kind, JournalEntry.kind)
    rows = await db.execute(
        select(JournalEntry.order_id, kind, -func.sum(JournalLine.amount_cents))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(
            JournalEntry.order_id.in_(order_ids),
            JournalEntry.provider.in_([provider, MANUAL]),  # a manual refund is booked as `manual`
            kind.in_([EntryKind.REFUND.value, EntryKind.UNALLOCATED_REFUND.value]),
            JournalLine.account.in_([Account.PROVIDER_CLEARING.value, Account.BANK.value]),
        )
        .group_by(JournalEntry.order_id, kind)
    )
    return {(order_id, k): int(cents) for order_id, k, cents in rows.all() if order_id is not None}


async def settlement_statement(
    db: AsyncSession,
    *,
    provider: str,
    time_zone: str,
    date_from: date | None,
    date_to: date | None,
    pending_refunds: PendingRefunds | None = None,
) -> SettlementStatement:
    first, last, start, end = date_range(time_zone, date_from, date_to)
    pairs = (
        await db.execute(
            select(PaymentTransaction, Order)
            .join(Order, Order.id == PaymentTransaction.order_id)
            .where(
                PaymentTransaction.provider == provider,
                PaymentTransaction.status == "succeeded",
                PaymentTransaction.completed_at >= start,
                PaymentTransaction.completed_at < end,
            )
            .order_by(PaymentTransaction.completed_at, PaymentTransaction.id)
        )
    ).all()
    tx_ids = [tx.id for tx, _ in pairs]
    order_ids = list({order.id for _, order in pairs})
    booked = await _payment_entries(db, tx_ids) if tx_ids else {}
    refunds = await _refunds(db, provider, order_ids) if order_ids else {}
    succeeded_per_order: dict[uuid.UUID, int] = {}
    if order_ids:
        counted = await db.execute(
            select(PaymentTransaction.order_id, func.count(PaymentTransaction.id))
            .where(PaymentTransaction.order_id.in_(order_ids), PaymentTransaction.status == "succeeded")
            .group_by(PaymentTransaction.order_id)
        )
        succeeded_per_order = {o: int(n) for o, n in counted.tuples()}
    pending = await pending_refunds(db, order_ids) if pending_refunds is not None and order_ids else {}
    now = datetime.now(UTC)

    # Each refund is shown once, on the payment it gives back: a refund of a sale on the sale's
    # row, a repayment of money owed back on the (first) row booked as owed back.
    unassigned = dict(refunds)
    rows: list[SettlementRow] = []
    for tx, order in pairs:
        kind, fee = booked.get(tx.id, ("", 0))
        refund_kind = EntryKind.UNALLOCATED_REFUND if kind == EntryKind.UNALLOCATED_RECEIPT else EntryKind.REFUND
        refunded = unassigned.pop((order.id, refund_kind.value), 0)
        flags: list[SettlementFlag] = []
        if not kind:
            flags.append(SettlementFlag.NOT_IN_LEDGER)
        if order.status not in SETTLED_ORDER_STATUSES and not order.needs_refund and refunded < tx.amount_cents:
            flags.append(SettlementFlag.ORDER_NOT_PAID)
        if tx.amount_cents != order.total_cents:
            flags.append(SettlementFlag.AMOUNT_DIFFERS)
        if succeeded_per_order.get(order.id, 0) > 1:
            flags.append(SettlementFlag.DUPLICATE_PAYMENT)
        if kind == EntryKind.UNALLOCATED_RECEIPT and refunded < tx.amount_cents:
            flags.append(SettlementFlag.NEEDS_REFUND_OPEN)
        requested = pending.get(order.id)
        if requested is not None and now - requested > PENDING_TOO_LONG:
            flags.append(SettlementFlag.REFUND_PENDING)
        net = tx.amount_cents - fee - refunded
        rows.append(
            SettlementRow(
                transaction_id=tx.id,
                provider_reference=tx.provider_reference,
                completed_at=tx.completed_at,
                order_id=order.id,
                order_reference=order.reference,
                order_status=order.status,
                order_total_cents=order.total_cents,
                amount_cents=tx.amount_cents,
                fee_cents=fee,
                refunded_cents=refunded,
                net_cents=net,
                amount_display=display_rand(tx.amount_cents),
                fee_display=display_rand(fee),
                refunded_display=display_rand(refunded),
                net_display=display_rand(net),
                flags=flags,
            )
        )
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        sums["amount"] += row.amount_cents
        sums["fee"] += row.fee_cents
        sums["refunded"] += row.refunded_cents
        sums["net"] += row.net_cents
    totals = SettlementTotals(
        payments=len(rows),
        amount_cents=sums["amount"],
        fee_cents=sums["fee"],
        refunded_cents=sums["refunded"],
        net_cents=sums["net"],
        flagged=sum(1 for row in rows if row.flags),
        amount_display=display_rand(sums["amount"]),
        fee_display=display_rand(sums["fee"]),
        refunded_display=display_rand(sums["refunded"]),
        net_display=display_rand(sums["net"]),
    )
    return SettlementStatement(
        provider=provider, time_zone=time_zone, date_from=first, date_to=last, rows=rows, totals=totals
    )
