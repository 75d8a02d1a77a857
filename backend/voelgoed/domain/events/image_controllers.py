"""The event image: upload (multipart, one field `file`) and remove. Thin: the checks are
lib/uploads.py and lib/images.py, the storing and the row domain/events/images.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.context import AuthContext
from voelgoed.auth.permissions import Permission, access
from voelgoed.domain.audit.services import AuditService
from voelgoed.domain.events import images
from voelgoed.domain.events.schemas import EventRead, event_read
from voelgoed.domain.events.services import EventService
from voelgoed.lib.images import ImageRejected
from voelgoed.lib.media_store import MediaStore, MediaUnavailable
from voelgoed.lib.problems import Unprocessable
from voelgoed.lib.uploads import (
    FIELD,
    MAX_UPLOAD_BODY_BYTES,
    ImageUpload,
    check_image_upload_request,
    image_bytes,
    media_unavailable,
)


class EventImageController(Controller):
    path = "/api/organizations/{organization_id:uuid}/events/{event_id:uuid}/image"
    tags = ["events"]

    @post(
        "",
        operation_id="uploadEventImage",
        opt=access(Permission.EVENTS_WRITE),
        status_code=200,
        request_max_body_size=MAX_UPLOAD_BODY_BYTES,
        before_request=check_image_upload_request,
    )
    async def upload(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        data: Annotated[ImageUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        auth: AuthContext,
        db_session: AsyncSession,
        media: MediaStore,
    ) -> EventRead:
        """Upload the event's image

        Set or replace the event's image: a JPEG, PNG or WebP of at most 8 MB and 50 megapixels,
        in the multipart field `file`. The type is read from the content; the image is turned upright,
        stripped of its metadata (EXIF, GPS) and stored as WebP at 400, 800 and 1600 pixels wide
        (never enlarged). A bad file is a problem at `file` and changes nothing."""
        event = await EventService(db_session, AuditService(db_session, auth)).get(event_id)
        content = await image_bytes(data)
        try:
            key, width, height, written = await images.store_event_image(media, event.id, content)
        except ImageRejected as exc:
            raise Unprocessable.field(FIELD, str(exc)) from None
        except MediaUnavailable:
            raise media_unavailable() from None
        try:
            old = images.set_event_image(event, AuditService(db_session, auth), key, width, height)
            await db_session.commit()
        except BaseException:
            await images.remove_files(media, written)  # the row never pointed at them
            raise
        await images.remove_files(media, await images.unused_files(db_session, *old))
        await db_session.refresh(event)
        return event_read(event)

    @delete("", operation_id="deleteEventImage", opt=access(Permission.EVENTS_WRITE), status_code=200)
    async def remove(
        self,
        organization_id: uuid.UUID,
        event_id: uuid.UUID,
        auth: AuthContext,
        db_session: AsyncSession,
        media: MediaStore,
    ) -> EventRead:
        """Remove the event's image

        Remove the event's image (its pages show none). Idempotent: an event without one is unchanged."""
        event = await EventService(db_session, AuditService(db_session, auth)).get(event_id)
        if event.image_key is not None:
            old = images.set_event_image(event, AuditService(db_session, auth), None, None, None)
            await db_session.commit()
            await images.remove_files(media, await images.unused_files(db_session, *old))
            await db_session.refresh(event)
        return event_read(event)
