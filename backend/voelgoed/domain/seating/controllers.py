"""The organiser's seating API: a venue's plans (venues permissions) and an event's seating
(events permissions). Thin: the rules live in plans.py and event_seating.py."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post, put
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import ApiKeyScope, Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.orders.availability import invalidate_availability
from voelgoed.domain.seating import availability
from voelgoed.domain.seating.event_seating import EventSeatingService
from voelgoed.domain.seating.plan_format import MAX_PLAN_BODY_BYTES, SeatingPlanDocument, without_ids
from voelgoed.domain.seating.plans import SeatingPlanService
from voelgoed.domain.seating.schemas import (
    EventSeatingAssign,
    EventSeatingRead,
    SeatAllocationCreate,
    SeatAllocationRead,
    SeatAvailabilityRead,
    SeatBlock,
    SeatingPlanSummary,
    SeatUnblock,
    held_seat_read,
    plan_summary,
)
from voelgoed.lib.problems import NotFound
from voelgoed.workflows import box_office

IDEMPOTENCY_HEADER = "Idempotency-Key"


async def provide_plans(db_session: AsyncSession, auth: AuthContext) -> SeatingPlanService:
    return SeatingPlanService(db_session, AuditService(db_session, auth))


async def provide_event_seating(db_session: AsyncSession, auth: AuthContext) -> EventSeatingService:
    return EventSeatingService(db_session, AuditService(db_session, auth))


class SeatingPlanController(Controller):
    path = "/api/organizations/{organization_id:uuid}/venues/{venue_id:uuid}/seating-plans"
    tags = ["seating"]
    dependencies = {"plans": Provide(provide_plans)}

    @get("", operation_id="listSeatingPlans", opt=access(Permission.VENUES_READ))
    async def list_plans(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, plans: SeatingPlanService
    ) -> list[SeatingPlanSummary]:
        """List the venue's seating plans.

        Every version of every seating plan of the venue, newest version first per plan."""
        found = await plans.list(venue_id)
        used = await plans.in_use([p.id for p in found])
        return [plan_summary(p, p.id in used) for p in found]

    @post(
        "",
        operation_id="createSeatingPlan",
        opt=access(Permission.VENUES_WRITE),
        status_code=201,
        request_max_body_size=MAX_PLAN_BODY_BYTES,
    )
    async def create_plan(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, data: SeatingPlanDocument, plans: SeatingPlanService
    ) -> SeatingPlanSummary:
        """Create (import) a seating plan.

        The body is a document in the seating JSON format (docs/seating.md); ids in it are
        ignored. 422 at the field for a broken plan (a category that does not exist, a seat label
        twice in a row, a standing area without capacity, ...)."""
        return plan_summary(await plans.create(venue_id, data), False)

    @get("/{plan_id:uuid}", operation_id="getSeatingPlan", opt=access(Permission.VENUES_READ))
    async def get_plan(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, plan_id: uuid.UUID, plans: SeatingPlanService
    ) -> SeatingPlanDocument:
        """Get a seating plan version.

        The plan version as a document with every id (sections, rows, seats, categories)."""
        return await plans.document(await plans.get(venue_id, plan_id))

    @get("/{plan_id:uuid}/export", operation_id="exportSeatingPlan", opt=access(Permission.VENUES_READ))
    async def export_plan(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, plan_id: uuid.UUID, plans: SeatingPlanService
    ) -> SeatingPlanDocument:
        """Export a seating plan version.

        The plan version in the portable JSON format (no ids): createSeatingPlan imports it."""
        return without_ids(await plans.document(await plans.get(venue_id, plan_id)))

    @put(
        "/{plan_id:uuid}",
        operation_id="replaceSeatingPlan",
        opt=access(Permission.VENUES_WRITE),
        request_max_body_size=MAX_PLAN_BODY_BYTES,
    )
    async def replace_plan(
        self,
        organization_id: uuid.UUID,
        venue_id: uuid.UUID,
        plan_id: uuid.UUID,
        data: SeatingPlanDocument,
        plans: SeatingPlanService,
    ) -> SeatingPlanSummary:
        """Replace a seating plan's contents.

        A version an event sells (or an older version) is never changed: the answer is then the
        lineage's next version, with a new id. A version no event uses is replaced in place."""
        plan = await plans.replace(venue_id, plan_id, data)
        return plan_summary(plan, bool(await plans.in_use([plan.id])))

    @delete(
        "/{plan_id:uuid}",
        operation_id="deleteSeatingPlan",
        opt=access(Permission.VENUES_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_plan(
        self, organization_id: uuid.UUID, venue_id: uuid.UUID, plan_id: uuid.UUID, plans: SeatingPlanService
    ) -> None:
        """Delete a seating plan version.

        409 while an event sells it."""
        await plans.delete(venue_id, plan_id)


class EventSeatingController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/seating"
    tags = ["seating"]
    dependencies = {"seating": Provide(provide_event_seating)}

    @get("", operation_id="getEventSeating", opt=access(Permission.EVENTS_READ))
    async def get_seating(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, seating: EventSeatingService
    ) -> EventSeatingRead:
        """Get an event's seating.

        The plan version the event sells, its categories with their ticket types, and how many
        seats are available, held, sold and blocked. 404 when the event has no seating."""
        return await seating.read(event_id)

    @get("/seats", operation_id="getEventSeatMap", opt=access(Permission.EVENTS_READ))
    async def get_seat_map(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, seating: EventSeatingService, db_session: AsyncSession
    ) -> SeatAvailabilityRead:
        """Get every seat's status for the organiser.

        One letter per seat in the plan's seat order (`a` available, `h` held, `s` sold, `b`
        blocked), as getPublicSeatAvailability answers it but for draft events too and never from
        the cache: the organiser app's seat map (block and unblock). 404 when the event has no
        seating."""
        await seating.read(event_id)  # the event is this organisation's and has seating (404 otherwise)
        found = await availability.seat_map(await db_session.connection(), None, event_id, cache=False)
        if found is None:
            raise NotFound("This event has no seating plan.")
        return SeatAvailabilityRead(
            event_id=event_id,
            plan_id=found.plan_id,
            plan_version=found.plan_version,
            seat_codes=found.status,
            etag=found.etag,
        )

    @put("", operation_id="assignEventSeating", opt=access(Permission.EVENTS_WRITE))
    async def assign_seating(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: EventSeatingAssign,
        seating: EventSeatingService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> EventSeatingRead:
        """Assign a seating plan to an event.

        Sell the event with this plan version (of the event's venue), each category as a ticket
        type of the event (its price; its quantity must cover the category's seats). Another
        version while seats are held or sold: 409. The same version with another map keeps every
        seat's status (blocks included)."""
        await seating.assign(event_id, data.plan_id, data.categories)
        read = await seating.read(event_id)
        await db_session.commit()
        await invalidate_availability(redis, event_id)
        return read

    @delete("", operation_id="removeEventSeating", opt=access(Permission.EVENTS_WRITE), status_code=HTTP_204_NO_CONTENT)
    async def remove_seating(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        seating: EventSeatingService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> None:
        """Remove an event's seating.

        Stop selling the event with reserved seats (409 while seats are held or sold)."""
        await seating.remove(event_id)
        await db_session.commit()
        await invalidate_availability(redis, event_id)

    @post("/block", operation_id="blockSeats", opt=access(Permission.EVENTS_WRITE), status_code=200)
    async def block_seats(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: SeatBlock,
        seating: EventSeatingService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> EventSeatingRead:
        """Block seats of an event.

        Keep seats off sale with a reason (cameras, sponsors, comps, ...). Seats held or sold:
        409 naming them, nothing changed. Blocking a blocked seat again sets the new reason."""
        await seating.block(event_id, data.seat_ids, data.reason)
        read = await seating.read(event_id)
        await db_session.commit()
        await invalidate_availability(redis, event_id)
        return read

    @post("/unblock", operation_id="unblockSeats", opt=access(Permission.EVENTS_WRITE), status_code=200)
    async def unblock_seats(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: SeatUnblock,
        seating: EventSeatingService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> EventSeatingRead:
        """Unblock seats of an event.

        Put blocked seats back on sale (seats not blocked are left as they are)."""
        await seating.unblock(event_id, data.seat_ids)
        read = await seating.read(event_id)
        await db_session.commit()
        await invalidate_availability(redis, event_id)
        return read

    @post(
        "/allocations",
        operation_id="allocateSeats",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_WRITE),
        status_code=201,
    )
    async def allocate_seats(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: SeatAllocationCreate,
        seating: EventSeatingService,
        db_session: AsyncSession,
        redis: Redis,
        queue: Queue,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, min_length=1, max_length=100),
    ) -> SeatAllocationRead:
        """Allocate seats to a person (box office, comps).

        Sell chosen seats (available, or blocked e.g. for comps) to a named person by hand: a paid
        order (`comp`: at 0 cents; otherwise at the seats' prices, paid at the box office and
        booked as a manual payment), its tickets issued and e-mailed like any order's, the seats
        sold, the allocation in the audit log. A seat not of this event: 422 at `seat_ids.N`; a
        seat held or sold: 409 naming it (nothing allocated); an event not published: 409. The
        same `Idempotency-Key` answers the order made before."""
        await seating.read(event_id)  # this organisation's event, with seating (404 otherwise)
        made = await box_office.allocate_seats(
            db_session,
            seating.audit,
            organization_id=organization_id,
            event_id=event_id,
            seat_ids=data.seat_ids,
            buyer_name=data.buyer_name,
            buyer_email=data.buyer_email,
            comp=data.comp,
            idempotency_key=idempotency_key,
        )
        order = made.order
        read = SeatAllocationRead(
            order_id=order.id,
            reference=order.reference,
            status=order.status,
            total_cents=order.total_cents,
            comp=order.total_cents == 0,
            buyer_name=order.buyer_name or "",
            buyer_email=order.buyer_email or "",
            seats=[held_seat_read(s) for s in made.seats],
            replayed=made.completion is None,
        )
        await db_session.commit()
        if made.completion is not None:
            await made.completion.after_commit(queue=queue, redis=redis)
        return read
