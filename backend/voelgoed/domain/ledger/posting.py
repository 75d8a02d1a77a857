"""The ledger's posting API: the only way money movements are written (double entry).

INTERFACE FIXED FOR ISSUE #11 (other areas call these exact signatures). The ledger helper
replaces the bodies; until then they do nothing, which no test may rely on.

Conventions: amounts are positive integer cents; each call writes one balanced journal entry in the
caller's transaction (flush, no commit) and returns its id. `provider` is a PaymentProviderName or
"manual" (money the organiser moved outside any provider).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


async def record_payment(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    order_id: uuid.UUID,
    transaction_id: uuid.UUID,
    provider: str,
    amount_cents: int,
    vat_cents: int,
    fee_cents: int | None,
    allocated: bool,
    occurred_at: datetime | None = None,
) -> uuid.UUID | None:
    """A payment received. allocated=True: a sale (revenue and VAT output); False: money received
    for an order that cannot be filled (`needs_refund`), owed back to the buyer. The fee, when
    known, is booked in the same entry."""
    return None


async def record_refund(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    order_id: uuid.UUID,
    refund_id: uuid.UUID,
    provider: str,
    amount_cents: int,
    vat_cents: int,
    allocated: bool,
    paid_from: str = "provider",  # "provider" (through its refund API) | "organiser" (manual refund)
    occurred_at: datetime | None = None,
) -> uuid.UUID | None:
    """A refund that succeeded (only then). allocated=False: repaying money booked as owed back."""
    return None
