"""Dashboard responses (msgspec). Money in integer cents; times UTC plus the event's local time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from voelgoed.domain.events.machines import EventStatus


class TicketTypeFigures(msgspec.Struct):
    """One ticket type's figures."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="The ticket type's name.", examples=["Algemene toegang"])]
    quantity: Annotated[int, msgspec.Meta(description="Tickets for sale in total.", examples=[500])]
    sold: int
    reserved: int
    available: int


class Revenue(msgspec.Struct):
    """Money from paid orders."""

    gross_cents: Annotated[
        int, msgspec.Meta(description="Sum of paid orders' totals, VAT included.")
    ]  # sum of paid orders' totals (VAT-inclusive)
    fees_cents: Annotated[int, msgspec.Meta(description="Provider fees on them.")]
    net_cents: Annotated[int, msgspec.Meta(description="Gross minus fees.")]  # gross - fees
    vat_cents: Annotated[int, msgspec.Meta(description="The VAT contained in gross.")]  # the VAT contained in gross
    paid_orders: Annotated[int, msgspec.Meta(description="Paid orders counted.")]


class SalesBucket(msgspec.Struct):
    """Sales in one time bucket."""

    start: Annotated[datetime, msgspec.Meta(description="The bucket's start (UTC).")]  # UTC instant of the bucket start
    local: Annotated[
        str, msgspec.Meta(description="The same instant in the event's time zone.", examples=["2026-12-12T18:00"])
    ]  # the same instant in the event's time zone, e.g. 2026-03-01T18:00
    orders: Annotated[int, msgspec.Meta(description="Orders paid in the bucket.")]
    gross_cents: Annotated[int, msgspec.Meta(description="What they paid, VAT included.")]


class CheckinBucketRead(msgspec.Struct):
    """Entries and exits in one time bucket."""

    start: Annotated[datetime, msgspec.Meta(description="The bucket's start (UTC).")]
    local: Annotated[
        str, msgspec.Meta(description="The same instant in the event's time zone.", examples=["2026-12-12T18:00"])
    ]
    entries: Annotated[int, msgspec.Meta(description="Admissions in the bucket.")]
    exits: Annotated[int, msgspec.Meta(description="Exits in the bucket.")]


class GateOccupancy(msgspec.Struct):
    """People through one gate."""

    gate_id: uuid.UUID
    gate_name: str
    entries: Annotated[int, msgspec.Meta(description="Admissions.")]
    exits: Annotated[int, msgspec.Meta(description="Exits.")]
    inside: Annotated[
        int, msgspec.Meta(description="Entries minus exits through this gate.")
    ]  # entries - exits through this gate


class OccupancyTotal(msgspec.Struct):
    """People through all gates."""

    entries: Annotated[int, msgspec.Meta(description="Admissions.")]
    exits: Annotated[int, msgspec.Meta(description="Exits.")]
    inside: Annotated[int, msgspec.Meta(description="Entries minus exits.")]


class Occupancy(msgspec.Struct):
    """People inside now."""

    gates: Annotated[list[GateOccupancy], msgspec.Meta(description="Per gate.")]
    total: Annotated[OccupancyTotal, msgspec.Meta(description="Over all gates.")]


class SnapshotInfo(msgspec.Struct):
    """Where the dashboard's figures come from."""

    funnel_until: (
        Annotated[
            datetime,
            msgspec.Meta(
                description=(
                    "Funnel buckets before this instant come from snapshots, later ones are live; null: all live."
                )
            ),
        ]
        | None
    )  # buckets before this instant come from snapshots, later rows live
    checkin_until: Annotated[datetime, msgspec.Meta(description="The same for check-in buckets.")] | None


class EventDashboard(msgspec.Struct):
    """Everything the live dashboard of one event shows."""

    event_id: uuid.UUID
    event_name: str
    timezone: str
    granularity: Annotated[
        str, msgspec.Meta(description="Bucket size of the time series: `hour` or `day`.", examples=["hour"])
    ]  # hour | day
    generated_at: datetime
    capacity: int | None
    sold: int
    available: Annotated[int, msgspec.Meta(description="Tickets left.")]
    ticket_types: Annotated[list[TicketTypeFigures], msgspec.Meta(description="Figures per ticket type.")]
    revenue: Annotated[Revenue, msgspec.Meta(description="Money from paid orders.")]
    sales_over_time: Annotated[list[SalesBucket], msgspec.Meta(description="Orders and gross per bucket.")]
    checkins_over_time: Annotated[list[CheckinBucketRead], msgspec.Meta(description="Entries and exits per bucket.")]
    occupancy: Annotated[Occupancy, msgspec.Meta(description="People inside, per gate and in total.")]
    snapshot: Annotated[SnapshotInfo, msgspec.Meta(description="Up to when the figures come from snapshots.")]


class FunnelStep(msgspec.Struct):
    """One step of the funnel."""

    step: Annotated[str, msgspec.Meta(description="The step's name.", examples=["add_to_cart"])]
    events: Annotated[int, msgspec.Meta(description="Funnel events of this step.")]
    conversion: (
        Annotated[
            float,
            msgspec.Meta(
                description="This step's events divided by the previous step's; null for the first step or after 0."
            ),
        ]
        | None
    )  # events of this step / events of the previous step (None for the first or 0)


class FunnelSource(msgspec.Struct):
    """The funnel of one UTM source."""

    utm_source: Annotated[str, msgspec.Meta(description="The source; null: none given.", examples=["instagram"])] | None
    steps: Annotated[list[FunnelStep], msgspec.Meta(description="The steps for this source.")]


class Funnel(msgspec.Struct):
    """The buyers' way from the event page to a paid order."""

    event_id: uuid.UUID
    start: (
        Annotated[
            datetime, msgspec.Meta(description="Start of the range (UTC, inclusive); null: from the first event.")
        ]
        | None
    )
    end: Annotated[datetime, msgspec.Meta(description="End of the range (UTC, exclusive); null: now.")] | None
    counting: Annotated[
        str,
        msgspec.Meta(description="What is counted: `events` (funnel events per step, additive).", examples=["events"]),
    ]  # "events": funnel events per step (additive, see docs/dashboards.md)
    steps: Annotated[
        list[FunnelStep],
        msgspec.Meta(description="page_view, add_to_cart, checkout_started, checkout_success, in that order."),
    ]
    by_utm_source: Annotated[list[FunnelSource], msgspec.Meta(description="The same steps per UTM source.")]
    snapshot_until: (
        Annotated[
            datetime, msgspec.Meta(description="Figures before this instant come from snapshots, later ones are live.")
        ]
        | None
    )


class EventOverview(msgspec.Struct):
    """One event's key figures on the organisation's overview."""

    event_id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="The event's name.", examples=["Stellenbosch Wynfees 2026"])]
    status: Annotated[EventStatus, msgspec.Meta(description="The event's status.")]
    starts_at: datetime
    timezone: str
    sold: int
    capacity: (
        Annotated[int, msgspec.Meta(description="The event's capacity, else the sum of its ticket types' quantities.")]
        | None
    )  # the event's cap, else the sum of its ticket types' quantities
    gross_cents: Annotated[int, msgspec.Meta(description="What paid orders paid, VAT included.")]
    checked_in: Annotated[
        int, msgspec.Meta(description="Tickets admitted at least once.")
    ]  # tickets admitted at least once


class OrganizationOverview(msgspec.Struct):
    """Every event of the organisation with its key figures (may be up to 5 s old)."""

    items: Annotated[list[EventOverview], msgspec.Meta(description="One per event.")]
    generated_at: datetime
