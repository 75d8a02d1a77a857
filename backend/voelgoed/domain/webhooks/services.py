"""The rules of managing webhook endpoints: subscribing, URLs, secrets, enabling, redelivery and
the test event. Reads and writes go through the request's tenant-scoped session (another
organisation's endpoint or delivery does not exist: 404). Delivery itself is the worker's."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.audit.services import AuditService, diff
from voelgoed.domain.webhooks import delivery_services, signing
from voelgoed.domain.webhooks.event_types import SUBSCRIBABLE, WebhookEventType
from voelgoed.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from voelgoed.domain.webhooks.outbox_sql import record
from voelgoed.domain.webhooks.safe_http import check_target_url
from voelgoed.domain.webhooks.schemas import WebhookDeliveryBrief, delivery_brief
from voelgoed.lib.pagination import PageParams, paginate
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable
from voelgoed.settings import WebhookSettings

ENTITY = "webhook_endpoint"
DISABLED_BY_ORGANISER = "Disabled by an organiser."


def subscribed_types(words: Iterable[str]) -> list[str]:
    """The event types to store: known, subscribable, each once, in the catalogue's order."""
    wanted = set(words)
    if not wanted:
        raise Unprocessable.field("event_types", "Choose at least one event type.")
    unknown = sorted(wanted - set(SUBSCRIBABLE))
    if unknown:
        if WebhookEventType.WEBHOOK_TEST in unknown:
            raise Unprocessable.field(
                "event_types", "webhook.test is sent by the test button only; it cannot be subscribed to."
            )
        raise Unprocessable.field("event_types", f"Unknown event type: {', '.join(unknown)}.")
    return [str(t) for t in SUBSCRIBABLE if t in wanted]


