"""Copying an event to new dates: one draft copy (copyEvent) or a series of them (createEventSeries),
in the request's one transaction, so a series is made whole or not at all.

`copy_event` calls one function per area, each copying that area's rows of the source event to
the new one. An area that keeps per-event set-up adds its own `copy_<area>(db, source_event_id,
target_event_id, type_id_map)` and one call in `copy_event` (the marked place). What happened on
the source's dates (orders, tickets, scans, inventory counters, coupon use) is never copied.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.attendees.services import copy_questions
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.catalog.models import Coupon, TicketQuota, TicketType
from voelgoed.domain.check_in.models import CheckinConfig
from voelgoed.domain.events.models import Event
from voelgoed.domain.events.schemas import MAX_SERIES_DATES, EventCopyCreate, EventSeriesCreate
from voelgoed.domain.events.services import EventService, to_utc
from voelgoed.lib.problems import FieldError, Unprocessable

TypeIdMap = dict[uuid.UUID, uuid.UUID]  # source ticket type id -> the copy's
REPEATS = {"daily": timedelta(days=1), "weekly": timedelta(weeks=1)}


@dataclass(frozen=True)
class CopyPlan:
    """One copy to make: its times (UTC) and how it is linked."""

    starts_at: datetime
    ends_at: datetime
    name: str
    include_coupons: bool
    series_id: uuid.UUID | None = None
    copy_key: str | None = None


def _shift(value: datetime | None, delta: timedelta) -> datetime | None:
    return None if value is None else value + delta


# --- planning: the request read and checked, nothing written --------------------------------------


def _future(at: datetime, field: str, now: datetime) -> FieldError | None:
    return None if at > now else FieldError(field=field, message="must be in the future")


def plan_copy(source: Event, data: EventCopyCreate, copy_key: str | None, now: datetime | None = None) -> CopyPlan:
    now = now or datetime.now(UTC)
    starts_at = to_utc(data.starts_at, source.timezone, "starts_at")
    length = source.ends_at - source.starts_at
    ends_at = to_utc(data.ends_at, source.timezone, "ends_at") if data.ends_at else starts_at + length
    errors = [e for e in (_future(starts_at, "starts_at", now),) if e]
    if ends_at <= starts_at:
        errors.append(FieldError(field="ends_at", message="must be after the start"))
    name = (data.name or source.name).strip()
    if not name:
        errors.append(FieldError(field="name", message="must not be blank"))
    if errors:
        raise Unprocessable("The copy cannot be made.", errors=errors)
    return CopyPlan(starts_at, ends_at, name, data.include_coupons, copy_key=copy_key)


def series_starts(source: Event, data: EventSeriesCreate) -> tuple[list[datetime], str]:
    """The series' start times (UTC) and the field to blame for a bad one."""
    if data.starts is not None and data.repeat is not None:
        raise Unprocessable.field("repeat", "give either starts or repeat with count, not both")
    if data.starts is not None:
        if not data.starts:
            raise Unprocessable.field("starts", "give at least one start time")
        return [to_utc(s, source.timezone, f"starts[{i}]") for i, s in enumerate(data.starts)], "starts"
    if data.repeat is None or data.count is None:
        raise Unprocessable(
            "Give the dates of the series.",
            errors=[FieldError(field="starts", message="give starts, or repeat with count")],
        )
    # The same wall-clock time each day or week in the event's zone (a zone with summer time keeps
    # the local hour, not the UTC one).
    tz = ZoneInfo(source.timezone)
    local = source.starts_at.astimezone(tz).replace(tzinfo=None)
    step = REPEATS[str(data.repeat)]
    return [(local + step * n).replace(tzinfo=tz).astimezone(UTC) for n in range(1, data.count + 1)], "count"


