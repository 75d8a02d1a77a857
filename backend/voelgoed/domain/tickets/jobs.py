"""SAQ job: render an order's ticket PDF and e-mail it to the buyer.

Crash and retry safety, step by step:
1. Tickets are issued in their own committed transaction (idempotent per order line position),
   the PDF is rendered outside any transaction and stored once per order: a retry reuses both.
2. The e-mail is sent while holding a per-order advisory lock, after re-reading
   `tickets_emailed_at`; the same transaction then sets it. Two deliveries of one order never
   both send, and a delivery that finds the stamp set sends nothing (unless `force`, the
   organiser's "resend").
3. SMTP down or a PDF failure raises: SAQ retries with exponential backoff; the order stays paid.
   The one window left is a crash after the SMTP server accepted the message and before the
   commit: the retry sends again with the same Message-ID, which mail clients de-duplicate.
A worker killed mid-job leaves the job active; the next worker's sweep retries it after
`timeout` seconds.
4. PostgreSQL, not the queue, is the record of what is owed: `redeliver_missed_tickets` (cron)
   re-enqueues every paid order of the last week still without `tickets_emailed_at`. Tickets are
   therefore still e-mailed when Redis lost the queued job, when the API died between the payment
   commit and the enqueue, or when SMTP stayed down longer than the job's retries.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from saq import CronJob, Queue
from saq.types import Context
from sqlalchemy import select, update

from voelgoed.domain.notifications.jobs import email_message
from voelgoed.domain.notifications.kinds import EmailKind
from voelgoed.domain.notifications.messages import TicketsMail, tickets_delivery
from voelgoed.domain.notifications.services import mail_look
from voelgoed.domain.orders.models import Order
from voelgoed.domain.orders.pricing import order_summary
from voelgoed.domain.orders.services import order_link_token
from voelgoed.domain.tickets import queries
from voelgoed.domain.tickets.issuing import listed_tickets
from voelgoed.domain.tickets.pdf import render_tickets_pdf
from voelgoed.domain.tickets.services import build_document, format_local, load_event, store_pdf, stored_pdf
from voelgoed.lib import mail
from voelgoed.lib.media_store import make_media_store
from voelgoed.settings import job_settings
from voelgoed.worker_context import db_session, job_queue, worker_job

log = logging.getLogger(__name__)

JOB_TIMEOUT_SECONDS = 120
JOB_RETRIES = 10  # with backoff from 2 s: about half an hour of SMTP outage before giving up


def delivery_message_id(order_id: uuid.UUID, sent_before: bool) -> str:
    # Stable for the first delivery (a retry after a crash repeats it); unique for each resend.
    suffix = f".{uuid.uuid4().hex[:8]}" if sent_before else ""
    return f"<tickets.{order_id}{suffix}@voelgoed.local>"


@worker_job
async def deliver_order_tickets(ctx: dict[str, Any] | None, *, order_id: str, force: bool = False) -> str:
    settings = job_settings(ctx)
    oid = uuid.UUID(order_id)

    async with db_session(ctx) as db, db.begin():
        order = await db.scalar(select(Order).where(Order.id == oid))
        if order is None:
            log.warning("ticket delivery: no order %s", order_id)
            return "missing"
        if order.status != "paid":
            log.warning("ticket delivery: order %s is %s, not paid", order.reference, order.status)
            return "not-paid"
        if order.tickets_emailed_at is not None and not force:
            return "already-sent"
        if not order.buyer_email:
            log.warning("ticket delivery: order %s has no buyer e-mail", order.reference)
            return "no-email"
        pdf = await stored_pdf(db, order.id)
        # Issue any missing tickets and gather what the PDF shows; committed before rendering.
        media = make_media_store(settings.media, settings.server.data_dir)  # the organiser's logo
        doc = await build_document(db, order, media) if pdf is None else None
        event = await load_event(db, order.event_id)
        look = await mail_look(db, order.organization_id, EmailKind.ORDER_CONFIRMATION, order.locale)
        listed = await listed_tickets(db, order.id)
        message = tickets_delivery(
            TicketsMail(
                to=order.buyer_email,
                buyer_name=order.buyer_name,
                reference=order.reference,
                event_name=event.name,
                starts_local=format_local(event.starts_at, event.timezone, order.locale),
                timezone=event.timezone,
                venue=f"{event.venue.name}, {event.venue.city}" if event.venue else None,
                summary=await order_summary(db, order),
                # The buyer's own token is not stored: the link carries the order-link token.
                order_url=f"{settings.server.public_url}/orders/{order.reference}?token={order_link_token(order)}",
                tickets=[(t.type_name, t.code) for t in listed],
                seats=[(t.seat.section, t.seat.row, t.seat.seat) if t.seat else None for t in listed]
                if any(t.seat for t in listed)
                else [],
            ),
            look,
            order.locale,
        )
        reference = order.reference

    if doc is not None:
        # CPU work outside any transaction: no locks are held while WeasyPrint runs.
        rendered = await asyncio.to_thread(render_tickets_pdf, doc)
        async with db_session(ctx) as db, db.begin():
            pdf = await store_pdf(db, order, rendered, doc)
    assert pdf is not None

    async with db_session(ctx) as db, db.begin():
        # One delivery of an order at a time, across workers; released at commit/rollback.
        await db.execute(queries.DELIVERY_LOCK, {"k": f"deliver:{oid}"})
        emailed_at = await db.scalar(select(Order.tickets_emailed_at).where(Order.id == oid))
        if emailed_at is not None and not force:
            return "already-sent"
        msg = email_message(
            settings,
            message,
            message_id=delivery_message_id(oid, emailed_at is not None),
            attachments=[(f"tickets-{reference}.pdf", "application/pdf", pdf)],
        )
        await mail.send(settings, msg)  # raises when SMTP is down: SAQ retries
        await db.execute(update(Order).where(Order.id == oid).values(tickets_emailed_at=datetime.now(UTC)))
    log.info("tickets of order %s e-mailed", reference, extra={"job": "deliver_order_tickets"})
    return "sent"


def delivery_job_key(order_id: str | uuid.UUID, force: bool = False) -> str:
    return f"tickets:{'resend' if force else 'deliver'}:{order_id}"


async def enqueue_delivery(queue: Queue, order_id: str | uuid.UUID, force: bool = False) -> None:
    """Queue the delivery of an order's tickets. While one is queued or running, enqueueing the
    same order again (same `force`) is a no-op: double enqueues collapse on the job key."""
    await queue.enqueue(
        "deliver_order_tickets",
        key=delivery_job_key(order_id, force),
        order_id=str(order_id),
        force=force,
        retries=JOB_RETRIES,
        retry_delay=2.0,
        retry_backoff=300.0,  # exponential with jitter, capped at 5 minutes between tries
        timeout=JOB_TIMEOUT_SECONDS,
    )


@worker_job
async def redeliver_missed_tickets(ctx: Context) -> int:
    """Enqueue the delivery of paid orders whose tickets were never e-mailed. An order whose job
    is still queued or running is skipped by the job key; a finished one only re-runs while the
    order still has no `tickets_emailed_at`."""
    async with db_session(ctx) as db:
        missed = list(await db.scalars(queries.MISSED_DELIVERIES))
    for order_id in missed:
        await enqueue_delivery(job_queue(ctx), order_id)
    if missed:
        log.warning("re-enqueued the ticket delivery of %d paid orders", len(missed), extra={"job": "redeliver"})
    return len(missed)


REDELIVER_MISSED_TICKETS_CRON = CronJob(redeliver_missed_tickets, cron="*/2 * * * *", timeout=60)
