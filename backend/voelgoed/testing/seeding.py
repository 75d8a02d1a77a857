"""Fast test/benchmark data: paid orders and issued tickets written straight to the database (bulk
INSERTs, ~100k tickets in seconds); `seed_paid_orders` adds their payments and ledger entries.
Used by backend/tests, bench/gate_rush and bench/refund_all;
never by the product itself. The signing key is made here so the caller can sign payloads."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from voelgoed.domain.tickets import payload as ticket_payload


@dataclass
class SeededTicket:
    id: uuid.UUID
    order_id: uuid.UUID
    serial: str
    ticket_type_id: uuid.UUID
    payload: str


@dataclass
class SeededEvent:
    organization_id: uuid.UUID
    event_id: uuid.UUID
    key_id: str
    private_key: Ed25519PrivateKey
    ticket_type_ids: list[uuid.UUID]
    tickets: list[SeededTicket] = field(default_factory=list)

    def sign(self, ticket: SeededTicket, valid_from: int | None = None, valid_until: int | None = None) -> str:
        claims = ticket_payload.TicketClaims(
            ticket_payload.key_id_from_text(self.key_id),
            ticket_payload.serial_from_text(ticket.serial),
            ticket_payload.ticket_type_ref(ticket.ticket_type_id),
            valid_from=valid_from,
            valid_until=valid_until,
        )
        return ticket_payload.sign_payload(claims, self.private_key)


async def seed_signing_key(
    conn: AsyncConnection, organization_id: uuid.UUID, event_id: uuid.UUID
) -> tuple[str, Ed25519PrivateKey]:
    private = Ed25519PrivateKey.generate()
    key_id = ticket_payload.key_id_to_text(ticket_payload.new_key_id())
    now = datetime.now(UTC)
    await conn.execute(
        text(
            "INSERT INTO event_signing_key (id, organization_id, event_id, key_id, public_key, private_key_encrypted,"
            " created_at, updated_at) VALUES (:id, :o, :e, :k, :pub, :priv, :now, :now)"
        ),
        {"id": uuid.uuid4(), "o": organization_id, "e": event_id, "k": key_id,
         "pub": private.public_key().public_bytes_raw(), "priv": b"seeded-not-decryptable", "now": now},
    )  # fmt: skip
    return key_id, private


async def seed_ticket_types(
    conn: AsyncConnection, organization_id: uuid.UUID, event_id: uuid.UUID, names: list[str], quantity: int
) -> list[uuid.UUID]:
    ids = []
    now = datetime.now(UTC)
    for i, name in enumerate(names):
        tid = uuid.uuid4()
        ids.append(tid)
        await conn.execute(
            text(
                "INSERT INTO ticket_type (id, organization_id, event_id, name, price_cents, quantity, reserved, sold,"
                " min_per_order, max_per_order, hidden, sort_order, created_at, updated_at)"
                " VALUES (:id, :o, :e, :n, 15000, :q, 0, 0, 1, 10, false, :i, :now, :now)"
            ),
            {"id": tid, "o": organization_id, "e": event_id, "n": name, "q": quantity, "i": i, "now": now},
        )
    return ids


async def seed_tickets(
    conn: AsyncConnection,
    event: SeededEvent,
    count: int,
    *,
    ticket_type_id: uuid.UUID | None = None,
    order_status: str = "paid",
    batch: int = 5000,
    sign: bool = True,
) -> list[SeededTicket]:
    """`count` tickets, one order each, in bulk. `sign=False` skips payload signing (fast)."""
    now = datetime.now(UTC)
    out: list[SeededTicket] = []
    for start in range(0, count, batch):
        n = min(batch, count - start)
        orders, lines, tickets = [], [], []
        for i in range(n):
            type_id = ticket_type_id or event.ticket_type_ids[(start + i) % len(event.ticket_type_ids)]
            oid, lid, tid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            serial = ticket_payload.serial_to_text(ticket_payload.new_serial())
            orders.append({"id": oid, "o": event.organization_id, "e": event.event_id,
                           "ref": "SD" + secrets.token_hex(7).upper(), "st": order_status, "now": now,
                           "tok": secrets.token_hex(32), "name": f"Guest {start + i}"})  # fmt: skip
            lines.append({"id": lid, "o": event.organization_id, "ord": oid, "tt": type_id, "now": now})
            tickets.append({"id": tid, "o": event.organization_id, "e": event.event_id, "ord": oid, "line": lid,
                            "tt": type_id, "serial": serial, "name": f"Guest {start + i}", "now": now})  # fmt: skip
            t = SeededTicket(id=tid, order_id=oid, serial=serial, ticket_type_id=type_id, payload="")
            if sign:
                t.payload = event.sign(t)
            out.append(t)
        await conn.execute(
            text(
                "INSERT INTO ticket_order (id, organization_id, event_id, reference, status, hold_expires_at,"
                " buyer_name, subtotal_cents, discount_cents, total_cents, vat_cents, fees_cents, access_token_hash,"
                " needs_refund, paid_at, created_at, updated_at)"
                " VALUES (:id, :o, :e, :ref, :st, :now, :name, 15000, 0, 15000, 1957, 0, :tok, false, :now, :now, :now)"
            ),
            orders,
        )
        await conn.execute(
            text(
                "INSERT INTO order_line (id, organization_id, order_id, ticket_type_id, quantity, unit_price_cents,"
                " discount_cents, line_total_cents, created_at, updated_at)"
                " VALUES (:id, :o, :ord, :tt, 1, 15000, 0, 15000, :now, :now)"
            ),
            lines,
        )
        await conn.execute(
            text(
                "INSERT INTO ticket (id, organization_id, event_id, order_id, order_line_id, position, ticket_type_id,"
                " serial, holder_name, status, created_at, updated_at)"
                " VALUES (:id, :o, :e, :ord, :line, 1, :tt, :serial, :name, 'valid', :now, :now)"
            ),
            tickets,
        )
    event.tickets.extend(out)
    return out


async def seed_paid_orders(
    engine: AsyncEngine,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    ticket_type_id: uuid.UUID,
    count: int,
    email_domain: str,
) -> int:
    """`count` paid one-ticket orders as a sale leaves them, without the checkout's cost: each
    with its buyer address at `email_domain`, its ticket (delivered), a succeeded simulated payment
    for its total, the ticket type's and the event's `sold` counters moved, and the sale booked in
    the ledger exactly as complete_checkout books it (domain/ledger/posting.record_payment). For
    refund and cancellation tests and bench/refund_all. Returns the number of orders."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from voelgoed.domain.ledger import posting

    seeded = SeededEvent(organization_id, event_id, "unused", None, [ticket_type_id])  # type: ignore[arg-type]
    async with engine.begin() as conn:
        await seed_tickets(conn, seeded, count, sign=False)
        await conn.execute(
            text(
                "UPDATE ticket_order SET buyer_email = 'buyer-' || lower(reference) || :d,"
                " buyer_name = 'Buyer ' || reference, tickets_emailed_at = now() WHERE event_id = :e"
            ),
            {"d": f"@{email_domain}", "e": event_id},
        )
        await conn.execute(
            text(
                "INSERT INTO payment_transaction (id, organization_id, order_id, provider, status, amount_cents,"
                " provider_reference, completed_at, created_at, updated_at)"
                " SELECT gen_random_uuid(), organization_id, id, 'simulated', 'succeeded', total_cents,"
                " 'seed-' || reference, now(), now(), now() FROM ticket_order WHERE event_id = :e"
            ),
            {"e": event_id},
        )
        await conn.execute(
            text("UPDATE ticket_type SET sold = sold + :n WHERE id = :t"), {"n": count, "t": ticket_type_id}
        )
        await conn.execute(
            text(
                "INSERT INTO event_inventory (id, organization_id, event_id, capacity, reserved, sold,"
                " created_at, updated_at) VALUES (:id, :o, :e, NULL, 0, :n, now(), now())"
                " ON CONFLICT (event_id) DO UPDATE SET sold = event_inventory.sold + :n"
            ),
            {"id": uuid.uuid4(), "o": organization_id, "e": event_id, "n": count},
        )
        paid = (
            await conn.execute(
                text(
                    "SELECT o.id, t.id, o.total_cents, o.vat_cents FROM ticket_order o"
                    " JOIN payment_transaction t ON t.order_id = o.id WHERE o.event_id = :e"
                ),
                {"e": event_id},
            )
        ).all()
    async with AsyncSession(engine) as db:
        for order_id, transaction_id, total, vat in paid:
            await posting.record_payment(
                db, organization_id=organization_id, event_id=event_id, order_id=order_id,
                transaction_id=transaction_id, provider="simulated", amount_cents=total, vat_cents=vat,
                fee_cents=None, allocated=True,
            )  # fmt: skip
        await db.commit()
    return len(paid)
