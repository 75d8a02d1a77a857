"""Where uploaded images live (MEDIA_DIR / MEDIA_S3_BUCKET, docs/branding.md).

Production must not keep them in the data folder: in the shipped image, compose file and chart
that is a container's /tmp, so an image would vanish on restart and be missing on the other API
replicas and on the worker that draws the organiser's logo on ticket PDFs. So production refuses
to start without a bucket or an explicit folder, and the disk store writes exactly where MEDIA_DIR
says.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from voelgoed.lib.media_store import DiskMediaStore, S3MediaStore, make_media_store
from voelgoed.settings import SettingsError, load_settings

PRODUCTION = {
    "VOELGOED_ENV": "production",
    "SECRET_KEY": "a-production-secret-of-forty-characters!",
    "DATABASE_URL": "postgresql://u:p@db/voelgoed",
    "REDIS_URL": "redis://redis:6379/0",
    "PUBLIC_URL": "https://tickets.example.org",
    "SMTP_HOST": "smtp.example.org",
    "MAIL_FROM": "Tickets <tickets@example.org>",
}


def test_production_refuses_to_keep_media_in_the_data_folder(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**PRODUCTION, "VOELGOED_DATA_DIR": str(tmp_path)})
    assert len(caught.value.problems) == 1  # everything else of production is given
    problem = caught.value.problems[0]
    assert problem.startswith("MEDIA_S3_BUCKET or MEDIA_DIR is required in production")
    assert "bucket" in problem and "persistent volume" in problem  # how to choose
    assert "MEDIA_S3_BUCKET" in str(caught.value) and "MEDIA_DIR" in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # refused before anything is written


def test_production_accepts_a_bucket_or_a_folder(tmp_path: Path) -> None:
    bucket = load_settings({**PRODUCTION, "MEDIA_S3_BUCKET": "voelgoed-media"})
    assert bucket.media.s3_bucket == "voelgoed-media" and bucket.media.disk_dir is None
    folder = load_settings({**PRODUCTION, "MEDIA_DIR": str(tmp_path / "media")})
    assert folder.media.disk_dir == (tmp_path / "media").resolve() and folder.media.s3_bucket is None
    both = load_settings({**PRODUCTION, "MEDIA_DIR": str(tmp_path), "MEDIA_S3_BUCKET": "voelgoed-media"})
    assert both.media.s3_bucket == "voelgoed-media"  # the bucket wins (compose sets MEDIA_DIR always)


def test_development_keeps_media_in_the_data_folder_without_asking(tmp_path: Path) -> None:
    s = load_settings({"SECRET_KEY": "unit-test-secret", "VOELGOED_DATA_DIR": str(tmp_path)})
    assert s.media.disk_dir is None and s.media.s3_bucket is None
    store = make_media_store(s.media, s.server.data_dir)
    assert isinstance(store, DiskMediaStore) and store.root == tmp_path.resolve() / "media"


def test_the_disk_store_writes_into_media_dir(tmp_path: Path) -> None:
    data_dir, media_dir = tmp_path / "data", tmp_path / "volume"
    s = load_settings({**PRODUCTION, "VOELGOED_DATA_DIR": str(data_dir), "MEDIA_DIR": str(media_dir)})
    store = make_media_store(s.media, s.server.data_dir)
    assert isinstance(store, DiskMediaStore)
    asyncio.run(store.put("events/abc123/cover.webp", b"RIFF-image", "image/webp"))
    assert (media_dir / "events" / "abc123" / "cover.webp").read_bytes() == b"RIFF-image"
    assert not data_dir.exists()  # nothing in the data folder
    # A store made afresh from the same setting (as the worker does for a PDF's logo) reads it back.
    other = DiskMediaStore(media_dir)
    assert asyncio.run(other.read("events/abc123/cover.webp")) == b"RIFF-image"


def test_a_bucket_overrides_media_dir(tmp_path: Path) -> None:
    s = load_settings(
        {**PRODUCTION, "MEDIA_DIR": str(tmp_path), "MEDIA_S3_BUCKET": "voelgoed-media", "MEDIA_S3_REGION": "af-south-1"}
    )
    store = make_media_store(s.media, s.server.data_dir)
    assert isinstance(store, S3MediaStore) and store.bucket == "voelgoed-media"
