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
    alg: Annotated[Literal["Ed25519"], msgspec.Meta(description="Signature algorithm of the key (always Ed25519)")]


class SnapshotEvent(msgspec.Struct):
    """The event the snapshot is for."""

    id: str
    name: Annotated[str, msgspec.Meta(description="The event's name, shown on the scanner")]
    status: Annotated[EventStatus, msgspec.Meta(description="The event's status when the snapshot was made")]
    starts_at: datetime
    ends_at: datetime
    timezone: str


class CheckinSnapshotHead(msgspec.Struct):
    """Everything in a snapshot before its ticket records (written first, then the records stream)."""

    format: Annotated[int, msgspec.Meta(description="Snapshot format version (1)")]
    event_id: str
    cursor: Annotated[int, msgspec.Meta(description="Ask getCheckinChanges for what changed after this")]
    server_time: datetime
    event: Annotated[SnapshotEvent, msgspec.Meta(description="The event the snapshot is for")]
    keys: Annotated[
        list[OfflineSigningKey], msgspec.Meta(description="Public keys that verify the event's ticket QR codes")
    ]
    rules: Annotated[
        CheckinConfigRead, msgspec.Meta(description="The event's check-in rules (gates, entry window, re-entry)")
    ]


class CheckinSnapshot(CheckinSnapshotHead):
    """One event's offline snapshot: the head, every ticket record and the revoked hashes."""

    tickets: Annotated[
        list[OfflineTicketRecord], msgspec.Meta(description="Every ticket of the event, one record each")
    ]
    revoked: Annotated[list[str], msgspec.Meta(description="Hashes of tickets that must not be admitted")]


class CheckinChanges(msgspec.Struct):
    """Ticket records changed after `cursor` (no gaps), the next cursor, and new rules or keys."""

    cursor: Annotated[int, msgspec.Meta(description="Pass this as `cursor` on the next call")]
    more: Annotated[bool, msgspec.Meta(description="True when `limit` rows came: call again at once")]
    server_time: datetime
    tickets: Annotated[list[OfflineTicketRecord], msgspec.Meta(description="Ticket records changed after `cursor`")]
    rules: Annotated[
        CheckinConfigRead | None,
        msgspec.Meta(description="The new check-in rules, only when they changed in this page"),
    ] = None
    keys: Annotated[
        list[OfflineSigningKey] | None, msgspec.Meta(description="The event's signing keys, only when they changed")
    ] = None
