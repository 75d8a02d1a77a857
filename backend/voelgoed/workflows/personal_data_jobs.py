"""SAQ cron job of personal data: the attendee detail retention rule, and the housekeeping of
requests (unconfirmed links past their 24 hours become `expired`; export files past their 7-day
download link are deleted; a ticket PDF stored by a delivery that raced an erasure is deleted).

Retention, safe with several workers and repeated runs: an event is handled in one transaction
that first inserts its `attendee_retention_run` row (ON CONFLICT DO NOTHING). A second worker's
insert for the same event waits for the first transaction and then inserts nothing, so it skips
the event; a handled event has its row and is never selected again; a worker killed mid-event
rolls the row back with the changes, and the next run handles the event. Each handled event is
audit-logged in its organisation's log.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from saq import CronJob
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert

from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.models import Order
from voelgoed.domain.privacy.machines import PersonalDataRequestLifecycle
from voelgoed.domain.privacy.models import AttendeeRetentionRun, PersonalDataRequest, PrivacySettings
from voelgoed.domain.privacy.services import audit
from voelgoed.domain.tickets.models import OrderDocument
from voelgoed.settings import job_settings
from voelgoed.worker_context import db_session, worker_job
from voelgoed.workflows import personal_data
from voelgoed.workflows.personal_data_types import ERASED, rows_changed
from voelgoed.workflows.personal_data_webhook_holder import purge_finished_webhook_events

log = logging.getLogger(__name__)

EVENTS_PER_RUN = 200  # the rest wait for the next run (hourly)


async def _due_events(ctx: Any) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """(event, organisation, days) of events that ended more than the organisation's retention
    days ago and were not handled yet."""
    days = PrivacySettings.attendee_retention_days
    async with db_session(ctx) as db:
        rows = await db.execute(
            select(Event.id, Event.organization_id, days)
            .join(PrivacySettings, PrivacySettings.organization_id == Event.organization_id)
            .where(
                days.is_not(None),
                Event.ends_at < func.now() - func.make_interval(0, 0, 0, days),
                ~exists().where(AttendeeRetentionRun.event_id == Event.id),
            )
            .order_by(Event.ends_at)
            .limit(EVENTS_PER_RUN)
        )
        return [(r[0], r[1], int(r[2] or 0)) for r in rows]


async def apply_attendee_retention(ctx: Any) -> int:
    handled = 0
    for event_id, org_id, days in await _due_events(ctx):
        async with db_session(ctx) as db, db.begin():
            claimed = await db.scalar(
                insert(AttendeeRetentionRun)
                .values(id=uuid.uuid4(), organization_id=org_id, event_id=event_id, retention_days=days, summary={})
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(AttendeeRetentionRun.id)
            )
            if claimed is None:
                continue  # another worker has it (or had it)
            changed = await personal_data.remove_attendee_details(db, org_id, event_id)
            await db.execute(
                update(AttendeeRetentionRun).where(AttendeeRetentionRun.id == claimed).values(summary=changed)
            )
            db.add(
                AuditEntry(
                    organization_id=org_id,
                    actor_user_id=None,
                    actor_email=None,
                    action="retention.attendee_details_removed",
                    entity_type="event",
                    entity_id=event_id,
                    changes={"retention_days": days, "removed": changed},
                )
            )
        handled += 1
    return handled


async def expire_unconfirmed(ctx: Any) -> int:
    async with db_session(ctx) as db, db.begin():
        rows = list(
            await db.scalars(
                select(PersonalDataRequest)
                .where(PersonalDataRequest.status == "unconfirmed", PersonalDataRequest.confirm_expires_at < func.now())
                .with_for_update(skip_locked=True)
                .limit(1000)
            )
        )
        for row in rows:
            PersonalDataRequestLifecycle(row).send("expire")
            audit(db, row, "privacy_request.expired")
    return len(rows)


async def purge_expired_exports(ctx: Any) -> int:
    async with db_session(ctx) as db, db.begin():
        return await rows_changed(
            db,
            update(PersonalDataRequest)
            .where(PersonalDataRequest.export_file.is_not(None), PersonalDataRequest.download_expires_at < func.now())
            .values(export_file=None, download_token_hash=None),
        )


async def purge_erased_ticket_documents(ctx: Any) -> int:
    """A ticket PDF rendered by a delivery job that was already running when the order's buyer was
    erased (seconds after payment) is stored after the erasure; it prints the names, so it goes."""
    erased = select(Order.id).where(Order.buyer_email.is_(None), Order.buyer_name == ERASED)
    async with db_session(ctx) as db, db.begin():
        return await rows_changed(db, delete(OrderDocument).where(OrderDocument.order_id.in_(erased)))


async def purge_webhook_events(ctx: Any) -> int:
    """Webhook events copy buyers' details: deleted WEBHOOK_EVENT_RETENTION_DAYS after their
    deliveries finished."""
    days = job_settings(ctx).limits.webhook_event_retention_days
    async with db_session(ctx) as db, db.begin():
        return await purge_finished_webhook_events(db, days)


@worker_job
async def personal_data_sweep(ctx: Any) -> dict[str, int]:
    done = {
        "retention_events": await apply_attendee_retention(ctx),
        "requests_expired": await expire_unconfirmed(ctx),
        "exports_purged": await purge_expired_exports(ctx),
        "erased_ticket_documents": await purge_erased_ticket_documents(ctx),
        "webhook_events_purged": await purge_webhook_events(ctx),
    }
    if any(done.values()):
        log.info("personal data sweep at %s: %s", datetime.now(UTC).isoformat(), done, extra={"job": "personal_data"})
    return done


PERSONAL_DATA_SWEEP_CRON = CronJob(personal_data_sweep, cron="17 * * * *", timeout=600)
