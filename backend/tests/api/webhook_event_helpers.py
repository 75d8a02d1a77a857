"""Set-up for the webhook event tests: endpoints inserted as rows (webhook_helpers.py), and the
outbox read back per organisation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api import webhook_helpers
from voelgoed.domain.webhooks.event_types import SUBSCRIBABLE

ALL_TYPES = [str(t) for t in SUBSCRIBABLE]


async def add_endpoint(
    engine: AsyncEngine, org_id: str, types: list[str] | None = None, *, status: str = "enabled"
) -> uuid.UUID:
    """An endpoint of the organisation subscribed to `types` (every subscribable one by default)."""
    endpoint_id, _ = await webhook_helpers.add_endpoint(
        engine,
        org_id,
        "https://hooks.example.com/events",
        event_types=tuple(ALL_TYPES if types is None else types),
        status=status,
    )
    return endpoint_id


async def outbox(engine: AsyncEngine, org_id: str | None = None) -> list[dict[str, Any]]:
    """The organisation's webhook events (all organisations' when None), oldest first, each with
    the endpoints it is to be delivered to."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT e.id, e.event_type, e.payload, e.organization_id,"
                    " coalesce(array_agg(d.endpoint_id) FILTER (WHERE d.id IS NOT NULL), '{}') AS endpoints"
                    " FROM webhook_event e LEFT JOIN webhook_delivery d ON d.event_id = e.id"
                    " WHERE CAST(:org AS uuid) IS NULL OR e.organization_id = CAST(:org AS uuid)"
                    " GROUP BY e.id ORDER BY e.created_at, e.id"
                ),
                {"org": org_id},
            )
        ).all()
    return [{"id": r[0], "type": r[1], "payload": r[2], "org": r[3], "endpoints": sorted(r[4], key=str)} for r in rows]


def of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == event_type]


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]
