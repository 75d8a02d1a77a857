"""Migration 0013's backfill: payments that succeeded before the ledger existed are booked, the
first payment of a paid order as a sale (revenue and VAT split, the order's known fee), any other
as money owed back; and the books balance afterwards."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.workflows.test_ledger_property import World, new_world
from voelgoed.domain.orders.models import Order
from voelgoed.domain.payments.models import PaymentTransaction

MIGRATION = Path(__file__).parents[2] / "voelgoed/db/migrations/versions/0013_ledger.py"


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0013", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def old_payment(db: AsyncSession, world: World, *, status: str, needs_refund: bool, payments: int) -> uuid.UUID:
    """An order paid before the ledger: its payments exist, no journal entry does."""
    order = Order(
        id=uuid.uuid4(),
        organization_id=world.organization_id,
        event_id=world.event_ids[0],
        reference=f"VG-{uuid.uuid4().hex[:8].upper()}",
        status=status,
        hold_expires_at=datetime.now(UTC),
        subtotal_cents=23000,
        total_cents=23000,
        vat_cents=3000,
        fees_cents=690,
        needs_refund=needs_refund,
        access_token_hash=uuid.uuid4().hex,
    )
    db.add(order)
    await db.flush()
    for i in range(payments):
        db.add(
            PaymentTransaction(
                organization_id=world.organization_id,
                order_id=order.id,
                provider="payfast",
                status="succeeded",
                amount_cents=23000,
                completed_at=datetime.now(UTC) - timedelta(days=3 - i),
            )
        )
    await db.flush()
    return order.id


async def lines_by_kind(engine: AsyncEngine, order_id: uuid.UUID) -> dict[str, list[tuple[str, int]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT e.kind, l.account, l.amount_cents FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id"
                " WHERE e.order_id = :o ORDER BY l.account, l.amount_cents"
            ),
            {"o": order_id},
        )
    found: dict[str, list[tuple[str, int]]] = {}
    for kind, account, cents in rows.all():
        found.setdefault(kind, []).append((account, cents))
    return found


async def test_backfill_books_old_payments_and_balances(engine: AsyncEngine) -> None:
    world = await new_world(engine)
    async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
        paid_twice = await old_payment(db, world, status="paid", needs_refund=True, payments=2)
        late = await old_payment(db, world, status="expired", needs_refund=True, payments=1)
    async with engine.begin() as conn:  # the migration's statements, as it runs them
        for statement in migration().BACKFILL:
            await conn.execute(text(statement))

    booked = await lines_by_kind(engine, paid_twice)
    assert booked["sale"] == [
        ("provider_clearing", -690),
        ("provider_clearing", 23000),
        ("provider_fees", 690),
        ("ticket_revenue", -20000),
        ("vat_output", -3000),
    ]
    assert booked["unallocated_receipt"] == [("provider_clearing", 23000), ("refunds_due", -23000)]
    assert await lines_by_kind(engine, late) == {
        "unallocated_receipt": [("provider_clearing", 23000), ("refunds_due", -23000)]
    }
    async with engine.connect() as conn:
        total = await conn.scalar(
            text("SELECT sum(amount_cents) FROM journal_line WHERE organization_id = :org"),
            {"org": world.organization_id},
        )
    assert total == 0
