"""The event image over HTTP: upload, the sizes produced and served, every kind of bad file refused
at the field with nothing stored, another organisation's event, removal; and the S3 store against a
local S3-compatible server (moto's, real protocol on loopback)."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.helpers import assert_problem, make_event
from tests.conftest import Api, Stack, sign_up


def photo(width: int = 2400, height: int = 1600, *, orientation: int | None = None, fmt: str = "JPEG") -> bytes:
    """A striped photo-like image; with an EXIF orientation (and a camera name to be stripped)."""
    image = Image.new("RGB", (width, height), (30, 90, 160))
    for x in range(0, width, 40):
        image.paste((200, (x // 4) % 255, 60), (x, 0, x + 20, height))
    out = io.BytesIO()
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        exif[0x010F] = "SecretCam"
        image.save(out, fmt, exif=exif.tobytes(), quality=85)
    else:
        image.save(out, fmt)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` x `height` (a decompression bomb in 100 bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


def upload(api: Api, path: str, data: bytes, name: str = "poster.jpg", ctype: str = "image/jpeg") -> Any:
    return api.post(path, files={"file": (name, data, ctype)})


def media_files(stack: Stack, event_id: str) -> list[Path]:
    """The files the disk store holds for one event (the media folder outlives each test's rows)."""
    root = stack.data_dir / "media" / "events" / event_id.replace("-", "")
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def event_row(engine: AsyncEngine, event_id: str) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT image_key, image_width, image_height FROM event WHERE id = :id"), {"id": event_id}
            )
        ).one()


async def test_upload_stores_upright_stripped_webp_sizes_and_serves_them(
    client: Api, stack: Stack, engine: AsyncEngine
) -> None:
    await sign_up(client)
    event = await make_event(client)
    before = set(media_files(stack, event["id"]))
    # 2400 x 1600 landscape with "rotate 90" in EXIF: the stored image is 1600 wide, portrait.
    r = await upload(client, client.org(f"/events/{event['id']}/image"), photo(orientation=6))
    assert r.status_code == 200, r.text
    image = r.json()["image"]
    assert [s["width"] for s in image["sizes"]] == [400, 800, 1600]
    assert (image["width"], image["height"]) == (1600, 2400)
    assert [s["height"] for s in image["sizes"]] == [600, 1200, 2400]
    assert len(set(media_files(stack, event["id"])) - before) == 3
    async with httpx.AsyncClient(base_url=stack.base_url) as anon:
        for size in image["sizes"]:
            served = await anon.get(httpx.URL(size["url"]).path)
            assert served.status_code == 200
            assert served.headers["content-type"] == "image/webp"
            assert "immutable" in served.headers["cache-control"]
            stored = Image.open(io.BytesIO(served.content))
            assert stored.format == "WEBP"
            assert stored.size == (size["width"], size["height"])
            assert not stored.getexif(), "EXIF must be stripped"
            assert b"SecretCam" not in served.content
    # The event's read shows the same image.
    again = (await client.get(client.org(f"/events/{event['id']}"))).json()
    assert again["image"] == image


async def test_a_small_image_is_never_enlarged(client: Api) -> None:
    await sign_up(client)
    event = await make_event(client)
    r = await upload(
        client, client.org(f"/events/{event['id']}/image"), photo(600, 300, fmt="PNG"), "a.png", "image/png"
    )
    assert r.status_code == 200, r.text
    assert [(s["width"], s["height"]) for s in r.json()["image"]["sizes"]] == [(400, 200), (600, 300)]


