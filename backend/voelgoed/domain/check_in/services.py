"""Check-in configuration and the organiser's monitoring queries (feed, counts, duplicates)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.catalog.models import TicketType
from voelgoed.domain.check_in import queries
from voelgoed.domain.check_in import rules as check_in_rules
from voelgoed.domain.check_in.models import CheckinChange, CheckinConfig
from voelgoed.domain.check_in.schemas import (
    CheckinConfigRead,
    CheckinConfigUpdate,
    CheckinCounts,
    CountTotals,
    DuplicateRead,
    GateCount,
    GateRuleRead,
    ScanRead,
    SeatSectionChoice,
    SessionRead,
)
from voelgoed.domain.events.models import Event
from voelgoed.domain.events.services import to_utc
from voelgoed.domain.seating.labels import event_sections
from voelgoed.domain.tickets.payload import ticket_type_ref
from voelgoed.domain.venues.models import Gate
from voelgoed.lib.problems import FieldError, NotFound, Unprocessable


async def get_event(db: AsyncSession, event_id: uuid.UUID, *, unscoped: bool = False) -> Event:
    stmt = select(Event).where(Event.id == event_id)
    if unscoped:
        stmt = stmt.execution_options(**UNSCOPED)
    event = await db.scalar(stmt)
    if event is None:
        raise NotFound("No such event.")
    return event


async def config_read(db: AsyncSession, event: Event) -> CheckinConfigRead:
    """The event's rules with defaults filled in; gates = every gate of the event's venue."""
    config = await db.scalar(
        select(CheckinConfig).where(CheckinConfig.event_id == event.id).execution_options(**UNSCOPED)
    )
    gates: list[Gate] = []
    if event.venue_id is not None:
        gates = list(
            await db.scalars(
                select(Gate).where(Gate.venue_id == event.venue_id).order_by(Gate.code).execution_options(**UNSCOPED)
            )
        )
    rules = check_in_rules.make_rules(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        exit_allowed=config.exit_allowed if config else None,
        reentry_allowed=config.reentry_allowed if config else None,
        valid_from=config.valid_from if config else None,
        valid_until=config.valid_until if config else None,
        gates=config.gates if config else None,
    )
    out = []
    for g in gates:
        rule = rules.gate(g.id)
        types = sorted(rule.ticket_type_ids, key=str) if rule.ticket_type_ids is not None else None
        out.append(
            GateRuleRead(
                gate_id=g.id,
                gate_code=g.code,
                gate_name=g.name,
                entry=rule.entry,
                exit=rule.exit and rules.exit_allowed,
                ticket_type_ids=types,
                type_refs=[ticket_type_ref(t).hex() for t in types] if types is not None else None,
                sections=sorted(rule.sections) if rule.sections is not None else None,
            )
        )
    return CheckinConfigRead(
        event_id=event.id,
        exit_allowed=rules.exit_allowed,
        reentry_allowed=rules.reentry_allowed,
        valid_from=config.valid_from if config else None,
        valid_until=config.valid_until if config else None,
        effective_valid_from=rules.valid_from,
        effective_valid_until=rules.valid_until,
        default_valid_from=event.starts_at - check_in_rules.DEFAULT_OPEN_BEFORE,
        default_valid_until=event.ends_at,
        gates=out,
        updated_at=config.updated_at if config else None,
        seat_sections=[SeatSectionChoice(key=k, name=n) for k, n in await event_sections(db, event.id)],
    )


async def update_config(db: AsyncSession, event: Event, data: CheckinConfigUpdate) -> CheckinConfigRead:
    # A time without an offset is a wall-clock time in the event's zone, as for the event itself
    # (the organiser app's check-in rules screen sends what the organiser typed).
    valid_from = to_utc(data.valid_from, event.timezone, "valid_from") if data.valid_from else None
    valid_until = to_utc(data.valid_until, event.timezone, "valid_until") if data.valid_until else None
    errors = []
    if valid_from and valid_until and valid_until <= valid_from:
        errors.append(FieldError(field="valid_until", message="must be after valid_from"))
    gate_ids = {g.gate_id for g in data.gates}
    if len(gate_ids) != len(data.gates):
        errors.append(FieldError(field="gates", message="a gate is listed twice"))
    venue_gates = set(
        await db.scalars(select(Gate.id).where(Gate.venue_id == event.venue_id)) if event.venue_id else []
    )
    if gate_ids - venue_gates:
        errors.append(FieldError(field="gates", message="every gate must belong to the event's venue"))
    type_ids = {t for g in data.gates for t in (g.ticket_type_ids or [])}
    if type_ids:
        known = set(await db.scalars(select(TicketType.id).where(TicketType.event_id == event.id)))
        if type_ids - known:
            errors.append(FieldError(field="gates", message="unknown ticket type for this event"))
    section_keys = {k for g in data.gates for k in (g.sections or [])}
    if section_keys and section_keys - {k for k, _ in await event_sections(db, event.id)}:
        errors.append(FieldError(field="gates", message="unknown seat section for this event's seating plan"))
    if errors:
        raise Unprocessable("The check-in rules are not valid.", errors=errors)
    gates: list[dict[str, Any]] = [
        {
            "gate_id": str(g.gate_id),
            "entry": g.entry,
            "exit": g.exit,
            "ticket_type_ids": None if g.ticket_type_ids is None else [str(t) for t in g.ticket_type_ids],
            **({} if g.sections is None else {"sections": sorted(set(g.sections))}),
        }
        for g in data.gates
    ]
    config = await db.scalar(select(CheckinConfig).where(CheckinConfig.event_id == event.id))
    if config is None:
        config = CheckinConfig(id=uuid.uuid4(), organization_id=event.organization_id, event_id=event.id)
        db.add(config)
    config.exit_allowed = data.exit_allowed
    config.reentry_allowed = data.reentry_allowed
    config.valid_from = valid_from
    config.valid_until = valid_until
    config.gates = gates
    # Scanners learn new rules through the change feed.
    db.add(CheckinChange(organization_id=event.organization_id, event_id=event.id, kind="rules"))
    await db.flush()
    return await config_read(db, event)


def _scan(row: Any) -> ScanRead:
    return ScanRead(*row)


async def scan_feed(db: AsyncSession, event_id: uuid.UUID, after: int, limit: int) -> list[ScanRead]:
    rows = await db.execute(
        queries.SCAN_FEED,
        {"e": event_id, "after": after, "n": limit},
    )
    return [_scan(r) for r in rows]


async def offline_duplicates(db: AsyncSession, event_id: uuid.UUID) -> list[DuplicateRead]:
    rows = list(
        await db.execute(
            queries.OFFLINE_DUPLICATES,
            {"e": event_id},
        )
    )
    ticket_ids = list({r[16] for r in rows})
    if not ticket_ids:
        return []
    winners = {
        r[16]: _scan(r)
        for r in await db.execute(
            queries.DUPLICATE_WINNERS,
            {"ids": ticket_ids},
        )
    }
    return [DuplicateRead(scan=_scan(r), winner=winners.get(r[16])) for r in rows]


async def counts(db: AsyncSession, event: Event) -> CheckinCounts:
    gates = {
        g.id: g.name
        for g in (
            await db.scalars(select(Gate).where(Gate.venue_id == event.venue_id).order_by(Gate.code))
            if event.venue_id
            else []
        )
    }
    per_gate = {
        r[0]: (int(r[1]), int(r[2]))
        for r in await db.execute(
            queries.GATE_COUNTS,
            {"e": event.id},
        )
    }
    items = []
    for gate_id, name in gates.items():
        entries, exits = per_gate.get(gate_id, (0, 0))
        items.append(GateCount(gate_id=gate_id, gate_name=name, entries=entries, exits=exits, inside=entries - exits))
    totals = (
        await db.execute(
            queries.COUNT_TOTALS,
            {"e": event.id},
        )
    ).one()
    entries = sum(g.entries for g in items)
    exits = sum(g.exits for g in items)
    return CheckinCounts(
        gates=items,
        total=CountTotals(entries=entries, exits=exits, inside=int(totals[1])),
        admitted_tickets=int(totals[0]),
        offline_duplicates=int(totals[2]),
    )


async def sessions(db: AsyncSession, event: Event, limit: int = 200) -> list[SessionRead]:
    rows = await db.execute(
        queries.SESSIONS,
        {"e": event.id, "n": limit},
    )
    return [SessionRead(*r) for r in rows]
