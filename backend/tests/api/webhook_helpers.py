"""Webhook tests' shared steps: an endpoint row, events in the outbox, and rows read back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voelgoed.domain.webhooks import outbox_sql, signing
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.lib.crypto import encrypt_str

TEST_SECRET_KEY = "test-secret"  # the product's SECRET_KEY in tests (tests/conftest.py)


def encrypt(secret: str) -> str:
    return encrypt_str(secret, purpose=signing.PURPOSE, secret_key=TEST_SECRET_KEY)


async def add_endpoint(
    engine: AsyncEngine,
    org: str | uuid.UUID,
    url: str,
    *,
    secret: str | None = None,
    previous: str | None = None,
    previous_until: datetime | None = None,
    failing_since: datetime | None = None,
    event_types: tuple[str, ...] = ("order.paid",),
    status: str = "enabled",
) -> tuple[uuid.UUID, str]:
    """An endpoint, enabled unless told (id, its clear secret), written as the admin API would."""
    endpoint_id = uuid.uuid4()
    secret = secret or signing.new_secret()
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO webhook_endpoint (id, organization_id, url, description, event_types, status,"
                " secret_encrypted, previous_secret_encrypted, previous_secret_expires_at, failing_since,"
                " created_at, updated_at)"
                " VALUES (:id, :org, :url, '', :types, :status, :secret, :prev, :prev_until, :failing, :now, :now)"
            ),
            {
                "id": endpoint_id,
                "org": uuid.UUID(str(org)),
                "url": url,
                "types": list(event_types),
                "status": status,
                "secret": encrypt(secret),
                "prev": encrypt(previous) if previous else None,
                "prev_until": previous_until,
                "failing": failing_since,
                "now": now,
            },
        )
    return endpoint_id, secret


async def record_events(
    engine: AsyncEngine, org: str | uuid.UUID, n: int = 1, *, rollback: bool = False, **kwargs: Any
) -> list[uuid.UUID]:
    """`n` order.paid events recorded in one transaction (committed, or rolled back)."""
    ids = []
    async with AsyncSession(engine) as session, session.begin():
        for i in range(n):
            event_id = await outbox_sql.record(
                session,
                organization_id=uuid.UUID(str(org)),
                event_type=WebhookEventType.ORDER_PAID,
                data={"order": {"reference": f"VG-{i:05d}", "total_cents": 25000}},
                **kwargs,
            )
            assert event_id is not None
            ids.append(event_id)
        if rollback:
            await session.rollback()
    return ids


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(text(sql), params)]


async def deliveries(engine: AsyncEngine, endpoint_id: uuid.UUID) -> list[dict[str, Any]]:
    return await rows(
        engine, "SELECT * FROM webhook_delivery WHERE endpoint_id = :e ORDER BY created_at", e=endpoint_id
    )


async def attempts(engine: AsyncEngine, endpoint_id: uuid.UUID) -> list[dict[str, Any]]:
    return await rows(
        engine,
        "SELECT a.* FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id"
        " WHERE d.endpoint_id = :e ORDER BY a.attempted_at",
        e=endpoint_id,
    )
