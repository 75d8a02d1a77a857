"""What the webhooks admin API asks of delivery: redeliver, disable and enable an endpoint.

Each runs in the caller's transaction on ORM rows the caller loaded (tenant-scoped), changes
statuses only through the machines (TransitionNotAllowed: 409), and wakes the workers on commit
(NOTIFY; a rolled-back request wakes nobody). Secrets and URL checks: signing.py, safe_http.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.webhooks import delivery_sql
from voelgoed.domain.webhooks.machines import DeliveryLifecycle, EndpointLifecycle
from voelgoed.domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from voelgoed.lib.problems import Conflict


async def wake_workers(session: AsyncSession) -> None:
    """Deliver what is due now, once this transaction commits (inserts of deliveries do it by trigger)."""
    await delivery_sql.notify(await session.connection())


async def redeliver(session: AsyncSession, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> None:
    """Send this delivery again now (same `webhook-id`): a finished one goes back to pending, a
    pending one is moved to now. 409 while its endpoint is disabled (enable it first)."""
    if endpoint.status != "enabled":
        raise Conflict("This endpoint is disabled; enable it to redeliver.")
    if delivery.status != "pending":
        DeliveryLifecycle(delivery).send("redeliver")
    delivery.next_attempt_at = datetime.now(UTC)
    delivery.leased_until = None
    await session.flush()
    await wake_workers(session)


async def disable_endpoint(
    session: AsyncSession, endpoint: WebhookEndpoint, reason: str = "disabled by its organiser"
) -> None:
    """Disable (409 when it is already) and cancel its pending deliveries."""
    EndpointLifecycle(endpoint).send("disable", reason=reason)
    await session.flush()
    await delivery_sql.cancel_pending(await session.connection(), endpoint.id, reason, now=datetime.now(UTC))


async def enable_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    """Enable again (409 when it is enabled); its failure history starts afresh. Deliveries
    cancelled while it was disabled stay cancelled (each can be redelivered)."""
    EndpointLifecycle(endpoint).send("enable")
    await session.flush()
