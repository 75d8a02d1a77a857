"""Recording webhook events: the one function every area calls when something happened (SQL).

`record()` runs inside the caller's transaction: the event and one delivery per subscribed, enabled
endpoint are rows of the same commit as the change they report. A rolled-back change leaves no
event; a committed one is in PostgreSQL before anyone is told, and delivery (delivery.py, the
worker) finds it there even if Redis, the queue or a worker was lost meanwhile.

When no enabled endpoint of the organisation subscribes to the type (the usual case, and the hot
paths' case: every scan calls this), the cost is one indexed SELECT and the payload is never built.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from voelgoed.domain.webhooks.event_types import PAYLOAD_VERSION, WebhookEventType

PayloadData = Mapping[str, Any] | msgspec.Struct
DataSource = PayloadData | Callable[[], Awaitable[PayloadData]]
Subscribers = dict[WebhookEventType, list[uuid.UUID]]

# The organisation's enabled endpoints subscribed to any of the types (one question per batch).
_SUBSCRIBERS = text(
    "SELECT id, event_types FROM webhook_endpoint WHERE organization_id = :org AND status = 'enabled'"
    " AND event_types && CAST(:types AS varchar[])"
)
_INSERT_EVENT = text(
    "INSERT INTO webhook_event (id, organization_id, event_type, payload, created_at, updated_at)"
    " VALUES (:id, :org, :event_type, CAST(:payload AS jsonb), :now, :now)"
)
_INSERT_DELIVERIES = text(
    "INSERT INTO webhook_delivery (id, organization_id, event_id, endpoint_id, status, attempts,"
    " next_attempt_at, created_at, updated_at)"
    " SELECT gen_random_uuid(), :org, :event_id, endpoint_id, 'pending', 0, :now, :now, :now"
    " FROM unnest(CAST(:endpoint_ids AS uuid[])) AS endpoint_id"
)


def message_id(event_id: uuid.UUID) -> str:
    """The `webhook-id` of an event: the same on every attempt and redelivery."""
    return f"msg_{event_id.hex}"


def envelope(event_id: uuid.UUID, event_type: str, data: Any, at: datetime) -> dict[str, Any]:
    return {
        "id": message_id(event_id),
        "type": event_type,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "payload_version": PAYLOAD_VERSION,
        "data": msgspec.to_builtins(data),
    }


async def subscribers(
    db: AsyncSession | AsyncConnection, organization_id: uuid.UUID, event_types: Iterable[WebhookEventType]
) -> Subscribers:
    """The enabled endpoints of the organisation per event type (one indexed SELECT); a type
    nobody subscribes to is absent, so `if subs:` means "somebody listens"."""
    wanted = [str(t) for t in event_types]
    rows = await db.execute(_SUBSCRIBERS, {"org": organization_id, "types": wanted})
    out: Subscribers = {}
    for endpoint_id, types in rows:
        for t in types:
            if t in wanted:
                out.setdefault(WebhookEventType(t), []).append(endpoint_id)
    return out


async def record(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_type: WebhookEventType,
    data: DataSource,
    endpoint_ids: list[uuid.UUID] | None = None,
) -> uuid.UUID | None:
    """Add an event to the outbox in the caller's transaction; None when nobody subscribes.

    `data` is the resource as the API returns it (a msgspec Struct or a mapping), or an async
    callable that builds it, called only when some endpoint will receive it. `endpoint_ids` sends
    to exactly those endpoints of the organisation instead of the subscribers (the test event).
    """
    if endpoint_ids is None:
        endpoint_ids = (await subscribers(session, organization_id, [event_type])).get(event_type, [])
    if not endpoint_ids:
        return None
    resolved = await data() if callable(data) else data
    event_id = uuid.uuid4()
    now = datetime.now(UTC)
    payload = msgspec.json.encode(envelope(event_id, str(event_type), resolved, now)).decode()
    params = {"id": event_id, "org": organization_id, "event_type": str(event_type), "payload": payload, "now": now}
    await session.execute(_INSERT_EVENT, params)
    await session.execute(
        _INSERT_DELIVERIES, {"org": organization_id, "event_id": event_id, "endpoint_ids": endpoint_ids, "now": now}
    )
    return event_id
