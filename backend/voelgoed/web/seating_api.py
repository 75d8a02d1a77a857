"""The public seating API for buyers: an event's plan for the seat picker, its live seat map, and
seat holds (specific seats or best available). Same rate limit and order token as the rest of
the buyer API (web/buyer_api.py); a seat hold is an ordinary order afterwards (checkout, pay,
cancel with the same operations)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.catalog.inventory import utcnow
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.schemas import reservation_read
from voelgoed.domain.seating import availability
from voelgoed.domain.seating.holds import (
    SeatHoldRequest,
    SeatHoldResult,
    SeatsTaken,
    seat_conflict,
)
from voelgoed.domain.seating.nearest import nearest_free, warm_soon
from voelgoed.domain.seating.plans import event_plan
from voelgoed.domain.seating.schemas import (
    PublicSeatCategoryRead,
    PublicSeatingRead,
    SeatAvailabilityRead,
    SeatReservationCreate,
    SeatReservationRead,
    held_seat_read,
)
from voelgoed.domain.seating.seat_batcher import SeatHoldBatcher
from voelgoed.lib.metrics import count_hold
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable
from voelgoed.settings import Settings
from voelgoed.web.buyer_api import IDEMPOTENCY_HEADER, _engine, _event_id_for, _idempotency_key, _limit, _slugs
from voelgoed.workflows.checkout import get_batcher


async def _event(db: AsyncSession, slug: str) -> Event:
    event = await db.scalar(select(Event).where(Event.slug == slug, Event.status.in_(("published", "closed"))))
    if event is None:
        raise NotFound("No such event.")
    return event


class PublicSeatingController(Controller):
    path = "/api/public/events/{slug:str}"
    tags = ["public", "seating"]

    @get("/seating", operation_id="getPublicSeatingPlan", opt=access(Access.PUBLIC))
    async def get_plan(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> PublicSeatingRead:
        """Get an event's seating plan for the seat picker.

        Sections, rows and seats (with ids, in the
        order of the availability string) and each category's ticket type and price. 404 when the
        event sells no reserved seats."""
        await _limit(request, redis, settings)
        event = await _event(db_session, slug)
        found = await event_plan(db_session, event.id)
        if found is None:
            raise NotFound("This event has no seating plan.")
        warm_soon(_engine(request), event.id)  # its buyers are about to take seats
        return PublicSeatingRead(
            event_id=event.id,
            plan=found.document,
            categories=[PublicSeatCategoryRead(m[0], m[1], m[2], m[3], m[4]) for m in found.categories],
        )

    @get("/seating/availability", operation_id="getPublicSeatAvailability", opt=access(Access.PUBLIC))
    async def get_availability(
        self, slug: str, request: Request[Any, Any, Any], db_session: AsyncSession, redis: Redis, settings: Settings
    ) -> Response[SeatAvailabilityRead]:
        """Get an event's live seat availability.

        Every seat's status as one string, one letter per seat in the plan's seat order (`a`
        available, `h` held, `s` sold, `b` blocked), with the plan version it belongs to. Cached
        and refreshed on every change; send the ETag back as If-None-Match for a 304."""
        await _limit(request, redis, settings)
        event = await _event(db_session, slug)
        warm_soon(_engine(request), event.id)  # its buyers are about to take seats
        found = await availability.seat_map(
            await db_session.connection(), redis, event.id, cache=settings.cache.availability_seconds > 0
        )
        if found is None:
            raise NotFound("This event has no seating plan.")
        etag = f'"{found.etag}"'
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == etag:
            return Response(None, status_code=304, headers=headers)  # type: ignore[arg-type]
        body = SeatAvailabilityRead(
            event_id=event.id,
            plan_id=found.plan_id,
            plan_version=found.plan_version,
            seat_codes=found.status,
            etag=found.etag,
        )
        return Response(body, headers=headers)

    @post("/seat-reservations", operation_id="createSeatReservation", opt=access(Access.PUBLIC), status_code=201)
    async def create_seat_reservation(
        self,
        slug: str,
        data: SeatReservationCreate,
        request: Request[Any, Any, Any],
        redis: Redis,
        settings: Settings,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, max_length=100),
    ) -> SeatReservationRead:
        """Hold reserved seats.

        For HOLD_MINUTES: `seat_ids` (specific seats) or `best_available`
        (N seats of a category, together in one row where possible, then nearest the stage).
        The answer is a reservation like createReservation's (its `access_token` shown once) with
        the seats. A seat taken meanwhile: 409 whose `taken_seats` names them and `alternatives`
        offers the nearest free seats of the same category. A seat not of this event, the same
        seat twice, more than the ticket type's per-order maximum: 422. Idempotent per key."""
        await _limit(request, redis, settings)
        if (data.seat_ids is None) == (data.best_available is None):
            raise Unprocessable.field("seat_ids", "Send either seat_ids or best_available.")
        engine = _engine(request)
        key = _idempotency_key(idempotency_key)
        for attempt in (1, 2):
            event_id = await _event_id_for(engine, slug)
            try:
                result = await place_seat_hold(engine, redis, event_id, data, key, settings)
            except NotFound:
                _slugs.pop(slug, None)  # the cached slug may be stale (renamed, unpublished)
                if attempt == 2:
                    raise
                continue
            break
        return SeatReservationRead(
            reservation=reservation_read(result.hold), seats=[held_seat_read(s) for s in result.seats]
        )


async def place_seat_hold(
    engine: Any, redis: Redis, event_id: uuid.UUID, data: SeatReservationCreate, key: str | None, settings: Settings
) -> SeatHoldResult:
    """Hold seats for a buyer through the process's seat batcher (domain/seating/seat_batcher.py):
    what createSeatReservation does, shared with the checkout site's seat picker
    (web/checkout/seat_pages.py). Raises the same problems (404, 409 with
    `taken_seats`/`alternatives`, 422)."""
    hold = SeatHoldRequest(
        event_id=event_id,
        seat_ids=data.seat_ids,
        category=data.best_available.category if data.best_available else None,
        quantity=data.best_available.quantity if data.best_available else None,
        session_id=data.session_id,
        idempotency_key=key,
        hold_minutes=settings.limits.hold_minutes,
    )
    try:
        result: SeatHoldResult = await get_batcher(engine, settings, redis, SeatHoldBatcher).submit(hold)
    except SeatsTaken as taken:
        count_hold(made=False)
        raise await _taken_answer(engine, event_id, data.seat_ids or [], taken) from None
    except (Unprocessable, Conflict):
        count_hold(made=False)
        raise
    if not result.hold.replayed:
        count_hold(made=True)
    return result


async def _taken_answer(engine: Any, event_id: uuid.UUID, asked: list[uuid.UUID], taken: SeatsTaken) -> Conflict:
    """409 with the taken seats and, for them, the nearest free seats (nearest.py's nearest_free:
    this process's free seats, read again unless a read or a batch made them current just now)."""
    async with engine.connect() as conn:
        rows, alternatives = await nearest_free(conn, event_id, taken.taken, set(asked), utcnow())
    names = ", ".join(f"{r.row_label}{r.label}" for r in rows) or "seats"
    return seat_conflict(f"Sorry, {names} {'was' if len(rows) == 1 else 'were'} just taken.", rows, alternatives)
