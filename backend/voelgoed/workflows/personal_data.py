"""What crosses every area for a personal data request: which organisations hold data for an
address, the export file, the erasure, and the retention job's removal of an event's attendee
details. Each runs every holder of workflows/personal_data_holders.py in the caller's transaction.

The export file (docs/privacy.md, "Export format"):

    {"format": "voelgoed.personal-data-export", "version": 1, "generated_at": "...",
     "request_id": "...", "subject": {"email": "..."},
     "responsible_party": {"name": "...", "contact_email": "..."},
     "sections": {"<holder key>": {"description": "...", "kept_because": null | "...", "items": [...]}}}

Amounts are whole cents; times are ISO 8601 in UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.notifications.contacts import organiser_contact
from voelgoed.workflows.personal_data_holders import HOLDERS, DataSubject, PersonalDataHolder, resolve_subject

EXPORT_FORMAT = "voelgoed.personal-data-export"
EXPORT_VERSION = 1


async def organizations_holding(
    db: AsyncSession, email: str, holders: list[PersonalDataHolder] | None = None
) -> set[uuid.UUID]:
    """Every organisation that holds something keyed by this (folded) address. Unscoped: the
    checkout site asks before anyone has chosen an organisation."""
    found: set[uuid.UUID] = set()
    for holder in holders if holders is not None else HOLDERS:
        if holder.organizations is not None:
            found |= await holder.organizations(db, email)
    return found


async def collect(db: AsyncSession, subject: DataSubject) -> dict[str, list[dict[str, Any]]]:
    """Every holder's items for the subject, by holder key."""
    return {h.key: await h.export(db, subject) for h in HOLDERS}


def counts(sections: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {key: len(items) for key, items in sections.items()}


async def export_document(
    db: AsyncSession, organization_id: uuid.UUID, email: str, *, request_id: uuid.UUID | None = None
) -> tuple[bytes, dict[str, int]]:
    """The export file (JSON bytes) and the number of items per section."""
    subject = await resolve_subject(db, organization_id, email)
    sections = await collect(db, subject)
    contact = await organiser_contact(db, organization_id)
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": datetime.now(UTC),
        "request_id": request_id,
        "subject": {"email": email},
        "responsible_party": {"name": contact.name, "contact_email": contact.reply_to},
        "sections": {
            h.key: {"description": h.description, "kept_because": h.kept_because, "items": sections[h.key]}
            for h in HOLDERS
        },
    }
    return msgspec.json.format(msgspec.json.encode(document), indent=2), counts(sections)


async def preview(db: AsyncSession, organization_id: uuid.UUID, email: str) -> dict[str, int]:
    """How many items each holder has for the address now (the organiser's request page)."""
    return counts(await collect(db, await resolve_subject(db, organization_id, email)))


async def erase(db: AsyncSession, organization_id: uuid.UUID, email: str) -> dict[str, int]:
    """Tombstone everything erasable for the address; returns rows changed per holder. Amounts,
    ledger entries, tax documents and scans are never touched (their holders keep them)."""
    subject = await resolve_subject(db, organization_id, email)
    changed: dict[str, int] = {}
    for holder in HOLDERS:
        if holder.erase is not None:
            changed[holder.key] = await holder.erase(db, subject)
    await db.flush()
    return changed


async def remove_attendee_details(db: AsyncSession, organization_id: uuid.UUID, event_id: uuid.UUID) -> dict[str, int]:
    """The retention rule for one event: every holder of attendee details removes them."""
    changed: dict[str, int] = {}
    for holder in HOLDERS:
        if holder.remove_attendee_details is not None:
            changed[holder.key] = await holder.remove_attendee_details(db, organization_id, event_id)
    await db.flush()
    return changed
