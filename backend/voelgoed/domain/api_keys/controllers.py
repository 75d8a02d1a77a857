"""API keys: owners and admins create, list and revoke their organisation's keys. Thin: rules
live in ApiKeyService; authenticating with a key is auth/api_key.py's."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.api_keys.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyRead,
    api_key_created,
    api_key_read,
)
from voelgoed.domain.api_keys.services import ApiKeyService
from voelgoed.domain.audit.services import AuditService

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _service(db: AsyncSession, auth: AuthContext) -> ApiKeyService:
    return ApiKeyService(db, AuditService(db, auth))


class ApiKeyController(Controller):
    path = "/api/organizations/{organization_id:uuid}/api-keys"
    tags = ["api-keys"]

    @post("", operation_id="createApiKey", opt=access(Permission.API_KEYS_MANAGE), status_code=201)
    async def create(
        self,
        organization_id: uuid.UUID,
        data: ApiKeyCreate,
        db_session: AsyncSession,
        auth: AuthContext,
        idempotency_key: str | None = Parameter(header=IDEMPOTENCY_HEADER, default=None, min_length=1, max_length=100),
    ) -> ApiKeyCreated:
        """Create an API key.

        The answer holds the key itself (`key`), shown this once: only a digest is stored. A retry
        with the same Idempotency-Key answers 409 naming the key it made."""
        row, key = await _service(db_session, auth).create(
            organization_id, data, created_by=auth.user_id, idempotency_key=idempotency_key
        )
        return api_key_created(row, key)

    @get("", operation_id="listApiKeys", opt=access(Permission.API_KEYS_MANAGE))
    async def list_keys(self, organization_id: uuid.UUID, db_session: AsyncSession, auth: AuthContext) -> ApiKeyList:
        """List API keys

        The organisation's API keys, never their secrets: usable ones first, newest first, each with its
        scopes, expiry and last use."""
        return ApiKeyList(items=[api_key_read(k) for k in await _service(db_session, auth).list()])

    @post(
        "/{api_key_id:uuid}/revoke",
        operation_id="revokeApiKey",
        opt=access(Permission.API_KEYS_MANAGE),
        status_code=200,
    )
    async def revoke(
        self, organization_id: uuid.UUID, api_key_id: uuid.UUID, db_session: AsyncSession, auth: AuthContext
    ) -> ApiKeyRead:
        """Revoke an API key

        The key's next request answers 401. Revoking a revoked key changes nothing. Audit-logged."""
        return api_key_read(await _service(db_session, auth).revoke(api_key_id))
