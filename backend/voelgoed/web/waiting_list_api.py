"""The buyers' JSON API of the waiting list: join a sold-out type's line; see and claim an offer.

The checkout site's forms (web/checkout/waiting_list_pages.py) do the same through the same
services and workflow. Joining is rate limited per client address (lib/client_address.py: the
X-Forwarded-For of trusted proxies only), on top of the public API's own limit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.events.models import Event
from voelgoed.domain.orders.availability import compute_availability
from voelgoed.domain.orders.models import Order
from voelgoed.domain.waiting_list import services
from voelgoed.domain.waiting_list.schemas import OfferClaimed, WaitingListJoin, WaitingListJoined, joined_read
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address
from voelgoed.lib.problems import NotFound
from voelgoed.settings import Settings
from voelgoed.workflows.waiting_list_offers import claim_offer, find_offer, refuse_unusable

JOINS_PER_WINDOW = 10  # per client address and 10 minutes: a family joins, a script does not
JOIN_WINDOW_SECONDS = 600


async def limit_joins(redis: Redis, address: str) -> None:
    await ratelimit.hit(redis, f"waiting-list-join:{address}", JOINS_PER_WINDOW, JOIN_WINDOW_SECONDS)


async def join_waiting_list(db: AsyncSession, event: Event, data: WaitingListJoin) -> tuple[WaitingListJoined, bool]:
    """Join through the services with what the public sale has left of the type (fresh, not cached:
    it decides whether the type is sold out)."""
    if event.status != "published":
        raise NotFound("No such event, or it is not on sale.")
    left = await compute_availability(await db.connection(), event.id)
    entry, created = await services.join(
        db,
        event_id=event.id,
        organization_id=event.organization_id,
        ticket_type_id=data.ticket_type_id,
        email=data.email,
        name=data.name,
        quantity=data.quantity,
        available=left.of(data.ticket_type_id),
    )
    return joined_read(entry), created


class WaitingListPublicController(Controller):
    path = "/api/public"
    tags = ["public"]

    @post("/events/{slug:str}/waiting-list", operation_id="joinWaitingList", opt=access(Access.PUBLIC), status_code=201)
    async def join(
        self,
        slug: str,
        data: WaitingListJoin,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
    ) -> WaitingListJoined:
        """Join a waiting list

        Join the waiting list of a sold-out ticket type (409 while it is on sale, or when the
        event has no waiting list). Joining again with the same e-mail answers the same place.
        When tickets come back, the first in line gets an e-mail with a link that holds them."""
        await limit_joins(redis, client_address(request))
        event = await db_session.scalar(select(Event).where(Event.slug == slug).execution_options(**UNSCOPED))
        if event is None:
            raise NotFound("No such event, or it is not on sale.")
        joined, _ = await join_waiting_list(db_session, event, data)
        return joined

    @get("/waiting-list/offers/{token:str}", operation_id="getWaitingListOffer", opt=access(Access.PUBLIC))
    async def offer(self, token: str, db_session: AsyncSession) -> WaitingListJoined:
        """Get a waiting-list offer

        An offer's entry (404 unknown link, 409 already used, 410 expired or withdrawn)."""
        entry = await find_offer(db_session, token)
        order = (
            await db_session.scalar(select(Order).where(Order.id == entry.order_id).execution_options(**UNSCOPED))
            if entry.order_id
            else None
        )
        refuse_unusable(entry, order, datetime.now(UTC))
        return joined_read(entry)

    @post(
        "/waiting-list/offers/{token:str}/claim",
        operation_id="claimWaitingListOffer",
        opt=access(Access.PUBLIC),
        status_code=200,
    )
    async def claim(self, token: str, db_session: AsyncSession) -> OfferClaimed:
        """Claim a waiting-list offer

        Use an offer, once: the held order's reference and a token (X-Order-Token) to check out
        with startCheckout before `hold_expires_at`. Used before: 409; expired or withdrawn: 410."""
        claimed = await claim_offer(db_session, token)
        tt_id = claimed.entry.ticket_type_id
        await db_session.commit()
        return OfferClaimed(
            order_id=claimed.order.id,
            reference=claimed.order.reference,
            access_token=claimed.access_token,
            hold_expires_at=claimed.order.hold_expires_at,
            ticket_type_id=tt_id,
            quantity=claimed.entry.quantity,
        )
