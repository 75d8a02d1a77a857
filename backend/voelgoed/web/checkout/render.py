"""HTML rendering for the checkout site: its Jinja environments (lib/templates.py: autoescaped, with
the money and time filters; one per locale) and the stylesheet's versioned URL.

A page renders in the locale of the request (web/checkout/language.py chooses it when the request's
`Visit` is made, lib/i18n.py keeps it for the request), with the language switch's links for the
page being shown."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from jinja2 import Environment
from litestar import Response
from litestar.datastructures import Cookie

from voelgoed.lib import i18n
from voelgoed.lib.media_store import media_urls
from voelgoed.lib.templates import Localized
from voelgoed.web.checkout import language

HERE = Path(__file__).parent
CSS_BYTES = (HERE / "static" / "site.css").read_bytes()
CSS_VERSION = hashlib.sha256(CSS_BYTES).hexdigest()[:12]
CSS_URL = f"/assets/site.{CSS_VERSION}.css"
JS_BYTES = (HERE / "static" / "site.js").read_bytes()
JS_VERSION = hashlib.sha256(JS_BYTES).hexdigest()[:12]
JS_URL = f"/assets/site.{JS_VERSION}.js"
SEATS_JS_BYTES = (HERE / "static" / "seats.js").read_bytes()  # the seat picker's map (seat_pages.py)
SEATS_JS_URL = f"/assets/seats.{hashlib.sha256(SEATS_JS_BYTES).hexdigest()[:12]}.js"
FAVICON_SVG = (HERE / "static" / "favicon.svg").read_bytes()
FAVICON_SVG_NAME = f"favicon.{hashlib.sha256(FAVICON_SVG).hexdigest()[:12]}.svg"
FAVICON_ICO = (HERE / "static" / "favicon.ico").read_bytes()


def _site_globals(env: Environment) -> None:
    env.globals["css_url"] = CSS_URL
    env.globals["js_url"] = JS_URL
    env.globals["icon_url"] = f"/assets/{FAVICON_SVG_NAME}"


_envs = Localized(HERE / "templates", configure=_site_globals)


def brand_style(colour: str | None) -> str | None:
    """The organiser's colour as one inline rule (no extra request); allowed by its hash in the CSP."""
    return f":root{{--brand:{colour}}}" if colour else None


def content_security_policy(inline_style: str | None) -> str:
    style_src = "'self'"
    if inline_style:
        digest = base64.b64encode(hashlib.sha256(inline_style.encode()).digest()).decode()
        style_src += f" 'sha256-{digest}'"
    img_src = "'self' data:"
    origin = media_urls().origin  # images from an S3 bucket or CDN (lib/media_store.py)
    if origin:
        img_src += f" {origin}"
    return (
        f"default-src 'self'; img-src {img_src}; style-src {style_src}; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'"
    )


def render(
    template: str,
    *,
    status: int = 200,
    cookies: list[Cookie] | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """`brand`: an organisations/branding.py Branding; its colour goes into the page's header."""
    brand = context.get("brand")
    inline_style = brand_style(getattr(brand, "colour", None)) if brand is not None else None
    context["brand_css"] = inline_style
    locale = i18n.current_locale()
    html = _envs[locale].get_template(template).render(languages=language.switch_links(), **context)
    headers = {"Content-Language": locale, **(headers or {})}
    return Response(
        html,
        status_code=status,
        media_type="text/html; charset=utf-8",
        cookies=cookies or [],
        headers={
            # Pages carry per-visit form tokens and order data: never stored by shared caches.
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": content_security_policy(inline_style),
            **headers,
        },
    )
