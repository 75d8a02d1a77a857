"""Offline sync: upload queued scans (idempotent, conflicts resolved by client time), then
download a snapshot or the changes since a cursor. The gap-free argument for the cursor is in
docs/scanning-protocol.md ("Download")."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.device import DeviceContext
from voelgoed.domain.check_in import offline_records
from voelgoed.domain.check_in.offline_schemas import (
    CheckinChanges,
    CheckinSnapshotHead,
    OfflineSigningKey,
    OfflineTicketRecord,
    SnapshotEvent,
)
from voelgoed.domain.check_in.rules import CANCELLED_ORDER_STATUSES
from voelgoed.domain.check_in.schemas import OfflineResult, OfflineUpload, OfflineUploadResult
from voelgoed.domain.check_in.services import config_read, get_event
from voelgoed.domain.tickets import payload as ticket_payload
from voelgoed.domain.tickets.signing import get_or_create_signing_key
from voelgoed.domain.webhooks.check_in_payloads import checked_in_data
from voelgoed.domain.webhooks.event_types import WebhookEventType
from voelgoed.domain.webhooks.recording import record_each, subscribers
from voelgoed.lib.metrics import count_scan
from voelgoed.lib.problems import AppError, FieldError, NotFound
from voelgoed.workflows import offline_sync_sql as sql
from voelgoed.workflows.check_in import DuplicateScan, ScanInput, record_scan, stored_verdict

SKEW_IGNORED = timedelta(seconds=2)


# --- upload -------------------------------------------------------------------------------


def clock_offset_ms(device_time: datetime | None, now: datetime) -> int:
    """server receipt - device clock, whole seconds; under 2 s is network noise."""
    if device_time is None:
        return 0
    if device_time.tzinfo is None:
        device_time = device_time.replace(tzinfo=UTC)
    offset = now - device_time
    if abs(offset) < SKEW_IGNORED:
        return 0
    return round(offset.total_seconds()) * 1000


async def upload(db: AsyncSession, device: DeviceContext, body: OfflineUpload) -> OfflineUploadResult:
    now = datetime.now(UTC)
    offset = clock_offset_ms(body.device_time, now)
    results: list[OfflineResult] = []
    claimed: set[uuid.UUID] = set()
    entry_claims: list[uuid.UUID] = []  # scans of this upload that may admit (ok entries the device let in)
    for scan in body.scans:
        try:
            recorded = await record_scan(
                db,
                device,
                ScanInput(
                    payload=scan.payload,
                    gate_id=scan.gate_id,
                    direction=scan.direction,
                    client_scan_id=scan.client_scan_id,
                    client_time=scan.client_time,
                    offline=True,
                    local_verdict=scan.local_verdict,
                    clock_offset_ms=offset,
                ),
            )
            verdict = recorded.verdict
            if not verdict.replayed:  # the caller commits the upload; a failed one is retried whole
                count_scan(verdict.result, "offline")
            if recorded.claim and recorded.ticket_id is not None:
                claimed.add(recorded.ticket_id)
                if scan.direction == "entry" and not verdict.replayed:
                    entry_claims.append(verdict.scan_id)
        except DuplicateScan:  # the same scan, stored meanwhile by a concurrent upload
            prev = await stored_verdict(db, device, scan.client_scan_id)
            assert prev is not None
            verdict = prev
        results.append(
            OfflineResult(
                client_scan_id=scan.client_scan_id,
                scan_id=verdict.scan_id,
                result=verdict.result,
                reason=verdict.reason,
                offline_duplicate=verdict.offline_duplicate,
                replayed=verdict.replayed,
            )
        )
    for ticket_id in sorted(claimed):  # fixed lock order: no deadlock between concurrent uploads
        await resolve_ticket(db, ticket_id)
    if claimed:
        flags: dict[uuid.UUID, bool] = dict(
            (
                await db.execute(
                    sql.DUPLICATE_FLAGS,
                    {"ids": [r.scan_id for r in results]},
                )
            )
            .tuples()
            .all()
        )
        for r in results:
            r.offline_duplicate = bool(flags.get(r.scan_id, r.offline_duplicate))
        admitted = [sid for sid in entry_claims if not flags.get(sid, True)]
        await _record_checked_in(db, device.organization_id, admitted)
    await db.commit()
    return OfflineUploadResult(results=results, server_time=now)


async def _record_checked_in(db: AsyncSession, organization_id: uuid.UUID, scan_ids: list[uuid.UUID]) -> None:
    """ticket.checked_in for each scan of the upload that admitted its ticket once resolved (a
    claim resolved as a duplicate admitted nobody): one subscriber check for the whole upload."""
    if not scan_ids:
        return
    subs = await subscribers(db, organization_id, [WebhookEventType.TICKET_CHECKED_IN])
    if subs:
        await record_each(
            db,
            organization_id=organization_id,
            event_type=WebhookEventType.TICKET_CHECKED_IN,
            items=await checked_in_data(db, organization_id, scan_ids),
            subs=subs,
        )


async def resolve_ticket(db: AsyncSession, ticket_id: uuid.UUID) -> None:
    """Re-derive a ticket's admissions from all its claims, ordered by effective (client) time:
    the first admission wins, a claim while already inside (or, without re-entry, after any
    admission) is flagged offline_duplicate. Holds the state row lock, so concurrent resolutions
    and online admissions of this ticket serialise; any upload order gives the same result."""
    await db.execute(sql.ENSURE_STATE, {"t": ticket_id})
    state = (
        await db.execute(
            sql.LOCK_STATE,
            {"t": ticket_id},
        )
    ).one()
    reentry = bool(state[1])
    claims = list(
        await db.execute(
            sql.CLAIMS,
            {"t": ticket_id},
        )
    )
    inside = ever = False
    entries = exits = 0
    first_at = last_admit = None
    flags: dict[uuid.UUID, bool] = {}
    for scan_id, direction, at, _ in claims:
        if direction == "entry":
            duplicate = inside or (ever and not reentry)
            flags[scan_id] = duplicate
            if not duplicate:
                inside = ever = True
                entries += 1
                last_admit = scan_id
                first_at = first_at or at
        elif inside:
            inside = False
            exits += 1
    changed = [sid for sid, _, _, dup in claims if flags.get(sid, False) != dup]
    if changed:
        await db.execute(
            sql.FLIP_DUPLICATES,
            {"ids": changed},
        )
    await db.execute(
        sql.SET_STATE,
        {"inside": inside, "entries": entries, "exits": exits, "last": last_admit, "first": first_at, "t": ticket_id},
    )


# --- download -----------------------------------------------------------------------------


class BadCursor(AppError):
    status, slug, title = 400, "bad-cursor", "Bad cursor"


async def sequence(db: AsyncSession, event_id: uuid.UUID) -> None:
    """The sequencer: number the event's committed, unnumbered changes, in its own transaction."""
    await db.commit()
    await db.execute(
        sql.SEQUENCER_LOCK,
        {"e": str(event_id)},
    )
    await db.execute(
        sql.NUMBER_CHANGES,
        {"e": event_id},
    )
    await db.commit()


