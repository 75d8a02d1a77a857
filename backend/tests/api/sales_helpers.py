"""Helpers for the ticket-sales tests: a published event with ticket types, reservations."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import make_event, make_venue
from tests.conftest import Api, sign_up


async def organiser_with_event(api: Api, *, capacity: int | None = None, publish: bool = True) -> dict[str, Any]:
    if not api.me:
        await sign_up(api)
    venue = await make_venue(api)
    overrides: dict[str, Any] = {"capacity": capacity} if capacity is not None else {}
    event = await make_event(api, venue["id"], **overrides)
    if publish:
        r = await api.post(api.org(f"/events/{event['id']}/publish"))
        assert r.status_code == 200, r.text
        event = r.json()
    return event


async def add_type(api: Api, event_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "General", "price_cents": 15000, "quantity": 100, **fields}
    r = await api.post(api.org(f"/events/{event_id}/ticket-types"), json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def reserve(
    http: httpx.AsyncClient,
    slug: str,
    items: dict[str, int],
    *,
    coupon: str | None = None,
    key: str | None = None,
    access_code: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"items": [{"ticket_type_id": t, "quantity": q} for t, q in items.items()]}
    if coupon:
        body["coupon_code"] = coupon
    if access_code:
        body["access_code"] = access_code
    headers = {"Idempotency-Key": key} if key else {}
    return await http.post(f"/api/public/events/{slug}/reservations", json=body, headers=headers)


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def counters(engine: AsyncEngine, type_id: str) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT quantity, reserved, sold FROM ticket_type WHERE id = :id"), {"id": uuid.UUID(type_id)}
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def held_in_orders(engine: AsyncEngine, type_id: str) -> int:
    """Sum of order lines of holding orders for the type (must equal ticket_type.reserved)."""
    return int(
        await scalar(
            engine,
            "SELECT coalesce(sum(l.quantity), 0) FROM order_line l JOIN ticket_order o ON o.id = l.order_id"
            " WHERE l.ticket_type_id = :t AND o.status IN ('reserved', 'awaiting_payment')",
            t=uuid.UUID(type_id),
        )
        or 0
    )


async def expire_hold(engine: AsyncEngine, order_id: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE ticket_order SET hold_expires_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": uuid.UUID(order_id)},
        )
        # Its reserved seats' copy of the time too (domain/seating/free_seats.py reads that copy).
        await conn.execute(
            text(
                "UPDATE event_seat SET held_until = now() - interval '1 minute'"
                " WHERE order_id = :id AND status = 'held'"
            ),
            {"id": uuid.UUID(order_id)},
        )
