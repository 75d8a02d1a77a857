"""ticket.checked_in's `data`: the ticket as the order's detail lists it (TicketRead), its order
and event, and the admission: which scan, when (the effective time: the device's clock corrected
for an offline scan), at which gate, by which device. Built only when somebody subscribes (the
scan path checks once, workflows/check_in.py and offline_sync.py), for many scans in one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.tickets.issuing import ListedTicket
from voelgoed.domain.tickets.models import Ticket
from voelgoed.domain.tickets.schemas import TicketRead, ticket_read
from voelgoed.domain.webhooks.recording_sql import ADMITTING_SCANS


class GateRef(msgspec.Struct):
    id: uuid.UUID
    name: str | None


class DeviceRef(msgspec.Struct):
    id: uuid.UUID
    name: str | None


class TicketCheckedInData(msgspec.Struct):
    """A ticket admitted at a gate."""

    ticket: TicketRead
    order_id: uuid.UUID
    order_reference: str
    event_id: uuid.UUID
    scan_id: uuid.UUID
    scanned_at: datetime  # when the holder went in (for an offline scan: the corrected device time)
    offline: bool  # scanned offline and uploaded later
    gate: GateRef | None  # None once the gate was deleted
    device: DeviceRef


async def checked_in_data(
    db: AsyncSession, organization_id: uuid.UUID, scan_ids: Sequence[uuid.UUID]
) -> list[TicketCheckedInData]:
    """One payload per admitting scan, in the order of `scan_ids` (two queries for any number)."""
    rows = {r[0]: r for r in await db.execute(ADMITTING_SCANS, {"ids": list(scan_ids), "org": organization_id})}
    ticket_ids = list({r[1] for r in rows.values()})
    tickets = {
        t.id: ListedTicket(t, name)
        for t, name in (
            await db.execute(
                select(Ticket, TicketType.name)
                .join(TicketType, TicketType.id == Ticket.ticket_type_id)
                .where(Ticket.id.in_(ticket_ids), Ticket.organization_id == organization_id)
                .execution_options(**UNSCOPED)
            )
        ).tuples()
    }
    out = []
    for scan_id in scan_ids:
        r = rows.get(scan_id)
        if r is None or r[1] not in tickets:
            continue
        listed = tickets[r[1]]
        out.append(
            TicketCheckedInData(
                ticket=ticket_read(listed),
                order_id=listed.ticket.order_id,
                order_reference=r[8],
                event_id=listed.ticket.event_id,
                scan_id=r[0],
                scanned_at=r[2],
                offline=bool(r[3]),
                gate=GateRef(id=r[4], name=r[5]) if r[4] is not None else None,
                device=DeviceRef(id=r[6], name=r[7]),
            )
        )
    return out