def _require_event(device: DeviceContext, event_id: uuid.UUID) -> None:
    if event_id not in device.event_ids:
        raise NotFound("This device is not paired for that event.")


Record = OfflineTicketRecord


def _status(ticket_status: str, order_status: str) -> str:
    if ticket_status == "void":
        return "r"
    if order_status in CANCELLED_ORDER_STATUSES:
        return "c"
    if order_status != "paid":
        return "u"
    return "v"


def to_record(row: Any) -> Record:
    serial = ticket_payload.serial_from_text(row[0])
    seat = [row[8], row[9], row[10], row[11]] if row[8] is not None else None
    h, e = offline_records.seal(serial, offline_records.Details(n=row[5], t=row[6], i=str(row[7]), s=seat))
    return Record(h=h, s=_status(row[1], row[2]), a=1 if row[3] else (2 if row[4] else 0), e=e)


async def _keys(db: AsyncSession, event: Any) -> list[OfflineSigningKey]:
    key = await get_or_create_signing_key(db, event_id=event.id, organization_id=event.organization_id)
    return [
        OfflineSigningKey(key_id=key.key_id, public_key=offline_records.b64url(bytes(key.public_key)), alg="Ed25519")
    ]


@dataclass
class Snapshot:
    head: CheckinSnapshotHead
    rows: list[Any]


