"""Privacy requests and the retention setting, for owners and admins (org:manage). Thin: the
rules are in services.py, the work across areas in workflows/personal_data_requests.py."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, get, post, put
from litestar.params import Parameter
from saq import Queue
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.privacy import services
from voelgoed.domain.privacy.machines import OrganiserRequestStatus
from voelgoed.domain.privacy.models import RETENTION_DAYS_MAX, RETENTION_DAYS_MIN, PersonalDataRequest
from voelgoed.domain.privacy.schemas import (
    PersonalDataRequestDetail,
    PersonalDataRequestPage,
    PersonalDataRequestReject,
    PrivacySettingsRead,
    PrivacySettingsUpdate,
    request_read,
)
from voelgoed.lib.openapi_answers import json_answer
from voelgoed.lib.pagination import PageParams, paginate
from voelgoed.lib.problems import Unprocessable
from voelgoed.settings import Settings
from voelgoed.workflows import personal_data_requests as workflow
from voelgoed.workflows.personal_data_holders import HOLDERS


async def _detail(db: AsyncSession, request: PersonalDataRequest) -> PersonalDataRequestDetail:
    return PersonalDataRequestDetail(
        request=request_read(request),
        held=await workflow.preview(db, request),
        kept_on_erasure={h.key: h.kept_because for h in HOLDERS if h.kept_because},
    )


class PrivacyRequestController(Controller):
    path = "/api/organizations/{organization_id:uuid}/privacy-requests"
    tags = ["privacy"]

    @get("", operation_id="listPrivacyRequests", opt=access(Permission.ORG_MANAGE))
    async def list_requests(
        self,
        organization_id: uuid.UUID,
        db_session: AsyncSession,
        status: OrganiserRequestStatus | None = None,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=50, ge=1, le=200),
    ) -> PersonalDataRequestPage:
        """List privacy requests

        Buyers' confirmed requests for a copy or the erasure of their personal data, open ones
        first, newest first. Requests the buyer never confirmed are not listed."""
        stmt = services.visible_requests(status).order_by(
            (PersonalDataRequest.status != "open"), PersonalDataRequest.created_at.desc(), PersonalDataRequest.id
        )
        items, total = await paginate(db_session, stmt, PageParams(page=page, page_size=page_size))
        open_count = await db_session.scalar(
            select(func.count()).select_from(PersonalDataRequest).where(PersonalDataRequest.status == "open")
        )
        return PersonalDataRequestPage(
            items=[request_read(r) for r in items],
            total=total,
            page=page,
            page_size=page_size,
            open_count=int(open_count or 0),
        )

    @get("/{request_id:uuid}", operation_id="getPrivacyRequest", opt=access(Permission.ORG_MANAGE))
    async def get_request(
        self, organization_id: uuid.UUID, request_id: uuid.UUID, db_session: AsyncSession
    ) -> PersonalDataRequestDetail:
        """Get a privacy request

        One request, with what the organisation holds for its address now, per holder."""
        return await _detail(db_session, await services.get_request(db_session, request_id))

    @post("/{request_id:uuid}/complete", operation_id="completePrivacyRequest", opt=access(Permission.ORG_MANAGE),
          status_code=200)  # fmt: skip
    async def complete(
        self,
        organization_id: uuid.UUID,
        request_id: uuid.UUID,
        db_session: AsyncSession,
        auth: AuthContext,
        queue: Queue,
        settings: Settings,
    ) -> PersonalDataRequestDetail:
        """Complete a privacy request

        Complete an open request. An export: the file is made now and the buyer is e-mailed a
        download link that works for 7 days. An erasure: the buyer's personal fields are replaced
        by a tombstone in every holder (orders, amounts, tax documents, the ledger and scans stay),
        and the buyer is e-mailed. A request that is not open: 409."""
        request = await services.get_request(db_session, request_id)
        await workflow.complete(
            db_session, queue, settings, request, actor_id=auth.require_user().id, actor_email=auth.require_user().email
        )
        return await _detail(db_session, request)

    @post("/{request_id:uuid}/reject", operation_id="rejectPrivacyRequest", opt=access(Permission.ORG_MANAGE),
          status_code=200)  # fmt: skip
    async def reject(
        self,
        organization_id: uuid.UUID,
        request_id: uuid.UUID,
        data: PersonalDataRequestReject,
        db_session: AsyncSession,
        auth: AuthContext,
        queue: Queue,
    ) -> PersonalDataRequestDetail:
        """Reject a privacy request

        Refuse an open request with a reason, which is e-mailed to the buyer (POPIA lets a
        responsible party refuse, e.g. a manifestly unfounded or repeated request). Not open: 409."""
        reason = " ".join(data.explanation.split())
        if not reason:
            raise Unprocessable.field("explanation", "Say why the request is refused: the buyer is told.")
        request = await services.get_request(db_session, request_id)
        await workflow.reject(
            db_session,
            queue,
            request,
            reason=reason,
            actor_id=auth.require_user().id,
            actor_email=auth.require_user().email,
        )
        return await _detail(db_session, request)

    @get(
        "/{request_id:uuid}/export",
        operation_id="downloadPrivacyExport",
        opt=access(Permission.ORG_MANAGE),
        responses=json_answer(dict[str, Any], "The export file: one JSON document (docs/privacy.md), as an attachment"),
    )
    async def download(
        self, organization_id: uuid.UUID, request_id: uuid.UUID, db_session: AsyncSession, auth: AuthContext
    ) -> Response[bytes]:
        """Download a privacy export

        The export file of a completed export request (JSON, docs/privacy.md), while it is kept
        (7 days); 410 after."""
        request = await services.get_request(db_session, request_id)
        file = await services.export_file(db_session, request)
        AuditService(db_session, auth).record(
            action="privacy_request.export_downloaded", entity_type=services.ENTITY, entity_id=request.id
        )
        return Response(
            file,
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="personal-data-{request.id}.json"',
                "Cache-Control": "no-store",
            },
        )


class PrivacySettingsController(Controller):
    path = "/api/organizations/{organization_id:uuid}/privacy-settings"
    tags = ["privacy"]

    @get("", operation_id="getPrivacySettings", opt=access(Permission.ORG_MANAGE))
    async def get_settings(self, organization_id: uuid.UUID, db_session: AsyncSession) -> PrivacySettingsRead:
        """Get privacy settings

        The attendee detail retention rule (off by default)."""
        return PrivacySettingsRead(
            attendee_retention_days=await services.retention_days(db_session),
            min_days=RETENTION_DAYS_MIN,
            max_days=RETENTION_DAYS_MAX,
        )

    @put("", operation_id="updatePrivacySettings", opt=access(Permission.ORG_MANAGE))
    async def update_settings(
        self, organization_id: uuid.UUID, data: PrivacySettingsUpdate, db_session: AsyncSession, auth: AuthContext
    ) -> PrivacySettingsRead:
        """Update privacy settings

        Remove attendee details this many days (1..3650) after each event ends, or never (null).
        An hourly job applies it to events that ended long enough ago, once per event."""
        before = await services.set_retention_days(db_session, organization_id, data.attendee_retention_days)
        if before != data.attendee_retention_days:
            AuditService(db_session, auth).record(
                action="privacy.retention_changed",
                entity_type="organization",
                entity_id=organization_id,
                changes={"attendee_retention_days": [before, data.attendee_retention_days]},
            )
        return PrivacySettingsRead(
            attendee_retention_days=data.attendee_retention_days,
            min_days=RETENTION_DAYS_MIN,
            max_days=RETENTION_DAYS_MAX,
        )
