"""The buyers' site front door: `/` lists upcoming published events, plus the privacy notice and
the site's static files (served with long cache lifetimes under content-hashed names) and its
favicon (also at /favicon.ico, where browsers look for it on their own).
The event pages and checkout live in web/checkout/."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.lib.i18n import gettext as _
from voelgoed.settings import Settings
from voelgoed.web.checkout import language
from voelgoed.web.checkout.event_listing import upcoming_events
from voelgoed.web.checkout.render import (
    CSS_BYTES,
    CSS_VERSION,
    FAVICON_ICO,
    FAVICON_SVG,
    FAVICON_SVG_NAME,
    JS_BYTES,
    JS_VERSION,
    SEATS_JS_BYTES,
    SEATS_JS_URL,
    render,
)
from voelgoed.web.checkout.security import Visit
from voelgoed.web.widget import WIDGET_BYTES, WIDGET_CACHE, WIDGET_PATH, WIDGET_VERSION

_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}


class PublicSiteController(Controller):
    include_in_schema = False

    @get("/", opt=access(Access.PUBLIC))
    async def home(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, settings: Settings
    ) -> Response[str]:
        visit = Visit(request, settings)  # lands UTM parameters of links to the listing too
        return render(
            "events.html",
            cookies=visit.cookies(),
            events=await upcoming_events(db_session),
            canonical=f"{settings.server.public_url}/",
            description=_("Tickets for upcoming events on VoelgoedEvents."),
        )

    @get("/privacy", opt=access(Access.PUBLIC))
    async def privacy(self, request: Request[Any, Any, Any]) -> Response[str]:
        language.apply(request)  # no visit cookie here: only the page's language
        return render("privacy.html")

    @get("/assets/{name:str}", opt=access(Access.PUBLIC))
    async def asset(self, name: str) -> Response[bytes]:
        """The stylesheet and the small script, under content-hashed names (cached for a year)."""
        files = {
            f"site.{CSS_VERSION}.css": (CSS_BYTES, "text/css; charset=utf-8"),
            f"site.{JS_VERSION}.js": (JS_BYTES, "text/javascript; charset=utf-8"),
            FAVICON_SVG_NAME: (FAVICON_SVG, "image/svg+xml"),
            SEATS_JS_URL.removeprefix("/assets/"): (SEATS_JS_BYTES, "text/javascript; charset=utf-8"),
            f"widget.{WIDGET_VERSION}.js": (WIDGET_BYTES, "text/javascript; charset=utf-8"),
        }
        if name not in files:
            return Response(b"Not found", status_code=404, media_type="text/plain")
        body, media_type = files[name]
        return Response(body, media_type=media_type, headers=_IMMUTABLE)

    @get(WIDGET_PATH, opt=access(Access.PUBLIC))
    async def widget(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """The ticket widget under the stable URL organisers paste (web/widget.py, docs/widget.md)."""
        etag = f'"{WIDGET_VERSION}"'
        headers = {"Cache-Control": WIDGET_CACHE, "ETag": etag, "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(WIDGET_BYTES, media_type="text/javascript; charset=utf-8", headers=headers)

    @get("/favicon.ico", opt=access(Access.PUBLIC))
    async def favicon(self) -> Response[bytes]:
        """Browsers ask for it on every site; a day's cache (the name cannot carry a version)."""
        return Response(
            FAVICON_ICO,
            media_type="image/x-icon",
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )
