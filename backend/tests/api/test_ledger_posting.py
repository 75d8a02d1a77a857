"""Payments reach the ledger: a paid order is one balanced sale entry (revenue and VAT split, the
provider's fee in the same entry), booked once however often the provider repeats itself."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.api.helpers import register_for_vat
from tests.api.test_payments_simulated import (
    _worker_idle,
    hidden_fields,
    on_sale_event,
    page_path,
    reserve_and_checkout,
)
from tests.conftest import Api
from voelgoed.domain.payments.notifications import PaymentNotice
from voelgoed.workflows.payment_confirmation import confirm_payment

__all__ = ["_worker_idle"]  # the fixture: let ticket delivery finish before the tables are emptied


async def entries_of(engine: AsyncEngine, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """The order's journal entries, each with its lines as {account: cents} and their sum."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT e.id, e.kind, e.provider, e.transaction_id, l.account, l.amount_cents"
                    " FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id"
                    " WHERE e.order_id = :o ORDER BY e.created_at, l.account"
                ),
                {"o": order_id},
            )
        ).all()
    entries: dict[uuid.UUID, dict[str, Any]] = {}
    for entry_id, kind, provider, tx, account, cents in rows:
        e = entries.setdefault(entry_id, {"kind": kind, "provider": provider, "transaction_id": tx, "lines": []})
        e["lines"].append((account, cents))
    return list(entries.values())


async def order_row(engine: AsyncEngine, reference: str) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT id, total_cents, vat_cents, status FROM ticket_order WHERE reference = :r"),
                {"r": reference},
            )
        ).one()


async def test_a_paid_order_is_one_balanced_sale_with_revenue_and_vat_split(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, price_cents=11500)
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    buyer = new_client()
    order = await reserve_and_checkout(buyer, event, "simulated", quantity=2)
    url = order["payment"]["url"]
    form = hidden_fields((await buyer.get(page_path(url))).text)
    assert (await buyer.post(urlsplit(url).path, data={**form, "outcome": "pay"})).status_code == 303
    assert (await buyer.post(urlsplit(url).path, data={**form, "outcome": "pay"})).status_code == 303  # again

    row = await order_row(engine, order["reference"])
    assert row.status == "paid" and row.total_cents == 23000 and row.vat_cents == 3000
    entries = await entries_of(engine, row.id)
    assert len(entries) == 1
    (sale,) = entries
    assert sale["kind"] == "sale" and sale["provider"] == "simulated"
    assert sorted(sale["lines"]) == [("provider_clearing", 23000), ("ticket_revenue", -20000), ("vat_output", -3000)]
    assert sum(cents for _, cents in sale["lines"]) == 0


async def test_repeated_notifications_book_the_payment_once_with_its_fee(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, price_cents=15000)
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    order = await reserve_and_checkout(new_client(), event, "simulated", quantity=1)
    tx_id = uuid.UUID(urlsplit(order["payment"]["url"]).path.rsplit("/", 1)[-1])
    for event_id in ("notice-1", "notice-2"):  # two notifications (different ids) of one payment
        notice = PaymentNotice(
            provider="simulated",
            transaction_id=tx_id,
            succeeded=True,
            amount_cents=15000,
            provider_reference="sim-ref-1",
            status="pay",
            event_id=event_id,
            fee_cents=-460 if event_id == "notice-2" else 460,  # a negative fee (PayFast's sign) is its size
        )
        async with AsyncSession(engine, expire_on_commit=False) as db:
            await confirm_payment(db, notice)

    row = await order_row(engine, order["reference"])
    assert row.status == "paid"
    entries = await entries_of(engine, row.id)
    assert len(entries) == 1, entries
    assert entries[0]["transaction_id"] == tx_id
    assert sorted(entries[0]["lines"]) == sorted(
        [
            ("provider_clearing", 15000),
            ("provider_clearing", -460),
            ("provider_fees", 460),
            ("ticket_revenue", -(15000 - row.vat_cents)),
            ("vat_output", -row.vat_cents),
        ]
    )


async def test_a_second_payment_of_a_paid_order_is_booked_as_owed_back(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, price_cents=11500)
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    buyer = new_client()
    order = await reserve_and_checkout(buyer, event, "simulated", quantity=1)
    again = await buyer.post(  # the buyer tries PayFast too: a second open payment of the same order
        f"/api/public/orders/{order['reference']}/checkout",
        json={"buyer_name": "Thandi Nkosi", "buyer_email": "thandi@example.co.za", "provider": "payfast"},
        headers={"X-Order-Token": order["access_token"]},
    )
    assert again.status_code == 200, again.text
    row = await order_row(engine, order["reference"])
    async with engine.connect() as conn:
        txs = dict(
            (
                await conn.execute(
                    text("SELECT provider, id FROM payment_transaction WHERE order_id = :o"), {"o": row.id}
                )
            ).all()
        )
    for provider in ("simulated", "payfast"):  # both providers say the buyer paid
        notice = PaymentNotice(
            provider=provider,
            transaction_id=txs[provider],
            succeeded=True,
            amount_cents=11500,
            provider_reference=f"{provider}-ref",
            event_id=f"{provider}-notice",
        )
        async with AsyncSession(engine, expire_on_commit=False) as db:
            await confirm_payment(db, notice)

    entries = {e["provider"]: e for e in await entries_of(engine, row.id)}
    assert entries["simulated"]["kind"] == "sale"
    assert entries["payfast"]["kind"] == "unallocated_receipt"  # no second sale, no VAT: owed back
    assert sorted(entries["payfast"]["lines"]) == [("provider_clearing", 11500), ("refunds_due", -11500)]
    async with engine.connect() as conn:
        flagged = (
            await conn.execute(text("SELECT needs_refund FROM ticket_order WHERE id = :o"), {"o": row.id})
        ).scalar()
    assert flagged is True


async def test_concurrent_notifications_of_one_payment_book_one_entry(
    client: Api, new_client: Any, engine: AsyncEngine
) -> None:
    event = await on_sale_event(client, price_cents=15000)
    await register_for_vat(client)  # a VAT vendor: sales book VAT output
    order = await reserve_and_checkout(new_client(), event, "simulated", quantity=1)
    tx_id = uuid.UUID(urlsplit(order["payment"]["url"]).path.rsplit("/", 1)[-1])

    async def notify(n: int) -> None:
        notice = PaymentNotice(
            provider="simulated",
            transaction_id=tx_id,
            succeeded=True,
            amount_cents=15000,
            provider_reference=f"sim-concurrent-{n}",
            event_id=f"concurrent-{n}",
            fee_cents=300,
        )
        async with AsyncSession(engine, expire_on_commit=False) as db:
            await confirm_payment(db, notice)

    await asyncio.gather(*(notify(n) for n in range(8)))
    row = await order_row(engine, order["reference"])
    entries = await entries_of(engine, row.id)
    assert row.status == "paid" and len(entries) == 1, entries
    assert sum(cents for _, cents in entries[0]["lines"]) == 0
