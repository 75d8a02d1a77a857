"""Ticket types and coupons of an event (organiser API). Thin: rules live in services.py."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import Provide
from litestar.status_codes import HTTP_204_NO_CONTENT
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.catalog.quotas import QuotaService, quota_room_per_type
from voelgoed.domain.catalog.schemas import (
    CouponCreate,
    CouponRead,
    CouponUpdate,
    QuotaCreate,
    QuotaRead,
    QuotaUpdate,
    TicketTypeCreate,
    TicketTypeRead,
    TicketTypeUpdate,
    coupon_read,
    quota_read,
    type_read,
)
from voelgoed.domain.catalog.services import CouponService, TicketTypeService
from voelgoed.domain.orders.availability import invalidate_availability
from voelgoed.domain.orders.expiry import release_expired
from voelgoed.domain.organizations.services import charged_vat_rate_bp
from voelgoed.lib.patching import sent_fields
from voelgoed.settings import Settings


async def _commit_and_refresh(db: AsyncSession, redis: Redis, event_id: uuid.UUID) -> None:
    """Quantities and types shape the public availability: commit, then drop the cached figures
    (after the commit, so a concurrent page view cannot cache the old numbers again)."""
    await db.commit()
    await invalidate_availability(redis, event_id)


async def provide_types(db_session: AsyncSession, auth: AuthContext) -> TicketTypeService:
    return TicketTypeService(db_session, AuditService(db_session, auth), release_expired_holds=release_expired)


async def provide_coupons(db_session: AsyncSession, auth: AuthContext) -> CouponService:
    return CouponService(db_session, AuditService(db_session, auth))


class TicketTypeController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/ticket-types"
    tags = ["ticket types"]
    dependencies = {"types": Provide(provide_types)}

    @get("", operation_id="listTicketTypes", opt=access(Permission.EVENTS_READ))
    async def list_types(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, types: TicketTypeService, settings: Settings
    ) -> list[TicketTypeRead]:
        """List ticket types

        The event's ticket types in their order, each with its price, VAT, sales window, stock (sold, held,
        available) and, for a hidden type, its access code and secret link."""
        listed = await types.list(event_id)
        slug = await types.event_slug(event_id)
        rate = await charged_vat_rate_bp(types.db, organization_id)
        rooms = await quota_room_per_type(types.db, event_id)
        return [type_read(t, slug, settings.server.public_url, rate, rooms.get(t.id)) for t in listed]

    @post("", operation_id="createTicketType", opt=access(Permission.EVENTS_WRITE))
    async def create_type(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: TicketTypeCreate,
        types: TicketTypeService,
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
    ) -> TicketTypeRead:
        """Create a ticket type

        A new ticket type on the event, with a price in cents (VAT included), a quantity and optional sales window
        and per-order limits. The public page shows it at once. Audit-logged."""
        tt = await types.create(organization_id, event_id, msgspec.structs.asdict(data))
        read = type_read(
            tt,
            await types.event_slug(event_id),
            settings.server.public_url,
            await charged_vat_rate_bp(types.db, organization_id),
        )
        await _commit_and_refresh(db_session, redis, event_id)
        return read

    @get("/{type_id:uuid}", operation_id="getTicketType", opt=access(Permission.EVENTS_READ))
    async def get_type(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        type_id: uuid.UUID,
        types: TicketTypeService,
        settings: Settings,
    ) -> TicketTypeRead:
        """Get a ticket type

        One ticket type with its price, VAT, sales window and stock."""
        tt = await types.get(event_id, type_id)
        return type_read(
            tt,
            await types.event_slug(event_id),
            settings.server.public_url,
            await charged_vat_rate_bp(types.db, organization_id),
            (await quota_room_per_type(types.db, event_id)).get(tt.id),
        )

    @patch("/{type_id:uuid}", operation_id="updateTicketType", opt=access(Permission.EVENTS_WRITE))
    async def update_type(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        type_id: uuid.UUID,
        data: TicketTypeUpdate,
        types: TicketTypeService,
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
    ) -> TicketTypeRead:
        """Update a ticket type

        Change a ticket type; only the fields sent change. The quantity cannot go below what is held and sold (409),
        and an access code another type of the event uses is a 409. Orders already placed keep their price.
        Audit-logged."""
        tt = await types.update(event_id, type_id, sent_fields(data))
        read = type_read(
            tt,
            await types.event_slug(event_id),
            settings.server.public_url,
            await charged_vat_rate_bp(types.db, organization_id),
        )
        await _commit_and_refresh(db_session, redis, event_id)
        return read

    @post(
        "/{type_id:uuid}/access-code",
        operation_id="regenerateTicketTypeAccessCode",
        opt=access(Permission.EVENTS_WRITE),
        status_code=200,
    )
    async def regenerate_access_code(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        type_id: uuid.UUID,
        types: TicketTypeService,
        db_session: AsyncSession,
        settings: Settings,
    ) -> TicketTypeRead:
        """Regenerate a hidden type's access code

        A hidden type's new random access code: the old code and secret link stop working."""
        tt = await types.regenerate_access_code(event_id, type_id)
        read = type_read(
            tt,
            await types.event_slug(event_id),
            settings.server.public_url,
            await charged_vat_rate_bp(types.db, organization_id),
        )
        await db_session.commit()
        return read

    @delete(
        "/{type_id:uuid}",
        operation_id="deleteTicketType",
        opt=access(Permission.EVENTS_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_type(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        type_id: uuid.UUID,
        types: TicketTypeService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> None:
        """Delete a ticket type

        Delete a ticket type that is in no order; one in orders is a 409 (hide it, or set its quantity to what is
        sold). Answers 204. Audit-logged."""
        await types.delete(event_id, type_id)
        await _commit_and_refresh(db_session, redis, event_id)


class CouponController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/coupons"
    tags = ["coupons"]
    dependencies = {"coupons": Provide(provide_coupons)}

    @get("", operation_id="listCoupons", opt=access(Permission.EVENTS_READ))
    async def list_coupons(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, coupons: CouponService
    ) -> list[CouponRead]:
        """List coupons

        The event's coupons with how often each was used."""
        return [coupon_read(c) for c in await coupons.list(event_id)]

    @post("", operation_id="createCoupon", opt=access(Permission.EVENTS_WRITE))
    async def create_coupon(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, data: CouponCreate, coupons: CouponService
    ) -> CouponRead:
        """Create a coupon

        A discount code for the event: a percentage (1-100) or an amount in cents off, optionally for some ticket
        types only, within a validity window and a usage limit. A code the event already has is a 409. Audit-logged."""
        return coupon_read(await coupons.create(organization_id, event_id, msgspec.structs.asdict(data)))

    @get("/{coupon_id:uuid}", operation_id="getCoupon", opt=access(Permission.EVENTS_READ))
    async def get_coupon(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, coupon_id: uuid.UUID, coupons: CouponService
    ) -> CouponRead:
        """Get a coupon

        One coupon with how often it was used."""
        return coupon_read(await coupons.get(event_id, coupon_id))

    @patch("/{coupon_id:uuid}", operation_id="updateCoupon", opt=access(Permission.EVENTS_WRITE))
    async def update_coupon(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        coupon_id: uuid.UUID,
        data: CouponUpdate,
        coupons: CouponService,
    ) -> CouponRead:
        """Update a coupon

        Change a coupon; only the fields sent change. Its usage limit cannot go below its uses (409). Orders already
        placed keep their discount. Audit-logged."""
        return coupon_read(await coupons.update(event_id, coupon_id, sent_fields(data)))

    @delete(
        "/{coupon_id:uuid}",
        operation_id="deleteCoupon",
        opt=access(Permission.EVENTS_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_coupon(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, coupon_id: uuid.UUID, coupons: CouponService
    ) -> None:
        """Delete a coupon

        The code stops working at checkout; orders that used it keep their amounts. Answers 204. Audit-logged."""
        await coupons.delete(event_id, coupon_id)


async def provide_quotas(db_session: AsyncSession, auth: AuthContext) -> QuotaService:
    return QuotaService(db_session, AuditService(db_session, auth), release_expired_holds=release_expired)


class QuotaController(Controller):
    """Shared quotas (docs/inventory.md): same permissions as ticket types."""

    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/quotas"
    tags = ["quotas"]
    dependencies = {"quotas": Provide(provide_quotas)}

    @get("", operation_id="listQuotas", opt=access(Permission.EVENTS_READ))
    async def list_quotas(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, quotas: QuotaService
    ) -> list[QuotaRead]:
        """List shared quotas

        The event's shared quotas with their counters and the ticket types that draw from each."""
        listed, members = await quotas.list(event_id)
        return [quota_read(q, members.get(q.id, [])) for q in listed]

    @post("", operation_id="createQuota", opt=access(Permission.EVENTS_WRITE))
    async def create_quota(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: QuotaCreate,
        quotas: QuotaService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> QuotaRead:
        """Create a shared quota

        A shared quota; `ticket_type_ids` join it (409 when one is in another quota, or when the
        pool cannot take what they already hold and sell)."""
        quota = await quotas.create(organization_id, event_id, msgspec.structs.asdict(data))
        read = quota_read(quota, (await quotas.members(event_id)).get(quota.id, []))
        await _commit_and_refresh(db_session, redis, event_id)
        return read

    @get("/{quota_id:uuid}", operation_id="getQuota", opt=access(Permission.EVENTS_READ))
    async def get_quota(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, quota_id: uuid.UUID, quotas: QuotaService
    ) -> QuotaRead:
        """Get a shared quota

        Its size, what its ticket types hold and sell from it, and those types.

        One shared quota."""
        quota = await quotas.get(event_id, quota_id)
        return quota_read(quota, (await quotas.members(event_id)).get(quota.id, []))

    @patch("/{quota_id:uuid}", operation_id="updateQuota", opt=access(Permission.EVENTS_WRITE))
    async def update_quota(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        quota_id: uuid.UUID,
        data: QuotaUpdate,
        quotas: QuotaService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> QuotaRead:
        """Update a shared quota

        Rename, resize (409 below what its types hold and sell) or change its ticket types."""
        quota = await quotas.update(event_id, quota_id, sent_fields(data))
        read = quota_read(quota, (await quotas.members(event_id)).get(quota.id, []))
        await _commit_and_refresh(db_session, redis, event_id)
        return read

    @delete(
        "/{quota_id:uuid}",
        operation_id="deleteQuota",
        opt=access(Permission.EVENTS_WRITE),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_quota(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        quota_id: uuid.UUID,
        quotas: QuotaService,
        db_session: AsyncSession,
        redis: Redis,
    ) -> None:
        """Delete a shared quota

        Delete a quota; its types keep selling from their own quantity."""
        await quotas.delete(event_id, quota_id)
        await _commit_and_refresh(db_session, redis, event_id)
