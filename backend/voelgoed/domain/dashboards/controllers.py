"""Organiser dashboards: per-event figures, the live stream, the funnel, the organisation overview.
Thin: figures come from services.py. The figures read through `read_session` (db/replica.py): the
read replica when DATABASE_READ_URL is set, the request's session otherwise."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import ServerSentEvent
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Permission, access
from voelgoed.db.tenancy import scope_session
from voelgoed.domain.catalog.services import get_event
from voelgoed.domain.dashboards import cache, services
from voelgoed.domain.dashboards.schemas import EventDashboard, Funnel, OrganizationOverview
from voelgoed.lib.live import LiveHub
from voelgoed.lib.openapi_answers import event_stream_answer
from voelgoed.lib.problems import NotFound
from voelgoed.settings import Settings

STREAM_PING_SECONDS = 15.0
STREAM_LIFETIME_SECONDS = 600.0  # then the browser's EventSource reconnects (retry below)


class DashboardController(Controller):
    path = "/api/organizations/{organization_id:uuid}"
    tags = ["dashboards"]

    @get("/dashboard", operation_id="getOrganizationOverview", opt=access(Permission.EVENTS_READ))
    async def overview(
        self, organization_id: uuid.UUID, read_session: AsyncSession, redis: Redis, settings: Settings
    ) -> OrganizationOverview:
        """Get the organisation's overview

        Every event of the organisation with its key figures (sold, capacity, gross, checked in);
        may be up to 5 s old (plus the read replica's lag, when one is configured)."""
        return await cache.organization_overview(read_session, redis, organization_id, settings.cache.dashboard_seconds)

    @get("/events/{event_id:uuid}/dashboard", operation_id="getEventDashboard", opt=access(Permission.EVENTS_READ))
    async def dashboard(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        read_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        granularity: str = Parameter(default="hour", pattern="^(hour|day)$"),
    ) -> EventDashboard:
        """Get an event's dashboard

        Sales per ticket type, revenue, sales and check-ins over time, occupancy per gate."""
        event = await get_event(read_session, event_id)
        return await cache.event_dashboard(read_session, redis, event, granularity, settings.cache.dashboard_seconds)

    @get(
        "/events/{event_id:uuid}/dashboard/stream",
        operation_id="streamEventDashboard",
        opt=access(Permission.EVENTS_READ),
        responses=event_stream_answer("Server-sent events: `summary` (the EventDashboard as JSON) and `ping` comments"),
    )
    async def stream(
        self,
        request: Request,  # type: ignore[type-arg,unused-ignore]
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        db_session: AsyncSession,
        redis: Redis,
        settings: Settings,
        live_hub: LiveHub,
        granularity: str = Parameter(default="hour", pattern="^(hour|day)$"),
    ) -> ServerSentEvent:
        """Stream an event's dashboard live

        Server-Sent Events: a `summary` event (the whole dashboard, JSON) at once, then again
        whenever a sale, hold, scan or snapshot build changes it (pushed at once, no polling); a `ping`
        comment every 15 s. The stream ends after 10 minutes and EventSource reconnects. A client
        that does not ask for `text/event-stream` in `Accept` gets the first summary only (then the
        stream ends)."""
        await get_event(db_session, event_id)
        bind = db_session.bind
        live = "text/event-stream" in request.headers.get("accept", "")
        ttl = settings.cache.dashboard_seconds

        async def read() -> tuple[services.ChangeToken, EventDashboard | None]:
            # Once per change for every watcher of this event in this process (LiveHub.shared).
            async with AsyncSession(bind) as db:
                scope_session(db, organization_id)
                token = await services.change_token(db, event_id)
                try:
                    event = await get_event(db, event_id)
                except NotFound:  # deleted while watched: the streams end
                    return token, None
                return token, await cache.event_dashboard(db, redis, event, granularity, ttl, token)

        async def events() -> AsyncIterator[dict[str, str] | str]:
            last_token: services.ChangeToken | None = None
            started = last_sent = time.monotonic()
            with live_hub.watching(event_id):
                version = live_hub.version(event_id)
                while True:
                    key = (str(event_id), "dashboard", organization_id, granularity)
                    token, body = await live_hub.shared(key, version, read)
                    if body is None:
                        return
                    if token != last_token:
                        last_token, last_sent = token, time.monotonic()
                        yield {"event": "summary", "data": msgspec.json.encode(body).decode()}
                    if not live or time.monotonic() - started > STREAM_LIFETIME_SECONDS:
                        return
                    if time.monotonic() - last_sent > STREAM_PING_SECONDS:
                        last_sent = time.monotonic()
                        yield {"comment": "ping"}
                    wait = min(STREAM_PING_SECONDS - (time.monotonic() - last_sent), STREAM_LIFETIME_SECONDS)
                    version = await live_hub.wait(event_id, version, max(wait, 0.1))

        return ServerSentEvent(events(), retry_duration=2000)

    @get("/events/{event_id:uuid}/funnel", operation_id="getEventFunnel", opt=access(Permission.EVENTS_READ))
    async def funnel(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        read_session: AsyncSession,
        start: datetime | None = Parameter(default=None, description="inclusive, with offset"),
        end: datetime | None = Parameter(default=None, description="exclusive, with offset"),
    ) -> Funnel:
        """Get an event's sales funnel

        page_view -> add_to_cart -> checkout_started -> checkout_success: events per step in
        [start, end), conversion between steps, and the same split by UTM source."""
        event = await get_event(read_session, event_id)
        return await services.funnel(read_session, event, start, end)
