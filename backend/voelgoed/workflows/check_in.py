"""Scan processing: verify the signed payload (or typed code), decide, and record the scan in ONE
transaction.

Hot path (online, valid ticket): device auth (guard, 1 statement), LOOKUP (1), the verdict rules
(domain/check_in/rules.py), WRITE (1: admission, session, scan row), commit. The two statements and
how they keep admission exactly-once are in check_in_sql.py. A unique index alone could not
express re-entry after exit; the per-ticket state row can, and it also carries occupancy.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.device import DeviceContext
from voelgoed.db.driver import driver_connection
from voelgoed.domain.check_in import rules as check_in_rules
from voelgoed.domain.check_in.offline_records import serial_hash
from voelgoed.domain.check_in.schemas import AdmittedInfo, ScanVerdict, TicketInfo
from voelgoed.domain.seating.labels import SeatLabel
from voelgoed.domain.tickets import payload as ticket_payload
from voelgoed.domain.tickets.schemas import seat_read
from voelgoed.domain.webhooks.check_in_payloads import checked_in_data
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.outbox_sql import record as record_webhook
from voelgoed.lib.metrics import count_scan
from voelgoed.workflows.check_in_sql import (
    ADMITTED,
    CODE_LOOKUP,
    EVENT_KEY,
    GATE_EXISTS,
    LOOKUP,
    SCAN_UNIQUE,
    STORED,
    WRITE,
)

MAX_PAYLOAD_CHARS = 512

# Verdicts a device may have shown offline that refused entry.
_DEVICE_REFUSALS = frozenset(check_in_rules.RESULTS) - {check_in_rules.OK}


@dataclass(frozen=True)
class EventKey:
    event_id: uuid.UUID
    organization_id: uuid.UUID
    public_key: Ed25519PublicKey


_keys: dict[bytes, EventKey] = {}  # keys are never replaced, so caching them forever is safe


async def event_key(db: AsyncSession, key_id: bytes) -> EventKey | None:
    cached = _keys.get(key_id)
    if cached is not None:
        return cached
    row = (
        await db.execute(
            EVENT_KEY,
            {"k": ticket_payload.key_id_to_text(key_id)},
        )
    ).first()
    if row is None:
        return None
    key = EventKey(row[0], row[1], Ed25519PublicKey.from_public_bytes(bytes(row[2])))
    if len(_keys) > 10_000:
        _keys.clear()
    _keys[key_id] = key
    return key


@dataclass
class Checked:
    """What a scan identifies: a serial within one of the device's events, or an `invalid` reason.

    A QR payload is trusted once its signature checks out. A typed ticket code (the serial printed
    under the QR) carries no signature: it is 96 random bits, as unguessable as the signature, and
    identifies a ticket only when the database has it in one of the device's events.
    """

    serial: bytes | None
    event_id: uuid.UUID | None
    reason: str | None
    valid_from: int | None = None
    valid_until: int | None = None
    manual: bool = False


async def check_code(db: AsyncSession, device: DeviceContext, text_: str) -> Checked:
    try:
        serial = ticket_payload.serial_from_code(text_)
    except ticket_payload.PayloadError:
        return Checked(None, None, "malformed", manual=True)
    # On the driver like the rest of the scan, so a typed code opens no transaction either.
    row = await CODE_LOOKUP.fetchrow(
        await driver_connection(db),
        {"s": ticket_payload.serial_to_text(serial), "o": device.organization_id, "events": list(device.event_ids)},
    )
    event_id = row[0] if row else None
    if event_id is None:
        return Checked(None, None, "unknown_ticket", manual=True)
    return Checked(serial, event_id, None, manual=True)


def is_ticket_code(text_: str) -> bool:
    """Typed codes are short and never start like a payload ("VG1:"). Trims like the scanner does."""
    stripped = text_.strip(ticket_payload.ASCII_WHITESPACE)
    return len(stripped) <= 64 and stripped[2:3] != ":" and stripped[3:4] != ":"


async def check_payload(db: AsyncSession, device: DeviceContext, text_: str) -> Checked:
    if len(text_) > MAX_PAYLOAD_CHARS:
        return Checked(None, None, "too_long")
    if is_ticket_code(text_):
        return await check_code(db, device, text_)
    try:
        claims, body, signature = ticket_payload.parse_payload(text_)
    except ticket_payload.PayloadError:
        return Checked(None, None, "malformed")
    key = await event_key(db, claims.key_id)
    if key is None:
        return Checked(None, None, "unknown_key")
    if key.organization_id != device.organization_id or key.event_id not in device.event_ids:
        return Checked(None, None, "other_event")  # never file a scan under another tenant's event
    try:
        key.public_key.verify(signature, body)
    except Exception:  # cryptography's InvalidSignature
        return Checked(None, key.event_id, "bad_signature")
    return Checked(claims.serial, key.event_id, None, claims.valid_from, claims.valid_until)


@dataclass
class ScanInput:
    payload: str
    gate_id: uuid.UUID
    direction: str
    client_scan_id: uuid.UUID
    client_time: datetime | None
    offline: bool = False
    local_verdict: str | None = None
    clock_offset_ms: int = 0  # offline: added to client_time to get the effective time


@dataclass
class Recorded:
    verdict: ScanVerdict
    ticket_id: uuid.UUID | None
    claim: bool


def _ticket_info(serial: bytes, type_id: Any, type_name: Any, holder: Any, seat: Any = None) -> TicketInfo:
    """`seat`: the (section key, section, row, seat) columns of a lookup, all None without a seat."""
    return TicketInfo(
        serial_hash=serial_hash(serial),
        ticket_type_id=type_id,
        ticket_type_name=type_name,
        holder_name=holder,
        seat=seat_read(SeatLabel(*seat)) if seat is not None and seat[0] is not None else None,
    )


async def admitted_info(db: AsyncSession, ticket_id: uuid.UUID) -> AdmittedInfo | None:
    row = (await db.execute(ADMITTED, {"t": ticket_id})).first()
    return (
        None
        if row is None
        else AdmittedInfo(at=row[0], gate_id=row[1], gate_name=row[2], device_id=row[3], device_name=row[4])
    )


async def stored_verdict(db: AsyncSession, device: DeviceContext, client_scan_id: uuid.UUID) -> ScanVerdict | None:
    row = (await db.execute(STORED, {"d": device.id, "csid": client_scan_id})).first()
    if row is None:
        return None
    admitted = await admitted_info(db, row[9]) if row[1] == check_in_rules.ALREADY_REDEEMED and row[9] else None
    return ScanVerdict(
        result=row[1],
        reason=row[2],
        scan_id=row[0],
        client_scan_id=client_scan_id,
        direction=row[3],
        ticket=None
        if row[5] is None
        else _ticket_info(ticket_payload.serial_from_text(row[5]), row[6], row[7], row[8], row[10:14]),
        admitted=admitted,
        server_time=datetime.now(UTC),
        replayed=True,
        offline_duplicate=row[4],
    )


async def _gate_exists(db: AsyncSession, gate_id: uuid.UUID, organization_id: uuid.UUID) -> bool:
    found = await db.scalar(GATE_EXISTS, {"g": gate_id, "o": organization_id})
    return found is not None


_INT32 = 2**31 - 1


def _online_clock_offset(now: datetime, client_time: datetime | None) -> int | None:
    """Server minus device clock in ms, for the organiser; a clock more than ~24 days off is
    not worth a number (and would not fit the column): the scan still gets its verdict."""
    if client_time is None:
        return None
    offset = int((now - client_time).total_seconds() * 1000)
    return offset if -_INT32 <= offset <= _INT32 else None


def _offline_effective_time(client_time: datetime, offset_ms: int, now: datetime) -> datetime:
    """The device's clock corrected by its measured skew. A time no real scan can have (over a
    year ago, or after it reached us) falls back to the receipt time: such a scan is still kept,
    but never outranks a plausible one in conflict resolution."""
    try:
        effective = client_time + timedelta(milliseconds=offset_ms)
    except OverflowError:
        return now
    if not now - timedelta(days=366) <= effective <= now + timedelta(minutes=5):
        return now
    return effective


async def record_scan(db: AsyncSession, device: DeviceContext, scan: ScanInput) -> Recorded:
    """Decide and write one scan (never commits). Offline scans only record their claim;
    workflows/offline_sync.py resolves admissions afterwards."""
    now = datetime.now(UTC)
    client_time = scan.client_time.astimezone(UTC) if scan.client_time and scan.client_time.tzinfo else scan.client_time
    if scan.offline and client_time is not None:
        effective = _offline_effective_time(client_time, scan.clock_offset_ms, now)
    else:
        effective = now
    checked = await check_payload(db, device, scan.payload)
    scan_id = uuid.uuid4()
    event_id = checked.event_id or (device.event_ids[0] if len(device.event_ids) == 1 else None)
    ticket_id = None
    info: TicketInfo | None = None
    admitted: AdmittedInfo | None = None
    claim = enter = leave = reentry = False
    result: str
    reason: str | None
    gate_ok: bool
    # Online: LOOKUP and the single WRITE statement each commit on their own (WRITE is atomic by
    # itself), sparing BEGIN and COMMIT round trips. Offline uploads resolve claims afterwards in
    # the same transaction, so they run inside the session's.
    conn = await driver_connection(db, begin=scan.offline)
    row = None
    if checked.serial is not None and checked.event_id is not None:
        row = await LOOKUP.fetchrow(
            conn,
            {"gate_id": scan.gate_id, "org": device.organization_id,
             "serial": ticket_payload.serial_to_text(checked.serial),
             "event_id": checked.event_id, "device_id": device.id, "csid": scan.client_scan_id},
        )  # fmt: skip
        if row is None:  # the event itself is gone
            checked, event_id = Checked(None, None, "unknown_ticket", manual=checked.manual), None
    if row is None or checked.serial is None:
        result, reason = check_in_rules.INVALID, checked.reason
        prev = await stored_verdict(db, device, scan.client_scan_id)
        if prev is not None:
            return Recorded(prev, None, False)
        gate_ok = await _gate_exists(db, scan.gate_id, device.organization_id)
    else:
        if row[16] is not None:
            prev = await stored_verdict(db, device, scan.client_scan_id)
            if prev is not None:
                return Recorded(prev, None, False)
        rules = check_in_rules.make_rules(
            starts_at=row[1], ends_at=row[2], exit_allowed=row[4], reentry_allowed=row[5],
            valid_from=row[6], valid_until=row[7], gates=json.loads(row[8]) if row[8] else None,
        )  # fmt: skip
        facts = check_in_rules.TicketFacts(
            event_status=row[0], event_venue_id=row[3], gate_venue_id=row[9], ticket_id=row[10],
            ticket_status=row[11], ticket_type_id=row[12], order_status=row[15], section_key=row[23],
        )  # fmt: skip
        gate_ok = row[9] is not None
        ticket_id = row[10]
        if ticket_id is not None:
            info = _ticket_info(checked.serial, row[12], row[14], row[13], row[23:27])
        if row[17] is not None:
            admitted = AdmittedInfo(
                at=row[17], gate_id=row[18], gate_name=row[19], device_id=row[20], device_name=row[21]
            )
        result, reason = check_in_rules.precheck(
            facts, rules, device_gate_id=device.gate_id, gate_id=scan.gate_id, direction=scan.direction,
            at=effective, claim_valid_from=checked.valid_from, claim_valid_until=checked.valid_until,
        )  # fmt: skip
        reentry = rules.reentry_allowed
        if result == check_in_rules.OK and ticket_id is not None:
            if scan.offline:
                # Only a scan the device let through claims an admission; resolution comes later.
                claim = scan.local_verdict == check_in_rules.OK
                if not claim and scan.local_verdict in _DEVICE_REFUSALS:
                    # The gate refused this person: record what they were told, not "ok".
                    result, reason = scan.local_verdict, "refused_on_device"
            elif scan.direction == "entry":
                enter = True
            else:
                leave = True

    # Somebody listens to ticket.checked_in: the admission and its webhook event commit together,
    # so the write runs inside the session's transaction (else it commits on its own, as before).
    subscribers = row[22] if row is not None and enter else None
    if subscribers and not conn.is_in_transaction():
        conn = await driver_connection(db, begin=True)
    stored = await _write(
        conn,
        scan.client_scan_id,
        {
            "enter": enter, "leave": leave, "reentry": reentry, "t": ticket_id, "org": device.organization_id,
            "ev": event_id, "scan": scan_id, "now": now, "effective": effective, "gate_ok": gate_ok,
            "d": device.id, "g": scan.gate_id, "new_session": uuid.uuid4(),
            "session_offset": _online_clock_offset(now, client_time) if not scan.offline else None,
            "csid": scan.client_scan_id, "direction": scan.direction, "result": result, "reason": reason,
            "fail_result": check_in_rules.ALREADY_REDEEMED if enter else check_in_rules.NOT_INSIDE,
            "fail_reason": ("inside" if reentry else "no_reentry") if enter else None,
            "offline": scan.offline, "manual": checked.manual, "local": scan.local_verdict, "claim": claim,
            "client_time": client_time,
            "offset": max(-_INT32, min(_INT32, scan.clock_offset_ms)) if scan.offline else 0,
        },
    )  # fmt: skip
    result, reason, claim = stored[0], stored[1], stored[2]
    if subscribers and result == check_in_rules.OK:
        await _record_checked_in(db, device.organization_id, scan_id, subscribers)
    if result != check_in_rules.ALREADY_REDEEMED or ticket_id is None:
        admitted = None
    elif admitted is None:  # admitted by a concurrent scan after our lookup
        admitted = await admitted_info(db, ticket_id)
    verdict = ScanVerdict(
        result=result,
        reason=reason,
        scan_id=scan_id,
        client_scan_id=scan.client_scan_id,
        direction=scan.direction,
        ticket=info,
        admitted=admitted,
        server_time=now,
    )
    return Recorded(verdict, ticket_id, claim)


async def _record_checked_in(
    db: AsyncSession, organization_id: uuid.UUID, scan_id: uuid.UUID, endpoint_ids: list[uuid.UUID]
) -> None:
    async def data() -> Any:
        return (await checked_in_data(db, organization_id, [scan_id]))[0]

    await record_webhook(
        db,
        organization_id=organization_id,
        event_type=WebhookEventType.TICKET_CHECKED_IN,
        data=data,
        endpoint_ids=endpoint_ids,
    )


class DuplicateScan(Exception):
    """The same (device, client_scan_id) was stored by a concurrent request."""


async def _write(conn: Any, client_scan_id: uuid.UUID, params: dict[str, Any]) -> Any:
    """WRITE, undone whole when the same scan was stored meanwhile. Inside a transaction (offline
    uploads) a savepoint keeps the rest of the upload; outside, the statement is its own."""
    try:
        if conn.is_in_transaction():
            async with conn.transaction():
                return await WRITE.fetchrow(conn, params)
        return await WRITE.fetchrow(conn, params)
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == SCAN_UNIQUE:
            raise DuplicateScan(client_scan_id) from exc
        raise


async def scan_online(db: AsyncSession, device: DeviceContext, scan: ScanInput) -> ScanVerdict:
    """One scan, decided and committed; a concurrent replay of the same client_scan_id gets the
    stored verdict (its own attempt is rolled back whole, admission included)."""
    try:
        recorded = await record_scan(db, device, scan)
        await db.commit()
        if not recorded.verdict.replayed:  # a replay was counted when first decided
            count_scan(recorded.verdict.result, "online")
        return recorded.verdict
    except DuplicateScan:
        await db.rollback()
        prev = await stored_verdict(db, device, scan.client_scan_id)
        assert prev is not None
        return prev