async def snapshot(db: AsyncSession, device: DeviceContext, event_id: uuid.UUID) -> Snapshot:
    _require_event(device, event_id)
    await sequence(db, event_id)
    cursor = int(
        await db.scalar(
            sql.SNAPSHOT_CURSOR,
            {"e": event_id},
        )
        or 0
    )
    # Read after the cursor: the rows reflect at least every change up to it (newer ones come again).
    event = await get_event(db, event_id, unscoped=True)
    rules = await config_read(db, event)
    keys = await _keys(db, event)
    rows = list(await db.execute(sql.EVENT_RECORDS, {"e": event_id}))
    await db.commit()
    head = CheckinSnapshotHead(
        format=1,
        event_id=str(event_id),
        cursor=cursor,
        server_time=datetime.now(UTC),
        event=SnapshotEvent(
            id=str(event.id),
            name=event.name,
            status=event.status,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event.timezone,
        ),
        keys=keys,
        rules=rules,
    )
    return Snapshot(head=head, rows=rows)


_enc = msgspec.json.Encoder()


async def stream_snapshot(snap: Snapshot, chunk: int = 2000) -> AsyncIterator[bytes]:
    """One JSON object, produced piecewise so the first bytes leave before all are encrypted."""
    records = [to_record(r) for r in snap.rows[:chunk]]
    head = _enc.encode(snap.head)[:-1]  # without the closing brace
    revoked: list[str] = []
    yield head + b',"tickets":['
    first = True
    for start in range(0, len(snap.rows), chunk):
        if start:
            records = [to_record(r) for r in snap.rows[start : start + chunk]]
        revoked.extend(r.h for r in records if r.s != "v")
        body = _enc.encode(records)[1:-1]
        if body:
            yield (b"" if first else b",") + body
            first = False
    yield b'],"revoked":' + _enc.encode(revoked) + b"}"


async def changes(
    db: AsyncSession, device: DeviceContext, event_id: uuid.UUID, cursor: int, limit: int
) -> CheckinChanges:
    _require_event(device, event_id)
    await sequence(db, event_id)
    head = int(await db.scalar(sql.FEED_HEAD, {"e": event_id}) or 0)
    if cursor < 0 or cursor > head:
        raise BadCursor(
            "This cursor is not from this event's feed.", errors=[FieldError(field="cursor", message="unknown")]
        )
    rows = list(
        await db.execute(
            sql.CHANGES_AFTER,
            {"e": event_id, "c": cursor, "n": limit},
        )
    )
    next_cursor = rows[-1][0] if rows else cursor
    ticket_ids = list({r[2] for r in rows if r[1] == "ticket" and r[2] is not None})
    records = []
    if ticket_ids:
        records = [to_record(r) for r in await db.execute(sql.TICKET_RECORDS, {"ids": ticket_ids})]
    rules = keys = None
    if any(r[1] in ("rules", "keys") for r in rows):
        event = await get_event(db, event_id, unscoped=True)
        rules = await config_read(db, event)
        keys = await _keys(db, event)
    await db.commit()
    return CheckinChanges(
        cursor=next_cursor,
        more=len(rows) == limit,
        server_time=datetime.now(UTC),
        tickets=records,
        rules=rules,
        keys=keys,
    )
