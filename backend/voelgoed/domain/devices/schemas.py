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
    """What a new scanner will be allowed to do."""

    event_ids: Annotated[
        list[uuid.UUID], msgspec.Meta(min_length=1, max_length=20, description="The events it may scan (1-20).")
    ]
    gate_id: (
        Annotated[
            uuid.UUID, msgspec.Meta(description="The gate it scans at; null: the person picks one on the device.")
        ]
        | None
    ) = None
    device_name: Annotated[DeviceName, msgspec.Meta(description="The device's name (default: one made up).")] | None = (
        None
    )
    ttl_minutes: Annotated[int, msgspec.Meta(ge=1, le=60, description="How long the code works (1-60 minutes).")] = 10


class PairingCodeRead(msgspec.Struct):
    """A single-use pairing code."""

    id: uuid.UUID
    code: Annotated[str, msgspec.Meta(description="The code to type in on the scanner.", examples=["K7M4-Q9XP-H3TW"])]
    qr_text: Annotated[
        str,
        msgspec.Meta(
            description="The same code as QR content for the scanner's camera.", examples=["VGPAIR1:K7M4-Q9XP-H3TW"]
        ),
    ]
    expires_at: Annotated[datetime, msgspec.Meta(description="The code stops working at this time (UTC).")]
    event_ids: list[uuid.UUID]
    gate_id: uuid.UUID | None
    device_name: str | None


class PairRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A pairing code to redeem, and the device's name."""

    code: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=40,
            description="The code shown by createPairingCode (typed in or read from its QR).",
            examples=["K7M4-Q9XP-H3TW"],
        ),
    ]
    device_name: (
        Annotated[DeviceName, msgspec.Meta(description="A name for this device; default: the one given with the code.")]
        | None
    ) = None


class GateInfo(msgspec.Struct):
    """A gate."""

    id: uuid.UUID
    code: Annotated[str, msgspec.Meta(description="The gate's short code.", examples=["NOORD"])]
    name: Annotated[str, msgspec.Meta(description="The gate's name.", examples=["Noordhek"])]


class DeviceEvent(msgspec.Struct):
    """An event a device may scan."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="The event's name.", examples=["Stellenbosch Wynfees 2026"])]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: Annotated[EventStatus, msgspec.Meta(description="The event's status.")]
    venue_id: uuid.UUID | None
    gates: Annotated[list[GateInfo], msgspec.Meta(description="The gates of the event's venue.")]


class DeviceSession(msgspec.Struct, omit_defaults=True):
    """Who this scanner is and what it may scan."""

    device_id: uuid.UUID
    organization_id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="The scanner's name.", examples=["Noordhek skandeerder 1"])]
    gate_id: Annotated[uuid.UUID, msgspec.Meta(description="The gate it is paired for; null: any gate.")] | None
    events: Annotated[list[DeviceEvent], msgspec.Meta(description="The events it may scan.")]
    server_time: datetime
    token: (
        Annotated[
            str,
            msgspec.Meta(
                description="Only in the answer to `pairDevice`: the device token, shown once; null elsewhere."
            ),
        ]
        | None
    ) = None


class DeviceGateChoice(msgspec.Struct, forbid_unknown_fields=True):
    """The gate a person picked on a device paired for any gate (null: none chosen)."""

    gate_id: Annotated[uuid.UUID, msgspec.Meta(description="The gate picked; null clears the choice.")] | None


class DeviceGateChosen(msgspec.Struct):
    """The gate this device reports it scans at."""

    gate_id: uuid.UUID | None
    gate: Annotated[GateInfo, msgspec.Meta(description="The gate; null when none is picked.")] | None


class DeviceRead(msgspec.Struct):
    """A paired scanner."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(description="The scanner's name.", examples=["Noordhek skandeerder 1"])]
    gate_id: (
        Annotated[
            uuid.UUID, msgspec.Meta(description="The gate it is paired for; null: any gate (the person picks one).")
        ]
        | None
    )
    event_ids: Annotated[list[uuid.UUID], msgspec.Meta(description="The events it may scan.")]
    created_at: datetime
    last_seen_at: Annotated[datetime, msgspec.Meta(description="Its last request (UTC); null: never used.")] | None
    revoked_at: (
        Annotated[datetime, msgspec.Meta(description="When it was revoked (its token stopped working); null: active.")]
        | None
    )
    clock_offset_ms: (
        Annotated[
            int,
            msgspec.Meta(
                description=(
                    "Server clock minus the device's in milliseconds (positive: device behind); null when unknown."
                )
            ),
        ]
        | None
    )  # server clock minus the device's (online scans): positive = device behind
    # The gate the device is at: `gate_id` when it is locked to one, else the one chosen on the
    # device (reported when picked, or where it last scanned, whichever is newer; None before both).
    current_gate: Annotated[GateInfo, msgspec.Meta(description="The gate it last reported or scanned at.")] | None


class DevicePage(msgspec.Struct):
    """A page of paired devices."""

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
