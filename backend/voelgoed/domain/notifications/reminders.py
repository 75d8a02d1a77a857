"""The reminder the day before: each paid order of an event that starts in 24 to 30 hours gets one
e-mail, exactly once.

1. `queue_event_reminders` (cron, every 15 minutes) finds the due orders that have no
   `order_reminder` row and enqueues one `send_event_reminder` per order (key per order: a job
   already queued or running is not queued again). The 6-hour window means a worker that was down
   for a few hours still sends; an order paid later than 24 hours before the start gets none (its
   confirmation has just arrived).
2. `send_event_reminder` claims the order with INSERT ... ON CONFLICT DO NOTHING and sends in the
   same transaction. A second worker (or a re-run) blocks on the uncommitted row, then finds it
   and sends nothing; SMTP down raises, the claim rolls back with the transaction and SAQ retries.
   The window left is the one every e-mail job has: a crash after SMTP accepted the message and
   before the commit; the retry repeats the Message-ID, which mail clients fold into one.
3. An order refunded or cancelled, or an event cancelled or closed, since it was queued gets
   nothing: the job re-reads both before it claims.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from saq import CronJob, Queue
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from voelgoed.domain.events.models import Event
from voelgoed.domain.notifications.jobs import email_message
from voelgoed.domain.notifications.kinds import EmailKind
from voelgoed.domain.notifications.messages import ReminderMail, reminder
from voelgoed.domain.notifications.models import OrderReminder
from voelgoed.domain.notifications.queries import DUE_ORDERS
from voelgoed.domain.notifications.services import mail_look, order_facts
from voelgoed.domain.orders.models import Order
from voelgoed.lib import mail
from voelgoed.settings import job_settings
from voelgoed.worker_context import db_session, job_queue, worker_job

log = logging.getLogger(__name__)

REMIND_FROM = timedelta(hours=24)  # events starting at least this far ahead ...
REMIND_UNTIL = timedelta(hours=30)  # ... and at most this far
BATCH = 2000  # orders queued per run; the next run (15 minutes later) takes the rest


def reminder_job_key(order_id: uuid.UUID | str) -> str:
    return f"reminder:{order_id}"


async def enqueue_reminder(queue: Queue, order_id: uuid.UUID | str) -> None:
    await queue.enqueue(
        "send_event_reminder",
        key=reminder_job_key(order_id),
        order_id=str(order_id),
        retries=8,
        retry_delay=5.0,
        retry_backoff=300.0,
        timeout=60,
    )


@worker_job
async def queue_event_reminders(ctx: dict[str, Any] | None, *, now: datetime | None = None) -> int:
    """Enqueue the reminder of every due order (module docstring, 1); returns how many."""
    at = now or datetime.now(UTC)
    async with db_session(ctx) as db:
        params = {"starts_from": at + REMIND_FROM, "starts_until": at + REMIND_UNTIL, "batch": BATCH}
        due = list(await db.scalars(DUE_ORDERS, params))
    for order_id in due:
        await enqueue_reminder(job_queue(ctx), order_id)
    if due:
        log.info("queued %d event reminders", len(due), extra={"job": "queue_event_reminders"})
    return len(due)


@worker_job
async def send_event_reminder(ctx: dict[str, Any] | None, *, order_id: str) -> str:
    """Send one order's reminder unless it was sent (module docstring, 2 and 3). Shielded from
    SAQ's cancellation so that a send and the commit of its claim finish together."""
    return await asyncio.shield(_send_once(ctx, uuid.UUID(order_id)))


async def _send_once(ctx: dict[str, Any] | None, oid: uuid.UUID) -> str:
    settings = job_settings(ctx)
    async with db_session(ctx) as db, db.begin():
        order = await db.scalar(select(Order).where(Order.id == oid))
        event = await db.scalar(select(Event).where(Event.id == order.event_id)) if order else None
        if order is None or event is None:
            return "missing"
        if order.status != "paid" or event.status != "published" or not order.buyer_email:
            return "not-due"
        claimed = await db.scalar(
            insert(OrderReminder)
            .values(order_id=oid, sent_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=["order_id"])
            .returning(OrderReminder.order_id)
        )
        if claimed is None:  # sent already, or being sent by another worker that then committed
            return "already-sent"
        message = reminder(
            ReminderMail(**order_facts(order, event, settings.server.public_url)),
            await mail_look(db, order.organization_id, EmailKind.REMINDER, order.locale),
            order.locale,
        )
        msg = email_message(settings, message, message_id=f"<reminder.{oid}@voelgoed.local>")
        await mail.send(settings, msg)  # raises when SMTP is down: the claim rolls back, SAQ retries
    log.info("reminder of order %s sent", order.reference, extra={"job": "send_event_reminder"})
    return "sent"


QUEUE_EVENT_REMINDERS_CRON = CronJob(queue_event_reminders, cron="*/15 * * * *", timeout=120)
