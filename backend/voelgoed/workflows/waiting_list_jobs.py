"""SAQ: the waiting list's offer run (workflows/waiting_list_offers.py does the work).

`offer_waiting_list(event_id=...)` is enqueued after stock came back (domain/waiting_list/jobs.py);
the cron run every minute sweeps every event with open entries, which is what catches expired
holds and expired offers. Both are safe to run twice and on several workers at once: each event
is one transaction under its inventory lock, and the offer e-mail is enqueued with the entry's id
as its key (sent once).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from saq import CronJob
from sqlalchemy import select

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.events.models import Event
from voelgoed.domain.notifications.contacts import organiser_contact
from voelgoed.domain.notifications.jobs import enqueue_mail
from voelgoed.domain.notifications.waiting_list import WaitingListOfferMail, waiting_list_offer
from voelgoed.domain.orders.availability import invalidate_availability
from voelgoed.domain.waiting_list.models import OPEN_STATUSES, WaitingListEntry
from voelgoed.lib.templates import local_time
from voelgoed.settings import job_settings
from voelgoed.worker_context import db_session, job_queue, job_redis, worker_job
from voelgoed.workflows.waiting_list_offers import OfferMade, offer_freed_stock, offer_path

log = logging.getLogger(__name__)


@worker_job
async def offer_waiting_list(ctx: dict[str, Any] | None, *, event_id: str | None = None) -> int:
    """Offer freed stock of one event (or, without `event_id`, of every event with open entries)."""
    if event_id is not None:
        event_ids = [uuid.UUID(event_id)]
    else:
        async with db_session(ctx) as db:
            event_ids = list(
                await db.scalars(
                    select(WaitingListEntry.event_id)
                    .where(WaitingListEntry.status.in_(OPEN_STATUSES))
                    .distinct()
                    .execution_options(**UNSCOPED)
                )
            )
    offered = 0
    for eid in event_ids:
        async with db_session(ctx) as db:
            async with db.begin():
                made = await offer_freed_stock(db, eid)
            if made:
                await _send(ctx, db, made)
        await invalidate_availability(job_redis(ctx), eid)
        offered += len(made)
    return offered


async def _send(ctx: dict[str, Any] | None, db: Any, made: list[OfferMade]) -> None:
    settings = job_settings(ctx)
    event = await db.scalar(select(Event).where(Event.id == made[0].event_id).execution_options(**UNSCOPED))
    organiser = await organiser_contact(db, event.organization_id)
    for offer in made:
        mail = waiting_list_offer(
            WaitingListOfferMail(
                to=offer.email,
                name=offer.name,
                event_name=event.name,
                ticket_type_name=offer.ticket_type_name,
                quantity=offer.quantity,
                expires_local=local_time(offer.expires_at, event.timezone),
                offer_url=f"{settings.server.public_url}{offer_path(offer.token)}",
                organiser_name=organiser.name,
                reply_to=organiser.reply_to,
            )
        )
        await enqueue_mail(job_queue(ctx), mail, key=f"waiting-list-offer:{offer.entry_id}")


OFFER_WAITING_LISTS_CRON = CronJob(offer_waiting_list, cron="* * * * *", timeout=55)
