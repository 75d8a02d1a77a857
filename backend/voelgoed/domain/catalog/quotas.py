"""Shared quotas: several ticket types of one event sold from one pool.

A type belongs to at most one quota (what organisers ask for; pretix allows several) and keeps its
own quantity: what is left of it is the least of its own room, its quota's and the event's
(orders/holds.py `_room`, orders/availability.py). The quota's counters are the sums of its types'
and move with them (inventory.py `move_type_counters`); here they move when a type joins or
leaves. Every change takes the event's inventory lock first, as holds do, then the types, then
the quota (inventory.py's lock order), so capacity and membership are checked against counters
nobody is moving at that moment.
"""

from __future__ import annotations

import builtins
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.audit.services import AuditService, diff
from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.models import TicketQuota, TicketType
from voelgoed.domain.catalog.services import ReleaseExpiredHolds, get_event
from voelgoed.lib.problems import Conflict, FieldError, NotFound, Unprocessable


def members_of(types: list[TicketType]) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    for t in types:
        if t.quota_id is not None:
            out.setdefault(t.quota_id, []).append(t.id)
    return out


async def quota_room_per_type(db: AsyncSession, event_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """What each quota still has, per member type (for the organiser's ticket-type figures)."""
    rows = await db.execute(
        select(TicketType.id, TicketQuota.capacity - TicketQuota.reserved - TicketQuota.sold)
        .join(TicketQuota, TicketQuota.id == TicketType.quota_id)
        .where(TicketType.event_id == event_id)
    )
    return {tt_id: int(room) for tt_id, room in rows.all()}


class QuotaService:
    def __init__(self, db: AsyncSession, audit: AuditService, *, release_expired_holds: ReleaseExpiredHolds) -> None:
        self.db = db
        self.audit = audit
        self.release_expired_holds = release_expired_holds

    async def list(
        self, event_id: uuid.UUID
    ) -> tuple[builtins.list[TicketQuota], dict[uuid.UUID, builtins.list[uuid.UUID]]]:
        await get_event(self.db, event_id)
        quotas = await self.db.scalars(
            select(TicketQuota).where(TicketQuota.event_id == event_id).order_by(TicketQuota.name)
        )
        return list(quotas), await self.members(event_id)

    async def members(self, event_id: uuid.UUID) -> dict[uuid.UUID, builtins.list[uuid.UUID]]:
        types = await self.db.scalars(
            select(TicketType).where(TicketType.event_id == event_id).order_by(TicketType.sort_order, TicketType.name)
        )
        return members_of(list(types))

    async def get(self, event_id: uuid.UUID, quota_id: uuid.UUID, *, for_update: bool = False) -> TicketQuota:
        query = select(TicketQuota).where(TicketQuota.id == quota_id, TicketQuota.event_id == event_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        quota = await self.db.scalar(query)
        if quota is None:  # unknown, another event's, or another organisation's (tenant scope)
            raise NotFound("No such quota.")
        return quota

    async def _lock_event(self, event_id: uuid.UUID, *, release: bool) -> None:
        conn = await self.db.connection()
        inv = await inventory.lock_inventory(conn, event_id)  # lock order: inventory first
        if inv is not None and release:
            await self.release_expired_holds(conn, inv)  # expired holds do not block a lower capacity

    async def _unique_name(self, event_id: uuid.UUID, name: str, exclude: uuid.UUID | None) -> str:
        name = " ".join(name.split())
        if not name:
            raise Unprocessable.field("name", "A quota needs a name.")
        stmt = select(TicketQuota.id).where(TicketQuota.event_id == event_id, TicketQuota.name == name)
        if exclude is not None:
            stmt = stmt.where(TicketQuota.id != exclude)
        if await self.db.scalar(stmt):
            raise Conflict(
                "This event already has a quota with that name.",
                errors=[FieldError(field="name", message="Already used for this event.")],
            )
        return name

    async def create(self, organization_id: uuid.UUID, event_id: uuid.UUID, data: dict[str, Any]) -> TicketQuota:
        event = await get_event(self.db, event_id)
        await self._lock_event(event.id, release=bool(data.get("ticket_type_ids")))
        name = await self._unique_name(event.id, data["name"], None)
        quota = TicketQuota(
            organization_id=organization_id, event_id=event.id, name=name, capacity=data["capacity"], reserved=0, sold=0
        )
        self.db.add(quota)
        await self.db.flush()
        await self._set_members(quota, data.get("ticket_type_ids") or [])
        self.audit.record(
            action="ticket_quota.created",
            entity_type="ticket_quota",
            entity_id=quota.id,
            changes={"name": name, "capacity": quota.capacity, "event_id": event.id},
        )
        return quota

    async def update(self, event_id: uuid.UUID, quota_id: uuid.UUID, changes: dict[str, Any]) -> TicketQuota:
        event = await get_event(self.db, event_id)
        await self._lock_event(event.id, release="capacity" in changes or "ticket_type_ids" in changes)
        quota = await self.get(event.id, quota_id, for_update=True)
        before = {"name": quota.name, "capacity": quota.capacity}
        if "name" in changes:
            quota.name = await self._unique_name(event.id, changes["name"], quota.id)
        capacity = changes.get("capacity")
        if capacity is not None and capacity >= quota.capacity:  # a larger pool first: types may join into it
            quota.capacity = capacity
            await self.db.flush()
        if "ticket_type_ids" in changes:
            await self._set_members(quota, changes["ticket_type_ids"] or [])
        if capacity is not None:
            taken = quota.reserved + quota.sold
            if capacity < taken:
                raise Conflict(
                    f"{taken} tickets of this quota are held or sold; its capacity cannot go below that.",
                    errors=[FieldError(field="capacity", message=f"at least {taken}")],
                )
            quota.capacity = capacity
        await self.db.flush()
        if d := diff(before, {"name": quota.name, "capacity": quota.capacity}):
            self.audit.record(action="ticket_quota.updated", entity_type="ticket_quota", entity_id=quota.id, changes=d)
        return quota

    async def _set_members(self, quota: TicketQuota, wanted_ids: builtins.list[uuid.UUID]) -> None:
        """Make exactly `wanted_ids` draw from the quota; their held and sold tickets move into
        the pool (refused when it cannot take them) and those of types leaving it move out."""
        wanted = set(wanted_ids)
        conn = await self.db.connection()
        types = builtins.list(
            await self.db.scalars(
                select(TicketType)
                .where(TicketType.event_id == quota.event_id)
                .order_by(TicketType.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        by_id = {t.id: t for t in types}
        if not wanted <= set(by_id):
            raise Unprocessable.field("ticket_type_ids", "Every ticket type must belong to this event.")
        for t in types:
            if t.id in wanted and t.quota_id not in (None, quota.id):
                raise Conflict(
                    f"{t.name} already draws from another quota; a ticket type belongs to at most one shared quota.",
                    errors=[FieldError(field="ticket_type_ids", message=f"{t.name} is in another quota.")],
                )
        for t in types:  # leaving first: their tickets make room in the pool
            if t.quota_id == quota.id and t.id not in wanted:
                await inventory.move_quota_membership(conn, reserved=t.reserved, sold=t.sold, old=quota.id, new=None)
                t.quota_id = None
        for t in types:
            if t.id in wanted and t.quota_id is None:
                try:
                    async with self.db.begin_nested():
                        await inventory.move_quota_membership(
                            conn, reserved=t.reserved, sold=t.sold, old=None, new=quota.id
                        )
                except inventory.StockShort:
                    raise Conflict(
                        f"The quota's capacity ({quota.capacity}) cannot take the tickets its types already"
                        f" hold or sell; {t.name} alone has {t.reserved + t.sold}.",
                        errors=[
                            FieldError(field="capacity", message="Too small for what the types already hold or sell.")
                        ],
                    ) from None
                t.quota_id = quota.id
        await self.db.flush()
        await self.db.refresh(quota)

    async def delete(self, event_id: uuid.UUID, quota_id: uuid.UUID) -> None:
        """The types keep selling from their own quantity (their `quota_id` becomes NULL)."""
        event = await get_event(self.db, event_id)
        await self._lock_event(event.id, release=False)
        quota = await self.get(event.id, quota_id, for_update=True)
        await self.db.delete(quota)
        await self.db.flush()
        self.audit.record(
            action="ticket_quota.deleted", entity_type="ticket_quota", entity_id=quota_id, changes={"name": quota.name}
        )
