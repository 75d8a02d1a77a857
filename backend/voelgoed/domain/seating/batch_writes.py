"""A seat-hold batch's writes in ONE statement: its orders, their lines, the seats and the counters.

allocation.py's batch ends with writes that used to be seven round trips under the event's lock
(orders, lines, TAKE_SEATS, one UPDATE per ticket type, the event's counters): each a wait on a
busy process's event loop. `WRITE_BATCH` does them as data-modifying CTEs of one statement, the
rows passed as arrays (unnest: one bind per column whatever the batch's size, so the statement is
compiled and prepared once):

    WITH new_orders AS (INSERT INTO ticket_order ... SELECT unnest(...) ... RETURNING id),
         new_lines  AS (INSERT INTO order_line  ... SELECT unnest(...) ... RETURNING id),
         took       AS (holds.py's TAKE_SEATS ... RETURNING id),
         types      AS (UPDATE ticket_type SET reserved = reserved + n ... WHERE it has room ...),
         event      AS (UPDATE event_inventory SET reserved = reserved + total ... WHERE it has room)
    SELECT the seats taken, and how many types and event rows moved

PostgreSQL runs every part once whether or not the SELECT reads it, and checks the foreign keys
(lines and seats to their new orders) at the end of the statement. The caller compares what came
back with what it asked for and raises when anything is short: the whole transaction rolls back,
exactly as when the statements were separate. Ticket types in a shared quota keep the separate
statements (inventory.move_type_counters moves the quota too): `WRITE_BATCH` is for batches
whose types draw on no quota.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Boolean, DateTime, Integer, String, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.catalog.inventory import INV, TT
from voelgoed.domain.orders.models import LINE, ORD
from voelgoed.domain.seating.holds import TAKE_SEATS

_UUID, _TEXT, _TIME = PG_UUID(as_uuid=True), String(), DateTime(timezone=True)
_ORDER_COLUMNS = {
    "id": _UUID,
    "organization_id": _UUID,
    "event_id": _UUID,
    "reference": _TEXT,
    "status": _TEXT,
    "hold_expires_at": _TIME,
    "subtotal_cents": Integer(),
    "discount_cents": Integer(),
    "total_cents": Integer(),
    "vat_cents": Integer(),
    "vat_rate_bp": Integer(),
    "fees_cents": Integer(),
    "coupon_id": _UUID,
    "access_token_hash": _TEXT,
    "idempotency_key": _TEXT,
    "session_id": _TEXT,
    "needs_refund": Boolean(),
    "created_at": _TIME,
    "updated_at": _TIME,
}
_LINE_COLUMNS = {
    "id": _UUID,
    "organization_id": _UUID,
    "order_id": _UUID,
    "ticket_type_id": _UUID,
    "quantity": Integer(),
    "unit_price_cents": Integer(),
    "discount_cents": Integer(),
    "line_total_cents": Integer(),
    "event_seat_id": _UUID,
    "created_at": _TIME,
    "updated_at": _TIME,
}


def _rows_of(prefix: str, columns: dict[str, Any]) -> Any:
    return select(*(func.unnest(bindparam(f"{prefix}{name}", type_=ARRAY(t))) for name, t in columns.items()))


# include_defaults=False: the other columns take the database's defaults (a Python-side default
# would be a bind SQLAlchemy fills only outside a CTE).
_NEW_ORDERS = (
    insert(ORD)
    .from_select(list(_ORDER_COLUMNS), _rows_of("o_", _ORDER_COLUMNS), include_defaults=False)
    .returning(ORD.c.id)
)
_NEW_LINES = (
    insert(LINE)
    .from_select(list(_LINE_COLUMNS), _rows_of("l_", _LINE_COLUMNS), include_defaults=False)
    .returning(LINE.c.id)
)
_MOVED = select(
    func.unnest(bindparam("t_ids", type_=ARRAY(_UUID))).label("id"),
    func.unnest(bindparam("t_ns", type_=ARRAY(Integer()))).label("n"),
).subquery("moved")
_TYPES = (
    update(TT)
    .where(TT.c.id == _MOVED.c.id, TT.c.reserved + TT.c.sold + _MOVED.c.n <= TT.c.quantity)
    .values(reserved=TT.c.reserved + _MOVED.c.n, updated_at=bindparam("now"))
    .returning(TT.c.id)
)
_EVENT = (
    update(INV)
    .where(
        INV.c.id == bindparam("inv_id"),
        INV.c.capacity.is_(None) | (INV.c.reserved + INV.c.sold + bindparam("total") <= INV.c.capacity),
    )
    .values(reserved=INV.c.reserved + bindparam("total"), updated_at=bindparam("now"))
    .returning(INV.c.id)
)
_parts = {
    name: stmt.cte(name)
    for name, stmt in (
        ("new_orders", _NEW_ORDERS),
        ("new_lines", _NEW_LINES),
        ("took", TAKE_SEATS),
        ("types", _TYPES),
        ("moved_event", _EVENT),
    )
}
WRITE_BATCH = select(
    select(func.array_agg(_parts["took"].c.id)).scalar_subquery().label("took"),
    *(
        select(func.count()).select_from(_parts[name]).scalar_subquery().label(name)
        for name in ("new_orders", "new_lines", "types", "moved_event")
    ),
)


async def write_batch(
    conn: AsyncConnection,
    *,
    orders: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    seats: dict[str, Any],
    per_type: dict[Any, int],
    inventory_id: Any,
) -> Any:
    """Run WRITE_BATCH: `seats` are TAKE_SEATS' binds (b_event, ids, owners, untils, box, now).
    Returns the row: `took` (the seats taken), `new_orders`, `new_lines`, `types`, `moved_event`."""
    params: dict[str, Any] = {f"o_{c}": [o[c] for o in orders] for c in _ORDER_COLUMNS}
    params.update({f"l_{c}": [ln[c] for ln in lines] for c in _LINE_COLUMNS})
    params.update(seats)
    params.update(t_ids=list(per_type), t_ns=list(per_type.values()), inv_id=inventory_id, total=sum(per_type.values()))
    return (await conn.execute(WRITE_BATCH, params)).one()
