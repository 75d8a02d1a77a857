"""Venues and their gates. Reads and writes go through the request's tenant-scoped session."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.errors import blocked_by_reference
from voelgoed.domain.audit.services import AuditService, diff
from voelgoed.domain.venues.models import Gate, Venue
from voelgoed.lib.closed_sets import closed_set, sorts_of
from voelgoed.lib.pagination import PageParams, order_by, paginate
from voelgoed.lib.problems import Conflict, FieldError, NotFound, Unprocessable
from voelgoed.lib.timezones import check_timezone

EVENT_VENUE_REFERENCE = "fk_event_venue_id_venue"  # event.venue_id (migration 0001)

VENUE_SORTS = {
    "name": Venue.name,
    "created_at": Venue.created_at,
    "capacity": Venue.capacity,
    "city": Venue.city,
}
if TYPE_CHECKING:
    VenueSort = str
else:  # `sort` of the venues list: a key of VENUE_SORTS, '-' first for descending
    VenueSort = closed_set("VenueSort", sorts_of(VENUE_SORTS), "Sort of the venues list ('-': descending).")

_REQUIRED = ("name", "address_line1", "city")


def _cleaned(data: dict[str, Any]) -> dict[str, Any]:
    """Trim text fields; a required one left blank is refused at its field."""
    out = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    for field in _REQUIRED:
        if field in out and not out[field]:
            raise Unprocessable.field(field, "must not be blank")
    return out


def _check_capacity(value: int | None) -> None:
    if value is not None and value < 0:
        raise Unprocessable.field("capacity", "Capacity cannot be negative.")


class VenueService:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def list(self, params: PageParams, q: str | None) -> tuple[list[Venue], int]:
        stmt = select(Venue)
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.where(or_(Venue.name.ilike(like), Venue.city.ilike(like)))
        stmt = order_by(stmt, params.sort, VENUE_SORTS, "name")
        return await paginate(self.db, stmt, params)

    async def get(self, venue_id: uuid.UUID) -> Venue:
        venue = await self.db.scalar(select(Venue).where(Venue.id == venue_id))
        if venue is None:
            raise NotFound("No such venue.")
        return venue

    async def create(self, organization_id: uuid.UUID, data: dict[str, Any]) -> Venue:
        data = _cleaned(data)
        check_timezone(data.get("timezone") or "Africa/Johannesburg")
        _check_capacity(data.get("capacity"))
        venue = Venue(organization_id=organization_id, **data)
        venue.gates = []
        self.db.add(venue)
        await self.db.flush()
        self.audit.record(action="venue.created", entity_type="venue", entity_id=venue.id, changes=data)
        return venue

    async def update(self, venue_id: uuid.UUID, changes: dict[str, Any]) -> Venue:
        venue = await self.get(venue_id)
        if "timezone" in changes:
            check_timezone(changes["timezone"])
        _check_capacity(changes.get("capacity"))
        changes = _cleaned(changes)
        before = {k: getattr(venue, k) for k in changes}
        for key, value in changes.items():
            setattr(venue, key, value)
        await self.db.flush()
        if d := diff(before, changes):
            self.audit.record(action="venue.updated", entity_type="venue", entity_id=venue.id, changes=d)
        return venue

    async def delete(self, venue_id: uuid.UUID) -> None:
        venue = await self.get(venue_id)
        try:
            # Events refer to their venue ON DELETE RESTRICT: PostgreSQL refuses the delete of a
            # venue with events (venues sit below events and do not read them).
            async with self.db.begin_nested():
                await self.db.delete(venue)
                await self.db.flush()
        except IntegrityError as exc:
            if not blocked_by_reference(exc, EVENT_VENUE_REFERENCE):
                raise
            raise Conflict("This venue has events; move or delete them first.") from None
        self.audit.record(action="venue.deleted", entity_type="venue", entity_id=venue_id, changes={"name": venue.name})

    # --- gates ----------------------------------------------------------------------------
    async def add_gate(self, venue_id: uuid.UUID, code: str, name: str) -> Gate:
        venue = await self.get(venue_id)
        code = code.strip().upper()
        if not code:
            raise Unprocessable.field("code", "Enter a short gate code, e.g. NORTH.")
        if any(g.code == code for g in venue.gates):
            raise Conflict(
                "This venue already has a gate with that code.",
                errors=[FieldError(field="code", message="already used at this venue")],
            )
        gate = Gate(organization_id=venue.organization_id, venue_id=venue.id, code=code, name=name.strip() or code)
        venue.gates.append(gate)
        await self.db.flush()
        self.audit.record(
            action="gate.created",
            entity_type="venue",
            entity_id=venue.id,
            changes={"gate": code, "name": gate.name},
        )
        return gate

    async def _gate(self, venue_id: uuid.UUID, gate_id: uuid.UUID) -> Gate:
        gate = await self.db.scalar(select(Gate).where(Gate.id == gate_id, Gate.venue_id == venue_id))
        if gate is None:
            raise NotFound("No such gate.")
        return gate

    async def update_gate(self, venue_id: uuid.UUID, gate_id: uuid.UUID, changes: dict[str, Any]) -> Gate:
        gate = await self._gate(venue_id, gate_id)
        if "code" in changes:
            changes["code"] = changes["code"].strip().upper()
            clash = await self.db.scalar(
                select(Gate.id).where(Gate.venue_id == venue_id, Gate.code == changes["code"], Gate.id != gate_id)
            )
            if clash:
                raise Conflict(
                    "This venue already has a gate with that code.",
                    errors=[FieldError(field="code", message="already used at this venue")],
                )
        before = {k: getattr(gate, k) for k in changes}
        for key, value in changes.items():
            setattr(gate, key, value)
        await self.db.flush()
        self.audit.record(action="gate.updated", entity_type="venue", entity_id=venue_id, changes=diff(before, changes))
        return gate

    async def delete_gate(self, venue_id: uuid.UUID, gate_id: uuid.UUID) -> None:
        gate = await self._gate(venue_id, gate_id)
        await self.db.delete(gate)
        self.audit.record(action="gate.deleted", entity_type="venue", entity_id=venue_id, changes={"gate": gate.code})