async def test_replacing_and_removing_delete_the_old_files(client: Api, stack: Stack, engine: AsyncEngine) -> None:
    await sign_up(client)
    event = await make_event(client)
    path = client.org(f"/events/{event['id']}/image")
    first = (await upload(client, path, photo(1000, 500))).json()["image"]
    first_files = set(media_files(stack, event["id"]))
    second = (await upload(client, path, photo(900, 600))).json()["image"]
    assert second["sizes"][0]["url"] != first["sizes"][0]["url"]  # a new upload is a new URL (caches)
    assert not first_files & set(media_files(stack, event["id"])), "the replaced image's files are gone"
    removed = await client.delete(path)
    assert removed.status_code == 200, removed.text
    assert removed.json()["image"] is None
    assert media_files(stack, event["id"]) == []
    assert tuple(await event_row(engine, event["id"])) == (None, None, None)
    assert (await client.delete(path)).status_code == 200  # idempotent


async def test_deleting_a_draft_deletes_its_image_files(client: Api, stack: Stack) -> None:
    await sign_up(client)
    event = await make_event(client)
    await upload(client, client.org(f"/events/{event['id']}/image"), photo(900, 600))
    assert len(media_files(stack, event["id"])) == 3  # 400, 800 and its own 900
    assert (await client.delete(client.org(f"/events/{event['id']}"))).status_code == 204
    assert media_files(stack, event["id"]) == []


BAD_FILES = [
    pytest.param(b"%PDF-1.7 not an image at all", "doc.jpg", "image/jpeg", 422, id="not-an-image-named-jpg"),
    pytest.param(b"GIF89a" + b"\0" * 200, "anim.gif", "image/gif", 422, id="gif-is-not-taken"),
    pytest.param(photo(1200, 800)[:5000], "cut.jpg", "image/jpeg", 422, id="truncated-jpeg"),
    pytest.param(png_declaring(30000, 30000), "bomb.png", "image/png", 422, id="30000x30000-png-of-100-bytes"),
    pytest.param(png_declaring(8000, 7000), "big.png", "image/png", 422, id="56-megapixels"),
    pytest.param(b"", "empty.jpg", "image/jpeg", 422, id="empty"),
]


@pytest.mark.parametrize(("data", "name", "ctype", "status"), BAD_FILES)
async def test_bad_files_are_refused_at_the_field_and_store_nothing(
    client: Api, stack: Stack, engine: AsyncEngine, data: bytes, name: str, ctype: str, status: int
) -> None:
    await sign_up(client)
    event = await make_event(client)
    r = await upload(client, client.org(f"/events/{event['id']}/image"), data, name, ctype)
    body = assert_problem(r, status, "file")
    assert body["detail"]
    assert media_files(stack, event["id"]) == []
    assert tuple(await event_row(engine, event["id"])) == (None, None, None)


async def test_too_many_bytes_is_413_at_the_field_before_decoding(client: Api, stack: Stack) -> None:
    await sign_up(client)
    event = await make_event(client)
    big = b"\xff\xd8\xff" + b"\0" * 8_100_000
    r = await upload(client, client.org(f"/events/{event['id']}/image"), big)
    body = assert_problem(r, 413, "file")
    assert "8 MB" in body["detail"]
    assert media_files(stack, event["id"]) == []


async def test_wrong_content_type_is_415_at_the_field(client: Api) -> None:
    await sign_up(client)
    event = await make_event(client)
    path = client.org(f"/events/{event['id']}/image")
    assert_problem(await client.post(path, json={"file": "aGVsbG8="}), 415, "file")
    assert_problem(
        await client.post(path, content=photo(100, 100), headers={"content-type": "image/jpeg"}), 415, "file"
    )
    # multipart without the `file` field
    assert_problem(await client.post(path, files={"picture": ("a.jpg", photo(100, 100), "image/jpeg")}), 400, "file")


async def test_another_organisations_event_is_404_and_untouched(client: Api, new_client: Any, stack: Stack) -> None:
    await sign_up(client)
    event = await make_event(client)
    other = new_client()
    await sign_up(other, organization="Other Org")
    for path in (f"/api/organizations/{other.org_id}/events/{event['id']}/image",):
        assert_problem(await upload(other, path, photo(500, 500)), 404)
        assert_problem(await other.delete(path), 404)
    # and org B cannot address A's organisation at all
    path = client.org(f"/events/{event['id']}/image")
    assert (await upload(other, path, photo(500, 500))).status_code == 404
    assert media_files(stack, event["id"]) == []


