"""The personal data holder of the waiting list (domain/waiting_list): entries are keyed by the
e-mail address itself, so it also says which organisations hold anything for an address (an
address that only ever joined a waiting list can still ask); the registry is
workflows/personal_data_holders.py.

Erasure first takes every open entry of the address off the list through the waiting list's own
`remove_entry` (workflows/waiting_list_offers.py), exactly as the organiser's "Remove" does: an
open offer is withdrawn and its hold cancelled under the event's inventory lock, so the stock it
held goes back in this same transaction, never stuck until the offer would have expired; a
waiting entry stops keeping tickets back from the public sale (waiting_list/stock.py counts only
`waiting` entries). The next buyer in line gets the freed tickets from the `offer_waiting_list`
cron run within a minute (it visits every event with open entries); with nobody else waiting they
are on public sale at once. Then each entry's name and address are tombstoned and its offer link
forgotten (a kept link would 404 from now on): the rows stay, so the organiser's list keeps its
history (how many were offered, converted, removed) and an offer's order keeps its link.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.models import Order
from voelgoed.domain.waiting_list.models import OPEN_STATUSES, WaitingListEntry
from voelgoed.workflows.personal_data_types import ERASED, DataSubject, PersonalDataHolder, Rows
from voelgoed.workflows.waiting_list_offers import remove_entry


async def _waiting_list_organizations(db: AsyncSession, email: str) -> set[uuid.UUID]:
    """Unscoped: the checkout site's request form asks across every organisation."""
    rows = await db.scalars(
        select(WaitingListEntry.organization_id)
        .where(WaitingListEntry.email == email)
        .distinct()
        .execution_options(**UNSCOPED)
    )
    return set(rows)


def _entries_of(s: DataSubject) -> list[ColumnElement[bool]]:
    return [WaitingListEntry.organization_id == s.organization_id, WaitingListEntry.email == s.email]


async def waiting_list_names(db: AsyncSession, org: uuid.UUID, email: str) -> set[str]:
    """Names the address gave on waiting lists: personal values free-form records are scrubbed of."""
    return set(
        await db.scalars(
            select(WaitingListEntry.name).where(
                WaitingListEntry.organization_id == org, WaitingListEntry.email == email
            )
        )
    )


async def _export_waiting_list(db: AsyncSession, s: DataSubject) -> Rows:
    rows = await db.execute(
        select(WaitingListEntry, Event.name, TicketType.name, Order.reference)
        .join(Event, Event.id == WaitingListEntry.event_id)
        .join(TicketType, TicketType.id == WaitingListEntry.ticket_type_id)
        .outerjoin(Order, Order.id == WaitingListEntry.order_id)
        .where(*_entries_of(s))
        .order_by(WaitingListEntry.created_at)
    )
    return [
        {
            "event": event_name,
            "ticket_type": type_name,
            "name": e.name,
            "email": e.email,
            "quantity": e.quantity,
            "status": e.status,
            "joined_at": e.created_at,
            "offered_at": e.offered_at,
            "offer_expires_at": e.offer_expires_at,
            "offer_order_reference": reference,
            "closed_at": e.closed_at,
        }
        for e, event_name, type_name, reference in rows.tuples()
    ]


async def _erase_waiting_list(db: AsyncSession, s: DataSubject) -> int:
    """Open entries are removed (offers withdrawn, their holds cancelled), then every entry of the
    address is tombstoned: see the module's docstring."""
    open_entries = list(
        await db.execute(
            select(WaitingListEntry.id, WaitingListEntry.event_id)
            .where(*_entries_of(s), WaitingListEntry.status.in_(OPEN_STATUSES))
            .order_by(WaitingListEntry.event_id, WaitingListEntry.created_at)
        )
    )
    for entry_id, event_id in open_entries:
        await remove_entry(db, event_id, entry_id)  # the organiser's Remove: locks, withdraws, releases
    entries = list(
        await db.scalars(
            select(WaitingListEntry).where(*_entries_of(s)).with_for_update().execution_options(populate_existing=True)
        )
    )
    for entry in entries:
        entry.name = ERASED
        entry.email = ERASED
        entry.offer_token_hash = None
    await db.flush()
    return len(entries)


WAITING_LIST = PersonalDataHolder(
    key="waiting_list",
    description="Places on events' waiting lists: the name and address given, how many tickets, and any offer made.",
    export=_export_waiting_list,
    erase=_erase_waiting_list,
    organizations=_waiting_list_organizations,
)
