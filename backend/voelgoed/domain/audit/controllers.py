from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.models import AuditEntry
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.organizations.services import OrganizationService
from voelgoed.lib.pagination import PageParams, order_by, paginate


class AuditEntryRead(msgspec.Struct):
    id: uuid.UUID
    actor_user_id: uuid.UUID | None
    actor_email: str | None
    actor_api_key_id: uuid.UUID | None  # set when an API key made the change
    actor: str | None  # who, in words: the person's e-mail or "API key <name>"
    action: str
    entity_type: str
    entity_id: uuid.UUID
    changes: dict[str, Any]
    created_at: datetime


class AuditPage(msgspec.Struct):
    items: list[AuditEntryRead]
    total: int
    page: int
    page_size: int
    time_zone: str  # the organisation's: `created_at` is UTC, shown in this zone


class AuditController(Controller):
    path = "/api/organizations/{organization_id:uuid}/audit-log"
    tags = ["audit"]

    @get("", operation_id="listAuditLog", opt=access(Permission.AUDIT_READ))
    async def list_entries(
        self,
        organization_id: uuid.UUID,
        db_session: AsyncSession,
        entity_type: str | None = None,
        entity_id: uuid.UUID | None = None,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=50, ge=1, le=200),
    ) -> AuditPage:
        stmt = order_by(
            AuditService.query(entity_type, entity_id),
            "-created_at",
            {"created_at": AuditEntry.created_at},
            "-created_at",
        )
        items, total = await paginate(db_session, stmt, PageParams(page=page, page_size=page_size))
        org = await OrganizationService(db_session).get(organization_id)
        return AuditPage(
            items=[
                AuditEntryRead(
                    id=a.id,
                    actor_user_id=a.actor_user_id,
                    actor_email=a.actor_email,
                    actor_api_key_id=a.actor_api_key_id,
                    actor=a.actor_label or a.actor_email,
                    action=a.action,
                    entity_type=a.entity_type,
                    entity_id=a.entity_id,
                    changes=a.changes,
                    created_at=a.created_at,
                )
                for a in items
            ],
            total=total,
            page=page,
            page_size=page_size,
            time_zone=org.time_zone,
        )
