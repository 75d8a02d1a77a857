"""Dashboard responses (msgspec). Money in integer cents; times UTC plus the event's local time."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from voelgoed.domain.events.machines import EventStatus


class TicketTypeFigures(msgspec.Struct):
    id: uuid.UUID
    name: str
    quantity: int
    sold: int
    reserved: int
    available: int


class Revenue(msgspec.Struct):
    gross_cents: int  # sum of paid orders' totals (VAT-inclusive)
    fees_cents: int
    net_cents: int  # gross - fees
    vat_cents: int  # the VAT contained in gross
    paid_orders: int


class SalesBucket(msgspec.Struct):
    start: datetime  # UTC instant of the bucket start
    local: str  # the same instant in the event's time zone, e.g. 2026-03-01T18:00
    orders: int
    gross_cents: int


class CheckinBucketRead(msgspec.Struct):
    start: datetime
    local: str
    entries: int
    exits: int


class GateOccupancy(msgspec.Struct):
    gate_id: uuid.UUID
    gate_name: str
    entries: int
    exits: int
    inside: int  # entries - exits through this gate


class OccupancyTotal(msgspec.Struct):
    entries: int
    exits: int
    inside: int


class Occupancy(msgspec.Struct):
    gates: list[GateOccupancy]
    total: OccupancyTotal


class SnapshotInfo(msgspec.Struct):
    funnel_until: datetime | None  # buckets before this instant come from snapshots, later rows live
    checkin_until: datetime | None


class EventDashboard(msgspec.Struct):
    event_id: uuid.UUID
    event_name: str
    timezone: str
    granularity: str  # hour | day
    generated_at: datetime
    capacity: int | None
    sold: int
    available: int
    ticket_types: list[TicketTypeFigures]
    revenue: Revenue
    sales_over_time: list[SalesBucket]
    checkins_over_time: list[CheckinBucketRead]
    occupancy: Occupancy
    snapshot: SnapshotInfo


class FunnelStep(msgspec.Struct):
    step: str
    events: int
    conversion: float | None  # events of this step / events of the previous step (None for the first or 0)


class FunnelSource(msgspec.Struct):
    utm_source: str | None
    steps: list[FunnelStep]


class Funnel(msgspec.Struct):
    event_id: uuid.UUID
    start: datetime | None
    end: datetime | None
    counting: str  # "events": funnel events per step (additive, see docs/dashboards.md)
    steps: list[FunnelStep]
    by_utm_source: list[FunnelSource]
    snapshot_until: datetime | None


class EventOverview(msgspec.Struct):
    event_id: uuid.UUID
    name: str
    status: EventStatus
    starts_at: datetime
    timezone: str
    sold: int
    capacity: int | None  # the event's cap, else the sum of its ticket types' quantities
    gross_cents: int
    checked_in: int  # tickets admitted at least once


class OrganizationOverview(msgspec.Struct):
    items: list[EventOverview]
    generated_at: datetime
