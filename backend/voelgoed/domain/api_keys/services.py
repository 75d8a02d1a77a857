"""Creating, listing and revoking API keys. The session is tenant-scoped by the guard; every
change is audit-logged in its own transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.api_key import new_api_key
from voelgoed.domain.api_keys.models import ApiKey
from voelgoed.domain.api_keys.schemas import ApiKeyCreate
from voelgoed.domain.audit.services import AuditService
from voelgoed.lib.problems import Conflict, NotFound, Unprocessable

MAX_ACTIVE_KEYS = 100  # per organisation: more is a leak waiting to happen, not an integration


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ApiKeyService:
    def __init__(self, db: AsyncSession, audit: AuditService) -> None:
        self.db = db
        self.audit = audit

    async def create(
        self,
        organization_id: uuid.UUID,
        data: ApiKeyCreate,
        *,
        created_by: uuid.UUID | None,
        idempotency_key: str | None,
    ) -> tuple[ApiKey, str]:
        """A new key and its secret (the caller shows it once; only its digest is kept)."""
        expires_at = _utc(data.expires_at) if data.expires_at is not None else None
        if expires_at is not None and expires_at <= datetime.now(UTC):
            raise Unprocessable.field("expires_at", "must be in the future")
        if idempotency_key:
            await self._refuse_repeat(idempotency_key)
        active = await self.db.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None)))
        if int(active or 0) >= MAX_ACTIVE_KEYS:
            raise Conflict(f"This organisation has {MAX_ACTIVE_KEYS} API keys: revoke unused ones first.")
        key, prefix, digest = new_api_key()
        row = ApiKey(
            id=uuid.uuid4(),
            organization_id=organization_id,
            name=data.name.strip() or data.name,
            prefix=prefix,
            secret_hash=digest,
            scopes=sorted({s.value for s in data.scopes}),
            expires_at=expires_at,
            created_by=created_by,
            idempotency_key=idempotency_key,
        )
        self.db.add(row)
        try:
            await self.db.flush()
        except IntegrityError as exc:  # a concurrent retry with the same Idempotency-Key won
            raise Conflict("An API key with this Idempotency-Key is being created; list the keys.") from exc
        self.audit.record(
            action="api_key.created",
            entity_type="api_key",
            entity_id=row.id,
            changes={"name": row.name, "prefix": prefix, "scopes": row.scopes, "expires_at": expires_at},
        )
        return row, key

    async def _refuse_repeat(self, idempotency_key: str) -> None:
        # The secret is not kept, so a retry cannot be answered with it: say which key it made.
        existing = await self.db.scalar(select(ApiKey).where(ApiKey.idempotency_key == idempotency_key))
        if existing is not None:
            raise Conflict(
                f"This Idempotency-Key already created the API key {existing.name!r} (vg_{existing.prefix}_...). "
                "Its secret was shown once only: if it was lost, revoke that key and create another."
            )

    async def list(self) -> list[ApiKey]:
        return list(
            await self.db.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc()))
        )

    async def revoke(self, key_id: uuid.UUID) -> ApiKey:
        """The key stops working at its next request (401). Revoking twice changes nothing."""
        row = await self.db.scalar(select(ApiKey).where(ApiKey.id == key_id).with_for_update())
        if row is None:
            raise NotFound("No such API key.")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            self.audit.record(
                action="api_key.revoked",
                entity_type="api_key",
                entity_id=row.id,
                changes={"name": row.name, "prefix": row.prefix},
            )
            await self.db.flush()
        return row
