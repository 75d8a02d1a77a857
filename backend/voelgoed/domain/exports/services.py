"""CSV exports of an event's orders, attendees and scans (personal data: POPIA).

Rows are read through a server-side cursor in chunks (`AsyncConnection.stream` + `partitions`),
so neither the streamed response nor the export job ever holds more than one chunk in memory.
Cells that a spreadsheet would run as a formula get a leading apostrophe (CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from voelgoed.domain.exports import queries
from voelgoed.domain.tickets.payload import ticket_code
from voelgoed.lib.closed_sets import closed_set
from voelgoed.lib.money import format_rand

KINDS = ("orders", "attendees", "scans")
if TYPE_CHECKING:
    ExportKind = str
else:
    ExportKind = closed_set("ExportKind", KINDS, "What an export lists (domain/exports/services.py).")
CHUNK_ROWS = 2000

_COLUMNS: dict[str, list[str]] = {
    "orders": [
        "reference",
        "status",
        "buyer_name",
        "buyer_email",
        "buyer_phone",
        "tickets",
        "subtotal_zar",
        "discount_zar",
        "total_zar",
        "vat_zar",
        "fees_zar",
        "created_at",
        "paid_at",
    ],
    "attendees": [
        "ticket_code",
        "holder_name",
        "ticket_type",
        "ticket_status",
        "order_reference",
        "order_status",
        "buyer_email",
        "checked_in",
        "inside",
        "first_admitted_at",
    ],
    "scans": [
        "seq",
        "server_time",
        "effective_time",
        "gate",
        "device",
        "direction",
        "result",
        "reason",
        "offline",
        "offline_duplicate",
        "code_typed_in",
        "ticket_code",
        "holder_name",
    ],
}
# The kinds that list tickets: after their own columns, the reserved seat's section, row and seat
# (selected always, written only for an event with seating, so a GA export is as it was).
SEAT_COLUMNS = ["section", "row", "seat"]
_WITH_SEATS = {"attendees", "scans"}
_MONEY_COLUMNS = {"subtotal_zar", "discount_zar", "total_zar", "vat_zar", "fees_zar"}


# Kinds whose rows end with the answers to the event's questions, {question id: value}.
_WITH_ANSWERS = {"orders": ("order",), "attendees": ("order", "ticket")}


@dataclass(frozen=True)
class QuestionColumn:
    question_id: str
    label: str
    scope: str


async def question_columns(conn: AsyncConnection | Any, kind: str, event_id: uuid.UUID) -> list[QuestionColumn]:
    """One column per question of the event that this kind lists answers of (none for scans)."""
    scopes = _WITH_ANSWERS.get(kind)
    if not scopes:
        return []
    rows = (await conn.execute(queries.QUESTIONS, {"e": event_id})).all()
    return [QuestionColumn(str(qid), str(label), str(scope)) for qid, label, scope in rows if scope in scopes]


async def is_seated(conn: AsyncConnection | Any, kind: str, event_id: uuid.UUID) -> bool:
    if kind not in _WITH_SEATS:
        return False
    return bool((await conn.execute(queries.IS_SEATED, {"e": event_id})).scalar())


def header(kind: str, questions: Sequence[QuestionColumn] = (), *, seated: bool = False) -> list[str]:
    """The columns; a question's column is headed by its label (numbered when two read alike)."""
    names = list(_COLUMNS[kind]) + (SEAT_COLUMNS if seated and kind in _WITH_SEATS else [])
    for q in questions:
        name, n = q.label, 1
        while name in names:
            n += 1
            name = f"{q.label} ({n})"
        names.append(name)
    return names


def _answer_cells(raw: Any, questions: Sequence[QuestionColumn]) -> list[Any]:
    answers = json.loads(raw) if isinstance(raw, str | bytes) else (raw or {})
    return [answers.get(q.question_id) for q in questions]


def filename(kind: str, event_name: str, when: datetime) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in event_name.lower()).strip("-")[:40] or "event"
    return f"{slug}-{kind}-{when.strftime('%Y%m%d-%H%M')}.csv"


def _cell(column: str, value: Any, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if column in _MONEY_COLUMNS:
        return format_rand(int(value))  # plain decimals: a spreadsheet sums them
    if column == "ticket_code":  # grouped as printed under the QR, so a door list matches the ticket
        return ticket_code(str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="seconds")
    text_value = str(value)
    if text_value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text_value  # a spreadsheet must not run it as a formula
    return text_value


def encode_rows(
    kind: str,
    rows: Sequence[Sequence[Any]],
    tz: ZoneInfo,
    *,
    with_header: bool = False,
    questions: Sequence[QuestionColumn] = (),
    seated: bool = False,
) -> bytes:
    columns = header(kind, seated=seated)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if with_header:
        writer.writerow(header(kind, questions, seated=seated))
    answers = kind in _WITH_ANSWERS
    for row in rows:
        fixed = row[:-1] if answers else row
        if kind in _WITH_SEATS and not seated:  # the seat columns the query always selects
            fixed = fixed[: -len(SEAT_COLUMNS)]
        cells = [_cell(c, v, tz) for c, v in zip(columns, fixed, strict=True)]
        if answers:
            cells += [_cell("answer", v, tz) for v in _answer_cells(row[-1], questions)]
        writer.writerow(cells)
    return buf.getvalue().encode()


async def count_rows(conn: AsyncConnection | Any, kind: str, event_id: uuid.UUID) -> int:
    return int((await conn.execute(queries.COUNT_ROWS[kind], {"e": event_id})).scalar() or 0)


async def stream_chunks(
    conn: AsyncConnection, kind: str, event_id: uuid.UUID, tz: ZoneInfo, chunk_rows: int = CHUNK_ROWS
) -> AsyncIterator[tuple[bytes, int]]:
    """(CSV bytes, rows in them) per chunk, the header first; one consistent snapshot (the caller's
    transaction), fetched by a server-side cursor."""
    questions = await question_columns(conn, kind, event_id)
    seated = await is_seated(conn, kind, event_id)
    yield encode_rows(kind, [], tz, with_header=True, questions=questions, seated=seated), 0
    result = await conn.stream(queries.ROWS[kind], {"e": event_id})
    async for rows in result.partitions(chunk_rows):
        yield encode_rows(kind, rows, tz, questions=questions, seated=seated), len(rows)


async def stream_csv(engine: AsyncEngine, kind: str, event_id: uuid.UUID, tz: ZoneInfo) -> AsyncIterator[bytes]:
    """For the streamed download: a connection of its own (the request's session has ended)."""
    async with engine.connect() as conn:
        await conn.execute(queries.READ_ONLY_SNAPSHOT)
        async for data, _ in stream_chunks(conn, kind, event_id, tz):
            yield data


async def stream_file(engine: AsyncEngine, export_id: uuid.UUID) -> AsyncIterator[bytes]:
    """A finished export's stored chunks, in order, one at a time."""
    async with engine.connect() as conn:
        result = await conn.stream(queries.STORED_CHUNKS, {"x": export_id})
        async for rows in result.partitions(1):
            for row in rows:
                yield bytes(row[0])
