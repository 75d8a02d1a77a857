from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.events.machines import EventStatus

if TYPE_CHECKING:
    from voelgoed.domain.devices.models import Device

DeviceName = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class PairingCodeCreate(msgspec.Struct, forbid_unknown_fields=True):
    event_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=20)]
    gate_id: uuid.UUID | None = None
    device_name: DeviceName | None = None
    ttl_minutes: Annotated[int, msgspec.Meta(ge=1, le=60)] = 10


class PairingCodeRead(msgspec.Struct):
    id: uuid.UUID
    code: str
    qr_text: str
    expires_at: datetime
    event_ids: list[uuid.UUID]
    gate_id: uuid.UUID | None
    device_name: str | None


class PairRequest(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    device_name: DeviceName | None = None


class GateInfo(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str


class DeviceEvent(msgspec.Struct):
    id: uuid.UUID
    name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: EventStatus
    venue_id: uuid.UUID | None
    gates: list[GateInfo]


class DeviceSession(msgspec.Struct, omit_defaults=True):
    device_id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    gate_id: uuid.UUID | None
    events: list[DeviceEvent]
    server_time: datetime
    token: str | None = None


class DeviceGateChoice(msgspec.Struct, forbid_unknown_fields=True):
    """The gate a person picked on a device paired for any gate (null: none chosen)."""

    gate_id: uuid.UUID | None


class DeviceGateChosen(msgspec.Struct):
    gate_id: uuid.UUID | None
    gate: GateInfo | None


class DeviceRead(msgspec.Struct):
    id: uuid.UUID
    name: str
    gate_id: uuid.UUID | None
    event_ids: list[uuid.UUID]
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    clock_offset_ms: int | None  # server clock minus the device's (online scans): positive = device behind
    # The gate the device is at: `gate_id` when it is locked to one, else the one chosen on the
    # device (reported when picked, or where it last scanned, whichever is newer; None before both).
    current_gate: GateInfo | None


class DevicePage(msgspec.Struct):
    items: list[DeviceRead]
    total: int
    page: int
    page_size: int


# --- mappers: stored rows -> response bodies (the one place each response is built) ---


def device_read(d: Device, offset: int | None = None, current_gate: GateInfo | None = None) -> DeviceRead:
    return DeviceRead(
        id=d.id,
        name=d.name,
        gate_id=d.gate_id,
        event_ids=list(d.event_ids),
        created_at=d.created_at,
        last_seen_at=d.last_seen_at,
        revoked_at=d.revoked_at,
        clock_offset_ms=offset,
        current_gate=current_gate,
    )
