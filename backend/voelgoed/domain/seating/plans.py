"""Seating plans of a venue: create (import), read, export, replace (versioned), delete.

Reads and writes go through the request's tenant-scoped session: another organisation's venue
or plan does not exist here (404). Seats are written with bulk INSERTs (a stadium's 50,000 seats
in a handful of statements).

Versioning: a plan version that an event sells is never changed: its seats are what the event's
seat rows, orders and tickets refer to. Replacing such a version (or an older version) writes
the next version of the same lineage; events keep theirs until the organiser assigns the new one
(domain/seating/event_seating.py). A version no event uses is replaced in place.
"""

from __future__ import annotations

import builtins
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.catalog.inventory import TT, utcnow
from voelgoed.domain.seating.models import (
    EventSeatCategory,
    EventSeating,
    Seat,
    SeatCategory,
    SeatingPlan,
    SeatRow,
    SeatSection,
)
from voelgoed.domain.seating.plan_format import (
    PlanCategory,
    PlanRow,
    PlanSeat,
    PlanSection,
    Point,
    SeatingPlanDocument,
    check_plan,
)
from voelgoed.domain.venues.models import Venue
from voelgoed.lib.problems import Conflict, NotFound


class SeatingPlanService:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def _venue(self, venue_id: uuid.UUID) -> Venue:
        venue = await self.db.scalar(select(Venue).where(Venue.id == venue_id))
        if venue is None:
            raise NotFound("No such venue.")
        return venue

    async def get(self, venue_id: uuid.UUID, plan_id: uuid.UUID) -> SeatingPlan:
        plan = await self.db.scalar(
            select(SeatingPlan).where(SeatingPlan.id == plan_id, SeatingPlan.venue_id == venue_id)
        )
        if plan is None:
            raise NotFound("No such seating plan.")
        return plan

    async def in_use(self, plan_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        if not plan_ids:
            return set()
        rows = await self.db.scalars(select(EventSeating.plan_id).where(EventSeating.plan_id.in_(plan_ids)))
        return set(rows)

    async def list(self, venue_id: uuid.UUID) -> list[SeatingPlan]:
        await self._venue(venue_id)
        plans = await self.db.scalars(
            select(SeatingPlan)
            .where(SeatingPlan.venue_id == venue_id)
            .order_by(SeatingPlan.name, SeatingPlan.lineage_id, SeatingPlan.version.desc())
        )
        return list(plans)

    async def create(self, venue_id: uuid.UUID, doc: SeatingPlanDocument) -> SeatingPlan:
        venue = await self._venue(venue_id)
        check_plan(doc)
        plan_id = uuid.uuid4()
        plan = SeatingPlan(
            id=plan_id, organization_id=venue.organization_id, venue_id=venue.id, lineage_id=plan_id, version=1
        )
        self._describe(plan, doc)
        self.db.add(plan)
        await self.db.flush()
        await self._write_contents(plan, doc)
        self.audit.record(
            action="seating_plan.created",
            entity_type="seating_plan",
            entity_id=plan.id,
            changes={"name": plan.name, "seats": plan.seat_count},
        )
        return plan

    async def replace(self, venue_id: uuid.UUID, plan_id: uuid.UUID, doc: SeatingPlanDocument) -> SeatingPlan:
        """The plan's new contents: in place when no event sells this version and it is the
        newest; else as the lineage's next version (answered; the old one stays as it was)."""
        check_plan(doc)
        current = await self.get(venue_id, plan_id)
        newest = await self.db.scalar(
            select(func.max(SeatingPlan.version)).where(SeatingPlan.lineage_id == current.lineage_id)
        )
        used = bool(await self.in_use([current.id]))
        if used or current.version != newest:
            plan = SeatingPlan(
                organization_id=current.organization_id,
                venue_id=current.venue_id,
                lineage_id=current.lineage_id,
                version=(newest or current.version) + 1,
            )
            self.db.add(plan)
        else:
            plan = current
            plan.updated_at = utcnow()  # new contents under the same id: event_plan's cache key moves
            for model in (Seat, SeatRow, SeatSection, SeatCategory):
                await self.db.execute(delete(model).where(model.plan_id == plan.id))
        self._describe(plan, doc)
        await self.db.flush()
        await self._write_contents(plan, doc)
        self.audit.record(
            action="seating_plan.updated",
            entity_type="seating_plan",
            entity_id=plan.id,
            changes={"name": plan.name, "seats": plan.seat_count, "version": plan.version},
        )
        return plan

    async def delete(self, venue_id: uuid.UUID, plan_id: uuid.UUID) -> None:
        plan = await self.get(venue_id, plan_id)
        if await self.in_use([plan.id]):
            raise Conflict("An event sells this plan version; give the event another plan first.")
        for model in (Seat, SeatRow, SeatSection, SeatCategory):
            await self.db.execute(delete(model).where(model.plan_id == plan.id))
        await self.db.delete(plan)
        await self.db.flush()
        self.audit.record(
            action="seating_plan.deleted", entity_type="seating_plan", entity_id=plan_id, changes={"name": plan.name}
        )

    def _describe(self, plan: SeatingPlan, doc: SeatingPlanDocument) -> None:
        plan.name = doc.name.strip() or "Seating plan"
        plan.width, plan.height = doc.width, doc.height
        plan.focus_x, plan.focus_y = doc.focus.x, doc.focus.y
        plan.seat_count = sum(len(r.seats) for s in doc.sections for r in s.rows)

    async def _write_contents(self, plan: SeatingPlan, doc: SeatingPlanDocument) -> None:
        common = {"organization_id": plan.organization_id, "plan_id": plan.id}
        categories = {c.key: uuid.uuid4() for c in doc.categories}
        await self._bulk(
            SeatCategory,
            [
                {"id": categories[c.key], "key": c.key, "name": c.name, "color": c.color, **common}
                for c in doc.categories
            ],
        )
        sections, rows, seats = [], [], []
        position = 0
        for s_order, section in enumerate(doc.sections):
            section_id = uuid.uuid4()
            sections.append(
                {
                    "id": section_id,
                    "key": section.key,
                    "name": section.name,
                    "kind": section.kind,
                    "capacity": section.capacity if section.kind == "standing" else None,
                    "category_id": categories[section.category] if section.category else None,
                    "sort_order": s_order,
                    "x": section.x,
                    "y": section.y,
                    "rotation": section.rotation,
                    "curve": section.curve,
                    **common,
                }
            )
            for r_order, row in enumerate(section.rows):
                row_id = uuid.uuid4()
                rows.append(
                    {"id": row_id, "section_id": section_id, "label": row.label, "sort_order": r_order, **common}
                )
                for index, seat in enumerate(row.seats):
                    seats.append(
                        {
                            "id": uuid.uuid4(),
                            "section_id": section_id,
                            "row_id": row_id,
                            "category_id": categories[seat.category],
                            "label": seat.label,
                            "position": position,
                            "row_index": index,
                            "x": seat.x,
                            "y": seat.y,
                            "accessible": seat.accessible,
                            "restricted_view": seat.restricted_view,
                            **common,
                        }
                    )
                    position += 1
        await self._bulk(SeatSection, sections)
        await self._bulk(SeatRow, rows)
        await self._bulk(Seat, seats)

    async def _bulk(self, model: Any, rows: builtins.list[dict[str, Any]], chunk: int = 5000) -> None:
        for start in range(0, len(rows), chunk):
            await self.db.execute(insert(model), rows[start : start + chunk])

    async def document(self, plan: SeatingPlan) -> SeatingPlanDocument:
        """The stored plan as a document, every id filled in (export drops them: without_ids)."""
        return await plan_document(self.db, plan)


async def plan_document(db: AsyncSession, plan: SeatingPlan) -> SeatingPlanDocument:
    """A plan version as the JSON format (plan_format.py), with ids; seats in plan order."""
    cats = list(
        await db.scalars(select(SeatCategory).where(SeatCategory.plan_id == plan.id).order_by(SeatCategory.key))
    )
    key_of = {c.id: c.key for c in cats}
    sections = list(
        await db.scalars(select(SeatSection).where(SeatSection.plan_id == plan.id).order_by(SeatSection.sort_order))
    )
    rows = list(await db.scalars(select(SeatRow).where(SeatRow.plan_id == plan.id).order_by(SeatRow.sort_order)))
    seats = (
        await db.execute(
            select(
                Seat.id,
                Seat.row_id,
                Seat.label,
                Seat.x,
                Seat.y,
                Seat.category_id,
                Seat.accessible,
                Seat.restricted_view,
            )
            .where(Seat.plan_id == plan.id)
            .order_by(Seat.position)
        )
    ).all()
    seats_of: dict[uuid.UUID, list[PlanSeat]] = {}
    for s in seats:
        seats_of.setdefault(s.row_id, []).append(
            PlanSeat(
                label=s.label,
                x=s.x,
                y=s.y,
                category=key_of[s.category_id],
                accessible=s.accessible,
                restricted_view=s.restricted_view,
                id=s.id,
            )
        )
    rows_of: dict[uuid.UUID, list[PlanRow]] = {}
    for r in rows:
        rows_of.setdefault(r.section_id, []).append(PlanRow(label=r.label, seats=seats_of.get(r.id, []), id=r.id))
    return SeatingPlanDocument(
        id=plan.id,
        version=plan.version,
        name=plan.name,
        width=plan.width,
        height=plan.height,
        focus=Point(plan.focus_x, plan.focus_y),
        categories=[PlanCategory(key=c.key, name=c.name, color=c.color, id=c.id) for c in cats],
        sections=[
            PlanSection(
                key=s.key,
                name=s.name,
                kind=s.kind,  # type: ignore[arg-type]
                capacity=s.capacity,
                category=key_of[s.category_id] if s.category_id else None,
                x=s.x,
                y=s.y,
                rotation=s.rotation,
                curve=s.curve,
                rows=rows_of.get(s.id, []),
                id=s.id,
            )
            for s in sections
        ],
    )


@dataclass
class EventPlan:
    """What a seated event's buyers see of its plan (getPublicSeatingPlan, the seat picker)."""

    document: SeatingPlanDocument
    # The categories on sale, by key: rows of (key, name, color, ticket type id, price_cents).
    categories: list[Any]


async def event_plan(db: AsyncSession, event_id: uuid.UUID) -> EventPlan | None:
    """The event's plan version and its categories on sale; None when it sells no reserved seats."""
    seating = await db.scalar(select(EventSeating).where(EventSeating.event_id == event_id))
    if seating is None:
        return None
    plan = await db.scalar(select(SeatingPlan).where(SeatingPlan.id == seating.plan_id))
    assert plan is not None
    mapped = (
        await db.execute(
            select(SeatCategory.key, SeatCategory.name, SeatCategory.color, TT.c.id, TT.c.price_cents)
            .join(EventSeatCategory, EventSeatCategory.category_id == SeatCategory.id)
            .join(TT, TT.c.id == EventSeatCategory.ticket_type_id)
            .where(EventSeatCategory.event_id == event_id)
            .order_by(SeatCategory.key)
        )
    ).all()
    return EventPlan(document=await _sold_plan_document(db, plan), categories=list(mapped))


# The documents of plan versions events sell, per process (the seat picker and its map read one
# per request; a stadium's is 50,000 seats). Keyed by the version's id and updated_at: its contents
# change only by an in-place replace, which moves updated_at, so an entry is never stale, and each
# process fills its own. Read-only: callers must not change a document they get.
_DOCUMENTS: OrderedDict[tuple[uuid.UUID, datetime], SeatingPlanDocument] = OrderedDict()
_DOCUMENTS_KEPT = 4  # a 50,000-seat document is some 15 MB of objects


async def _sold_plan_document(db: AsyncSession, plan: SeatingPlan) -> SeatingPlanDocument:
    key = (plan.id, plan.updated_at)
    doc = _DOCUMENTS.get(key)
    if doc is None:
        doc = await plan_document(db, plan)
        _DOCUMENTS[key] = doc
        while len(_DOCUMENTS) > _DOCUMENTS_KEPT:
            _DOCUMENTS.popitem(last=False)
    else:
        _DOCUMENTS.move_to_end(key)
    return doc
