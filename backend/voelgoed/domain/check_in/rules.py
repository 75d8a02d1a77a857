"""Check-in rules of an event and the pure verdict logic shared by online and offline scans."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from voelgoed.domain.events.machines import EventLifecycle
from voelgoed.domain.orders.machines import OrderLifecycle
from voelgoed.lib.closed_sets import closed_set, states_of

DEFAULT_OPEN_BEFORE = timedelta(hours=3)

# Verdict words (docs/scanning-protocol.md, "Online check-in").
OK = "ok"
ALREADY_REDEEMED = "already_redeemed"
NOT_INSIDE = "not_inside"
INVALID = "invalid"
REVOKED = "revoked"
CANCELLED = "cancelled"
UNPAID = "unpaid"
WRONG_GATE = "wrong_gate"
WRONG_TICKET_TYPE = "wrong_ticket_type"
OUTSIDE_WINDOW = "outside_window"
EVENT_NOT_LIVE = "event_not_live"
RESULTS = (
    OK, ALREADY_REDEEMED, NOT_INSIDE, INVALID, REVOKED, CANCELLED, UNPAID,
    WRONG_GATE, WRONG_TICKET_TYPE, OUTSIDE_WINDOW, EVENT_NOT_LIVE,
)  # fmt: skip

LIVE_EVENT_STATUSES = frozenset({"published"})
CANCELLED_ORDER_STATUSES = frozenset({"cancelled", "refunded"})

# Reason words beside a verdict (null when the verdict says it all). `invalid`: why the code is not
# a ticket of this event (tickets/payload.py, workflows/check_in.py); `wrong_gate`,
# `outside_window`, `already_redeemed`: which rule refused; `event_not_live`: the event's status;
# `unpaid`: the order's status; "refused_on_device": an offline scan the gate refused although the
# server would have admitted (workflows/check_in.py records what the person was told).
REASONS = (
    "malformed", "too_long", "unsupported_version", "bad_signature", "unknown_key", "other_event", "unknown_ticket",
    "not_this_device", "not_event_venue", "exit_not_allowed", "entry_not_allowed", "too_early", "too_late",
    "inside", "no_reentry", "refused_on_device", "wrong_section",
    *(s for s in states_of(EventLifecycle) if s not in LIVE_EVENT_STATUSES),
    *(s for s in states_of(OrderLifecycle) if s != "paid" and s not in CANCELLED_ORDER_STATUSES),
)  # fmt: skip

# The same words as API types (lib/closed_sets.py): the scanner's offline verifier is typed by them.
if TYPE_CHECKING:
    ScanResult = str
    ScanReason = str
else:
    ScanResult = closed_set("ScanResult", RESULTS, "The verdict of a scan (domain/check_in/rules.py).")
    ScanReason = closed_set("ScanReason", REASONS, "Why a scan got its verdict (domain/check_in/rules.py).")


@dataclass(frozen=True)
class GateRule:
    entry: bool = True
    exit: bool = True
    ticket_type_ids: frozenset[uuid.UUID] | None = None  # None: every type
    # Seated events: the section keys whose seats pass here; None: every section. A ticket without
    # a seat (general admission, standing) is not limited by it: ticket types limit those.
    sections: frozenset[str] | None = None


@dataclass(frozen=True)
class Rules:
    exit_allowed: bool
    reentry_allowed: bool
    valid_from: datetime
    valid_until: datetime
    gates: dict[uuid.UUID, GateRule] = field(default_factory=dict)

    def gate(self, gate_id: uuid.UUID) -> GateRule:
        return self.gates.get(gate_id, GateRule())


def parse_gate_rules(raw: list[dict[str, Any]] | None) -> dict[uuid.UUID, GateRule]:
    out = {}
    for item in raw or []:
        types = item.get("ticket_type_ids")
        sections = item.get("sections")
        out[uuid.UUID(str(item["gate_id"]))] = GateRule(
            entry=bool(item.get("entry", True)),
            exit=bool(item.get("exit", True)),
            ticket_type_ids=None if types is None else frozenset(uuid.UUID(str(t)) for t in types),
            sections=None if sections is None else frozenset(str(k) for k in sections),
        )
    return out


def make_rules(
    *,
    starts_at: datetime,
    ends_at: datetime,
    exit_allowed: bool | None,
    reentry_allowed: bool | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
    gates: list[dict[str, Any]] | None,
) -> Rules:
    return Rules(
        exit_allowed=True if exit_allowed is None else exit_allowed,
        reentry_allowed=bool(reentry_allowed),
        valid_from=valid_from or starts_at - DEFAULT_OPEN_BEFORE,
        valid_until=valid_until or ends_at,
        gates=parse_gate_rules(gates),
    )


@dataclass(frozen=True)
class TicketFacts:
    """What the database says, looked up by the scan's serial within the key's event."""

    event_status: str
    event_venue_id: uuid.UUID | None
    gate_venue_id: uuid.UUID | None  # None: no such gate
    ticket_id: uuid.UUID | None
    ticket_status: str | None
    ticket_type_id: uuid.UUID | None
    order_status: str | None
    section_key: str | None = None  # the ticket's seat's section; None: no reserved seat


def precheck(
    facts: TicketFacts,
    rules: Rules,
    *,
    device_gate_id: uuid.UUID | None,
    gate_id: uuid.UUID,
    direction: str,
    at: datetime,
    claim_valid_from: int | None = None,
    claim_valid_until: int | None = None,
) -> tuple[str, str | None]:
    """Every rule except the admission state. (OK, None) means: go on to admit / let out."""
    if facts.event_status not in LIVE_EVENT_STATUSES:
        return EVENT_NOT_LIVE, facts.event_status
    if facts.ticket_id is None:
        return INVALID, "unknown_ticket"
    if device_gate_id is not None and gate_id != device_gate_id:
        return WRONG_GATE, "not_this_device"
    if facts.gate_venue_id is None or facts.gate_venue_id != facts.event_venue_id:
        return WRONG_GATE, "not_event_venue"
    if facts.ticket_status == "void":
        return REVOKED, None
    if facts.order_status in CANCELLED_ORDER_STATUSES:
        return CANCELLED, None
    if facts.order_status != "paid":
        return UNPAID, facts.order_status
    gate = rules.gate(gate_id)
    if direction == "exit" and not (rules.exit_allowed and gate.exit):
        return WRONG_GATE, "exit_not_allowed"
    if direction == "entry" and not gate.entry:
        return WRONG_GATE, "entry_not_allowed"
    if gate.ticket_type_ids is not None and facts.ticket_type_id not in gate.ticket_type_ids:
        return WRONG_TICKET_TYPE, None
    if gate.sections is not None and facts.section_key is not None and facts.section_key not in gate.sections:
        return WRONG_GATE, "wrong_section"
    ts = at.timestamp()
    if at < rules.valid_from or (claim_valid_from is not None and ts < claim_valid_from):
        return OUTSIDE_WINDOW, "too_early"
    if at > rules.valid_until or (claim_valid_until is not None and ts > claim_valid_until):
        return OUTSIDE_WINDOW, "too_late"
    return OK, None
