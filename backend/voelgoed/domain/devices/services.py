"""Pairing codes and devices: who may scan, for which events, at which gate."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.device import DeviceContext, new_device_token
from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.devices import queries
from voelgoed.domain.devices.models import Device, DevicePairingCode
from voelgoed.domain.devices.schemas import (
    DeviceEvent,
    DeviceGateChosen,
    DeviceRead,
    DeviceSession,
    GateInfo,
    PairingCodeRead,
    device_read,
)
from voelgoed.domain.events.models import Event
from voelgoed.domain.venues.models import Gate
from voelgoed.lib.problems import AppError, FieldError, NotFound, Unprocessable
from voelgoed.lib.secrets import token_digest

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read out and type
CODE_LEN = 12
QR_PREFIX = "VGPAIR1:"


class InvalidPairingCode(AppError):
    status, slug, title = 400, "invalid-pairing-code", "Invalid pairing code"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LEN, 4))


def normalize_code(text_: str) -> str | None:
    value = text_.strip().upper()
    if value.startswith(QR_PREFIX):
        value = value[len(QR_PREFIX) :]
    value = "".join(ch for ch in value if ch not in "- ")
    if len(value) != CODE_LEN or any(ch not in CODE_ALPHABET for ch in value):
        return None
    return value


def code_hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("ascii")).hexdigest()


async def _check_scope(db: AsyncSession, event_ids: list[uuid.UUID], gate_id: uuid.UUID | None) -> None:
    """Every event must be this organisation's (the session is tenant-scoped), and the gate
    must be one of the venue of every event."""
    events = list(await db.scalars(select(Event).where(Event.id.in_(event_ids))))
    if len(events) != len(set(event_ids)):
        raise Unprocessable("Unknown event.", errors=[FieldError(field="event_ids", message="an event does not exist")])
    if gate_id is not None:
        gate = await db.scalar(select(Gate).where(Gate.id == gate_id))
        if gate is None or any(e.venue_id != gate.venue_id for e in events):
            raise Unprocessable(
                "The gate is not at the venue of every chosen event.",
                errors=[FieldError(field="gate_id", message="not a gate of the events' venue")],
            )


async def create_pairing_code(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    user_id: uuid.UUID | None,
    event_ids: list[uuid.UUID],
    gate_id: uuid.UUID | None,
    device_name: str | None,
    ttl_minutes: int,
) -> PairingCodeRead:
    event_ids = list(dict.fromkeys(event_ids))
    await _check_scope(db, event_ids, gate_id)
    code = new_code()
    row = DevicePairingCode(
        id=uuid.uuid4(),
        organization_id=organization_id,
        code_hash=code_hash(code.replace("-", "")),
        event_ids=event_ids,
        gate_id=gate_id,
        device_name=device_name,
        expires_at=datetime.now(UTC) + timedelta(minutes=ttl_minutes),
        created_by_id=user_id,
    )
    db.add(row)
    await db.flush()
    return PairingCodeRead(
        id=row.id,
        code=code,
        qr_text=QR_PREFIX + code,
        expires_at=row.expires_at,
        event_ids=event_ids,
        gate_id=gate_id,
        device_name=device_name,
    )


async def pair(db: AsyncSession, *, code: str, device_name: str | None) -> DeviceSession:
    """Redeem a code exactly once (conditional UPDATE) and create the device."""
    normalized = normalize_code(code)
    if normalized is None:
        raise InvalidPairingCode("This pairing code is not valid. Ask for a new one.")
    claimed = (
        await db.execute(
            update(DevicePairingCode)
            .where(
                DevicePairingCode.code_hash == code_hash(normalized),
                DevicePairingCode.redeemed_at.is_(None),
                DevicePairingCode.expires_at > func.now(),
            )
            .values(redeemed_at=func.now())
            .returning(DevicePairingCode)
            .execution_options(**UNSCOPED, synchronize_session=False)
        )
    ).scalar_one_or_none()
    if claimed is None:
        raise InvalidPairingCode("This pairing code is not valid, already used or expired. Ask for a new one.")
    token = new_device_token()
    device = Device(
        id=uuid.uuid4(),
        organization_id=claimed.organization_id,
        name=device_name or claimed.device_name or "Scanner",
        token_hash=token_digest(token),
        event_ids=claimed.event_ids,
        gate_id=claimed.gate_id,
        last_seen_at=datetime.now(UTC),
        created_by_id=claimed.created_by_id,
    )
    db.add(device)
    await db.flush()
    claimed.device_id = device.id
    session = await device_session(
        db, device.id, claimed.organization_id, device.name, device.event_ids, device.gate_id
    )
    session.token = token
    return session


async def device_session(
    db: AsyncSession,
    device_id: uuid.UUID,
    organization_id: uuid.UUID,
    name: str,
    event_ids: list[uuid.UUID] | tuple[uuid.UUID, ...],
    gate_id: uuid.UUID | None,
) -> DeviceSession:
    events = list(
        await db.scalars(
            select(Event)
            .where(Event.id.in_(list(event_ids)), Event.organization_id == organization_id)
            .order_by(Event.starts_at)
            .execution_options(**UNSCOPED)
        )
    )
    venue_ids = {e.venue_id for e in events if e.venue_id}
    gates = list(
        await db.scalars(
            select(Gate).where(Gate.venue_id.in_(venue_ids)).order_by(Gate.code).execution_options(**UNSCOPED)
        )
    )
    return DeviceSession(
        device_id=device_id,
        organization_id=organization_id,
        name=name,
        gate_id=gate_id,
        events=[
            DeviceEvent(
                id=e.id,
                name=e.name,
                starts_at=e.starts_at,
                ends_at=e.ends_at,
                timezone=e.timezone,
                status=e.status,
                venue_id=e.venue_id,
                gates=[GateInfo(id=g.id, code=g.code, name=g.name) for g in gates if g.venue_id == e.venue_id],
            )
            for e in events
        ],
        server_time=datetime.now(UTC),
    )


async def list_devices(db: AsyncSession, *, page: int, page_size: int) -> tuple[list[DeviceRead], int]:
    total = int(await db.scalar(select(func.count()).select_from(Device)) or 0)
    devices = list(
        await db.scalars(
            select(Device)
            .order_by(Device.revoked_at.is_not(None), Device.created_at.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    ids = [d.id for d in devices]
    offsets: dict[uuid.UUID, int] = dict((await db.execute(queries.CLOCK_OFFSETS, {"ids": ids})).tuples().all())
    gates = await _current_gates(db, ids)
    return [device_read(d, offsets.get(d.id), gates.get(d.id)) for d in devices], total


async def _current_gates(db: AsyncSession, device_ids: list[uuid.UUID]) -> dict[uuid.UUID, GateInfo]:
    rows = (await db.execute(queries.CURRENT_GATES, {"ids": device_ids})).tuples().all()
    return {device_id: GateInfo(id=gate_id, code=code, name=name) for device_id, gate_id, code, name in rows}


async def revoke(db: AsyncSession, device_id: uuid.UUID) -> DeviceRead:
    device = await db.scalar(select(Device).where(Device.id == device_id))
    if device is None:
        raise NotFound("No such device.")
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        await db.flush()
    return device_read(device, current_gate=(await _current_gates(db, [device.id])).get(device.id))


async def choose_gate(db: AsyncSession, device: DeviceContext, gate_id: uuid.UUID | None) -> DeviceGateChosen:
    """Record the gate a person picked on a device paired for any gate.

    The gate must be one of the device's events' venues, in its organisation; a device locked to a
    gate can only "choose" that one."""
    if gate_id is None:
        gate = None
    else:
        if device.gate_id is not None and gate_id != device.gate_id:
            raise Unprocessable.field("gate_id", "this device is paired for one gate only")
        gate = await db.scalar(
            select(Gate)
            .join(Event, Event.venue_id == Gate.venue_id)
            .where(
                Gate.id == gate_id,
                Event.id.in_(list(device.event_ids)),
                Event.organization_id == device.organization_id,
            )
            .limit(1)
            .execution_options(**UNSCOPED)
        )
        if gate is None:
            raise Unprocessable.field("gate_id", "is not a gate of this device's events")
    await db.execute(
        update(Device)
        .where(Device.id == device.id, Device.organization_id == device.organization_id)
        .values(chosen_gate_id=gate_id, gate_chosen_at=func.now())
        .execution_options(**UNSCOPED)
    )
    info = GateInfo(id=gate.id, code=gate.code, name=gate.name) if gate is not None else None
    return DeviceGateChosen(gate_id=gate_id, gate=info)
