"""The shapes every personal data holder shares (workflows/personal_data_holders.py explains the
registry): the resolved `DataSubject`, a `PersonalDataHolder` entry, the tombstone and the scrubber
of free-form records. A module of its own so that holders of every area (personal_data_holders.py,
personal_data_attendee_holders.py, personal_data_waiting_list_holder.py) import it, and the
registry imports them, without a cycle."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

ERASED = "Erased"  # the tombstone of a name or a free-text field


@dataclass(frozen=True)
class DataSubject:
    organization_id: uuid.UUID
    email: str  # folded (lib/contact.fold_email)
    order_ids: tuple[uuid.UUID, ...] = ()
    ticket_ids: tuple[uuid.UUID, ...] = ()
    # Names and phone numbers found on the orders and tickets, and the e-mail: what a free-form
    # record (an audit entry's changes, a provider's notification) is scrubbed of.
    personal_values: frozenset[str] = field(default_factory=frozenset)


Rows = list[dict[str, Any]]
Exporter = Callable[[AsyncSession, DataSubject], Awaitable[Rows]]
Eraser = Callable[[AsyncSession, DataSubject], Awaitable[int]]
AttendeeDetailsRemover = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[int]]  # (db, org, event)
OrganizationFinder = Callable[[AsyncSession, str], Awaitable[set[uuid.UUID]]]  # (db, folded e-mail)


@dataclass(frozen=True)
class PersonalDataHolder:
    key: str  # the section of the export file, e.g. "orders"
    description: str  # what it holds, for people (docs and the export file's legend)
    export: Exporter
    erase: Eraser | None = None  # None: kept as is, for the reason in `kept_because`
    kept_because: str | None = None
    remove_attendee_details: AttendeeDetailsRemover | None = None
    organizations: OrganizationFinder | None = None


def scrub(value: Any, personal: frozenset[str]) -> Any:
    """`value` (JSON) with every string that contains one of the personal values replaced by the
    tombstone, at any depth."""
    lowered = [p.lower() for p in personal if p and len(p) >= 3]
    if isinstance(value, dict):
        return {k: scrub(v, personal) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, personal) for v in value]
    if isinstance(value, str) and any(p in value.lower() for p in lowered):
        return ERASED
    return value


async def rows_changed(db: AsyncSession, statement: Any) -> int:
    """Runs a bulk UPDATE or DELETE (the ORM's session is not synchronised: holders work on rows
    they do not load) and returns how many rows it changed."""
    result = await db.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
