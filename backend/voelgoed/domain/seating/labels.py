"""A sold seat as people read it: section, row, seat (tickets, scans, exports, e-mails).

One statement per batch of seats, only for tickets that have a seat (`ticket.event_seat_id`): a
general-admission order or scan never runs it. The plan version an event sells is never changed
(docs/seating.md, "Versions"), so a seat's labels are as fixed as the ticket.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.seating.labels_sql import EVENT_SECTIONS, SEAT_LABELS


@dataclass(frozen=True)
class SeatLabel:
    """`section_key` is the plan's stable short name (gate rules use it); `section` its display name."""

    section_key: str
    section: str
    row: str
    seat: str

    def line(self, row_word: str = "Row", seat_word: str = "Seat") -> str:
        """ "Stalls · Row A · Seat 12": the one-line form for lists and e-mails."""
        return f"{self.section} · {row_word} {self.row} · {seat_word} {self.seat}"


async def seat_labels(db: AsyncSession, event_seat_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, SeatLabel]:
    """The labels of these event seats (None entries, GA tickets, are skipped: no query at all
    when every ticket is general admission)."""
    ids = sorted({i for i in event_seat_ids if i is not None})
    if not ids:
        return {}
    rows = (await db.execute(SEAT_LABELS, {"ids": ids})).all()
    return {row[0]: SeatLabel(section_key=row[1], section=row[2], row=row[3], seat=row[4]) for row in rows}


async def event_sections(db: AsyncSession, event_id: uuid.UUID) -> list[tuple[str, str]]:
    """(key, name) of the seated sections of the plan the event sells; empty without seating."""
    return [(row[0], row[1]) for row in (await db.execute(EVENT_SECTIONS, {"event_id": event_id})).all()]