class WebhookService:
    def __init__(self, db: AsyncSession, audit: AuditService, settings: WebhookSettings) -> None:
        self.db = db
        self.audit = audit
        self.settings = settings  # the URL rules (safe_http.py), the same at send time

    # --- endpoints -------------------------------------------------------------------------
    async def list_endpoints(self) -> list[WebhookEndpoint]:
        rows = await self.db.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))
        return list(rows)

    async def last_deliveries(self, endpoint_ids: list[uuid.UUID]) -> dict[uuid.UUID, WebhookDeliveryBrief]:
        """Each endpoint's latest delivery (one query: DISTINCT ON the endpoint)."""
        if not endpoint_ids:
            return {}
        rows = await self.db.execute(
            select(WebhookDelivery, WebhookEvent.event_type)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.endpoint_id.in_(endpoint_ids))
            .order_by(WebhookDelivery.endpoint_id, WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .distinct(WebhookDelivery.endpoint_id)
        )
        return {d.endpoint_id: delivery_brief(d, event_type) for d, event_type in rows.tuples()}

    async def get(self, endpoint_id: uuid.UUID) -> WebhookEndpoint:
        endpoint = await self.db.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
        if endpoint is None:
            raise NotFound("No such webhook endpoint.")
        return endpoint

    async def create(
        self, organization_id: uuid.UUID, *, url: str, description: str, event_types: list[str]
    ) -> tuple[WebhookEndpoint, str]:
        """The new endpoint (enabled) and its signing secret, shown this once."""
        clean_url = await check_target_url(url, self.settings)
        types = subscribed_types(event_types)
        secret = signing.new_secret()
        endpoint = WebhookEndpoint(
            organization_id=organization_id,
            url=clean_url,
            description=description.strip(),
            event_types=types,
            status="enabled",  # the machine's initial state
            secret_encrypted=signing.encrypt_secret(secret),
            created_by=self.audit.auth.user_id,
        )
        self.db.add(endpoint)
        await self.db.flush()
        self.audit.record(
            action="webhook_endpoint.created",
            entity_type=ENTITY,
            entity_id=endpoint.id,
            changes={"url": clean_url, "description": endpoint.description, "event_types": types},
        )
        return endpoint, secret

    async def update(self, endpoint_id: uuid.UUID, changes: dict[str, Any]) -> WebhookEndpoint:
        endpoint = await self.get(endpoint_id)
        wanted: dict[str, Any] = {}
        if "url" in changes:
            wanted["url"] = await check_target_url(changes["url"], self.settings)
        if "description" in changes:
            wanted["description"] = changes["description"].strip()
        if "event_types" in changes:
            wanted["event_types"] = subscribed_types(changes["event_types"])
        before: dict[str, Any] = {k: getattr(endpoint, k) for k in wanted}
        if isinstance(before.get("event_types"), list):
            before["event_types"] = list(before["event_types"])
        for key, value in wanted.items():
            setattr(endpoint, key, value)
        if "enabled" in changes:
            before["status"] = endpoint.status
            await self._set_enabled(endpoint, bool(changes["enabled"]))
            wanted["status"] = endpoint.status
        await self.db.flush()
        if d := diff(before, wanted):
            self.audit.record(action="webhook_endpoint.updated", entity_type=ENTITY, entity_id=endpoint.id, changes=d)
        return endpoint

    async def _set_enabled(self, endpoint: WebhookEndpoint, enabled: bool) -> None:
        """Through the delivery engine (machines.py): disabling cancels the pending deliveries.
        Asking for the state it is already in changes nothing."""
        if enabled and endpoint.status == "disabled":
            await delivery_services.enable_endpoint(self.db, endpoint)
        elif not enabled and endpoint.status == "enabled":
            await delivery_services.disable_endpoint(self.db, endpoint, DISABLED_BY_ORGANISER)

    async def delete(self, endpoint_id: uuid.UUID) -> None:
        """The endpoint and, by the foreign keys' cascade, its deliveries and their attempts."""
        endpoint = await self.get(endpoint_id)
        url = endpoint.url
        await self.db.delete(endpoint)
        await self.db.flush()
        self.audit.record(
            action="webhook_endpoint.deleted", entity_type=ENTITY, entity_id=endpoint_id, changes={"url": url}
        )

    # --- secrets ---------------------------------------------------------------------------
    async def rotate_secret(self, endpoint_id: uuid.UUID) -> tuple[WebhookEndpoint, str]:
        endpoint = await self.get(endpoint_id)
        fresh = signing.rotate(endpoint)  # the old secret keeps signing for 24 hours
        await self.db.flush()
        self.audit.record(
            action="webhook_endpoint.secret_rotated",
            entity_type=ENTITY,
            entity_id=endpoint.id,
            changes={"previous_secret_expires_at": endpoint.previous_secret_expires_at},
        )
        return endpoint, fresh

    async def reveal_secret(self, endpoint_id: uuid.UUID) -> tuple[WebhookEndpoint, str]:
        endpoint = await self.get(endpoint_id)
        self.audit.record(action="webhook_endpoint.secret_revealed", entity_type=ENTITY, entity_id=endpoint.id)
        return endpoint, signing.decrypt_secret(endpoint.secret_encrypted)

    # --- deliveries ------------------------------------------------------------------------
    async def send_test(self, endpoint_id: uuid.UUID) -> tuple[WebhookDelivery, str]:
        """A `webhook.test` event to this endpoint only (whatever it subscribes to)."""
        endpoint = await self.get(endpoint_id)
        if endpoint.status != "enabled":
            raise Conflict("This endpoint is disabled; enable it to send it a test event.")
        now = datetime.now(UTC)
        data = {
            "endpoint_id": str(endpoint.id),
            "organization_id": str(endpoint.organization_id),
            "message": "A test event from VoelgoedEvents: your endpoint receives and verifies our webhooks.",
            "sent_at": now.isoformat().replace("+00:00", "Z"),
        }
        # Inserting the delivery wakes the workers on commit (a trigger NOTIFYs, migration 0026).
        event_id = await record(
            self.db,
            organization_id=endpoint.organization_id,
            event_type=WebhookEventType.WEBHOOK_TEST,
            data=data,
            endpoint_ids=[endpoint.id],
        )
        assert event_id is not None  # one endpoint named: always recorded
        delivery = await self.db.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.event_id == event_id, WebhookDelivery.endpoint_id == endpoint.id
            )
        )
        assert delivery is not None
        self.audit.record(action="webhook_endpoint.test_sent", entity_type=ENTITY, entity_id=endpoint.id)
        return delivery, str(WebhookEventType.WEBHOOK_TEST)

    async def deliveries(
        self, endpoint_id: uuid.UUID, status: str | None, params: PageParams
    ) -> tuple[list[tuple[WebhookDelivery, str]], int]:
        """A page of the endpoint's deliveries, newest first, each with its event's type."""
        await self.get(endpoint_id)
        stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        if status is not None:
            stmt = stmt.where(WebhookDelivery.status == status)
        stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        items, total = await paginate(self.db, stmt, params)
        types = await self._event_types([d.event_id for d in items])
        return [(d, types[d.event_id]) for d in items], total

    async def _event_types(self, event_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not event_ids:
            return {}
        rows = await self.db.execute(
            select(WebhookEvent.id, WebhookEvent.event_type).where(WebhookEvent.id.in_(event_ids))
        )
        return {event_id: event_type for event_id, event_type in rows.tuples()}

    async def delivery(self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> tuple[WebhookDelivery, WebhookEvent]:
        row = (
            await self.db.execute(
                select(WebhookDelivery, WebhookEvent)
                .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such delivery of this endpoint.")
        return row[0], row[1]

    async def attempts(self, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
        rows = await self.db.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        )
        return list(rows)

    async def redeliver(self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> tuple[WebhookDelivery, str]:
        """Send a delivery again now: the same event, so the same `webhook-id`. A finished one
        (succeeded, failed, cancelled) goes back to pending; a pending one is only made due now.
        A disabled endpoint: 409 (enable it first)."""
        endpoint = await self.get(endpoint_id)
        delivery, event = await self.delivery(endpoint_id, delivery_id)
        await delivery_services.redeliver(self.db, delivery, endpoint)  # 409 while disabled; wakes the workers
        self.audit.record(
            action="webhook_delivery.redelivered",
            entity_type=ENTITY,
            entity_id=endpoint.id,
            changes={"delivery_id": delivery.id, "event_type": event.event_type},
        )
        return delivery, event.event_type
