"""Image uploads over multipart/form-data (the event image, the organisation logo): one field named
`file`. Too many bytes are refused before they are read when the client says how many
(Content-Length), and Litestar stops reading past the route's own body limit otherwise; a body that
is not multipart is a 415 naming the field. Every refusal is a problem at `file`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from voelgoed.lib.images import MAX_IMAGE_BYTES
from voelgoed.lib.problems import AppError, FieldError, Unprocessable

FIELD = "file"
# The route's body limit: the image plus the multipart envelope (boundaries, part headers).
MAX_UPLOAD_BODY_BYTES = MAX_IMAGE_BYTES + 64_000


@dataclass
class ImageUpload:
    """multipart/form-data with one part `file`: a JPEG, PNG or WebP image of at most 8 MB."""

    file: UploadFile


class PayloadTooLarge(AppError):
    status, slug, title = 413, "too-large", "Upload too large"


class UnsupportedMediaType(AppError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


def too_large() -> PayloadTooLarge:
    limit = f"{MAX_IMAGE_BYTES // 1_000_000} MB"
    message = f"This file is larger than {limit}. Choose a smaller image (a photo of 1-3 MB is plenty)."
    return PayloadTooLarge(message, errors=[FieldError(field=FIELD, message=message)])


async def check_image_upload_request(request: Request[Any, Any, Any]) -> None:
    """The upload routes' `before_request`: refuse by the headers alone, before the body is read."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        message = "Send the image as multipart/form-data with the file in the field 'file'."
        raise UnsupportedMediaType(message, errors=[FieldError(field=FIELD, message=message)])
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_UPLOAD_BODY_BYTES:
        raise too_large()


async def image_bytes(upload: ImageUpload) -> bytes:
    """The uploaded file's bytes, at most MAX_IMAGE_BYTES (413 at `file` past it)."""
    data = await upload.file.read(MAX_IMAGE_BYTES + 1)
    await upload.file.close()
    if len(data) > MAX_IMAGE_BYTES:
        raise too_large()
    if not data:
        raise Unprocessable.field(FIELD, "The file is empty. Choose an image.")
    return data


class MediaStoreUnavailable(AppError):
    status, slug, title = 503, "media-unavailable", "Image storage unavailable"


def media_unavailable() -> MediaStoreUnavailable:
    return MediaStoreUnavailable(
        "The image could not be stored right now; nothing was changed. Try again in a minute.",
        headers={"Retry-After": "30"},
    )
