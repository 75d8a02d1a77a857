"""Events: creation, edits, listing and lifecycle. Times are stored in UTC; a time sent without
an offset is read in the event's own time zone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.services import AuditService, diff
from voelgoed.domain.events import queries
from voelgoed.domain.events.machines import EventLifecycle
from voelgoed.domain.events.models import Event
from voelgoed.domain.events.webhooks import WEBHOOK_EVENT_OF, record_event_webhook
from voelgoed.domain.organizations.services import slugify
from voelgoed.domain.venues.models import DEFAULT_TIMEZONE, Venue
from voelgoed.lib.closed_sets import closed_set, sorts_of
from voelgoed.lib.pagination import PageParams, order_by, paginate
from voelgoed.lib.problems import Conflict, FieldError, NotFound, Unprocessable
from voelgoed.lib.timezones import check_timezone

EVENT_SORTS = {"starts_at": Event.starts_at, "name": Event.name, "created_at": Event.created_at}
if TYPE_CHECKING:
    EventSort = str
else:  # `sort` of the events list: a key of EVENT_SORTS, '-' first for descending
    EventSort = closed_set("EventSort", sorts_of(EVENT_SORTS), "Sort of the events list ('-': descending).")

EVENT_STATUSES = ("draft", "published", "closed", "cancelled")
EDITABLE_WHEN = {"draft", "published"}


EARLIEST_YEAR, LATEST_YEAR = 2000, 2200


def required_text(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise Unprocessable.field(field, "must not be blank")
    return value


def to_utc(value: datetime, tz: str, field: str) -> datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise Unprocessable.field(field, f"Choose a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


class EventService:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def list(
        self, params: PageParams, *, q: str | None, status: str | None, venue_id: uuid.UUID | None
    ) -> tuple[list[Event], int]:
        stmt = order_by(self.list_query(q=q, status=status, venue_id=venue_id), params.sort, EVENT_SORTS, "starts_at")
        return await paginate(self.db, stmt, params)

    def list_query(self, *, q: str | None, status: str | None, venue_id: uuid.UUID | None) -> Any:
        stmt = select(Event)
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.where(or_(Event.name.ilike(like), Event.slug.ilike(like)))
        if status:
            if status not in EVENT_STATUSES:
                raise Unprocessable.field("status", f"one of {', '.join(EVENT_STATUSES)}")
            stmt = stmt.where(Event.status == status)
        if venue_id:
            stmt = stmt.where(Event.venue_id == venue_id)
        return stmt

    async def get(self, event_id: uuid.UUID) -> Event:
        event = await self.db.scalar(select(Event).where(Event.id == event_id))
        if event is None:
            raise NotFound("No such event.")
        return event

    async def _venue(self, venue_id: uuid.UUID) -> Venue:
        venue = await self.db.scalar(select(Venue).where(Venue.id == venue_id))
        if venue is None:  # unknown, or another organisation's: same answer
            raise Unprocessable.field("venue_id", "No such venue in this organisation.")
        return venue

    async def _unique_slug(self, wanted: str | None, name: str, exclude: uuid.UUID | None = None) -> str:
        explicit = wanted is not None
        base = slugify(wanted if explicit else name)  # type: ignore[arg-type]
        slug, n = base, 1
        while True:
            # Slugs are global (they appear in public URLs), so look beyond this organisation.
            stmt = select(Event.id).where(Event.slug == slug).execution_options(**UNSCOPED)
            if exclude:
                stmt = stmt.where(Event.id != exclude)
            if not await self.db.scalar(stmt):
                return slug
            if explicit:
                raise Conflict(
                    "This slug is already taken.",
                    errors=[FieldError(field="slug", message="already taken; choose another")],
                )
            n += 1
            slug = f"{base}-{n}"

    def _check_times(self, starts_at: datetime, ends_at: datetime) -> None:
        if ends_at <= starts_at:
            raise Unprocessable.field("ends_at", "The event must end after it starts.")

    def _check_capacity(self, capacity: int | None, venue: Venue | None) -> None:
        if capacity is None:
            return
        if capacity < 0:
            raise Unprocessable.field("capacity", "Capacity cannot be negative.")
        if venue is not None and venue.capacity is not None and capacity > venue.capacity:
            raise Unprocessable.field("capacity", f"The venue holds at most {venue.capacity} people.")

    async def create(self, organization_id: uuid.UUID, data: dict[str, Any]) -> Event:
        data = {**data, "name": required_text(data["name"], "name")}
        venue = await self._venue(data["venue_id"]) if data.get("venue_id") else None
        tz = check_timezone(data.get("timezone") or (venue.timezone if venue else DEFAULT_TIMEZONE))
        starts_at, ends_at = to_utc(data["starts_at"], tz, "starts_at"), to_utc(data["ends_at"], tz, "ends_at")
        self._check_times(starts_at, ends_at)
        self._check_capacity(data.get("capacity"), venue)
        event = Event(
            organization_id=organization_id,
            name=data["name"].strip(),
            slug=await self._unique_slug(data.get("slug"), data["name"]),
            description=data.get("description"),
            venue_id=venue.id if venue else None,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=tz,
            capacity=data.get("capacity"),
            status="draft",
        )
        event.venue = venue
        self.db.add(event)
        await self.db.flush()
        self.audit.record(
            action="event.created",
            entity_type="event",
            entity_id=event.id,
            changes={"name": event.name, "slug": event.slug, "starts_at": starts_at},
        )
        return event

    async def update(self, event_id: uuid.UUID, changes: dict[str, Any]) -> Event:
        event = await self.get(event_id)
        if event.status not in EDITABLE_WHEN:
            raise Conflict(f"A {event.status} event can no longer be edited.")
        venue = event.venue
        if "venue_id" in changes:
            venue = await self._venue(changes["venue_id"]) if changes["venue_id"] else None
            if venue is None and event.status == "published":
                raise Unprocessable.field("venue_id", "A published event needs a venue.")
        tz = check_timezone(changes.get("timezone") or event.timezone)
        new = dict(changes)
        if "name" in new:
            new["name"] = required_text(new["name"], "name")
        if "slug" in new:
            new["slug"] = await self._unique_slug(new["slug"], event.name, exclude=event.id)
        for key in ("starts_at", "ends_at"):
            if key in new:
                new[key] = to_utc(new[key], tz, key)
        self._check_times(new.get("starts_at", event.starts_at), new.get("ends_at", event.ends_at))
        self._check_capacity(new.get("capacity", event.capacity), venue)
        before = {k: getattr(event, k) for k in new}
        for key, value in new.items():
            setattr(event, key, value)
        if "venue_id" in new:
            event.venue = venue
        await self.db.flush()
        if d := diff(before, new):
            self.audit.record(action="event.updated", entity_type="event", entity_id=event.id, changes=d)
        return event

    async def delete(self, event_id: uuid.UUID) -> None:
        event = await self.get(event_id)
        if event.status != "draft":
            raise Conflict("Only draft events can be deleted; cancel a published event instead.")
        await self.db.delete(event)
        self.audit.record(action="event.deleted", entity_type="event", entity_id=event_id, changes={"name": event.name})

    async def transition(self, event_id: uuid.UUID, name: str) -> Event:
        event = await self.get(event_id)
        machine = EventLifecycle(event)
        before = event.status
        if name == "publish" and before == "draft" and (blockers := machine.publish_blockers()):
            raise Conflict("Cannot publish yet: " + " and ".join(blockers) + ".")
        if name == "cancel" and await self.db.scalar(queries.HAS_PAID_ORDERS, {"e": event.id}):
            # Paid orders need a decision (refund or not) and a job: the cancellation endpoint.
            raise Conflict(
                "This event has paid orders: cancel it with POST .../cancellation, which asks whether "
                "they are refunded and e-mails every buyer."
            )
        machine.send(name)  # refuses illegal transitions (409 via the problem handler)
        await self.db.flush()
        if name in WEBHOOK_EVENT_OF:
            await record_event_webhook(self.db, event, WEBHOOK_EVENT_OF[name])
        self.audit.record(
            action=f"event.{name}",
            entity_type="event",
            entity_id=event.id,
            changes={"status": [before, event.status]},
        )
        return event
