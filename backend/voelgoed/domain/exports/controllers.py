"""CSV exports (personal data, POPIA): owner/admin/staff only (events:write), each one audit-logged.

Small exports stream straight away; big ones (over EXPORT_SYNC_MAX_ROWS rows) run as SAQ jobs with
progress and a download when done."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Stream
from saq import Queue
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import ApiKeyScope, Permission, access
from voelgoed.db.replica import read_bind
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.catalog.services import get_event
from voelgoed.domain.exports import services
from voelgoed.domain.exports.jobs import enqueue_kwargs
from voelgoed.domain.exports.models import DataExport
from voelgoed.domain.exports.schemas import ExportCreate, ExportList, ExportRead, export_read
from voelgoed.lib.closed_sets import path_documented_as
from voelgoed.lib.openapi_answers import CSV, csv_answer
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable
from voelgoed.settings import Settings

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _kind(kind: str) -> str:
    if kind not in services.KINDS:
        raise Unprocessable.field("kind", f"Choose one of: {', '.join(services.KINDS)}.")
    return kind


def _csv_headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


class ExportController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/exports"
    tags = ["exports"]

    @get(
        "/csv/{kind:str}",
        operation_id="downloadEventCsv",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_READ),
        responses=csv_answer("The rows as CSV (UTF-8), as an attachment"),
    )
    async def direct(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        kind: Annotated[str, path_documented_as(services.KINDS)],
        request: Request,  # type: ignore[type-arg,unused-ignore]
        db_session: AsyncSession,
        read_session: AsyncSession,
        auth: AuthContext,
        settings: Settings,
    ) -> Stream:
        """Download a CSV now

        Stream `orders`, `attendees` or `scans` as CSV now. Over EXPORT_SYNC_MAX_ROWS rows: 409,
        create an export job instead. The rows may be a few seconds old when a read replica is
        configured."""
        event = await get_event(db_session, event_id)
        _kind(kind)
        # Counted and streamed on the read replica when there is one (db/replica.py); the audit
        # entry is a write and goes to the primary.
        rows = await services.count_rows(read_session, kind, event.id)
        if rows > settings.limits.export_sync_max_rows:
            raise Conflict(
                f"This export has {rows} rows, more than {settings.limits.export_sync_max_rows}: create an export job "
                "(POST .../exports) and download it when it is done."
            )
        AuditService(db_session, auth).record(
            action="export.downloaded", entity_type="event", entity_id=event.id, changes={"kind": kind, "rows": rows}
        )
        await db_session.commit()  # the audit entry stands even if the client drops mid-download
        name = services.filename(kind, event.name, datetime.now(UTC))
        return Stream(
            services.stream_csv(read_bind(request), kind, event.id, ZoneInfo(event.timezone)),
            media_type=CSV,
            headers=_csv_headers(name),
        )

    @post(
        "/",
        operation_id="createExport",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_READ),
        status_code=202,
    )
    async def create(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: ExportCreate,
        db_session: AsyncSession,
        auth: AuthContext,
        queue: Queue,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, max_length=100),
    ) -> ExportRead:
        """Start an export

        Start an export job (any size); poll it, then download. The same Idempotency-Key returns
        the same export."""
        event = await get_event(db_session, event_id)
        _kind(data.kind)
        if idempotency_key:
            existing = await db_session.scalar(select(DataExport).where(DataExport.idempotency_key == idempotency_key))
            if existing is not None:
                return export_read(existing)
        export = DataExport(
            organization_id=organization_id,
            event_id=event.id,
            kind=data.kind,
            status="queued",
            requested_by=auth.user_id,
            idempotency_key=idempotency_key,
        )
        db_session.add(export)
        try:
            await db_session.flush()
        except IntegrityError as exc:  # a concurrent retry with the same key won
            raise Conflict("An export with this Idempotency-Key is being created; retry.") from exc
        AuditService(db_session, auth).record(
            action="export.created", entity_type="event", entity_id=event.id, changes={"kind": data.kind,
                                                                                       "export_id": export.id}
        )  # fmt: skip
        await db_session.commit()  # the job must find the row
        await queue.enqueue("run_export", **enqueue_kwargs(export.id))
        return export_read(export)

    @get("/", operation_id="listExports", opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_READ))
    async def list_exports(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, db_session: AsyncSession
    ) -> ExportList:
        """List exports

        The event's 50 most recent export jobs, newest first, with their status and progress."""
        await get_event(db_session, event_id)
        rows = await db_session.scalars(
            select(DataExport).where(DataExport.event_id == event_id).order_by(DataExport.created_at.desc()).limit(50)
        )
        return ExportList(items=[export_read(x) for x in rows])

    async def _get(self, db: AsyncSession, event_id: uuid.UUID, export_id: uuid.UUID) -> DataExport:
        export = await db.scalar(select(DataExport).where(DataExport.id == export_id, DataExport.event_id == event_id))
        if export is None:
            raise NotFound("No such export.")
        return export

    @get(
        "/{export_id:uuid}",
        operation_id="getExport",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_READ),
    )
    async def get_export(
        self, organization_id: uuid.UUID, event_id: uuid.UUID, export_id: uuid.UUID, db_session: AsyncSession
    ) -> ExportRead:
        """Get an export

        Status and progress (rows written of total)."""
        return export_read(await self._get(db_session, event_id, export_id))

    @get(
        "/{export_id:uuid}/download",
        operation_id="downloadExport",
        opt=access(Permission.EVENTS_WRITE, scope=ApiKeyScope.ORDERS_READ),
        responses=csv_answer("The finished export as CSV (UTF-8), as an attachment"),
    )
    async def download(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        export_id: uuid.UUID,
        db_session: AsyncSession,
        auth: AuthContext,
    ) -> Stream:
        """Download a finished export

        The finished CSV, streamed from storage; 409 until the export is done."""
        export = await self._get(db_session, event_id, export_id)
        if export.status != "done":
            raise Conflict(f"The export is {export.status}; download it when it is done.")
        event = await get_event(db_session, event_id)
        AuditService(db_session, auth).record(
            action="export.downloaded", entity_type="event", entity_id=event_id,
            changes={"kind": export.kind, "export_id": export.id, "rows": export.rows_written},
        )  # fmt: skip
        await db_session.commit()
        assert db_session.bind is not None
        name = services.filename(export.kind, event.name, export.finished_at or datetime.now(UTC))
        headers = _csv_headers(name)
        return Stream(
            services.stream_file(db_session.bind, export.id),  # type: ignore[arg-type]
            media_type=CSV,
            headers=headers,
        )
