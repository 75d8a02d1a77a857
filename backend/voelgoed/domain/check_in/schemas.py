from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import msgspec

from voelgoed.domain.check_in.rules import RESULTS, ScanReason, ScanResult
from voelgoed.domain.tickets.schemas import SeatRead
from voelgoed.lib.closed_sets import closed_set, documented_as

if TYPE_CHECKING:
    Direction = str
else:
    Direction = closed_set("Direction", ("entry", "exit"), "Which way a person goes through the gate.")
# Longer text cannot be a ticket; accepted here so that it gets a clean `invalid` verdict.
PayloadText = Annotated[str, msgspec.Meta(max_length=200_000)]


class ScanRequest(msgspec.Struct, forbid_unknown_fields=True):
    """One scan to decide online."""

    payload: Annotated[
        PayloadText,
        msgspec.Meta(
            description="The QR text (`VG1:...`) or the 20-character ticket code typed in (any case or grouping).",
            examples=["ABCDE-FGHIJ-KLMNO-PQRST"],
        ),
    ]
    gate_id: Annotated[uuid.UUID, msgspec.Meta(description="The gate the device scans at.")]
    direction: Annotated[Direction, msgspec.Meta(description="Entry or exit.")]
    client_scan_id: uuid.UUID
    client_time: (
        Annotated[datetime, msgspec.Meta(description="The device's clock at the scan, to estimate its offset.")] | None
    ) = None


class TicketInfo(msgspec.Struct):
    """The ticket a scan read."""

    serial_hash: Annotated[
        str,
        msgspec.Meta(description="The ticket's serial hash (32 hex digits), the key offline records are stored under."),
    ]
    ticket_type_id: uuid.UUID | None
    ticket_type_name: str | None
    holder_name: str | None
    seat: Annotated[
        SeatRead | None, msgspec.Meta(description="The reserved seat; null on a general-admission ticket.")
    ] = None


class AdmittedInfo(msgspec.Struct):
    """When and where the ticket was admitted before (with an `already_redeemed` verdict)."""

    at: Annotated[datetime, msgspec.Meta(description="When the earlier admission happened (UTC).")]
    gate_id: uuid.UUID | None
    gate_name: str | None
    device_id: uuid.UUID | None
    device_name: (
        Annotated[str, msgspec.Meta(description="The scanner that admitted it.", examples=["Noordhek skandeerder 1"])]
        | None
    )


class ScanVerdict(msgspec.Struct):
    """The verdict of one scan: show it at the gate."""

    result: Annotated[
        ScanResult,
        msgspec.Meta(description="`ok` admits (or lets out); every other word refuses.", examples=["already_redeemed"]),
    ]
    reason: (
        Annotated[ScanReason, msgspec.Meta(description="Why, for a refusal; null for `ok`.", examples=["inside"])]
        | None
    )
    scan_id: uuid.UUID
    client_scan_id: uuid.UUID
    direction: Annotated[Direction, msgspec.Meta(description="Entry or exit.")]
    ticket: (
        Annotated[
            TicketInfo,
            msgspec.Meta(description="The ticket scanned; null when the payload is not a ticket of this event."),
        ]
        | None
    )
    admitted: (
        Annotated[
            AdmittedInfo, msgspec.Meta(description="For `already_redeemed`: when and where it was admitted before.")
        ]
        | None
    )
    server_time: datetime
    replayed: Annotated[
        bool, msgspec.Meta(description="This `client_scan_id` was sent before: the first answer again.")
    ] = False
    offline_duplicate: Annotated[bool, msgspec.Meta(description="The ticket was admitted offline elsewhere too.")] = (
        False
    )


class OfflineScan(msgspec.Struct, forbid_unknown_fields=True):
    """One scan a device decided while offline."""

    client_scan_id: uuid.UUID
    payload: PayloadText
    gate_id: uuid.UUID
    direction: Annotated[Direction, msgspec.Meta(description="Entry or exit.")]
    client_time: Annotated[datetime, msgspec.Meta(description="When the device scanned (its own clock).")]
    local_verdict: Annotated[
        str,
        msgspec.Meta(max_length=24, description="The verdict the device showed at the gate."),
        documented_as(RESULTS),
    ]


class OfflineUpload(msgspec.Struct, forbid_unknown_fields=True):
    """Scans made offline, in the order they were made."""

    scans: Annotated[list[OfflineScan], msgspec.Meta(max_length=500, description="At most 500 per request.")]
    device_time: (
        Annotated[datetime, msgspec.Meta(description="The device's clock when it sent this, to estimate its offset.")]
        | None
    ) = None


class OfflineResult(msgspec.Struct):
    """What the server made of one uploaded offline scan."""

    client_scan_id: uuid.UUID
    scan_id: uuid.UUID
    result: Annotated[ScanResult, msgspec.Meta(description="The server's verdict (it may differ from the device's).")]
    reason: Annotated[ScanReason, msgspec.Meta(description="Why, for a refusal; null for `ok`.")] | None
    offline_duplicate: Annotated[
        bool,
        msgspec.Meta(
            description="Another device had admitted this ticket before: both admissions are kept and flagged."
        ),
    ]
    replayed: Annotated[
        bool,
        msgspec.Meta(
            description="This `client_scan_id` was uploaded before: the first answer again, nothing recorded twice."
        ),
    ]


