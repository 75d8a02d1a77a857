"""Serves the built single-page apps (organiser app at /app, scanner at /scanner): real files
when they exist, else the app's index.html so client-side routes survive a reload."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.response import File

from voelgoed.auth.permissions import Access, access

_MISSING = """<!doctype html><meta charset=utf-8><title>Not built</title>
<body style="font-family:system-ui;padding:2rem"><h1>{name} is not built yet</h1>
<p>Run <code>./vg dev</code> (or <code>npm run build -w {name}</code>) to build it.</p></body>"""


def spa_handlers(prefix: str, build_dir: Path, name: str) -> list[HTTPRouteHandler]:
    def serve(path: str) -> Response[bytes] | File:
        root = build_dir.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            immutable = "/_app/immutable/" in f"/{path}"
            media_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            return File(
                candidate,
                media_type=media_type,
                content_disposition_type="inline",
                headers={"Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache"},
            )
        index = root / "index.html"
        if index.is_file():
            return File(
                index,
                media_type="text/html",
                content_disposition_type="inline",
                headers={"Cache-Control": "no-cache"},
            )
        return Response(_MISSING.format(name=name).encode(), media_type="text/html", status_code=503)

    @get(prefix, include_in_schema=False, opt=access(Access.PUBLIC), name=f"{name}-root", sync_to_thread=False)
    def root() -> Response[bytes] | File:
        return serve("index.html")

    @get(
        prefix + "/{path:path}",
        include_in_schema=False,
        opt=access(Access.PUBLIC),
        name=f"{name}-files",
        sync_to_thread=False,
    )
    def files(path: str) -> Response[bytes] | File:
        return serve(path)

    return [root, files]
