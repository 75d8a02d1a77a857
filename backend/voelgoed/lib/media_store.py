"""Uploaded media (event images, organisation logos) behind one interface: put, read, delete and the
public URL of a key. Two stores:

- `DiskMediaStore`: files under `MEDIA_DIR` (in development `<data dir>/media/`), served by the app
  itself at `/media/<key>` (web/media.py). The development default, and fine for one server with a
  persistent volume mounted at MEDIA_DIR in every API and worker container.
- `S3MediaStore`: any S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, ...) through boto3, run
  in a worker thread so the event loop never blocks on the network. Buyers load the images from
  `MEDIA_PUBLIC_BASE_URL` (the bucket's public address or a CDN in front of it).

Keys are made by the product, never by a visitor (`new_key`): lower-case letters, digits, `-`, `_`,
`.` and `/`, no `..`, no leading `/`. Every key is new per upload (a random part), so a file never
changes once written: it is served with a year-long immutable cache lifetime, and a replaced image
is a new URL.

The mappers that build API bodies and `organizations/branding.py` have no settings at hand (their
callers are everywhere), so the public address of a key is one process-wide value set once at
start-up by the app and the worker (`configure_media_urls`), the way lib/crypto.py reads its one
secret; the store objects themselves are made from the settings and passed down.
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from voelgoed.settings import MediaSettings

# Types a stored file may have, by its name's ending (the pipeline writes only these).
CONTENT_TYPES = {".webp": "image/webp", ".png": "image/png", ".jpg": "image/jpeg"}
CACHE_CONTROL = "public, max-age=31536000, immutable"

_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*")


class BadMediaKey(ValueError):
    pass


def check_key(key: str) -> str:
    """A key the stores accept: see the module's rule. Raises BadMediaKey otherwise."""
    if len(key) > 300 or not _KEY.fullmatch(key) or ".." in key:
        raise BadMediaKey(f"not a media key: {key[:80]!r}")
    return key


def new_key(*parts: str) -> str:
    """A fresh key prefix under `parts` (e.g. ("events", "<uuid>")) with a random final part."""
    return check_key("/".join([*(p.lower() for p in parts), secrets.token_hex(8)]))


def content_type_of(key: str) -> str | None:
    return CONTENT_TYPES.get(Path(key).suffix.lower())


@runtime_checkable
class MediaStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def read(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...


class DiskMediaStore:
    """Files under `root`; a key is a relative path below it (checked, so never outside)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):  # belt and braces: check_key already refuses ".."
            raise BadMediaKey(f"outside the media folder: {key[:80]!r}")
        return path

    def _put(self, key: str, data: bytes) -> None:
        path = self.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)  # readers never see half a file

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def read(self, key: str) -> bytes | None:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            return None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, True)


class S3MediaStore:
    """An S3-compatible bucket through boto3 (one client, thread-safe, used from worker threads)."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
    ) -> None:
        import boto3  # only when S3 is configured
        from botocore.config import Config

        self.bucket = bucket
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=20),
        )

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
        )

    def _read(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return bytes(response["Body"].read())

    async def read(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._read, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=check_key(key))


async def delete_quietly(store: MediaStore, keys: list[str]) -> None:
    """Remove files whose row was never written or no longer points at them. A file left behind
    costs only space, so a failure here never fails the request."""
    for key in keys:
        try:
            await store.delete(key)
        except Exception:  # noqa: S112 (clean-up after the fact; the request's answer stands)
            continue


# --- public addresses -------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaUrls:
    """`base`: absolute address under which keys are public (no trailing slash). `same_site`: the
    app serves them itself at /media/ (disk store), so pages can use the short relative path."""

    base: str = "/media"
    same_site: bool = True

    def url(self, key: str, *, absolute: bool = True) -> str:
        if self.same_site and not absolute:
            return f"/media/{key}"
        return f"{self.base}/{key}"

    @property
    def origin(self) -> str | None:
        """The other origin pages load media from (for their Content-Security-Policy), or None."""
        if self.same_site:
            return None
        scheme, _, rest = self.base.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"


_urls = MediaUrls()


def configure_media_urls(urls: MediaUrls) -> None:
    global _urls
    _urls = urls


def media_urls() -> MediaUrls:
    return _urls


def media_url(key: str, *, absolute: bool = True) -> str:
    return _urls.url(key, absolute=absolute)


@functools.lru_cache(maxsize=4)
def make_media_store(media: MediaSettings, data_dir: Path) -> MediaStore:
    """The S3 store when MEDIA_S3_BUCKET is set, else files under MEDIA_DIR (unset: `<data dir>/media`).
    One per configuration and process (jobs ask for it on every run; a boto3 client is worth keeping)."""
    if media.s3_bucket:
        return S3MediaStore(
            bucket=media.s3_bucket,
            endpoint_url=media.s3_endpoint_url,
            region=media.s3_region,
            access_key_id=media.s3_access_key_id,
            secret_access_key=media.s3_secret_access_key,
        )
    return DiskMediaStore(media.disk_dir or data_dir / "media")


def urls_for(media: MediaSettings, public_url: str) -> MediaUrls:
    if media.s3_bucket:
        if media.public_base_url:
            base = media.public_base_url
        elif media.s3_endpoint_url:  # path-style address of the bucket at its own server
            base = f"{media.s3_endpoint_url.rstrip('/')}/{media.s3_bucket}"
        else:
            base = f"https://{media.s3_bucket}.s3.{media.s3_region or 'us-east-1'}.amazonaws.com"
        return MediaUrls(base=base, same_site=False)
    if media.public_base_url:  # disk store behind a CDN that fetches /media/ from the app
        return MediaUrls(base=media.public_base_url, same_site=False)
    return MediaUrls(base=f"{public_url}/media", same_site=True)


class MediaUnavailable(Exception):
    """The media store refused or could not be reached; nothing of the upload was kept."""


async def put_all(store: MediaStore, files: list[tuple[str, bytes, str]]) -> list[str]:
    """Write (key, data, content type) files; on any failure remove those already written and raise
    MediaUnavailable. Returns the keys written."""
    written: list[str] = []
    try:
        for key, data, content_type in files:
            await store.put(key, data, content_type)
            written.append(key)
    except Exception as exc:
        await delete_quietly(store, written)
        raise MediaUnavailable(str(exc)[:200]) from exc
    return written
