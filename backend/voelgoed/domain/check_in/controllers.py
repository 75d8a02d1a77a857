"""Check-in HTTP API: device endpoints (bearer device token) and organiser monitoring. Thin."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, get, post, put
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import ServerSentEvent, Stream
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.device import DeviceContext, provide_device
from voelgoed.auth.permissions import Access, ApiKeyScope, Permission, access
from voelgoed.domain.check_in import services
from voelgoed.domain.check_in.offline_schemas import CheckinChanges, CheckinSnapshot
from voelgoed.domain.check_in.schemas import (
    CheckinConfigRead,
    CheckinConfigUpdate,
    CheckinCounts,
    DuplicateList,
    OfflineUpload,
    OfflineUploadResult,
    ScanFeed,
    ScanRequest,
    ScanVerdict,
    SessionList,
)
from voelgoed.domain.devices.schemas import DeviceGateChoice, DeviceGateChosen, DeviceSession
from voelgoed.domain.devices.services import choose_gate, device_session
from voelgoed.lib.live import LiveHub
from voelgoed.lib.openapi_answers import event_stream_answer, json_answer
from voelgoed.workflows import offline_sync
from voelgoed.workflows.check_in import ScanInput, scan_online

DEVICE = {"device": Provide(provide_device)}


STREAM_PING_SECONDS = 15.0
SCAN_BATCH = 200  # scans per read of the live feed


class DeviceCheckinController(Controller):
    path = "/api/checkin"
    tags = ["check-in (device)"]
    dependencies = DEVICE

    @get("/device", operation_id="getDeviceSession", opt=access(Access.DEVICE))
    async def get_device(self, device: DeviceContext, db_session: AsyncSession) -> DeviceSession:
        """Get this device's session

        Who this scanner is: its name, organisation, the events it may scan, the gate it is paired for, and the
        server's clock (to correct its own)."""
        return await device_session(
            db_session, device.id, device.organization_id, device.name, device.event_ids, device.gate_id
        )

    @post("/device/gate", operation_id="reportDeviceGate", opt=access(Access.DEVICE), status_code=200)
    async def report_gate(
        self, data: DeviceGateChoice, device: DeviceContext, db_session: AsyncSession
    ) -> DeviceGateChosen:
        """Report the gate picked on this device

        The gate a person picked on this device (paired for any gate), so the organiser's
        Devices list shows it before the first scan. Idempotent; the scanner sends it again on
        its next sync when it was offline. (POST, not PUT: the app's CORS allows GET and POST.)"""
        return await choose_gate(db_session, device, data.gate_id)

    @post("/scans", operation_id="scanTicket", opt=access(Access.DEVICE), status_code=200)
    async def scan(self, data: ScanRequest, device: DeviceContext, db_session: AsyncSession) -> ScanVerdict:
        """Scan a ticket

        Decide one scan online (idempotent by client_scan_id).

        `payload` is the QR text (`VG1:…`) or the ticket code printed under it, typed in by hand
        (20 characters, any case or grouping)."""
        return await scan_online(
            db_session,
            device,
            ScanInput(
                payload=data.payload,
                gate_id=data.gate_id,
                direction=data.direction,
                client_scan_id=data.client_scan_id,
                client_time=data.client_time,
            ),
        )

    @post("/offline-scans", operation_id="uploadOfflineScans", opt=access(Access.DEVICE), status_code=200)
    async def upload(self, data: OfflineUpload, device: DeviceContext, db_session: AsyncSession) -> OfflineUploadResult:
        """Upload offline scans

        Upload queued offline scans (idempotent by client_scan_id); do this before downloading."""
        return await offline_sync.upload(db_session, device, data)

    @get(
        "/snapshot",
        operation_id="getCheckinSnapshot",
        opt=access(Access.DEVICE),
        responses=json_answer(CheckinSnapshot, "The event's offline snapshot, one JSON object (streamed)"),
    )
    async def snapshot(self, event_id: uuid.UUID, device: DeviceContext, db_session: AsyncSession) -> Stream:
        """Download the offline snapshot

        Everything an offline scanner needs for one event, streamed as one JSON object."""
        snap = await offline_sync.snapshot(db_session, device, event_id)
        return Stream(offline_sync.stream_snapshot(snap), media_type="application/json")

    @get("/changes", operation_id="getCheckinChanges", opt=access(Access.DEVICE))
    async def changes(
        self,
        event_id: uuid.UUID,
        device: DeviceContext,
        db_session: AsyncSession,
        cursor: int = Parameter(ge=0),
        limit: int = Parameter(default=2000, ge=1, le=5000),
    ) -> CheckinChanges:
        """Get ticket changes since a cursor

        Ticket records changed after `cursor` (no gaps), and the next cursor."""
        return await offline_sync.changes(db_session, device, event_id, cursor, limit)