def plan_series(
    source: Event, data: EventSeriesCreate, series_id: uuid.UUID, copy_key: str | None, now: datetime | None = None
) -> list[CopyPlan]:
    now = now or datetime.now(UTC)
    starts, field = series_starts(source, data)
    if len(starts) > MAX_SERIES_DATES:
        raise Unprocessable.field(field, f"at most {MAX_SERIES_DATES} dates in one series")
    errors = []
    for i, at in enumerate(starts):
        if (e := _future(at, f"starts[{i}]" if field == "starts" else "count", now)) is not None:
            errors.append(e)
            break
    if len(set(starts)) != len(starts):
        errors.append(FieldError(field=field, message="a date is listed twice"))
    if errors:
        raise Unprocessable("The series cannot be made.", errors=errors)
    length = source.ends_at - source.starts_at
    return [
        CopyPlan(
            starts_at=at,
            ends_at=at + length,
            name=source.name,
            include_coupons=data.include_coupons,
            series_id=series_id,
            copy_key=f"{copy_key}#{n}" if copy_key else None,
        )
        for n, at in enumerate(sorted(starts), start=1)
    ]


# --- one function per area -----------------------------------------------------------------------


async def copy_event_row(db: AsyncSession, audit: AuditService, source: Event, plan: CopyPlan) -> Event:
    """The event itself, as a draft with its own slug; venue, description, zone and capacity kept."""
    target = await EventService(db, audit).create(
        source.organization_id,
        {
            "name": plan.name,
            "starts_at": plan.starts_at,
            "ends_at": plan.ends_at,
            "description": source.description,
            "venue_id": source.venue_id,
            "timezone": source.timezone,
            "capacity": source.capacity,
        },
    )
    target.copied_from_id = source.id
    # The image files are shared, not duplicated: deleting an event keeps files another still uses.
    target.image_key = source.image_key
    target.image_width, target.image_height = source.image_width, source.image_height
    target.series_id = plan.series_id
    target.copy_key = plan.copy_key
    await db.flush()
    audit.record(
        action="event.copied",
        entity_type="event",
        entity_id=target.id,
        changes={"copied_from_id": source.id, "series_id": plan.series_id, "starts_at": plan.starts_at},
    )
    return target


async def copy_ticket_types(db: AsyncSession, source_id: uuid.UUID, target: Event, delta: timedelta) -> TypeIdMap:
    """Every type with its price, quantity, limits and shared quota; sales windows move with the
    event; nothing sold or held. Hidden types keep their access code (codes are unique per event)."""
    # Shared quotas first (empty pools of the same capacity), so each copied type joins its pool's copy.
    quotas: dict[uuid.UUID, uuid.UUID] = {}
    for q in await db.scalars(select(TicketQuota).where(TicketQuota.event_id == source_id)):
        pool = TicketQuota(
            id=uuid.uuid4(),
            organization_id=target.organization_id,
            event_id=target.id,
            name=q.name,
            capacity=q.capacity,
            reserved=0,
            sold=0,
        )
        db.add(pool)
        quotas[q.id] = pool.id
    types = await db.scalars(select(TicketType).where(TicketType.event_id == source_id).order_by(TicketType.sort_order))
    out: TypeIdMap = {}
    for t in types:
        copy = TicketType(
            id=uuid.uuid4(),
            organization_id=target.organization_id,
            event_id=target.id,
            name=t.name,
            description=t.description,
            price_cents=t.price_cents,
            quantity=t.quantity,
            reserved=0,
            sold=0,
            sales_start_at=_shift(t.sales_start_at, delta),
            sales_end_at=_shift(t.sales_end_at, delta),
            min_per_order=t.min_per_order,
            max_per_order=t.max_per_order,
            hidden=t.hidden,
            access_code=t.access_code,
            sort_order=t.sort_order,
            quota_id=quotas.get(t.quota_id) if t.quota_id else None,
        )
        db.add(copy)
        out[t.id] = copy.id
    await db.flush()
    return out


