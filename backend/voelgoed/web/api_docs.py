"""The API docs (Swagger UI at /schema/swagger) with its assets served by the product itself.

Litestar's render plugins load Swagger UI from a public CDN by default, so the docs page is blank
without the internet (an offline laptop, a locked-down server). Swagger UI comes instead from the
PyPI package `swagger-ui-bundle-v2` (the maintained fork of `swagger-ui-bundle`, installed with the
product: no build step), served under a URL that carries its version, so browsers may cache it for
good. Only Swagger UI is exposed; Litestar's other viewers (ReDoc, Elements, RapiDoc, Scalar) stay
off, as they would need their own CDN assets."""

from __future__ import annotations

import mimetypes
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.response import File
from swagger_ui_bundle import swagger_ui_path

from voelgoed.auth.permissions import Access, access

# e.g. /schema/assets/swagger-ui-5.31.0: a new Swagger UI version is a new URL.
ASSETS_PATH = f"/schema/assets/{swagger_ui_path.name}"
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "favicon-32x32.png"})


class InlineSafeSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Litestar writes the spec into an inline <script> as plain JSON. A description or example
    holding `</script>` (the widget snippet's example does) then ends the script early and the page
    shows the rest of the spec as text. `<`, `>` and `&` are written as JSON escapes instead: the
    same JSON to the parser, nothing an HTML parser can read as a tag."""

    @staticmethod
    def render_json(request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        raw = SwaggerRenderPlugin.render_json(request, openapi_schema)
        return raw.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


def swagger_render_plugin() -> SwaggerRenderPlugin:
    return InlineSafeSwaggerRenderPlugin(
        path="/swagger",
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )


@get(f"{ASSETS_PATH}/{{name:str}}", include_in_schema=False, opt=access(Access.PUBLIC), sync_to_thread=False)
def api_docs_asset(name: str) -> File:
    """One of Swagger UI's files (a fixed list: nothing else in the package is reachable)."""
    if name not in ASSETS:
        raise NotFoundException()
    return File(
        swagger_ui_path / name,
        media_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