class CheckinAdminController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}"
    tags = ["check-in"]

    @get(
        "/checkin-config",
        operation_id="getCheckinConfig",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.CHECKIN),
    )
    async def get_config(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> CheckinConfigRead:
        """Get check-in rules

        The event's check-in rules with the defaults filled in (`effective_valid_from/until`) and
        one entry per gate of the event's venue."""
        return await services.config_read(db_session, await services.get_event(db_session, event_id))

    @put(
        "/checkin-config",
        operation_id="updateCheckinConfig",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.CHECKIN),
    )
    async def update_config(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, data: CheckinConfigUpdate, db_session: AsyncSession
    ) -> CheckinConfigRead:
        """Update check-in rules

        Replace the event's check-in rules: entry window (times without an offset are read in the
        event's time zone), exits, re-entry and each gate's directions and ticket types. Online scans
        use them at once; offline scanners from their next sync."""
        event = await services.get_event(db_session, event_id)
        return await services.update_config(db_session, event, data)

    @get("/scans", operation_id="listScans", opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.CHECKIN))
    async def scans(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        db_session: AsyncSession,
        after: int = Parameter(default=0, ge=0),
        limit: int = Parameter(default=100, ge=1, le=1000),
    ) -> ScanFeed:
        """List scans

        The live scan feed: poll with the last `last_seq` as `after`."""
        await services.get_event(db_session, event_id)
        items = await services.scan_feed(db_session, event_id, after, limit)
        return ScanFeed(items=items, last_seq=items[-1].seq if items else after)

    @get(
        "/scans/stream",
        operation_id="streamScans",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.CHECKIN),
        responses=event_stream_answer("Server-sent events: `scan` (a scan as JSON, id = seq) and `ping` comments"),
    )
    async def stream(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        db_session: AsyncSession,
        live_hub: LiveHub,
        after: int = Parameter(default=0, ge=0),
    ) -> ServerSentEvent:
        """Stream scans live

        Server-Sent Events: one `scan` event per scan (id = seq), pushed as the scan is recorded (no
        polling); a `ping` comment after 15 s without a scan."""
        # PostgreSQL notifies this process of the event's scans (lib/live.py); reads run on a
        # connection of their own (the request's session ends when the response starts), once per
        # new scan for every watcher at the same position.
        await services.get_event(db_session, event_id)
        bind = db_session.bind

        async def read(since: int) -> list[Any]:
            async with AsyncSession(bind) as db:
                return list(await services.scan_feed(db, event_id, since, SCAN_BATCH))

        async def events() -> AsyncIterator[dict[str, str]]:
            last, quiet_since = after, time.monotonic()
            with live_hub.watching(event_id):
                version = live_hub.version(event_id)
                while True:
                    since = last
                    items = await live_hub.shared(
                        (str(event_id), "scans", since), version, functools.partial(read, since)
                    )
                    for item in items:
                        last = item.seq
                        yield {"event": "scan", "id": str(item.seq), "data": msgspec.json.encode(item).decode()}
                    if items:
                        quiet_since = time.monotonic()
                        if len(items) == SCAN_BATCH:
                            continue  # more waiting: read on without waiting for a notification
                    elif time.monotonic() - quiet_since >= STREAM_PING_SECONDS:
                        quiet_since = time.monotonic()
                        yield {"comment": "ping"}
                    wait = STREAM_PING_SECONDS - (time.monotonic() - quiet_since)
                    version = await live_hub.wait(event_id, version, max(wait, 0.1))

        return ServerSentEvent(events())

    @get(
        "/checkin-counts",
        operation_id="getCheckinCounts",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.CHECKIN),
    )
    async def counts(self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession) -> CheckinCounts:
        """Get check-in counts

        Tickets admitted, and entries, exits and people inside in total and per gate, with the number of offline
        duplicates."""
        return await services.counts(db_session, await services.get_event(db_session, event_id))

    @get(
        "/offline-duplicates",
        operation_id="listOfflineDuplicates",
        opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.CHECKIN),
    )
    async def duplicates(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> DuplicateList:
        """List offline duplicate scans

        Tickets admitted twice while scanners were offline (each scanner admitted them on its own): each duplicate
        scan and the scan that counted (`winner`)."""
        await services.get_event(db_session, event_id)
        return DuplicateList(items=await services.offline_duplicates(db_session, event_id))

    @get(
        "/scan-sessions", operation_id="listScanSessions", opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.CHECKIN)
    )
    async def scan_sessions(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> SessionList:
        """List scan sessions

        Per device and gate: when it started and last scanned, how many scans, and its clock offset, so the
        organiser sees which scanners are working."""
        return SessionList(items=await services.sessions(db_session, await services.get_event(db_session, event_id)))