async def test_viewer_may_not_upload(client: Api, new_client: Any, stack: Stack) -> None:
    from tests.api.helpers import add_member

    await sign_up(client)
    event = await make_event(client)
    viewer = await add_member(client, new_client, stack, "viewer")
    r = await upload(viewer, client.org(f"/events/{event['id']}/image"), photo(500, 500))
    assert_problem(r, 403)
    staff = await add_member(client, new_client, stack, "staff")
    assert (await upload(staff, client.org(f"/events/{event['id']}/image"), photo(500, 500))).status_code == 200


async def test_media_route_refuses_traversal_and_unknown_types(client: Api, stack: Stack) -> None:
    (stack.data_dir / "outside_probe.webp").write_bytes(b"PROBE-CONTENT")
    async with httpx.AsyncClient(base_url=stack.base_url) as anon:
        for path in (
            "/media/../outside_probe.webp",
            "/media/%2e%2e/outside_probe.webp",
            "/media/..%2foutside_probe.webp",
            "/media/events/x/../../../outside_probe.webp",
            "/media/secret_key",
            "/media/nothing/here.webp",
        ):
            r = await anon.get(path)
            assert r.status_code == 404, (path, r.status_code)
            assert b"PROBE-CONTENT" not in r.content


async def test_s3_store_against_a_local_s3_server() -> None:
    """The S3 store speaks the real protocol to moto's S3 server on loopback: put with the type and
    cache headers, read back, public URL, delete, and a key that is not ours refused before any request."""
    import boto3
    from moto.server import ThreadedMotoServer

    from voelgoed.lib.images import event_image_renditions
    from voelgoed.lib.media_store import BadMediaKey, S3MediaStore, urls_for
    from voelgoed.settings import MediaSettings

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        admin = boto3.client("s3", endpoint_url=endpoint, region_name="af-south-1", **keys)
        admin.create_bucket(Bucket="vg-media", CreateBucketConfiguration={"LocationConstraint": "af-south-1"})
        # What an operator sets up (docs/branding.md): anyone may read objects, only we write.
        public_read = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::vg-media/*",
                }
            ],
        }
        admin.put_bucket_policy(Bucket="vg-media", Policy=json.dumps(public_read))
        settings = MediaSettings(
            s3_bucket="vg-media",
            s3_endpoint_url=endpoint,
            s3_region="af-south-1",
            s3_access_key_id="test",
            s3_secret_access_key="test",
        )
        store = S3MediaStore(
            bucket="vg-media",
            endpoint_url=endpoint,
            region="af-south-1",
            access_key_id="test",
            secret_access_key="test",
        )
        rendition = event_image_renditions(photo(900, 600))[0]
        key = "events/abc/0123456789abcdef/400.webp"
        await store.put(key, rendition.data, rendition.content_type)
        assert await store.read(key) == rendition.data
        url = urls_for(settings, "https://tickets.example").url(key)
        assert url == f"{endpoint}/vg-media/{key}"
        async with httpx.AsyncClient() as anon:
            public = await anon.get(url)
        assert public.status_code == 200
        assert public.content == rendition.data
        assert public.headers["content-type"] == "image/webp"
        assert "immutable" in public.headers["cache-control"]
        await store.delete(key)
        assert await store.read(key) is None
        with pytest.raises(BadMediaKey):
            await store.put("../../etc/passwd", b"x", "image/png")
    finally:
        server.stop()


async def test_with_s3_configured_uploads_go_to_the_bucket_and_pages_load_from_it(stack: Stack, tmp_path: Path) -> None:
    """The app built with MEDIA_S3_* (in this process, on the tests' database) against moto's S3
    server: the upload lands in the bucket, the event page's image and og:image come from the
    bucket's address, its CSP allows that origin, the app's own /media/ serves nothing, and removing
    the image deletes the objects."""
    import boto3
    from litestar.testing import AsyncTestClient
    from moto.server import ThreadedMotoServer

    from voelgoed.app import create_app
    from voelgoed.lib.media_store import MediaUrls, configure_media_urls
    from voelgoed.settings import load_settings

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        admin = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
        )
        admin.create_bucket(Bucket="vg-app-media")
        settings = load_settings(
            {
                "VOELGOED_ENV": "test",
                "VOELGOED_DATA_DIR": str(tmp_path),
                "SECRET_KEY": "test-secret",
                "PUBLIC_URL": "https://tickets.example",
                "COOKIE_SECURE": "0",  # the test client speaks http
                "MEDIA_S3_BUCKET": "vg-app-media",
                "MEDIA_S3_ENDPOINT_URL": endpoint,
                "MEDIA_S3_REGION": "us-east-1",
                "MEDIA_S3_ACCESS_KEY_ID": "k",
                "MEDIA_S3_SECRET_ACCESS_KEY": "s",
            }
        )
        app = create_app(settings, database_url=stack.database_url, redis_url=stack.redis_url)
        async with AsyncTestClient(app, base_url="http://testserver.local") as tc:
            r = await tc.post(
                "/api/auth/sign-up",
                json={
                    "email": "s3@example.co.za",
                    "password": "a-long-and-unguessable-passphrase",
                    "name": "S3",
                    "organization_name": "Bucket Live",
                },
            )
            assert r.status_code == 201, r.text
            me = r.json()
            org = f"/api/organizations/{me['memberships'][0]['organization_id']}"
            headers = {"X-CSRF-Token": me["csrf_token"]}
            made = await tc.post(
                f"{org}/venues", json={"name": "Hall", "address_line1": "1 Main Rd", "city": "Durban"}, headers=headers
            )
            assert made.status_code == 201, made.text
            times = {"starts_at": "2027-03-01T18:00:00", "ends_at": "2027-03-01T22:00:00"}
            made = await tc.post(
                f"{org}/events", json={"name": "Bucket Gig", "venue_id": made.json()["id"], **times}, headers=headers
            )
            assert made.status_code == 201, made.text
            event = made.json()
            up = await tc.post(
                f"{org}/events/{event['id']}/image",
                files={"file": ("p.jpg", photo(1000, 600), "image/jpeg")},
                headers=headers,
            )
            assert up.status_code == 200, up.text
            sizes = up.json()["image"]["sizes"]
            assert all(s["url"].startswith(f"{endpoint}/vg-app-media/events/") for s in sizes)
            keys = [s["url"].removeprefix(f"{endpoint}/vg-app-media/") for s in sizes]
            stored = admin.get_object(Bucket="vg-app-media", Key=keys[0])
            assert stored["ContentType"] == "image/webp" and "immutable" in stored["CacheControl"]
            assert (await tc.post(f"{org}/events/{event['id']}/publish", headers=headers)).status_code == 200
            page = await tc.get(f"/events/{event['slug']}")
            assert f'srcset="{sizes[0]["url"]}"' in page.text
            assert f'<meta property="og:image" content="{sizes[-1]["url"]}">' in page.text
            assert f"img-src 'self' data: {endpoint}" in page.headers["content-security-policy"]
            assert (await tc.get(f"/media/{keys[0]}")).status_code == 404  # not served by the app with S3
            gone = await tc.delete(f"{org}/events/{event['id']}/image", headers=headers)
            assert gone.status_code == 200 and gone.json()["image"] is None
            assert admin.list_objects_v2(Bucket="vg-app-media").get("KeyCount", 0) == 0
    finally:
        configure_media_urls(MediaUrls())  # this process's media addresses back to the default
        server.stop()