class OfflineUploadResult(msgspec.Struct):
    """The server's verdict for each uploaded scan."""

    results: Annotated[list[OfflineResult], msgspec.Meta(description="One per uploaded scan, in the same order.")]
    server_time: datetime


# A gate rule's seat sections (the plan's section keys), as stored and as read back.
GateSections = Annotated[
    list[Annotated[str, msgspec.Meta(min_length=1, max_length=40)]],
    msgspec.Meta(
        max_length=200,
        description=(
            "Seated events: only seats in these sections (the plan's section keys) pass; "
            "tickets without a seat are not limited by it; null: every section."
        ),
        examples=[["stalls", "balcony"]],
    ),
]


class GateRuleIn(msgspec.Struct, forbid_unknown_fields=True):
    """What one gate allows."""

    gate_id: uuid.UUID
    entry: Annotated[bool, msgspec.Meta(description="The gate admits people.")] = True
    exit: Annotated[bool, msgspec.Meta(description="The gate lets people out (needs `exit_allowed`).")] = True
    ticket_type_ids: (
        Annotated[list[uuid.UUID], msgspec.Meta(description="Only tickets of these types pass; null: every type.")]
        | None
    ) = None
    sections: GateSections | None = None


class CheckinConfigUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The whole rule set of an event (it replaces the one before). `valid_from`/`valid_until`
    without an offset are read in the event's time zone; null: three hours before the start /
    the event's end. A gate not listed admits every ticket type both ways."""

    exit_allowed: Annotated[bool, msgspec.Meta(description="Scanners may record exits.")] = True
    reentry_allowed: Annotated[bool, msgspec.Meta(description="A ticket that went out may come in again.")] = False
    valid_from: (
        Annotated[
            datetime,
            msgspec.Meta(
                description=(
                    "Scans accepted from this time; without an offset read in the "
                    "event's time zone; null: three hours before the start."
                )
            ),
        ]
        | None
    ) = None
    valid_until: (
        Annotated[
            datetime,
            msgspec.Meta(
                description=(
                    "Scans accepted until this time; without an offset read in "
                    "the event's time zone; null: the event's end."
                )
            ),
        ]
        | None
    ) = None
    gates: Annotated[
        list[GateRuleIn],
        msgspec.Meta(
            max_length=200,
            description="Per-gate rules (directions and ticket types); a gate not listed admits every type both ways.",
        ),
    ] = []


class GateRuleRead(msgspec.Struct):
    """What one gate allows."""

    gate_id: uuid.UUID
    gate_code: Annotated[str, msgspec.Meta(description="The gate's short code.", examples=["NOORD"])]
    gate_name: str
    entry: Annotated[bool, msgspec.Meta(description="The gate admits people.")]
    exit: Annotated[bool, msgspec.Meta(description="The gate lets people out.")]
    ticket_type_ids: (
        Annotated[list[uuid.UUID], msgspec.Meta(description="Only tickets of these types pass; null: every type.")]
        | None
    )
    type_refs: (
        Annotated[
            list[str],
            msgspec.Meta(description="The same types as the short references offline scanners use; null: every type."),
        ]
        | None
    )
    sections: GateSections | None = None


class SeatSectionChoice(msgspec.Struct):
    """A seated section of the plan the event sells: what a gate can be limited to."""

    key: Annotated[str, msgspec.Meta(description="The plan's section key.", examples=["stalls"])]
    name: Annotated[str, msgspec.Meta(description="The section's name.", examples=["Stalls"])]


class CheckinConfigRead(msgspec.Struct):
    """An event's check-in rules, with the defaults filled in."""

    event_id: uuid.UUID
    exit_allowed: Annotated[bool, msgspec.Meta(description="Scanners may record exits (people going out).")]
    reentry_allowed: Annotated[bool, msgspec.Meta(description="A ticket that went out may come in again.")]
    valid_from: (
        Annotated[
            datetime,
            msgspec.Meta(
                description="Scans accepted from this time (UTC); null: the default, three hours before the start."
            ),
        ]
        | None
    )
    valid_until: (
        Annotated[
            datetime,
            msgspec.Meta(description="Scans accepted until this time (UTC); null: the default, the event's end."),
        ]
        | None
    )
    effective_valid_from: Annotated[
        datetime,
        msgspec.Meta(description="When scanning opens (UTC): `valid_from`, else `default_valid_from`."),
    ]
    effective_valid_until: Annotated[
        datetime,
        msgspec.Meta(description="When scanning closes (UTC): `valid_until`, else `default_valid_until`."),
    ]
    # The window a blank valid_from/valid_until stands for (rules.py: doors open DEFAULT_OPEN_BEFORE
    # the start, close at the end), so screens describe it without knowing the rule.
    default_valid_from: Annotated[
        datetime, msgspec.Meta(description="What a blank `valid_from` stands for: three hours before the start (UTC).")
    ]
    default_valid_until: Annotated[
        datetime, msgspec.Meta(description="What a blank `valid_until` stands for: the event's end (UTC).")
    ]
    gates: Annotated[list[GateRuleRead], msgspec.Meta(description="One rule per gate of the event's venue.")]
    updated_at: datetime | None
    seat_sections: Annotated[
        list[SeatSectionChoice],
        msgspec.Meta(description="The seated sections a gate can be limited to; empty when the event has no seating."),
    ] = msgspec.field(default_factory=list)


