"""The audit log: services call `record` in the same transaction as the change they describe."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.domain.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`{field: [old, new]}` for the fields that changed."""
    return {k: [_plain(before.get(k)), _plain(v)] for k, v in after.items() if before.get(k) != v}


class AuditService:
    def __init__(self, db: AsyncSession, auth: AuthContext) -> None:
        self.db = db
        self.auth = auth

    def record(
        self, *, action: str, entity_type: str, entity_id: uuid.UUID, changes: dict[str, Any] | None = None
    ) -> None:
        self.db.add(
            AuditEntry(
                organization_id=self.auth.require_org(),
                actor_user_id=self.auth.user_id,
                actor_email=self.auth.user.email if self.auth.user is not None else None,
                actor_api_key_id=self.auth.api_key.id if self.auth.api_key is not None else None,
                actor_label=self.auth.actor_label,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                changes={
                    k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v]
                    for k, v in (changes or {}).items()
                },
            )
        )

    @staticmethod
    def query(entity_type: str | None, entity_id: uuid.UUID | None) -> Select[Any]:
        stmt = select(AuditEntry)
        if entity_type:
            stmt = stmt.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            stmt = stmt.where(AuditEntry.entity_id == entity_id)
        return stmt
