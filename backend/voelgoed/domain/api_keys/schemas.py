"""API keys' request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.auth.permissions import ApiKeyScope

if TYPE_CHECKING:
    from voelgoed.domain.api_keys.models import ApiKey


class ApiKeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new API key: what it is for, what it may do, and until when."""

    name: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=120, description="What the key is for.", examples=["CRM sync"]),
    ]
    scopes: Annotated[
        list[ApiKeyScope],
        msgspec.Meta(
            min_length=1,
            max_length=6,
            description="What the key may do; a write scope includes its read scope.",
            examples=[["events:read", "orders:read"]],
        ),
    ]
    expires_at: Annotated[
        datetime | None,
        msgspec.Meta(description="When the key stops working (UTC); null: never.", examples=["2027-06-30T00:00:00Z"]),
    ] = None


class ApiKeyRead(msgspec.Struct):
    """An API key as listed: never its secret."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="What the key is for.", examples=["CRM sync"])]
    prefix: Annotated[str, msgspec.Meta(description="The key's public part: keys start vg_<prefix>_.")]
    scopes: Annotated[
        list[ApiKeyScope], msgspec.Meta(description="What the key may do; a write scope includes its read scope.")
    ]
    expires_at: datetime | None
    created_at: datetime
    last_used_at: Annotated[
        datetime | None, msgspec.Meta(description="The last request made with the key (to the minute).")
    ]
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """A key just created, with the key itself: shown this once, never again."""

    key: Annotated[
        str,
        msgspec.Meta(
            description="The key to send as `Authorization: Bearer <key>`. Store it now: it is not shown again.",
            examples=["vg_k3m9x2ab_Qm9vZ2xlLWJvb2dsZS1zZWNyZXQtc2VjcmV0"],
        ),
    ]


class ApiKeyList(msgspec.Struct):
    """The organisation's API keys: usable ones first, newest first."""

    items: Annotated[list[ApiKeyRead], msgspec.Meta(description="The keys: usable ones first, newest first.")]


def _scopes(values: list[str]) -> list[ApiKeyScope]:
    return [ApiKeyScope(v) for v in values if v in ApiKeyScope._value2member_map_]


def api_key_read(k: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=k.id,
        name=k.name,
        prefix=k.prefix,
        scopes=_scopes(k.scopes),
        expires_at=k.expires_at,
        created_at=k.created_at,
        last_used_at=k.last_used_at,
        revoked_at=k.revoked_at,
    )


def api_key_created(k: ApiKey, key: str) -> ApiKeyCreated:
    return ApiKeyCreated(**msgspec.structs.asdict(api_key_read(k)), key=key)
