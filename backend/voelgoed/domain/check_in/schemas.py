from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.check_in.rules import RESULTS, ScanReason, ScanResult
from voelgoed.lib.closed_sets import closed_set, documented_as

if TYPE_CHECKING:
    Direction = str
else:
    Direction = closed_set("Direction", ("entry", "exit"), "Which way a person goes through the gate.")
# Longer text cannot be a ticket; accepted here so that it gets a clean `invalid` verdict.
PayloadText = Annotated[str, msgspec.Meta(max_length=200_000)]


class ScanRequest(msgspec.Struct, forbid_unknown_fields=True):
    payload: PayloadText
    gate_id: uuid.UUID
    direction: Direction
    client_scan_id: uuid.UUID
    client_time: datetime | None = None


class TicketInfo(msgspec.Struct):
    serial_hash: str
    ticket_type_id: uuid.UUID | None
    ticket_type_name: str | None
    holder_name: str | None


class AdmittedInfo(msgspec.Struct):
    at: datetime
    gate_id: uuid.UUID | None
    gate_name: str | None
    device_id: uuid.UUID | None
    device_name: str | None


class ScanVerdict(msgspec.Struct):
    result: ScanResult
    reason: ScanReason | None
    scan_id: uuid.UUID
    client_scan_id: uuid.UUID
    direction: Direction
    ticket: TicketInfo | None
    admitted: AdmittedInfo | None
    server_time: datetime
    replayed: bool = False
    offline_duplicate: bool = False


class OfflineScan(msgspec.Struct, forbid_unknown_fields=True):
    client_scan_id: uuid.UUID
    payload: PayloadText
    gate_id: uuid.UUID
    direction: Direction
    client_time: datetime
    local_verdict: Annotated[str, msgspec.Meta(max_length=24), documented_as(RESULTS)]


class OfflineUpload(msgspec.Struct, forbid_unknown_fields=True):
    scans: Annotated[list[OfflineScan], msgspec.Meta(max_length=500)]
    device_time: datetime | None = None


class OfflineResult(msgspec.Struct):
    client_scan_id: uuid.UUID
    scan_id: uuid.UUID
    result: ScanResult
    reason: ScanReason | None
    offline_duplicate: bool
    replayed: bool


class OfflineUploadResult(msgspec.Struct):
    results: list[OfflineResult]
    server_time: datetime


class GateRuleIn(msgspec.Struct, forbid_unknown_fields=True):
    gate_id: uuid.UUID
    entry: bool = True
    exit: bool = True
    ticket_type_ids: list[uuid.UUID] | None = None


class CheckinConfigUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The whole rule set of an event (it replaces the one before). `valid_from`/`valid_until`
    without an offset are read in the event's time zone; null: three hours before the start /
    the event's end. A gate not listed admits every ticket type both ways."""

    exit_allowed: bool = True
    reentry_allowed: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    gates: Annotated[list[GateRuleIn], msgspec.Meta(max_length=200)] = []


class GateRuleRead(msgspec.Struct):
    gate_id: uuid.UUID
    gate_code: str
    gate_name: str
    entry: bool
    exit: bool
    ticket_type_ids: list[uuid.UUID] | None
    type_refs: list[str] | None


class CheckinConfigRead(msgspec.Struct):
    event_id: uuid.UUID
    exit_allowed: bool
    reentry_allowed: bool
    valid_from: datetime | None
    valid_until: datetime | None
    effective_valid_from: datetime
    effective_valid_until: datetime
    # The window a blank valid_from/valid_until stands for (rules.py: doors open DEFAULT_OPEN_BEFORE
    # the start, close at the end), so screens describe it without knowing the rule.
    default_valid_from: datetime
    default_valid_until: datetime
    gates: list[GateRuleRead]
    updated_at: datetime | None


class ScanRead(msgspec.Struct):
    seq: int
    id: uuid.UUID
    device_id: uuid.UUID
    device_name: str | None
    gate_id: uuid.UUID | None
    gate_name: str | None
    direction: Direction
    result: ScanResult
    reason: ScanReason | None
    offline: bool
    offline_duplicate: bool
    local_verdict: ScanResult | None
    client_time: datetime | None
    server_time: datetime
    effective_time: datetime
    session_id: uuid.UUID | None
    ticket_id: uuid.UUID | None
    ticket_type_name: str | None
    holder_name: str | None
    manual: bool  # the ticket code was typed in, not scanned


class ScanFeed(msgspec.Struct):
    items: list[ScanRead]
    last_seq: int


class DuplicateRead(msgspec.Struct):
    scan: ScanRead
    winner: ScanRead | None


class DuplicateList(msgspec.Struct):
    items: list[DuplicateRead]


class GateCount(msgspec.Struct):
    gate_id: uuid.UUID
    gate_name: str
    entries: int
    exits: int
    inside: int


class CountTotals(msgspec.Struct):
    entries: int
    exits: int
    inside: int


class CheckinCounts(msgspec.Struct):
    gates: list[GateCount]
    total: CountTotals
    admitted_tickets: int
    offline_duplicates: int


class SessionRead(msgspec.Struct):
    id: uuid.UUID
    device_id: uuid.UUID
    device_name: str | None
    gate_id: uuid.UUID
    started_at: datetime
    last_scan_at: datetime
    scan_count: int
    clock_offset_ms: int | None


class SessionList(msgspec.Struct):
    items: list[SessionRead]
