"""What the waiting list keeps back from the public sale.

Stock that comes back (an expired hold, a cancellation, a refund) belongs to the people waiting
for it: while entries of a type wait, the public sale of that type (and of its shared quota and
the event) sees that much less, so the next buyer in the line gets the offer instead of whoever
reloads the page first. The offers themselves (workflows/waiting_list_offers.py) see the real
stock. Read by the hold path (orders/holds.py) and availability (orders/availability.py) under
the same connection they use; this area sits below orders (pyproject's import contract).
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.waiting_list.models import WaitingListEntry, WaitingListSettings

# Built once with a bind parameter: the hold path runs it per batch, and per-call expressions
# leave reference cycles for the cyclic GC (catalog/inventory.py says why that matters).
# Only while the event's list is on: entries left waiting when the organiser turns it off keep
# nothing back (no offers are made for them then).
_QUEUED = (
    select(WaitingListEntry.ticket_type_id, func.sum(WaitingListEntry.quantity))
    .join(WaitingListSettings, WaitingListSettings.event_id == WaitingListEntry.event_id)
    .where(
        WaitingListEntry.event_id == bindparam("event_id"),
        WaitingListEntry.status == "waiting",
        WaitingListSettings.enabled.is_(True),
    )
    .group_by(WaitingListEntry.ticket_type_id)
)


async def queued_per_type(conn: AsyncConnection, event_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Tickets wanted by entries still `waiting`, per ticket type of the event (usually none)."""
    rows = await conn.execute(_QUEUED, {"event_id": event_id})
    return {tt_id: int(n) for tt_id, n in rows.all()}