async def copy_checkin_rules(
    db: AsyncSession, source_id: uuid.UUID, target: Event, delta: timedelta, type_id_map: TypeIdMap
) -> None:
    """The check-in rules (the gates belong to the same venue); an explicit window moves with the event."""
    config = await db.scalar(select(CheckinConfig).where(CheckinConfig.event_id == source_id))
    if config is None:
        return
    gates: list[dict[str, Any]] = []
    for g in config.gates or []:
        types = g.get("ticket_type_ids")
        mapped = (
            None if types is None else [str(type_id_map[uuid.UUID(t)]) for t in types if uuid.UUID(t) in type_id_map]
        )
        gates.append({**g, "ticket_type_ids": mapped})
    db.add(
        CheckinConfig(
            id=uuid.uuid4(),
            organization_id=target.organization_id,
            event_id=target.id,
            exit_allowed=config.exit_allowed,
            reentry_allowed=config.reentry_allowed,
            valid_from=_shift(config.valid_from, delta),
            valid_until=_shift(config.valid_until, delta),
            gates=gates,
        )
    )
    await db.flush()


async def copy_coupons(
    db: AsyncSession, source_id: uuid.UUID, target: Event, delta: timedelta, type_id_map: TypeIdMap
) -> None:
    """Coupons with the same codes (unique per event, so no clash), unused, validity moved with the event."""
    for c in await db.scalars(select(Coupon).where(Coupon.event_id == source_id)):
        types = None if c.ticket_type_ids is None else [type_id_map[t] for t in c.ticket_type_ids if t in type_id_map]
        db.add(
            Coupon(
                id=uuid.uuid4(),
                organization_id=target.organization_id,
                event_id=target.id,
                code=c.code,
                kind=c.kind,
                value=c.value,
                ticket_type_ids=types,
                valid_from=_shift(c.valid_from, delta),
                valid_until=_shift(c.valid_until, delta),
                usage_limit=c.usage_limit,
                used=0,
                active=c.active,
            )
        )
    await db.flush()


# --- the copy ------------------------------------------------------------------------------------


async def copy_event(db: AsyncSession, audit: AuditService, source: Event, plan: CopyPlan) -> Event:
    delta = plan.starts_at - source.starts_at
    target = await copy_event_row(db, audit, source, plan)
    type_id_map = await copy_ticket_types(db, source.id, target, delta)
    await copy_checkin_rules(db, source.id, target, delta, type_id_map)
    if plan.include_coupons:
        await copy_coupons(db, source.id, target, delta, type_id_map)
    # Other areas' copies: one call each (imports at the top).
    await copy_questions(db, source.id, target.id, type_id_map)
    return target


async def _made_by_key(db: AsyncSession, source: Event, key: str, *, series: bool) -> list[Event]:
    """The events an earlier request with this Idempotency-Key made (the tenancy hook keeps it to
    this organisation). Another source event under the same key is a different request: 422."""
    stmt = select(Event).order_by(Event.starts_at)
    stmt = (
        stmt.where(Event.copy_key.like(f"{_escape(key)}#%", escape="\\"))
        if series
        else stmt.where(Event.copy_key == key)
    )
    made = list(await db.scalars(stmt))
    if any(e.copied_from_id != source.id for e in made):
        raise Unprocessable.field(
            "Idempotency-Key", "This Idempotency-Key was used to copy another event; use a new key for a new copy."
        )
    return made


def _escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def copy_once(
    db: AsyncSession, audit: AuditService, source: Event, data: EventCopyCreate, key: str | None
) -> Event:
    """POST .../copies: the copy, or the one made before under the same Idempotency-Key."""
    if key and (made := await _made_by_key(db, source, key, series=False)):
        return made[0]
    return await copy_event(db, audit, source, plan_copy(source, data, key))


async def create_series(
    db: AsyncSession, audit: AuditService, source: Event, data: EventSeriesCreate, key: str | None
) -> tuple[uuid.UUID, list[Event]]:
    """POST .../series: one draft copy per date, all linked to the source by one series id."""
    if key and (made := await _made_by_key(db, source, key, series=True)):
        return made[0].series_id or uuid.uuid4(), made
    series_id = source.series_id or uuid.uuid4()
    plans = plan_series(source, data, series_id, key)
    source.series_id = series_id
    copies = [await copy_event(db, audit, source, plan) for plan in plans]
    return series_id, copies
