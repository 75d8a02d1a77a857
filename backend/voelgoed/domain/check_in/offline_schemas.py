"""What an offline scanner downloads: the snapshot of one event and the changes after it
(docs/scanning-protocol.md). Typed so that the spec, and clients generated from it, say exactly
what arrives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from voelgoed.domain.check_in.schemas import CheckinConfigRead
from voelgoed.domain.events.machines import EventStatus


class OfflineTicketRecord(msgspec.Struct):
    """One ticket as a scanner stores it: its serial's hash, a status and the sealed details."""

    h: Annotated[str, msgspec.Meta(description="Hash of the ticket serial (the lookup key)")]
    s: Annotated[str, msgspec.Meta(description="v = valid, r = revoked (void), c = order cancelled, u = order unpaid")]
    a: Annotated[int, msgspec.Meta(description="0 = not admitted, 1 = inside, 2 = admitted and went out")]
    e: Annotated[str, msgspec.Meta(description="The holder's details, sealed for this event (base64url)")]


class OfflineSigningKey(msgspec.Struct):
    """A public key that verifies the event's ticket QR codes."""

    key_id: str
    public_key: Annotated[str, msgspec.Meta(description="Ed25519 public key, base64url")]
    alg: Literal["Ed25519"]


class SnapshotEvent(msgspec.Struct):
    """The event the snapshot is for."""

    id: str
    name: str
    status: EventStatus
    starts_at: datetime
    ends_at: datetime
    timezone: str


class CheckinSnapshotHead(msgspec.Struct):
    """Everything in a snapshot before its ticket records (written first, then the records stream)."""

    format: Annotated[int, msgspec.Meta(description="Snapshot format version (1)")]
    event_id: str
    cursor: Annotated[int, msgspec.Meta(description="Ask getCheckinChanges for what changed after this")]
    server_time: datetime
    event: SnapshotEvent
    keys: list[OfflineSigningKey]
    rules: CheckinConfigRead


class CheckinSnapshot(CheckinSnapshotHead):
    """One event's offline snapshot: the head, every ticket record and the revoked hashes."""

    tickets: list[OfflineTicketRecord]
    revoked: Annotated[list[str], msgspec.Meta(description="Hashes of tickets that must not be admitted")]


class CheckinChanges(msgspec.Struct):
    """Ticket records changed after `cursor` (no gaps), the next cursor, and new rules or keys."""

    cursor: Annotated[int, msgspec.Meta(description="Pass this as `cursor` on the next call")]
    more: Annotated[bool, msgspec.Meta(description="True when `limit` rows came: call again at once")]
    server_time: datetime
    tickets: list[OfflineTicketRecord]
    rules: CheckinConfigRead | None = None  # only when they changed in this page
    keys: list[OfflineSigningKey] | None = None
