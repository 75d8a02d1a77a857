"""SAQ jobs of an event cancellation: the refund-all job, the buyers' e-mails, and the sweep.

Crash safety, step by step (docs/event-cancellation.md):
1. One runner per cancellation: the SAQ key `event-cancellation:<id>` collapses double enqueues,
   and a session-level PostgreSQL advisory lock, held on a connection for the whole run, makes a
   second runner (the sweep's, a retry's) return "busy". A killed worker's connection closes, and
   with it the lock.
2. Paid orders are handled in batches of BATCH_SIZE, each in one transaction: the orders are
   locked (FOR UPDATE SKIP LOCKED), each one is cancelled (and refunded) by cancel_paid_order in a
   savepoint, and an `event_cancellation_order` row is written for it in the same transaction,
   with the counters; the refunds requested are enqueued (domain/refunds/jobs.py) after the
   commit (a killed worker's are picked up by the refunds sweep). A worker killed mid-batch loses
   the whole batch (rolled back) and the next run handles those orders; an order with a row is
   never selected again. Nothing twice, nothing lost.
3. An order cancel_paid_order refuses is recorded as `failed` (counted, listed in the summary) and
   not retried by this job: the organiser sees it and can cancel that order from its page.
4. E-mails: after each batch commits, one `send_event_cancelled_email` job per handled order is
   queued (key per order) and marked `email_queued_at`. The e-mail job sends under a per-order lock
   after re-reading `emailed_at`, and sets it in the same transaction: at most one e-mail per order,
   except when a worker dies after the SMTP server accepted the message and before the commit; the
   retry then sends it again with the same Message-ID, which mail clients fold into one.
5. The sweep (cron, each minute) re-enqueues running cancellations whose job has not finished a
   batch for STALL_SECONDS, and e-mails queued 15 minutes ago and still unsent. A cancellation
   whose job keeps dying (MAX_RUNS starts) is marked failed with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from saq import CronJob, Queue
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.catalog.inventory import lock_inventory
from voelgoed.domain.events.cancellation_machines import CancellationLifecycle
from voelgoed.domain.events.models import EventCancellation, EventCancellationOrder
from voelgoed.domain.notifications.jobs import email_message
from voelgoed.domain.notifications.kinds import EmailKind
from voelgoed.domain.notifications.messages import EventCancelledMail, event_cancelled
from voelgoed.domain.notifications.services import mail_look
from voelgoed.domain.orders.availability import invalidate_availability
from voelgoed.domain.orders.expiry import cancel_event_holds
from voelgoed.domain.orders.services import order_link_token
from voelgoed.domain.refunds.jobs import enqueue_refund
from voelgoed.domain.tickets.services import format_local
from voelgoed.lib import mail
from voelgoed.settings import job_settings
from voelgoed.worker_context import db_engine, db_session, job_queue, job_redis, worker_job
from voelgoed.workflows import event_cancellation_sql as sql
from voelgoed.workflows import refunds

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # paid orders per transaction
JOB_TIMEOUT_SECONDS = 3600
JOB_HEARTBEAT_SECONDS = 120  # SAQ retries a job that has not reported for this long (a dead worker)
STALL_SECONDS = 180  # the sweep re-enqueues a running cancellation without a batch for this long
MAX_RUNS = 20  # job starts before a cancellation that keeps dying is marked failed
LOCKED_WAIT_SECONDS = 60  # how long a run waits for orders someone else has locked, then retries later
MAIL_BATCH = 500


def job_key(cancellation_id: uuid.UUID | str) -> str:
    return f"event-cancellation:{cancellation_id}"


def run_lock_key(event_id: uuid.UUID | str) -> str:
    """The advisory lock a running job holds: per event (one cancellation per event)."""
    return f"event-cancellation-run:{event_id}"


async def enqueue_cancellation(queue: Queue, cancellation_id: uuid.UUID | str) -> None:
    """One job per cancellation (the key), whoever enqueues it: the request, or the sweep."""
    await queue.enqueue(
        "run_event_cancellation",
        key=job_key(cancellation_id),
        cancellation_id=str(cancellation_id),
        timeout=JOB_TIMEOUT_SECONDS,
        heartbeat=JOB_HEARTBEAT_SECONDS,
        retries=5,
        retry_delay=5.0,
        retry_backoff=True,
    )


async def enqueue_email(queue: Queue, marker_id: uuid.UUID | str) -> None:
    await queue.enqueue(
        "send_event_cancelled_email",
        key=f"event-cancelled-mail:{marker_id}",
        marker_id=str(marker_id),
        retries=8,
        retry_delay=2.0,
        retry_backoff=True,
        timeout=60,
    )


@dataclass(frozen=True)
class _Plan:
    id: uuid.UUID
    organization_id: uuid.UUID
    event_id: uuid.UUID
    refund: bool
    reason: str
    started_by: uuid.UUID | None


@worker_job
async def run_event_cancellation(ctx: dict[str, Any] | None, *, cancellation_id: str) -> str:
    """Cancel (and refund) every paid order of the event, release its unpaid holds, queue one
    e-mail per order; resumable at any point (see the module's docstring)."""
    cid = uuid.UUID(cancellation_id)
    async with db_session(ctx) as db:
        event_id = await db.scalar(select(EventCancellation.event_id).where(EventCancellation.id == cid))
    if event_id is None:
        return "missing"
    key = run_lock_key(event_id)
    async with db_engine(ctx).connect() as lock_conn:
        await lock_conn.execution_options(isolation_level="AUTOCOMMIT")
        if not await lock_conn.scalar(sql.TRY_LOCK, {"k": key}):
            log.info("event cancellation %s is being run by another worker", cid)
            return "busy"
        try:
            return await _run(ctx, cid)
        finally:
            await lock_conn.execute(sql.UNLOCK, {"k": key})


async def _run(ctx: Any, cid: uuid.UUID) -> str:
    async with db_session(ctx) as db, db.begin():
        c = await db.scalar(select(EventCancellation).where(EventCancellation.id == cid).with_for_update())
        if c is None:
            return "missing"
        if c.status != "running":
            return str(c.status)
        c.runs += 1
        c.heartbeat_at = datetime.now(UTC)
        plan = _Plan(c.id, c.organization_id, c.event_id, c.mode == "refund_all", c.reason, c.started_by)
    waited = 0.0
    while True:
        # Each round: a hold skipped while a payment held its row is cancelled now, or has become
        # a paid order that this round handles.
        await _cancel_holds(ctx, plan)
        handled, refund_ids = await _handle_batch(ctx, plan)
        for refund_id in refund_ids:  # after the commit; a killed worker's are found by the refunds sweep
            await enqueue_refund(job_queue(ctx), refund_id)
        await _queue_emails(ctx, plan.id)
        await _touch_job(ctx)
        if handled:
            continue
        async with db_session(ctx) as db:
            remaining = int(await db.scalar(sql.REMAINING_PAID, {"e": plan.event_id}) or 0)
            remaining += int(await db.scalar(sql.REMAINING_HOLDS, {"e": plan.event_id}) or 0)
        if remaining == 0:
            break
        if waited >= LOCKED_WAIT_SECONDS:  # raise: SAQ retries later (and the sweep is there)
            raise RuntimeError(f"{remaining} orders stayed locked by other work; retrying later")
        await asyncio.sleep(1.0)
        waited += 1.0
    async with db_session(ctx) as db, db.begin():
        c = await db.scalar(select(EventCancellation).where(EventCancellation.id == cid).with_for_update())
        assert c is not None
        CancellationLifecycle(c).send("finish")
        c.orders_total = c.orders_done  # a payment that landed during the run was handled too
        c.finished_at = datetime.now(UTC)
        c.heartbeat_at = c.finished_at
        summary = (c.orders_done, c.refunds_requested, c.refund_cents, c.failures)
    log.info(
        "event cancellation %s finished: %d orders, %d refunds (%d cents), %d failures",
        cid, *summary, extra={"job": "run_event_cancellation"},
    )  # fmt: skip
    return "finished"


async def _cancel_holds(ctx: Any, plan: _Plan) -> None:
    """Cancel the event's unpaid reservations and give their stock back (the event no longer
    sells, so no new ones come)."""
    total = 0
    while True:
        async with db_engine(ctx).connect() as conn, conn.begin():
            if not await conn.scalar(sql.REMAINING_HOLDS, {"e": plan.event_id}):
                break  # the usual case after the first round: no inventory lock taken
            inv = await lock_inventory(conn, plan.event_id)
            if inv is None:
                return
            released = await cancel_event_holds(conn, inv)
            n = len(released.order_ids)
            if n:
                await conn.execute(
                    update(EventCancellation)
                    .where(EventCancellation.id == plan.id)
                    .values(holds_released=EventCancellation.holds_released + n)
                )
        total += n
        if n == 0:
            break
    if total:
        await invalidate_availability(job_redis(ctx), plan.event_id)


async def _handle_batch(ctx: Any, plan: _Plan) -> tuple[int, list[uuid.UUID]]:
    """One transaction: the next paid orders, each cancelled in a savepoint and recorded. Returns
    how many orders it handled and the refunds it requested (to enqueue after the commit)."""
    async with db_session(ctx) as db, db.begin():
        ids = list((await db.execute(sql.NEXT_PAID_BATCH, {"e": plan.event_id, "n": BATCH_SIZE})).scalars())
        if not ids:
            return 0, []
        refund_ids: list[uuid.UUID] = []
        done = refunded = failed = refund_cents = 0
        for order_id in ids:
            marker = await _cancel_one(db, plan, order_id)
            db.add(marker)
            done += 1
            refunded += marker.outcome == "refunded"
            failed += marker.outcome == "failed"
            refund_cents += marker.refund_cents
            if marker.refund_id is not None:
                refund_ids.append(marker.refund_id)
        await db.flush()
        remaining = int(await db.scalar(sql.REMAINING_PAID, {"e": plan.event_id}) or 0)
        c = EventCancellation
        await db.execute(
            update(c)
            .where(c.id == plan.id)
            .values(
                orders_done=c.orders_done + done,
                orders_total=c.orders_done + done + remaining,
                refunds_requested=c.refunds_requested + refunded,
                refund_cents=c.refund_cents + refund_cents,
                failures=c.failures + failed,
                heartbeat_at=datetime.now(UTC),
            )
        )
    return len(ids), refund_ids


async def _cancel_one(db: AsyncSession, plan: _Plan, order_id: uuid.UUID) -> EventCancellationOrder:
    marker = EventCancellationOrder(
        organization_id=plan.organization_id, cancellation_id=plan.id, order_id=order_id, refund_cents=0
    )
    try:
        async with db.begin_nested():
            outcome = await refunds.cancel_paid_order(
                db,
                order_id=order_id,
                refund=plan.refund,
                reason=plan.reason,
                requested_by=plan.started_by,
                notify_buyer=False,  # one e-mail per order, from this job
            )
    except Exception as exc:  # recorded, counted and shown in the summary; the batch goes on
        log.exception("event cancellation %s: order %s could not be cancelled", plan.id, order_id)
        marker.outcome, marker.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        return marker
    marker.outcome = "refunded" if outcome.refund_id is not None else "cancelled"
    marker.refund_id, marker.refund_cents = outcome.refund_id, outcome.refund_cents
    return marker


async def _queue_emails(ctx: Any, cid: uuid.UUID) -> None:
    """Queue the e-mails of handled orders not queued yet (after their batch committed)."""
    while True:
        async with db_session(ctx) as db:
            ids = list((await db.execute(sql.EMAILS_TO_QUEUE, {"c": cid, "n": MAIL_BATCH})).scalars())
        if not ids:
            return
        for marker_id in ids:
            await enqueue_email(job_queue(ctx), marker_id)
        async with db_session(ctx) as db, db.begin():
            queued = (await db.execute(sql.MARK_EMAILS_QUEUED, {"ids": ids})).rowcount  # type: ignore[attr-defined]
            c = EventCancellation
            await db.execute(update(c).where(c.id == cid).values(emails_queued=c.emails_queued + queued))


async def _touch_job(ctx: Any) -> None:
    job = (ctx or {}).get("job")
    if job is not None:  # SAQ's heartbeat: the job is alive
        await job.update()


@worker_job
async def send_event_cancelled_email(ctx: dict[str, Any] | None, *, marker_id: str) -> str:
    """E-mail one buyer that the event is cancelled, once per order (module docstring, 4).

    Shielded from cancellation: SAQ cancels a running job it aborts (its sweep aborts and retries a
    job it catches between dequeue and start, and one past its timeout). A cancellation landing
    after the SMTP hand-off (a thread that runs on) and before the commit of `emailed_at` would
    make the retry send the e-mail again; shielded, the send and its record finish together and
    the retry, waiting on the order's lock, finds `emailed_at` set."""
    return await asyncio.shield(_send_once(ctx, uuid.UUID(marker_id)))


async def _send_once(ctx: Any, mid: uuid.UUID) -> str:
    settings = job_settings(ctx)
    async with db_session(ctx) as db, db.begin():
        await db.execute(sql.XACT_LOCK, {"k": f"event-cancelled-mail:{mid}"})
        row = (await db.execute(sql.MAIL_FACTS, {"m": mid})).first()
        if row is None:
            return "missing"
        if row.emailed_at is not None:
            return "already-sent"
        if not row.buyer_email:
            return "no-email"
        linked = SimpleNamespace(id=row.order_id, access_token_hash=row.access_token_hash)  # what the link signs
        message = event_cancelled(
            EventCancelledMail(
                to=row.buyer_email,
                buyer_name=row.buyer_name,
                reference=row.reference,
                event_name=row.event_name,
                starts_local=format_local(row.starts_at, row.timezone, row.locale),
                timezone=row.timezone,
                venue=f"{row.venue_name}, {row.venue_city}" if row.venue_name else None,
                order_url=f"{settings.server.public_url}/orders/{row.reference}?token={order_link_token(linked)}",
                refunded=row.outcome == "refunded",
                refund_cents=int(row.refund_cents),
                organiser_message=row.message,
            ),
            await mail_look(db, row.organization_id, EmailKind.EVENT_CANCELLED, row.locale),
            row.locale,
        )
        # The same Message-ID on a retry.
        msg = email_message(settings, message, message_id=f"<event-cancelled.{row.order_id}@voelgoed.local>")
        await mail.send(settings, msg)  # raises when SMTP is down: SAQ retries
        await db.execute(sql.MARK_EMAILED, {"m": mid})
    return "sent"


@worker_job
async def resume_event_cancellations(ctx: dict[str, Any] | None) -> int:
    """Re-enqueue running cancellations whose job stopped, and e-mails the queue lost (module
    docstring, 5). PostgreSQL, not the queue, says what is owed."""
    queue = job_queue(ctx)
    async with db_session(ctx) as db:
        stalled = list(await db.scalars(sql.STALLED, {"s": STALL_SECONDS}))
        lost_mail = list(await db.scalars(sql.STALE_EMAILS))
    resumed = 0
    for cid in stalled:
        async with db_session(ctx) as db, db.begin():
            c = await db.scalar(select(EventCancellation).where(EventCancellation.id == cid).with_for_update())
            if c is None or c.status != "running":
                continue
            if c.runs >= MAX_RUNS:
                CancellationLifecycle(c).send("fail")
                c.error = f"The job stopped {c.runs} times without finishing; see the worker's log."
                c.finished_at = datetime.now(UTC)
                log.error("event cancellation %s failed after %d runs", cid, c.runs)
                continue
        await enqueue_cancellation(queue, cid)
        resumed += 1
    for marker_id in lost_mail:
        await enqueue_email(queue, marker_id)
    if resumed or lost_mail:
        log.warning(
            "resumed %d event cancellations, re-queued %d e-mails", resumed, len(lost_mail),
            extra={"job": "resume_event_cancellations"},
        )  # fmt: skip
    return resumed


RESUME_EVENT_CANCELLATIONS_CRON = CronJob(resume_event_cancellations, cron="* * * * *", timeout=55)
