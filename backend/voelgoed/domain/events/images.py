"""An event's image: uploaded once, stored as a few WebP widths (lib/images.py) in the media store
(lib/media_store.py), shown on the checkout site's event page and the organiser's public page.

Nothing is stored half: the files are written first under a new key, then the row points at them
in a transaction the caller commits; when the commit fails the caller removes the new files
(`replace_event_image` returns them), and only after it succeeded are the old files removed. A
copied event may share its original's files (the key is a plain column), so old files go only
when no event points at them any more.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events.models import Event
from voelgoed.lib.images import event_image_renditions, event_image_widths
from voelgoed.lib.media_store import MediaStore, delete_quietly, new_key, put_all


def image_file_key(image_key: str, width: int) -> str:
    return f"{image_key}/{width}.webp"


def image_files(image_key: str, largest_width: int) -> list[str]:
    return [image_file_key(image_key, w) for w in event_image_widths(largest_width)]


async def store_event_image(store: MediaStore, event_id: uuid.UUID, data: bytes) -> tuple[str, int, int, list[str]]:
    """Decode, check and resize (ImageRejected for a bad upload), write the files under a new key.
    Returns (key, largest width, its height, the file keys written)."""
    renditions = await asyncio.to_thread(event_image_renditions, data)
    key = new_key("events", event_id.hex)
    written = await put_all(store, [(image_file_key(key, r.width), r.data, r.content_type) for r in renditions])
    largest = renditions[-1]
    return key, largest.width, largest.height, written


def set_event_image(
    event: Event, audit: AuditService, key: str | None, width: int | None, height: int | None
) -> tuple[str | None, int | None]:
    """Point the event at new files (or none); returns the old (key, width) for unused_files."""
    old = (event.image_key, event.image_width)
    audit.record(
        action="event.image_changed" if key else "event.image_removed",
        entity_type="event",
        entity_id=event.id,
        changes={"image_key": [event.image_key, key]},
    )
    event.image_key, event.image_width, event.image_height = key, width, height
    return old


async def unused_files(db: AsyncSession, key: str | None, width: int | None) -> list[str]:
    """The files of an old image that no event (of any organisation: copies) points at any more."""
    if key is None or width is None:
        return []
    users = await db.scalar(
        select(func.count()).select_from(Event).where(Event.image_key == key).execution_options(**UNSCOPED)
    )
    return [] if users else image_files(key, width)


async def remove_files(store: MediaStore, keys: list[str]) -> None:
    await delete_quietly(store, keys)
