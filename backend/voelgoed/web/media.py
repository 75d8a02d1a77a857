"""GET /media/{key}: the disk media store's files (lib/media_store.py), for development and one-server
installs. Keys are product-made and immutable (a new upload is a new key), so responses may be cached
for a year by browsers and CDNs. Only keys the store's rule accepts are looked up (no `..`, no
absolute paths), only the image types the pipeline writes are served, and with the S3 store
configured this route answers 404 (buyers load from MEDIA_PUBLIC_BASE_URL)."""

from __future__ import annotations

from litestar import Response, get
from litestar.exceptions import NotFoundException

from voelgoed.auth.permissions import Access, access
from voelgoed.lib.media_store import CACHE_CONTROL, BadMediaKey, DiskMediaStore, MediaStore, content_type_of


@get("/media/{key:path}", opt=access(Access.PUBLIC), include_in_schema=False)
async def media_file(key: str, media: MediaStore) -> Response[bytes]:
    key = key.lstrip("/")
    content_type = content_type_of(key)
    if not isinstance(media, DiskMediaStore) or content_type is None:
        raise NotFoundException()
    try:
        data = await media.read(key)
    except BadMediaKey:
        raise NotFoundException() from None
    if data is None:
        raise NotFoundException()
    return Response(
        data,
        media_type=content_type,
        headers={
            "Cache-Control": CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
