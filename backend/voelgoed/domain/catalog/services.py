"""Ticket types and coupons: the organiser's rules.

Quantity changes take the event's inventory lock (the same lock holds take), so "quantity never
below reserved + sold" and "the sum of quantities never above the event's capacity" are checked
against counters nobody is moving at that moment.

A hidden type is not listed and is sold only with its access code (as pretix's vouchers unlock
hidden products and Hi.Events' promo codes reveal hidden tickets): every hidden type has one,
random unless the organiser chooses it, unique within the event. The organiser hands out the
code or the secret link `<PUBLIC_URL>/events/<slug>?access=<code>`; holds.py refuses a hidden
type without it, and `public_types(...)` decides what an event page shows.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from voelgoed.db.errors import blocked_by_reference
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.services import AuditService, diff
from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.models import Coupon, TicketType
from voelgoed.domain.events.models import Event
from voelgoed.domain.events.services import to_utc
from voelgoed.lib.problems import Conflict, FieldError, NotFound, Unprocessable

TYPE_FIELDS = (
    "name",
    "description",
    "price_cents",
    "quantity",
    "sales_start_at",
    "sales_end_at",
    "min_per_order",
    "max_per_order",
    "hidden",
    "sort_order",
    "access_code",
)
COUPON_FIELDS = ("code", "kind", "value", "ticket_type_ids", "valid_from", "valid_until", "usage_limit", "active")


# No 0/O or 1/I/L: a code read out over the phone or copied by hand still works.
ACCESS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACCESS_CODE_LENGTH = 12  # about 59 bits: not found by trying, behind the public rate limit


def new_access_code() -> str:
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))


def normalise_access_code(raw: str | None) -> str | None:
    """Codes compare without case and surrounding spaces; an empty code is no code."""
    code = (raw or "").strip().upper()
    return code or None


def access_link(public_url: str, event_slug: str, code: str) -> str:
    return f"{public_url}/events/{event_slug}?access={code}"


@dataclass
class PublicTypes:
    """What an event page may show: listed types plus the hidden type an access code unlocks."""

    types: list[TicketType] = field(default_factory=list)
    unlocked: set[uuid.UUID] = field(default_factory=set)
    accepted: bool | None = None  # None: no code sent; False: a code that opens nothing
    has_hidden: bool = False  # whether offering an access-code field makes sense


async def public_types(db: AsyncSession, event_id: uuid.UUID, access_code: str | None) -> PublicTypes:
    code = normalise_access_code(access_code)
    rows = await db.scalars(
        select(TicketType)
        .where(TicketType.event_id == event_id)
        .order_by(TicketType.sort_order, TicketType.price_cents, TicketType.name)
        .execution_options(**UNSCOPED)  # public pages; the event id scopes it
    )
    out = PublicTypes(accepted=None if code is None else False)
    for t in rows:
        if not t.hidden:
            out.types.append(t)
            continue
        out.has_hidden = True
        if code is not None and t.access_code is not None and secrets.compare_digest(t.access_code, code):
            out.types.append(t)
            out.unlocked.add(t.id)
            out.accepted = True
    return out


async def get_event(db: AsyncSession, event_id: uuid.UUID) -> Event:
    event = await db.scalar(select(Event).where(Event.id == event_id))
    if event is None:  # unknown, or another organisation's (the session is tenant-scoped)
        raise NotFound("No such event.")
    return event


# Releases an event's expired holds under its inventory lock (orders/expiry.py `release_expired`).
# Handed in, not imported: holds are orders', and orders sit above the catalog.
ReleaseExpiredHolds = Callable[[AsyncConnection, inventory.InventoryRow], Awaitable[object]]


class TicketTypeService:
    def __init__(self, db: AsyncSession, audit: AuditService, *, release_expired_holds: ReleaseExpiredHolds) -> None:
        self.db = db
        self.audit = audit
        self.release_expired_holds = release_expired_holds

    async def list(self, event_id: uuid.UUID) -> list[TicketType]:
        await get_event(self.db, event_id)
        rows = await self.db.scalars(
            select(TicketType).where(TicketType.event_id == event_id).order_by(TicketType.sort_order, TicketType.name)
        )
        return list(rows)

    async def get(self, event_id: uuid.UUID, type_id: uuid.UUID, *, for_update: bool = False) -> TicketType:
        query = select(TicketType).where(TicketType.id == type_id, TicketType.event_id == event_id)
        if for_update:  # locked, and re-read so a change committed while we waited is what we see
            query = query.with_for_update().execution_options(populate_existing=True)
        tt = await self.db.scalar(query)
        if tt is None:
            raise NotFound("No such ticket type.")
        return tt

    def _check(self, values: dict[str, Any]) -> None:
        if values["max_per_order"] < values["min_per_order"]:
            raise Unprocessable.field("max_per_order", "Must be at least the minimum per order.")
        start, end = values.get("sales_start_at"), values.get("sales_end_at")
        if start is not None and end is not None and end <= start:
            raise Unprocessable.field("sales_end_at", "Sales must end after they start.")

    async def _check_capacity(self, event: Event, exclude: uuid.UUID | None, quantity: int) -> None:
        if event.capacity is None:
            return
        stmt = select(func.coalesce(func.sum(TicketType.quantity), 0)).where(TicketType.event_id == event.id)
        if exclude is not None:
            stmt = stmt.where(TicketType.id != exclude)
        others = int(await self.db.scalar(stmt) or 0)
        if others + quantity > event.capacity:
            room = max(event.capacity - others, 0)
            raise Unprocessable.field(
                "quantity",
                f"The event's capacity is {event.capacity}; at most {room} more tickets fit across its types.",
            )

    def _times(self, event: Event, data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        for key in ("sales_start_at", "sales_end_at"):
            if out.get(key) is not None:
                out[key] = to_utc(out[key], event.timezone, key)
        return out

    async def create(self, organization_id: uuid.UUID, event_id: uuid.UUID, data: dict[str, Any]) -> TicketType:
        event = await get_event(self.db, event_id)
        values = self._times(event, data)
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise Unprocessable.field("name", "A ticket type needs a name.")
        self._check(values)
        await inventory.lock_inventory(await self.db.connection(), event.id)  # serialise with holds
        await self._check_capacity(event, None, values["quantity"])
        values["access_code"] = await self._access_code(event.id, None, values.get("access_code"), values["hidden"])
        tt = TicketType(organization_id=organization_id, event_id=event.id, reserved=0, sold=0, **values)
        self.db.add(tt)
        await self.db.flush()
        self.audit.record(
            action="ticket_type.created",
            entity_type="ticket_type",
            entity_id=tt.id,
            changes={k: values.get(k) for k in ("name", "price_cents", "quantity")} | {"event_id": event.id},
        )
        return tt

    async def update(self, event_id: uuid.UUID, type_id: uuid.UUID, changes: dict[str, Any]) -> TicketType:
        event = await get_event(self.db, event_id)
        conn = await self.db.connection()
        inv = await inventory.lock_inventory(conn, event.id)
        if "quantity" in changes and inv is not None:
            await self.release_expired_holds(conn, inv)  # expired holds do not block a lower quantity
        tt = await self.get(event_id, type_id, for_update=True)
        new = self._times(event, changes)
        if "name" in new:
            new["name"] = new["name"].strip()
            if not new["name"]:
                raise Unprocessable.field("name", "A ticket type needs a name.")
        merged = {k: new.get(k, getattr(tt, k)) for k in TYPE_FIELDS}
        self._check(merged)
        if "access_code" in new or (merged["hidden"] and tt.access_code is None):
            new["access_code"] = await self._access_code(event.id, tt.id, new.get("access_code"), merged["hidden"])
        if "quantity" in new:
            taken = tt.reserved + tt.sold
            if new["quantity"] < taken:
                raise Conflict(
                    f"{taken} tickets of this type are held or sold; the quantity cannot go below that.",
                    errors=[FieldError(field="quantity", message=f"at least {taken}")],
                )
            await self._check_capacity(event, tt.id, new["quantity"])
        before = {k: getattr(tt, k) for k in new}
        for key, value in new.items():
            setattr(tt, key, value)
        await self.db.flush()
        if d := diff(before, new):
            if "access_code" in d:
                d["access_code"] = "changed"  # a secret that opens a sale; not kept in the log
            self.audit.record(action="ticket_type.updated", entity_type="ticket_type", entity_id=tt.id, changes=d)
        return tt

    async def _access_code(
        self, event_id: uuid.UUID, exclude: uuid.UUID | None, wanted: str | None, hidden: bool
    ) -> str | None:
        """The organiser's code (upper-cased, unique in the event), or a random one for a hidden type."""
        code = normalise_access_code(wanted)
        if code is None:
            return new_access_code() if hidden else None
        stmt = select(TicketType.id).where(TicketType.event_id == event_id, TicketType.access_code == code)
        if exclude is not None:
            stmt = stmt.where(TicketType.id != exclude)
        if await self.db.scalar(stmt):
            raise Conflict(
                "Another ticket type of this event already has that access code.",
                errors=[FieldError(field="access_code", message="Already used for this event.")],
            )
        return code

    async def regenerate_access_code(self, event_id: uuid.UUID, type_id: uuid.UUID) -> TicketType:
        """A new random code: the old code and secret link stop working at once."""
        tt = await self.get(event_id, type_id, for_update=True)
        if not tt.hidden:
            raise Conflict("Only a hidden ticket type has an access code; this one is listed for everyone.")
        tt.access_code = new_access_code()
        await self.db.flush()
        # The code itself stays out of the audit log: it is a secret that opens a sale.
        self.audit.record(
            action="ticket_type.access_code_regenerated", entity_type="ticket_type", entity_id=tt.id, changes={}
        )
        return tt

    async def event_slug(self, event_id: uuid.UUID) -> str:
        return (await get_event(self.db, event_id)).slug

    async def delete(self, event_id: uuid.UUID, type_id: uuid.UUID) -> None:
        tt = await self.get(event_id, type_id)
        try:
            # Order lines (and tickets) refer to their ticket type ON DELETE RESTRICT: PostgreSQL
            # refuses the delete of a type in orders (the catalog does not read orders' rows).
            async with self.db.begin_nested():
                await self.db.delete(tt)
                await self.db.flush()
        except IntegrityError as exc:
            if not blocked_by_reference(exc):
                raise
            raise Conflict(
                "This ticket type is in orders; hide it instead (hidden: true) or set quantity to sold."
            ) from None
        self.audit.record(
            action="ticket_type.deleted", entity_type="ticket_type", entity_id=type_id, changes={"name": tt.name}
        )


