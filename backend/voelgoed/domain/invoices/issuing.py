"""Tax documents: invoices for paid orders and credit notes for refunds.

INTERFACE FIXED FOR ISSUE #11 (workflows/refunds.py calls this exact signature). The tax helper
replaces the body; until then it does nothing, which no test may rely on.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession


async def issue_credit_note(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    order_id: uuid.UUID,
    refund_id: uuid.UUID,
    amount_cents: int,
    vat_cents: int,
    reason: str,
) -> uuid.UUID | None:
    """The credit note for one succeeded refund (in the caller's transaction), referencing the
    order's invoice. Returns its id; None where the organisation issues no tax documents."""
    return None
