"""Refunds across areas (refunds, payments, orders, tickets, catalog, ledger, invoices, notifications).

INTERFACE FIXED FOR ISSUE #11 (provider webhook handlers call `apply_refund_notice`). The refunds
helper replaces the body.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.payments.notifications import RefundNotice


async def apply_refund_notice(db: AsyncSession, notice: RefundNotice) -> str:
    """Settle the refund a verified provider notification is about, and COMMIT. Idempotent (the
    notice's event_id, and a refund already final, change nothing). Returns an outcome for the
    notification record. Never raises for an unknown refund: records it and returns."""
    return "not implemented yet"
