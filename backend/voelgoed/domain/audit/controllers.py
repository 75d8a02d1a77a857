from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

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
    """One change recorded in the audit log."""

    id: uuid.UUID
    actor_user_id: (
        Annotated[
            uuid.UUID,
            msgspec.Meta(
                description="The member who made the change; null for the system (jobs, payment notifications)."
            ),
        ]
        | None
    )
    actor_email: (
        Annotated[
            str,
            msgspec.Meta(
                description="The member's e-mail address at the time.", examples=["anri.vanwyk@example.co.za"]
            ),
        ]
        | None
    )
    actor_api_key_id: (
        Annotated[
            uuid.UUID,
            msgspec.Meta(description="The API key that made the change; null when a person or the system did."),
        ]
        | None
    )
    actor: (
        Annotated[
            str,
            msgspec.Meta(
                description="Who, in words: the person's e-mail or `API key <name>`.", examples=["API key Xero sync"]
            ),
        ]
        | None
    )
    action: Annotated[
        str, msgspec.Meta(description="What happened, as `entity.verb`.", examples=["ticket_type.updated"])
    ]
    entity_type: Annotated[str, msgspec.Meta(description="The kind of resource changed.", examples=["ticket_type"])]
    entity_id: Annotated[uuid.UUID, msgspec.Meta(description="The changed resource's id.")]
    changes: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="The changed fields, each as [before, after].", examples=[{"price_cents": [25000, 30000]}]
        ),
    ]
    created_at: datetime


class AuditPage(msgspec.Struct):
    """A page of audit log entries, newest first."""

    items: list[AuditEntryRead]
    total: int
    page: int
    page_size: int
    time_zone: Annotated[
        str, msgspec.Meta(description="The organisation's time zone, to show the UTC `created_at` times in.")
    ]  # the organisation's: `created_at` is UTC, shown in this zone


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
        """List the audit log

        Who changed what in the organisation, newest first, a page at a time; filter by `entity_type` and
        `entity_id` for one resource's history. Entries are never changed or deleted."""
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
