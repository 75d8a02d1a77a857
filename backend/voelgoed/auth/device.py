"""Device-token authentication for scanners (`Access.DEVICE` routes only).

A device sends `Authorization: Bearer <token>`; we keep only SHA-256(token). One statement both
authenticates and records the last contact (written at most every 15 s, so the hot scan path
rarely writes the device row). A revoked token matches no row: 401 on its very next request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from voelgoed.auth.queries import DEVICE_AUTH
from voelgoed.db.driver import driver_connection
from voelgoed.lib.problems import Unauthorized
from voelgoed.lib.secrets import new_token, token_digest

TOKEN_PREFIX = "vgd_"  # noqa: S105 (a marker, not a secret)
DEVICE_STATE_KEY = "device"


@dataclass(frozen=True)
class DeviceContext:
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    event_ids: tuple[uuid.UUID, ...]
    gate_id: uuid.UUID | None


def new_device_token() -> str:
    return TOKEN_PREFIX + new_token()


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def authorize_device(connection: ASGIConnection[Any, Any, Any, Any], db: Any) -> None:
    token = bearer_token(connection)
    if token is None or len(token) > 200:
        raise Unauthorized("Send the device token: Authorization: Bearer <token>.")
    # Plain asyncpg, committing on its own: the last-contact touch holds no lock past this statement.
    row = await DEVICE_AUTH.fetchrow(await driver_connection(db), {"h": token_digest(token)})
    if row is None:
        raise Unauthorized("This device is not paired (or was revoked). Pair it again.")
    connection.state[DEVICE_STATE_KEY] = DeviceContext(
        id=row[0], organization_id=row[1], name=row[2], event_ids=tuple(row[3] or ()), gate_id=row[4]
    )


async def provide_device(request: Any) -> DeviceContext:
    ctx = request.state.get(DEVICE_STATE_KEY)
    if ctx is None:
        raise Unauthorized("Send the device token: Authorization: Bearer <token>.")
    return ctx