class CouponService:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def list(self, event_id: uuid.UUID) -> list[Coupon]:
        await get_event(self.db, event_id)
        return list(await self.db.scalars(select(Coupon).where(Coupon.event_id == event_id).order_by(Coupon.code)))

    async def get(self, event_id: uuid.UUID, coupon_id: uuid.UUID) -> Coupon:
        c = await self.db.scalar(select(Coupon).where(Coupon.id == coupon_id, Coupon.event_id == event_id))
        if c is None:
            raise NotFound("No such coupon.")
        return c

    async def _normalise(self, event: Event, values: dict[str, Any], exclude: uuid.UUID | None) -> dict[str, Any]:
        out = dict(values)
        if "code" in out:
            out["code"] = out["code"].strip().upper()
            stmt = select(Coupon.id).where(Coupon.event_id == event.id, Coupon.code == out["code"])
            if exclude is not None:
                stmt = stmt.where(Coupon.id != exclude)
            if await self.db.scalar(stmt):
                raise Conflict(
                    "This event already has a coupon with that code.",
                    errors=[FieldError(field="code", message="already used for this event")],
                )
        for key in ("valid_from", "valid_until"):
            if isinstance(out.get(key), datetime):
                out[key] = to_utc(out[key], event.timezone, key)
        if out.get("ticket_type_ids"):
            wanted = set(out["ticket_type_ids"])
            found = set(
                await self.db.scalars(
                    select(TicketType.id).where(TicketType.event_id == event.id, TicketType.id.in_(wanted))
                )
            )
            if found != wanted:
                raise Unprocessable.field("ticket_type_ids", "Every ticket type must belong to this event.")
            out["ticket_type_ids"] = sorted(wanted)
        elif "ticket_type_ids" in out:
            out["ticket_type_ids"] = None  # an empty list means every type
        return out

    def _check(self, merged: dict[str, Any]) -> None:
        if merged["kind"] == "percent" and merged["value"] > 100:
            raise Unprocessable.field("value", "A percentage coupon takes 1 to 100.")
        start, end = merged.get("valid_from"), merged.get("valid_until")
        if start is not None and end is not None and end <= start:
            raise Unprocessable.field("valid_until", "Must be after valid_from.")

    async def create(self, organization_id: uuid.UUID, event_id: uuid.UUID, data: dict[str, Any]) -> Coupon:
        event = await get_event(self.db, event_id)
        values = await self._normalise(event, data, None)
        self._check(values)
        coupon = Coupon(organization_id=organization_id, event_id=event.id, used=0, **values)
        self.db.add(coupon)
        await self.db.flush()
        self.audit.record(
            action="coupon.created",
            entity_type="coupon",
            entity_id=coupon.id,
            changes={"code": coupon.code, "kind": coupon.kind, "value": coupon.value, "event_id": event.id},
        )
        return coupon

    async def update(self, event_id: uuid.UUID, coupon_id: uuid.UUID, changes: dict[str, Any]) -> Coupon:
        event = await get_event(self.db, event_id)
        coupon = await self.db.scalar(
            select(Coupon)
            .where(Coupon.id == coupon_id, Coupon.event_id == event_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if coupon is None:
            raise NotFound("No such coupon.")
        new = await self._normalise(event, changes, coupon.id)
        merged = {k: new.get(k, getattr(coupon, k)) for k in COUPON_FIELDS}
        self._check(merged)
        if new.get("usage_limit") is not None and new["usage_limit"] < coupon.used:
            raise Conflict(
                f"This coupon is already used {coupon.used} times.",
                errors=[FieldError(field="usage_limit", message=f"at least {coupon.used}")],
            )
        before = {k: getattr(coupon, k) for k in new}
        for key, value in new.items():
            setattr(coupon, key, value)
        await self.db.flush()
        if d := diff(before, new):
            self.audit.record(action="coupon.updated", entity_type="coupon", entity_id=coupon.id, changes=d)
        return coupon

    async def delete(self, event_id: uuid.UUID, coupon_id: uuid.UUID) -> None:
        coupon = await self.get(event_id, coupon_id)
        await self.db.delete(coupon)  # orders keep their amounts; their coupon_id becomes NULL
        await self.db.flush()
        self.audit.record(
            action="coupon.deleted", entity_type="coupon", entity_id=coupon_id, changes={"code": coupon.code}
        )
