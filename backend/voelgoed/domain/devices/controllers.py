"""Devices: organisers create pairing codes, list and revoke devices; scanners pair."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Access, ApiKeyScope, Permission, access
from voelgoed.domain.devices import services
from voelgoed.domain.devices.schemas import (
    DevicePage,
    DeviceRead,
    DeviceSession,
    PairingCodeCreate,
    PairingCodeRead,
    PairRequest,
)
from voelgoed.lib import ratelimit
from voelgoed.lib.client_address import client_address


class DeviceController(Controller):
    path = "/api/organizations/{organization_id:uuid}/devices"
    tags = ["devices"]

    @post("/pairing-codes", operation_id="createPairingCode", opt=access(Permission.DEVICES_MANAGE))
    async def create_pairing_code(
        self, organization_id: uuid.UUID, data: PairingCodeCreate, db_session: AsyncSession, auth: AuthContext
    ) -> PairingCodeRead:
        """Create a device pairing code

        A short-lived, single-use code (text + QR content) that pairs one scanner."""
        return await services.create_pairing_code(
            db_session,
            organization_id=organization_id,
            user_id=auth.user_id,
            event_ids=data.event_ids,
            gate_id=data.gate_id,
            device_name=data.device_name,
            ttl_minutes=data.ttl_minutes,
        )

    @get("", operation_id="listDevices", opt=access(Permission.EVENTS_READ, scope=ApiKeyScope.CHECKIN))
    async def list_devices(
        self,
        organization_id: uuid.UUID,
        db_session: AsyncSession,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=50, ge=1, le=200),
    ) -> DevicePage:
        """List paired devices

        The organisation's scanners, a page at a time: name, events and gate they are paired for, the gate last
        picked, when they were last seen and whether they are revoked."""
        items, total = await services.list_devices(db_session, page=page, page_size=page_size)
        return DevicePage(items=items, total=total, page=page, page_size=page_size)

    @post(
        "/{device_id:uuid}/revoke",
        operation_id="revokeDevice",
        opt=access(Permission.DEVICES_MANAGE),
        status_code=200,
    )
    async def revoke_device(
        self, organization_id: uuid.UUID, device_id: uuid.UUID, db_session: AsyncSession
    ) -> DeviceRead:
        """Revoke a device

        The device's token stops working at its next request (401)."""
        return await services.revoke(db_session, device_id)


class DevicePairController(Controller):
    path = "/api/devices"
    tags = ["devices"]

    @post("/pair", operation_id="pairDevice", opt=access(Access.PUBLIC))
    async def pair(
        self, data: PairRequest, db_session: AsyncSession, redis: Redis, request: Request[Any, Any, Any]
    ) -> DeviceSession:
        """Pair a scanner

        Redeem a pairing code for a device token (shown once)."""
        ip = client_address(request)
        await ratelimit.hit(redis, f"device-pair:{ip}", limit=20, window_seconds=600)
        return await services.pair(db_session, code=data.code, device_name=data.device_name)
