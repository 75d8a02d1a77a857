"""The waiting list's rules that touch no stock: settings, joining, listing.

Offers (which hold stock) and removing an entry whose offer holds stock cross into orders: they
are workflows/waiting_list_offers.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.waiting_list.models import OPEN_STATUSES, WaitingListEntry, WaitingListSettings
from voelgoed.lib.contact import normalise_email
from voelgoed.lib.problems import Conflict, FieldError, Unprocessable

DEFAULT_OFFER_HOURS = 24
# The partial unique index's predicate with its words inline: PostgreSQL infers the arbiter index
# of ON CONFLICT from the predicate, and with bound parameters a generic plan (after a prepared
# statement's fifth run) can no longer prove the match ("no unique constraint matching").
_OPEN_PREDICATE = WaitingListEntry.status.in_([literal_column(f"'{s}'") for s in OPEN_STATUSES])


async def settings_of(db: AsyncSession, event_id: uuid.UUID, *, unscoped: bool = False) -> WaitingListSettings | None:
    stmt = select(WaitingListSettings).where(WaitingListSettings.event_id == event_id)
    if unscoped:
        stmt = stmt.execution_options(**UNSCOPED)
    return await db.scalar(stmt)


async def update_settings(
    db: AsyncSession, organization_id: uuid.UUID, event_id: uuid.UUID, changes: dict[str, Any]
) -> WaitingListSettings:
    row = await settings_of(db, event_id)
    if row is None:
        row = WaitingListSettings(
            organization_id=organization_id, event_id=event_id, enabled=False, offer_hours=DEFAULT_OFFER_HOURS
        )
        db.add(row)
    for key, value in changes.items():
        setattr(row, key, value)
    await db.flush()
    return row


async def entries(db: AsyncSession, event_id: uuid.UUID, status: str | None = None) -> list[WaitingListEntry]:
    stmt = select(WaitingListEntry).where(WaitingListEntry.event_id == event_id)
    if status is not None:
        stmt = stmt.where(WaitingListEntry.status == status)
    return list(await db.scalars(stmt.order_by(WaitingListEntry.created_at, WaitingListEntry.id)))


def positions(rows: list[WaitingListEntry]) -> dict[uuid.UUID, int]:
    """Place in the line per waiting entry, counted per ticket type (rows in joining order)."""
    seen: dict[uuid.UUID, int] = {}
    out: dict[uuid.UUID, int] = {}
    for e in rows:
        if e.status == "waiting":
            seen[e.ticket_type_id] = seen.get(e.ticket_type_id, 0) + 1
            out[e.id] = seen[e.ticket_type_id]
    return out


async def join(
    db: AsyncSession,
    *,
    event_id: uuid.UUID,
    organization_id: uuid.UUID,
    ticket_type_id: uuid.UUID,
    email: str,
    name: str,
    quantity: int,
    available: int,
) -> tuple[WaitingListEntry, bool]:
    """Put a buyer on the line of a sold-out type (`available`: what the public sale has left of it,
    orders/availability.py). Joining again with the same e-mail answers the same entry, unchanged.
    Returns (entry, created)."""
    cfg = await settings_of(db, event_id, unscoped=True)
    if cfg is None or not cfg.enabled:
        raise Conflict("This event has no waiting list.")
    tt = await db.scalar(
        select(TicketType)
        .where(TicketType.id == ticket_type_id, TicketType.event_id == event_id)
        .execution_options(**UNSCOPED)
    )
    if tt is None or tt.hidden:
        raise Unprocessable.field("ticket_type_id", "Not a ticket type of this event.")
    clean_name = " ".join(name.split())
    if not clean_name:
        raise Unprocessable.field("name", "Tell us your name.")
    address = normalise_email(email, field="email", message="Enter a valid e-mail address; the offer is sent there.")
    if not tt.min_per_order <= quantity <= tt.max_per_order:
        raise Unprocessable.field(
            "quantity", f"Choose {tt.min_per_order} to {tt.max_per_order} {tt.name} tickets per order."
        )
    existing = await _open_entry(db, ticket_type_id, address)
    if existing is not None:
        return existing, False
    if available >= tt.min_per_order:
        raise Conflict(
            f"{tt.name} tickets are still on sale: buy them now.",
            errors=[FieldError(field="ticket_type_id", message="Not sold out.")],
        )
    # The partial unique index (one open entry per e-mail and type) settles a race of two joins.
    inserted = await db.scalar(
        insert(WaitingListEntry)
        .values(
            id=uuid.uuid4(),
            organization_id=organization_id,
            event_id=event_id,
            ticket_type_id=ticket_type_id,
            email=address,
            name=clean_name[:200],
            quantity=quantity,
            status="waiting",  # the machine's initial state
        )
        .on_conflict_do_nothing(index_elements=["ticket_type_id", "email"], index_where=_OPEN_PREDICATE)
        .returning(WaitingListEntry.id)
    )
    entry = await _open_entry(db, ticket_type_id, address)
    assert entry is not None
    return entry, inserted is not None


async def _open_entry(db: AsyncSession, ticket_type_id: uuid.UUID, email: str) -> WaitingListEntry | None:
    return await db.scalar(
        select(WaitingListEntry)
        .where(
            WaitingListEntry.ticket_type_id == ticket_type_id,
            WaitingListEntry.email == email,
            WaitingListEntry.status.in_(OPEN_STATUSES),
        )
        .execution_options(**UNSCOPED, populate_existing=True)
    )
