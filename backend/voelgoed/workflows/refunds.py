"""Refunds across areas (refunds, payments, orders, tickets, catalog, ledger, invoices, notifications).

INTERFACE FIXED FOR ISSUE #11 (provider webhook handlers call `apply_refund_notice`). The refunds
helper replaces the body.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.payments.notifications import RefundNotice


async def apply_refund_notice(db: AsyncSession, notice: RefundNotice) -> str:
    """Settle the refund a verified provider notification is about, and COMMIT. Idempotent (the
    notice's event_id, and a refund already final, change nothing). Returns an outcome for the
    notification record. Never raises for an unknown refund: records it and returns."""
    return "not implemented yet"


@dataclass(frozen=True)
class CancelOutcome:
    order_id: uuid.UUID
    cancelled: bool  # False: it was cancelled before (idempotent), nothing changed
    refund_id: uuid.UUID | None  # the refund requested with it, if any
    refund_cents: int


async def cancel_paid_order(
    db: AsyncSession,
    *,
    order_id: uuid.UUID,
    refund: bool,
    reason: str,
    requested_by: uuid.UUID | None,
    notify_buyer: bool = True,
) -> CancelOutcome:
    """Cancel one order as the organiser (in the caller's transaction, no commit): void its
    tickets, release its stock, and with refund=True request a refund of everything still not
    refunded (processed by SAQ after commit). notify_buyer=False: the caller e-mails the buyer
    itself (event cancellation sends one e-mail per buyer). Idempotent."""
    raise NotImplementedError("issue #11: the refunds helper implements this")
