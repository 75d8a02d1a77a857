"""The one statement of numbering: the next document number of an organisation, gap-free."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.invoices.models import TaxDocumentCounter as Counter


async def next_number(db: AsyncSession, organization_id: uuid.UUID, kind: str) -> int:
    """1 for the first document of this kind, then 2, 3 ... in the caller's transaction.

    An upsert that increments the counter row: INSERT ... ON CONFLICT DO UPDATE takes the row's
    lock (as SELECT ... FOR UPDATE would) and keeps it until the caller commits, so concurrent
    issuers of one organisation queue here and each sees the number the previous one committed.
    A transaction that rolls back takes its increment with it: no number is ever skipped (a
    PostgreSQL sequence would skip it). One round trip instead of lock-read-update's three."""
    now = datetime.now(UTC)
    stmt = (
        insert(Counter)
        .values(
            id=uuid.uuid4(),
            organization_id=organization_id,
            kind=kind,
            last_number=1,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=[Counter.organization_id, Counter.kind],
            set_={"last_number": Counter.last_number + 1, "updated_at": now},
        )
        .returning(Counter.last_number)
    )
    number = (await db.execute(stmt)).scalar_one()
    return int(number)
