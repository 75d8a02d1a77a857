"""Dashboard figures. Sales and revenue are read live from orders (they change with refunds);
the funnel and check-ins read snapshots plus the live tail (snapshots.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.analytics.models import FUNNEL_STEPS
from voelgoed.domain.dashboards import queries, snapshots
from voelgoed.domain.dashboards.schemas import (
    CheckinBucketRead,
    EventDashboard,
    EventOverview,
    Funnel,
    FunnelSource,
    FunnelStep,
    GateOccupancy,
    Occupancy,
    OccupancyTotal,
    OrganizationOverview,
    Revenue,
    SalesBucket,
    SnapshotInfo,
    TicketTypeFigures,
)
from voelgoed.domain.events.models import Event
from voelgoed.domain.venues.models import Gate
from voelgoed.lib.problems import Unprocessable

GRANULARITIES = ("hour", "day")


def _local(t: datetime, tz: ZoneInfo, granularity: str) -> datetime:
    local = t.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0) if granularity == "day" else local


async def _ticket_types(db: AsyncSession, event_id: uuid.UUID) -> list[TicketTypeFigures]:
    rows = await db.execute(queries.TICKET_TYPES, {"e": event_id})
    return [
        TicketTypeFigures(
            id=r[0],
            name=r[1],
            quantity=r[2],
            sold=r[3],
            reserved=r[4],
            available=r[2] - r[3] - r[4] if r[5] is None else max(min(r[2] - r[3] - r[4], r[5]), 0),
        )
        for r in rows
    ]


async def _sales(db: AsyncSession, event: Event, granularity: str) -> tuple[Revenue, list[SalesBucket]]:
    """One pass over the event's paid orders, grouped by UTC quarter-hour (cheap: no time zone
    arithmetic per row); the few groups are then put into local hours/days here. Exact for every
    zone, as all UTC offsets in use are whole quarter-hours."""
    rows = (await db.execute(queries.SALES, {"e": event.id})).all()
    tz = ZoneInfo(event.timezone)
    per_bucket: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    gross = fees = vat = orders = 0
    for start, n, total, fee, v in rows:
        orders, gross, fees, vat = orders + int(n), gross + int(total or 0), fees + int(fee or 0), vat + int(v or 0)
        if start is None:  # a paid order without paid_at (not written by the product): revenue only
            continue
        b = per_bucket[_local(start, tz, granularity)]
        b[0] += int(n)
        b[1] += int(total or 0)
    buckets = [
        SalesBucket(start=k.astimezone(UTC), local=k.strftime("%Y-%m-%dT%H:%M"), orders=v[0], gross_cents=v[1])
        for k, v in sorted(per_bucket.items())
    ]
    revenue = Revenue(gross_cents=gross, fees_cents=fees, net_cents=gross - fees, vat_cents=vat, paid_orders=orders)
    return revenue, buckets


async def _checkins(
    db: AsyncSession, event: Event, granularity: str
) -> tuple[list[CheckinBucketRead], Occupancy, datetime | None]:
    """Snapshot buckets + live tail - offline duplicates (flags may change at any time)."""
    rows = (await db.execute(queries.CHECKIN, {"e": event.id})).all()
    tz = ZoneInfo(event.timezone)
    per_bucket: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    per_gate: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    cut: datetime | None = None
    for start, gate_id, entries, exits, dup_entries, dup_exits, until in rows:
        cut = until
        e, x = int(entries) - int(dup_entries), int(exits) - int(dup_exits)
        b = per_bucket[_local(start, tz, granularity)]
        b[0] += e
        b[1] += x
        g = per_gate[gate_id]
        g[0] += e
        g[1] += x
    if cut is None:
        cut = await db.scalar(queries.CHECKIN_UNTIL, {"e": event.id})
    buckets = [
        CheckinBucketRead(start=k.astimezone(UTC), local=k.strftime("%Y-%m-%dT%H:%M"), entries=v[0], exits=v[1])
        for k, v in sorted(per_bucket.items())
        if v != [0, 0]
    ]
    gates = (
        (await db.execute(select(Gate.id, Gate.name).where(Gate.venue_id == event.venue_id).order_by(Gate.code))).all()
        if event.venue_id
        else []
    )
    names = {g[0]: g[1] for g in gates}
    for gate_id in per_gate:  # a gate of another venue (venue changed after scanning) still counts
        names.setdefault(gate_id, "Other gate")
    items = [
        GateOccupancy(
            gate_id=gid,
            gate_name=name,
            entries=per_gate[gid][0] if gid in per_gate else 0,
            exits=per_gate[gid][1] if gid in per_gate else 0,
            inside=(per_gate[gid][0] - per_gate[gid][1]) if gid in per_gate else 0,
        )
        for gid, name in names.items()
    ]
    total = OccupancyTotal(
        entries=sum(g.entries for g in items), exits=sum(g.exits for g in items), inside=sum(g.inside for g in items)
    )
    finite = cut if cut is not None and cut.year > 1 else None
    return buckets, Occupancy(gates=items, total=total), finite


class SalesPart(msgspec.Struct):
    revenue: Revenue
    buckets: list[SalesBucket]


class CheckinPart(msgspec.Struct):
    buckets: list[CheckinBucketRead]
    occupancy: Occupancy
    until: datetime | None


async def sales_part(db: AsyncSession, event: Event, granularity: str) -> SalesPart:
    revenue, buckets = await _sales(db, event, granularity)
    return SalesPart(revenue=revenue, buckets=buckets)


async def checkin_part(db: AsyncSession, event: Event, granularity: str) -> CheckinPart:
    buckets, occupancy, until = await _checkins(db, event, granularity)
    return CheckinPart(buckets=buckets, occupancy=occupancy, until=until)


async def event_dashboard(
    db: AsyncSession,
    event: Event,
    granularity: str = "hour",
    *,
    sales: SalesPart | None = None,
    checkins: CheckinPart | None = None,
) -> EventDashboard:
    """The whole dashboard; `sales`/`checkins` may come ready from the cache (cache.py)."""
    if granularity not in GRANULARITIES:
        raise Unprocessable.field("granularity", "Choose hour or day.")
    types = await _ticket_types(db, event.id)
    if sales is None:
        sales = await sales_part(db, event, granularity)
    if checkins is None:
        checkins = await checkin_part(db, event, granularity)
    funnel_until = await db.scalar(queries.FUNNEL_UNTIL, {"e": event.id})
    sold = sum(t.sold for t in types)
    capacity = event.capacity if event.capacity is not None else sum(t.quantity for t in types)
    reserved = sum(t.reserved for t in types)
    return EventDashboard(
        event_id=event.id,
        event_name=event.name,
        timezone=event.timezone,
        granularity=granularity,
        generated_at=datetime.now(UTC),
        capacity=event.capacity,
        sold=sold,
        available=max(0, min(capacity - sold - reserved, sum(t.available for t in types))),
        ticket_types=types,
        revenue=sales.revenue,
        sales_over_time=sales.buckets,
        checkins_over_time=checkins.buckets,
        occupancy=checkins.occupancy,
        snapshot=SnapshotInfo(funnel_until=funnel_until, checkin_until=checkins.until),
    )


def _steps(counts: dict[str, int]) -> list[FunnelStep]:
    out: list[FunnelStep] = []
    previous: int | None = None
    for step in FUNNEL_STEPS:
        n = counts.get(step, 0)
        conversion = None if not previous else round(n / previous, 4)
        out.append(FunnelStep(step=step, events=n, conversion=conversion))
        previous = n
    return out


async def funnel(db: AsyncSession, event: Event, start: datetime | None, end: datetime | None) -> Funnel:
    if start is not None and end is not None and end <= start:
        raise Unprocessable.field("end", "The end must be after the start.")
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise Unprocessable.field(name, "Give a time zone offset, e.g. 2026-03-01T00:00:00+02:00.")
    params = snapshots.funnel_params(event.id, start, end, list(FUNNEL_STEPS))
    rows = (await db.execute(queries.FUNNEL, params)).all()
    totals: dict[str, int] = defaultdict(int)
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    until: datetime | None = None
    for step, source, n, cut in rows:
        totals[step] += int(n)
        by_source[source][step] += int(n)
        until = cut
    if until is None:
        until = await db.scalar(queries.FUNNEL_UNTIL, {"e": event.id})
    sources = sorted(by_source.items(), key=lambda kv: (-kv[1].get(FUNNEL_STEPS[0], 0), kv[0]))
    return Funnel(
        event_id=event.id,
        start=start,
        end=end,
        counting="events",
        steps=_steps(totals),
        by_utm_source=[FunnelSource(utm_source=s or None, steps=_steps(c)) for s, c in sources],
        snapshot_until=until if until is not None and 1900 < until.year < 9000 else None,
    )


async def organization_overview(db: AsyncSession, organization_id: uuid.UUID) -> OrganizationOverview:
    events = (await db.scalars(select(Event).order_by(Event.starts_at.desc()))).all()
    params: dict[str, Any] = {"o": organization_id}
    types = {r[0]: (int(r[1]), int(r[2])) for r in await db.execute(queries.OVERVIEW_TYPES, params)}
    gross = {r[0]: int(r[1]) for r in await db.execute(queries.OVERVIEW_GROSS, params)}
    checked = {r[0]: int(r[1]) for r in await db.execute(queries.OVERVIEW_CHECKED_IN, params)}
    return OrganizationOverview(
        items=[
            EventOverview(
                event_id=e.id,
                name=e.name,
                status=e.status,
                starts_at=e.starts_at,
                timezone=e.timezone,
                sold=types.get(e.id, (0, 0))[0],
                capacity=e.capacity if e.capacity is not None else types.get(e.id, (0, 0))[1],
                gross_cents=gross.get(e.id, 0),
                checked_in=checked.get(e.id, 0),
            )
            for e in events
        ],
        generated_at=datetime.now(UTC),
    )


class ChangeToken(msgspec.Struct, frozen=True):
    """What the dashboard depends on, cheaply: `sold` moves with every payment (and refund),
    `reserved` with every hold, `scan_seq` with every scan, `built_at` with every snapshot build.
    Index look-ups only, no scans of big tables."""

    sold: str
    reserved: str
    scan_seq: int | None
    built_at: datetime | None


async def change_token(db: AsyncSession, event_id: uuid.UUID) -> ChangeToken:
    row = (await db.execute(queries.CHANGE_TOKEN, {"e": event_id})).one()
    return ChangeToken(sold=str(row[0]), reserved=str(row[1]), scan_seq=row[2], built_at=row[3])
