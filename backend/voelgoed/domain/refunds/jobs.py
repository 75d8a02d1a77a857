"""SAQ jobs of refunds: ask the provider, e-mail the buyer, refund late payments, and the sweep.

Asking the provider, crash and retry safe:
1. A short transaction locks the refund, counts the attempt and sets `next_attempt_at` a lease
   ahead (a worker killed during the call leaves a refund the sweep retries after the lease).
2. The provider is called outside any transaction (with a timeout). Our refund id is the
   idempotency key providers that take one receive, so asking twice pays once.
3. A second transaction records the answer: succeeded (booked in the ledger, a credit note, the
   buyer's e-mail queued), pending (the provider's notification settles it later), failed (the
   reason shown to the organiser). `ProviderUnavailable` or a timeout keeps it pending with the
   next attempt after 2 s, 4 s, 8 s ... at most an hour, scheduled on the queue.
PostgreSQL, not the queue, is the record of what is owed: `sweep_refunds` (cron, every minute)
enqueues every refund whose `next_attempt_at` has passed, every succeeded refund whose buyer was
not e-mailed yet, and every late payment (`needs_refund`) still without its refund.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from saq import CronJob, Queue
from saq.types import Context
from sqlalchemy import select

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.events.models import Event
from voelgoed.domain.notifications.jobs import email_message
from voelgoed.domain.notifications.kinds import EmailKind
from voelgoed.domain.notifications.messages import RefundMail, refund_confirmation
from voelgoed.domain.notifications.services import mail_look, order_facts
from voelgoed.domain.orders.models import Order
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.payments.providers import get_provider
from voelgoed.domain.payments.providers.base import ProviderUnavailable, RefundContext, RefundResult
from voelgoed.domain.payments.services import decrypt_credentials, find_account, refund_notify_url
from voelgoed.domain.refunds import outcomes, services
from voelgoed.domain.refunds.machines import OPEN_REFUND_STATUSES, RefundLifecycle
from voelgoed.domain.refunds.models import Refund, RefundTicket
from voelgoed.domain.tickets.issuing import listed_tickets
from voelgoed.lib import mail
from voelgoed.lib.problems import AppError
from voelgoed.lib.templates import money
from voelgoed.settings import Settings, job_settings
from voelgoed.worker_context import db_session, job_queue, worker_job

log = logging.getLogger(__name__)

PROVIDER_TIMEOUT_SECONDS = 30
LEASE = timedelta(seconds=PROVIDER_TIMEOUT_SECONDS + 30)
NOTIFY_WITHIN = timedelta(days=7)


def _now() -> datetime:
    return datetime.now(UTC)


async def enqueue_refund(
    queue: Queue, refund_id: uuid.UUID | str, *, attempt: int = 0, at: datetime | None = None
) -> None:
    """Queue asking the provider about a refund. One job per refund and attempt (the key): the
    sweep and a scheduled retry of the same attempt collapse."""
    await queue.enqueue(
        "process_refund",
        key=f"refund:{refund_id}:{attempt}",
        refund_id=str(refund_id),
        scheduled=int(at.timestamp()) if at else 0,
        retries=3,  # a database hiccup; provider failures are rescheduled by the job itself
        retry_delay=2.0,
        retry_backoff=True,
        timeout=PROVIDER_TIMEOUT_SECONDS + 30,
    )


async def enqueue_refund_mail(queue: Queue, refund_id: uuid.UUID | str) -> None:
    await queue.enqueue(
        "notify_refund",
        key=f"refund-mail:{refund_id}",
        refund_id=str(refund_id),
        retries=8,
        retry_delay=2.0,
        retry_backoff=True,
        timeout=60,
    )


async def enqueue_late_payment_refund(queue: Queue, order_id: uuid.UUID | str) -> None:
    await queue.enqueue(
        "refund_late_payment",
        key=f"late-refund:{order_id}",
        order_id=str(order_id),
        retries=5,
        retry_delay=2.0,
        retry_backoff=True,
        timeout=60,
    )


async def _context(db: Any, refund: Refund, settings: Settings) -> RefundContext:
    tx = await db.scalar(
        select(PaymentTransaction).where(PaymentTransaction.id == refund.transaction_id).execution_options(**UNSCOPED)
    )
    assert tx is not None
    account = await find_account(db, refund.organization_id, refund.provider)
    return RefundContext(
        refund_id=refund.id,
        transaction_id=tx.id,
        provider_reference=tx.provider_reference,
        amount_cents=refund.amount_cents,
        paid_cents=tx.amount_cents,
        reason=refund.reason,
        credentials=decrypt_credentials(refund.provider, account.credentials) if account else {},
        sandbox=account.sandbox if account else True,
        notify_url=refund_notify_url(refund.provider, settings.server.public_url),
    )


@worker_job
async def process_refund(ctx: dict[str, Any] | None, *, refund_id: str) -> str:
    settings = job_settings(ctx)
    rid = uuid.UUID(refund_id)
    async with db_session(ctx) as db, db.begin():
        refund = await services.lock_refund(db, rid, unscoped=True)
        if refund is None:
            return "missing"
        if refund.status not in OPEN_REFUND_STATUSES or refund.method != "provider":
            return f"nothing to do ({refund.status}, {refund.method})"
        if refund.next_attempt_at is None or refund.next_attempt_at > _now() + timedelta(seconds=1):
            return "not due"  # awaiting the provider's notification, or another attempt holds the lease
        if refund.status == "requested":
            RefundLifecycle(refund).send("submit")
        refund.attempts += 1
        refund.next_attempt_at = _now() + LEASE
        attempt, provider_name = refund.attempts, refund.provider
        refund_ctx = await _context(db, refund, settings)

    result: RefundResult | None = None
    error: str | None = None
    try:
        provider = get_provider(provider_name, settings)
        result = await asyncio.wait_for(provider.refund(refund_ctx), PROVIDER_TIMEOUT_SECONDS)
    except (ProviderUnavailable, TimeoutError) as exc:
        error = f"provider unavailable: {exc}" if str(exc) else "provider unavailable (timeout)"
    except AppError as exc:  # the provider cannot be used here at all
        result = RefundResult(status="failed", failure_reason=exc.detail)

    retry_at: datetime | None = None
    async with db_session(ctx) as db, db.begin():
        refund = await services.lock_refund(db, rid, unscoped=True)
        assert refund is not None
        if refund.status not in OPEN_REFUND_STATUSES:
            return f"settled meanwhile ({refund.status})"  # a notification was faster
        if result is None:
            refund.last_error = (error or "")[:300]
            refund.next_attempt_at = _now() + services.retry_delay(attempt)
            retry_at = refund.next_attempt_at
        elif result.status == "succeeded":
            await outcomes.succeed(db, refund, provider_refund_id=result.provider_refund_id)
        elif result.status == "failed":
            await outcomes.fail(db, refund, result.failure_reason or "refused by the provider")
        else:  # accepted; the outcome arrives as a RefundNotice (workflows/refunds.apply_refund_notice)
            if result.provider_refund_id:
                refund.provider_refund_id = result.provider_refund_id[:100]
            refund.next_attempt_at = None
        status, notify = refund.status, refund.notify_buyer
    if result is None:
        log.warning("refund %s: %s; next attempt at %s", rid, error, retry_at, extra={"job": "process_refund"})
        await enqueue_refund(job_queue(ctx), rid, attempt=attempt, at=retry_at)
        return "retry"
    if status == "succeeded" and notify:
        await enqueue_refund_mail(job_queue(ctx), rid)
    return status


@worker_job
async def notify_refund(ctx: dict[str, Any] | None, *, refund_id: str) -> str:
    """E-mail the buyer about one succeeded refund, once (the stamp is set in the same
    transaction that holds the refund's lock; SMTP down raises and SAQ retries)."""
    settings = job_settings(ctx)
    rid = uuid.UUID(refund_id)
    async with db_session(ctx) as db, db.begin():
        refund = await services.lock_refund(db, rid, unscoped=True)
        if refund is None or refund.status != "succeeded" or not refund.notify_buyer:
            return "nothing to send"
        if refund.buyer_notified_at is not None:
            return "already-sent"
        order = await db.scalar(select(Order).where(Order.id == refund.order_id).execution_options(**UNSCOPED))
        assert order is not None
        if not order.buyer_email:
            refund.buyer_notified_at = _now()
            return "no-email"
        event = await db.scalar(select(Event).where(Event.id == order.event_id).execution_options(**UNSCOPED))
        assert event is not None
        revoked = set(
            await db.scalars(
                select(RefundTicket.ticket_id).where(RefundTicket.refund_id == refund.id).execution_options(**UNSCOPED)
            )
        )
        tickets = [(t.type_name, t.code) for t in await listed_tickets(db, order.id) if t.ticket.id in revoked]
        message = refund_confirmation(
            RefundMail(
                **order_facts(order, event, settings.server.public_url),
                amount=money(refund.amount_cents, order.locale),
                reason=refund.reason,
                manual=refund.method == "manual",
                order_cancelled=order.status == "cancelled",
                tickets=tickets,
            ),
            await mail_look(db, order.organization_id, EmailKind.REFUND, order.locale),
            order.locale,
        )
        # A retry after a crash repeats the Message-ID: de-duplicated by mail clients.
        msg = email_message(settings, message, message_id=f"<refund.{rid}@voelgoed.local>")
        await mail.send(settings, msg)
        refund.buyer_notified_at = _now()
    return "sent"


@worker_job
async def refund_late_payment(ctx: dict[str, Any] | None, *, order_id: str) -> int:
    """Refund every late payment of an order flagged `needs_refund` (idempotent: a payment with
    an open or succeeded refund gets no second one)."""
    oid = uuid.UUID(order_id)
    created: list[uuid.UUID] = []
    async with db_session(ctx) as db, db.begin():
        order = await services.lock_order(db, oid)
        for tx in await services.unrefunded_late_payments(db, order):
            refund = services.open_late_payment_refund(db, order, tx)
            outcomes.audit(
                db,
                organization_id=order.organization_id,
                action="refund.requested",
                entity_type="order",
                entity_id=order.id,
                actor_user_id=None,
                changes={"refund_id": refund.id, "kind": "late_payment", "amount_cents": refund.amount_cents},
            )
            if refund.method == "provider":
                created.append(refund.id)
        await db.flush()
    for rid in created:
        await enqueue_refund(job_queue(ctx), rid)
    return len(created)


@worker_job
async def sweep_refunds(ctx: Context) -> int:
    """What the queue may have lost: due provider attempts, unsent refund e-mails, late payments
    still without their refund."""
    now = _now()
    async with db_session(ctx) as db:
        due = (
            await db.execute(
                select(Refund.id, Refund.attempts)
                .where(
                    Refund.next_attempt_at <= now,
                    Refund.status.in_(OPEN_REFUND_STATUSES),
                    Refund.method == "provider",
                )
                .limit(500)
            )
        ).all()
        unsent = list(
            await db.scalars(
                select(Refund.id)
                .where(
                    Refund.status == "succeeded",
                    Refund.notify_buyer.is_(True),
                    Refund.buyer_notified_at.is_(None),
                    Refund.completed_at > now - NOTIFY_WITHIN,
                )
                .limit(500)
            )
        )
        late_refunded = select(Refund.order_id).where(Refund.allocated.is_(False), Refund.status != "failed")
        late = list(
            await db.scalars(
                select(Order.id)
                .where(Order.needs_refund.is_(True), Order.id.not_in(late_refunded))
                .limit(200)
                .execution_options(**UNSCOPED)
            )
        )
    queue = job_queue(ctx)
    for rid, attempts in due:
        await enqueue_refund(queue, rid, attempt=attempts)
    for rid in unsent:
        await enqueue_refund_mail(queue, rid)
    for oid in late:
        await enqueue_late_payment_refund(queue, oid)
    total = len(due) + len(unsent) + len(late)
    if total:
        log.info("refund sweep: %d due, %d e-mails, %d late payments", len(due), len(unsent), len(late))
    return total


SWEEP_REFUNDS_CRON = CronJob(sweep_refunds, cron="* * * * *", timeout=60)

__all__ = [
    "SWEEP_REFUNDS_CRON",
    "enqueue_late_payment_refund",
    "enqueue_refund",
    "enqueue_refund_mail",
    "notify_refund",
    "process_refund",
    "refund_late_payment",
    "sweep_refunds",
]
