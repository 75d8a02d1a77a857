"""What happens when a refund's outcome is known: the refund and the order's sums settle, and a
succeeded refund is booked (ledger) and credited (tax credit note), in the caller's transaction.

Lock order: the refund row first, then the order (requests lock the event's inventory and the
order but never an existing refund, so the two paths cannot deadlock).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.invoices.issuing import issue_credit_note
from voelgoed.domain.ledger.posting import record_refund
from voelgoed.domain.refunds import services
from voelgoed.domain.refunds.models import Refund
from voelgoed.domain.webhooks import payloads
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.outbox_sql import record


def audit(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    actor_user_id: uuid.UUID | None,
    changes: dict[str, object],
) -> None:
    """An audit entry written without a request's AuthContext (jobs, event cancellation)."""
    db.add(
        AuditEntry(
            organization_id=organization_id,
            actor_user_id=actor_user_id,
            actor_email=None,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            changes={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in changes.items()},
        )
    )


async def succeed(
    db: AsyncSession, refund: Refund, *, provider_refund_id: str | None = None, confirmed_by: uuid.UUID | None = None
) -> None:
    """The money went back (the provider said so, or the organiser confirmed a manual payout)."""
    order = await services.lock_order(db, refund.order_id)
    status_before = order.status
    services.settle_succeeded(refund, order, provider_refund_id)
    await record_refund(
        db,
        organization_id=refund.organization_id,
        event_id=refund.event_id,
        order_id=refund.order_id,
        refund_id=refund.id,
        provider=refund.provider if refund.method == "provider" else "manual",
        amount_cents=refund.amount_cents,
        vat_cents=refund.vat_cents,
        allocated=refund.allocated,
        paid_from="provider" if refund.method == "provider" else "organiser",
        occurred_at=refund.completed_at,
    )
    if refund.allocated:  # a late payment was never invoiced: nothing to credit
        await issue_credit_note(
            db,
            organization_id=refund.organization_id,
            order_id=refund.order_id,
            refund_id=refund.id,
            amount_cents=refund.amount_cents,
            vat_cents=refund.vat_cents,
            reason=refund.reason,
        )
    audit(
        db,
        organization_id=refund.organization_id,
        action="refund.succeeded",
        entity_type="refund",
        entity_id=refund.id,
        actor_user_id=confirmed_by,
        changes={"status": ["pending", "succeeded"], "order_status": order.status},
    )
    await db.flush()
    await _record(db, refund, WebhookEventType.REFUND_SUCCEEDED)
    if order.status == "refunded" and status_before != "refunded":  # this refund completed the order's
        await payloads.record_order_event(
            db, WebhookEventType.ORDER_REFUNDED, organization_id=order.organization_id, order_id=order.id
        )


async def fail(db: AsyncSession, refund: Refund, reason: str, *, actor: uuid.UUID | None = None) -> None:
    order = await services.lock_order(db, refund.order_id)
    services.settle_failed(refund, order, reason)
    audit(
        db,
        organization_id=refund.organization_id,
        action="refund.failed",
        entity_type="refund",
        entity_id=refund.id,
        actor_user_id=actor,
        changes={"status": "failed", "failure_reason": refund.failure_reason},
    )
    await db.flush()
    await _record(db, refund, WebhookEventType.REFUND_FAILED)


async def _record(db: AsyncSession, refund: Refund, event_type: WebhookEventType) -> None:
    """refund.* in the caller's transaction, carrying the refund as getRefund answers it."""
    await record(db, organization_id=refund.organization_id, event_type=event_type, data=payloads.refund(refund))
