"""A provider's verified refund notification (RefundNotice) settles the refund once: succeeded or
failed, de-duplicated on its id, ignored for a refund already final, recorded for an unknown one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.refund_helpers import on_sale_event, order_row, paid_order, refund, wait_worker_idle
from tests.conftest import Api, Stack
from voelgoed.domain.payments.notifications import RefundNotice
from voelgoed.workflows.refunds import apply_refund_notice


@pytest.fixture(autouse=True)
async def _worker_idle(stack: Stack) -> AsyncIterator[None]:
    yield
    await wait_worker_idle(stack)


async def _apply(engine: AsyncEngine, notice: RefundNotice) -> str:
    async with AsyncSession(engine, expire_on_commit=False) as db:
        return await apply_refund_notice(db, notice)


async def test_notice_settles_a_pending_refund_once(client: Api, new_client: Any, engine: AsyncEngine) -> None:
    event = await on_sale_event(client)
    order = await paid_order(new_client(), event, quantity=2)
    # The provider stays "down" for the request: the refund waits, pending, for its outcome.
    r = await refund(
        client, order["order_id"], kind="amount", amount_cents=5000, reason="x [simulate:unavailable-1000]"
    )
    rid = uuid.UUID(r.json()["id"])
    failing = await refund(
        client, order["order_id"], kind="amount", amount_cents=700, reason="y [simulate:unavailable-1000]"
    )

    ok = RefundNotice(provider="simulated", succeeded=True, refund_id=rid, provider_refund_id="re_1", event_id="evt-1")
    assert await _apply(engine, ok) == "refund succeeded"
    assert await _apply(engine, ok) == "duplicate notification"
    late_fail = RefundNotice(provider="simulated", succeeded=False, refund_id=rid, event_id="evt-2")
    assert await _apply(engine, late_fail) == "refund already succeeded"

    wrong_provider = RefundNotice(provider="payfast", succeeded=True, refund_id=rid, event_id="evt-3")
    assert (await _apply(engine, wrong_provider)).startswith("no payfast refund")
    unknown = RefundNotice(provider="simulated", succeeded=True, provider_refund_id="re_nobody", event_id="evt-4")
    assert (await _apply(engine, unknown)).startswith("no simulated refund")

    refused = RefundNotice(
        provider="simulated",
        succeeded=False,
        refund_id=uuid.UUID(failing.json()["id"]),
        failure_reason="Card account closed",
        event_id="evt-5",
    )
    assert await _apply(engine, refused) == "refund failed"

    row = await order_row(engine, order["order_id"])
    assert row["refunded_cents"] == 5000 and row["refund_pending_cents"] == 0
    async with engine.connect() as conn:
        statuses = dict(
            (
                await conn.execute(
                    text("SELECT provider_refund_id, status FROM refund WHERE order_id = :o"),
                    {"o": uuid.UUID(order["order_id"])},
                )
            )
            .tuples()
            .all()
        )
        notes = await conn.scalar(
            text("SELECT count(*) FROM payment_notification WHERE provider_event_id LIKE 'evt-%'")
        )
    assert statuses.get("re_1") == "succeeded" and "failed" in statuses.values()
    assert notes == 5  # every notification with an id is recorded once (the duplicate is not)