class ScanRead(msgspec.Struct):
    """A recorded scan."""

    seq: int
    id: uuid.UUID
    device_id: uuid.UUID
    device_name: str | None
    gate_id: uuid.UUID | None
    gate_name: str | None
    direction: Annotated[Direction, msgspec.Meta(description="Entry or exit.")]
    result: Annotated[ScanResult, msgspec.Meta(description="The verdict.")]
    reason: Annotated[ScanReason, msgspec.Meta(description="Why, for a refusal; null for `ok`.")] | None
    offline: Annotated[bool, msgspec.Meta(description="Decided by the device while offline and uploaded later.")]
    offline_duplicate: Annotated[
        bool, msgspec.Meta(description="A second admission of the ticket made offline by another device.")
    ]
    local_verdict: (
        Annotated[
            ScanResult, msgspec.Meta(description="For an offline scan, the verdict the device showed; null online.")
        ]
        | None
    )
    client_time: (
        Annotated[datetime, msgspec.Meta(description="The device's clock at the scan; null when not sent.")] | None
    )
    server_time: datetime
    effective_time: Annotated[
        datetime,
        msgspec.Meta(
            description=(
                "The time the scan counts at: the device's (corrected) time for offline scans, else the server's."
            )
        ),
    ]
    session_id: (
        Annotated[uuid.UUID, msgspec.Meta(description="The scan session (device and gate) it belongs to.")] | None
    )
    ticket_id: uuid.UUID | None
    ticket_type_name: str | None
    holder_name: str | None
    manual: Annotated[
        bool, msgspec.Meta(description="The ticket code was typed in, not scanned.")
    ]  # the ticket code was typed in, not scanned


class ScanFeed(msgspec.Struct):
    """Scans after the `after` cursor, oldest first."""

    items: Annotated[list[ScanRead], msgspec.Meta(description="The scans.")]
    last_seq: int


class DuplicateRead(msgspec.Struct):
    """A scan that admitted a ticket another scan had admitted while offline."""

    scan: Annotated[ScanRead, msgspec.Meta(description="The duplicate scan.")]
    winner: (
        Annotated[
            ScanRead, msgspec.Meta(description="The scan whose admission counted for the ticket; null when unknown.")
        ]
        | None
    )


class DuplicateList(msgspec.Struct):
    """Tickets admitted more than once by offline scanners."""

    items: Annotated[list[DuplicateRead], msgspec.Meta(description="One entry per duplicate scan.")]


class GateCount(msgspec.Struct):
    """Entries, exits and people inside through one gate."""

    gate_id: uuid.UUID
    gate_name: str
    entries: Annotated[int, msgspec.Meta(description="Admissions through this gate.")]
    exits: Annotated[int, msgspec.Meta(description="Exits through this gate.")]
    inside: Annotated[int, msgspec.Meta(description="Entries minus exits through this gate.")]


class CountTotals(msgspec.Struct):
    """Entries, exits and people inside."""

    entries: Annotated[int, msgspec.Meta(description="Admissions recorded.")]
    exits: Annotated[int, msgspec.Meta(description="Exits recorded.")]
    inside: Annotated[int, msgspec.Meta(description="Entries minus exits.")]


class CheckinCounts(msgspec.Struct):
    """Live check-in figures of an event."""

    gates: Annotated[list[GateCount], msgspec.Meta(description="Figures per gate.")]
    total: Annotated[CountTotals, msgspec.Meta(description="Figures over all gates.")]
    admitted_tickets: Annotated[int, msgspec.Meta(description="Tickets admitted at least once.")]
    offline_duplicates: Annotated[
        int, msgspec.Meta(description="Tickets admitted twice by offline scanners (see listOfflineDuplicates).")
    ]


class SessionRead(msgspec.Struct):
    """A device scanning at one gate."""

    id: uuid.UUID
    device_id: uuid.UUID
    device_name: str | None
    gate_id: uuid.UUID
    started_at: datetime
    last_scan_at: datetime
    scan_count: Annotated[int, msgspec.Meta(description="Scans in this session.")]
    clock_offset_ms: (
        Annotated[
            int,
            msgspec.Meta(
                description=(
                    "Server clock minus the device's, in milliseconds (positive: "
                    "the device is behind); null when unknown."
                )
            ),
        ]
        | None
    )


class SessionList(msgspec.Struct):
    """The event's scan sessions."""

    items: Annotated[list[SessionRead], msgspec.Meta(description="One per device and gate.")]
