"""The one path every provider's verified payment notification (a `PaymentNotice`) takes (PayFast's
ITN, the simulated page's Pay/Fail, any provider added later): lock, de-duplicate, confirm or
fail, commit. A workflow, not part of domain/payments, because it crosses areas: it records the
notification and completes the checkout (payments, orders, tickets) in one transaction.

Lock order, the same for every provider and every notification:
  1. the `payment_transaction` row (SELECT ... FOR UPDATE), before anything else touches it;
  2. then what `complete_checkout` locks: the event's inventory row, then the order.
Concurrent notifications for one transaction therefore queue on step 1 while holding nothing
else, and each one runs after the one before it committed: the first decides the payment, the
others find it decided (or their notification id already claimed) and are answered normally.
Why step 1 must come first: recording a notification inserts a row that references the
transaction, which takes a KEY SHARE lock on it; two of those followed by FOR UPDATE on the same
row is a deadlock (the 500s PayFast saw with 20 concurrent ITNs).

A deadlock or serialization failure that still happens (e.g. with an unrelated transaction that
locks in another order) is retried from the start, a few times; after that the provider gets a 503
with Retry-After (PayFast and other providers retry), never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from statemachine.exceptions import TransitionNotAllowed

from voelgoed.domain.payments.models import PaymentNotification
from voelgoed.domain.payments.notifications import PaymentNotice
from voelgoed.domain.payments.services import lock_transaction
from voelgoed.lib.problems import AppError
from voelgoed.workflows.checkout import CompletionResult, complete_checkout

log = logging.getLogger(__name__)

ATTEMPTS = 4
# SQLSTATEs of "try the same transaction again": serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class NotificationBusy(AppError):
    """Still losing lock conflicts after every retry: ask the provider to send it again."""

    status, slug, title = 503, "notification-busy", "Try again later"


@dataclass(frozen=True)
class Confirmation:
    outcome: str
    duplicate: bool = False  # this notification id was processed before: nothing changed
    completion: CompletionResult | None = None
    transaction_status: str | None = None  # the transaction's status after this notification

    async def after_commit(self, *, queue: Queue | None = None, redis: Redis | None = None) -> None:
        """Refresh availability and queue the ticket e-mail (the commit has happened). Nothing when
        an earlier notification had decided the payment already: that one did it."""
        if self.completion is not None and not self.completion.already_completed:
            await self.completion.after_commit(queue=queue, redis=redis)


def is_lock_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction was rolled back, a retry may pass."""
    orig = getattr(exc, "orig", exc)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        if str(getattr(candidate, "sqlstate", "") or "") in RETRYABLE_SQLSTATES:
            return True
    return False


async def confirm_payment(db: AsyncSession, notice: PaymentNotice) -> Confirmation:
    """Apply one verified notification and COMMIT (retrying lock conflicts). The caller then calls
    `confirmation.after_commit(...)`. Raises NotificationBusy (503) when the retries run out."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            confirmation = await _apply_once(db, notice)
            await db.commit()
            return confirmation
        except DBAPIError as exc:
            if not is_lock_conflict(exc):
                raise
            await db.rollback()
            log.warning(
                "%s notification %s for transaction %s hit a lock conflict (attempt %d of %d): %s",
                notice.provider, notice.event_id, notice.transaction_id, attempt, ATTEMPTS, str(exc.orig)[:80],
            )  # fmt: skip
            if attempt < ATTEMPTS:
                await asyncio.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 (jitter, not a secret)
    raise NotificationBusy(
        "The payment is being updated by another notification; send this one again.", headers={"Retry-After": "30"}
    )


async def _apply_once(db: AsyncSession, notice: PaymentNotice) -> Confirmation:
    tx = await lock_transaction(db, notice.transaction_id)  # lock 1 of the fixed order
    if tx is None or tx.provider != notice.provider:
        return Confirmation(f"no {notice.provider} transaction {notice.transaction_id}")

    claimed: uuid.UUID | None = None
    if notice.event_id is not None:
        claimed = await db.scalar(
            insert(PaymentNotification)
            .values(
                id=uuid.uuid4(),
                provider=notice.provider,
                provider_event_id=notice.event_id[:100],
                transaction_id=tx.id,
                source_ip=(notice.source_ip or "")[:64] or None,
                payload=notice.payload,
                verified=True,
                outcome="verified",
            )
            .on_conflict_do_nothing(index_elements=["provider", "provider_event_id"])
            .returning(PaymentNotification.id)
        )
        if claimed is None:
            return Confirmation("duplicate: already processed", duplicate=True, transaction_status=tx.status)

    completion = None
    if notice.succeeded is None:
        outcome = f"verified; status {notice.status or 'none'} needs no action"
    else:
        try:
            async with db.begin_nested():
                completion = await complete_checkout(
                    db,
                    transaction_id=tx.id,
                    provider_reference=notice.provider_reference,
                    amount_cents=notice.amount_cents,
                    succeeded=notice.succeeded,
                    failure_reason=notice.failure_reason,
                    fee_cents=notice.fee_cents,
                )
        except (AppError, TransitionNotAllowed) as exc:
            # Verified, but it cannot apply: keep it for a person; a retry would not change it.
            log.error("%s notification %s for %s not applied: %s", notice.provider, notice.event_id, tx.id, exc)
            outcome = f"verified; not applied: {exc}"
        else:
            outcome = _describe(completion, notice, tx.provider_reference)
    if claimed is not None:
        note = await db.get(PaymentNotification, claimed)
        if note is not None:
            note.outcome = outcome[:200]
    return Confirmation(outcome, completion=completion, transaction_status=tx.status)


def _describe(completion: CompletionResult, notice: PaymentNotice, decided_by: str | None) -> str:
    text = f"verified; transaction {completion.transaction_status}, order {completion.order_status}"
    if completion.already_completed:
        # Decided by an earlier notification. Another provider reference for a payment that was
        # already decided may be money received twice (or after a failure): a person checks it.
        text = f"verified; already {completion.transaction_status} before, order {completion.order_status}"
        if notice.succeeded and notice.provider_reference and notice.provider_reference != decided_by:
            log.warning(
                "%s reports payment %s as %s for transaction %s, which was already %s: check for a refund",
                notice.provider, notice.provider_reference, notice.status, notice.transaction_id,
                completion.transaction_status,
            )  # fmt: skip
    return text
