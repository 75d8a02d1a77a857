"""Personal data holder: webhook events. Their payloads copy orders (buyer name, e-mail, phone,
answers) and tickets (holder names) as they were when sent, and the delivery log keeps request and
response excerpts; erasure scrubs both of the subject's personal values, like the providers'
notifications. Events are also deleted WEBHOOK_EVENT_RETENTION_DAYS after their deliveries
finished (`purge_finished_webhook_events`, run by the personal data sweep).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Text, cast, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from voelgoed.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from voelgoed.workflows.personal_data_types import ERASED, DataSubject, PersonalDataHolder, Rows, rows_changed, scrub


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _of_subject(s: DataSubject) -> list[ColumnElement[bool]]:
    """The organisation's events that name one of the subject's orders or tickets, or their address."""
    needles = [s.email, *(str(i) for i in s.order_ids), *(str(i) for i in s.ticket_ids)]
    text_of = cast(WebhookEvent.payload, Text)
    return [WebhookEvent.organization_id == s.organization_id, or_(*(text_of.ilike(_like(n)) for n in needles))]


async def _export_webhook_events(db: AsyncSession, s: DataSubject) -> Rows:
    events = await db.scalars(select(WebhookEvent).where(*_of_subject(s)).order_by(WebhookEvent.created_at))
    return [
        {"id": str(e.id), "type": e.event_type, "created_at": e.created_at.isoformat(), "payload": e.payload}
        for e in events
    ]


async def _erase_webhook_events(db: AsyncSession, s: DataSubject) -> int:
    personal = s.personal_values | {s.email}
    changed = 0
    events = list(await db.scalars(select(WebhookEvent).where(*_of_subject(s)).with_for_update()))
    for event in events:
        cleaned = scrub(event.payload, personal)
        if cleaned != event.payload:
            event.payload = cleaned
            changed += 1
    if events:
        attempts = await db.scalars(
            select(WebhookAttempt).where(
                WebhookAttempt.organization_id == s.organization_id,
                WebhookAttempt.delivery_id.in_(
                    select(WebhookDelivery.id).where(WebhookDelivery.event_id.in_([e.id for e in events]))
                ),
            )
        )
        lowered = [p.lower() for p in personal if p and len(p) >= 3]
        for attempt in attempts:
            for field in ("request_excerpt", "response_excerpt"):
                if any(p in (getattr(attempt, field) or "").lower() for p in lowered):
                    setattr(attempt, field, ERASED)
                    changed += 1
    await db.flush()
    return changed


WEBHOOK_EVENTS = PersonalDataHolder(
    key="webhook_events",
    description="Webhook events sent to the organisation's own systems about those orders and tickets "
    "(copies of them as they were), and the excerpts of their delivery log.",
    export=_export_webhook_events,
    erase=_erase_webhook_events,
)


async def purge_finished_webhook_events(db: AsyncSession, retention_days: int, *, limit: int = 10_000) -> int:
    """Delete events older than `retention_days` none of whose deliveries is still pending (their
    deliveries and attempts go with them, ON DELETE CASCADE)."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    pending = exists().where(WebhookDelivery.event_id == WebhookEvent.id, WebhookDelivery.status == "pending")
    due = select(WebhookEvent.id).where(WebhookEvent.created_at < cutoff, ~pending).limit(limit)
    return await rows_changed(db, delete(WebhookEvent).where(WebhookEvent.id.in_(due)))


__all__ = ["WEBHOOK_EVENTS", "purge_finished_webhook_events"]
