"""The buyers' site (server-rendered, light on mobile data). For now: upcoming published events;
the ticket-sales issue grows it into the checkout site."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from litestar import Controller, Response, get
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.auth.permissions import Access, access
from voelgoed.domain.accounts.services import now
from voelgoed.domain.events.models import Event

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1a1a2e;background:#f7f7fb}"
    "header{background:#1f3a5f;color:#fff;padding:1rem}main{max-width:46rem;margin:auto;padding:1rem}"
    "li{background:#fff;border-radius:.5rem;padding:1rem;margin:.5rem 0;list-style:none}"
    "ul{padding:0}a{color:#1f3a5f}small{color:#555}"
)


class PublicSiteController(Controller):
    include_in_schema = False

    @get("/", opt=access(Access.PUBLIC))
    async def home(self, db_session: AsyncSession) -> Response[str]:
        events = await db_session.scalars(
            select(Event)
            .where(Event.status == "published", Event.ends_at > now())
            .order_by(Event.starts_at)
            .limit(50)
        )
        items = []
        for e in events:
            local = e.starts_at.astimezone(ZoneInfo(e.timezone))
            where = f" · {html.escape(e.venue.name)}, {html.escape(e.venue.city)}" if e.venue else ""
            items.append(
                f"<li><strong>{html.escape(e.name)}</strong><br>"
                f"<small>{local:%a %d %b %Y, %H:%M}{where}</small></li>"
            )
        body = "".join(items) or "<p>No upcoming events yet.</p>"
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>VoelgoedEvents</title><style>{_STYLE}</style>"
            "<header><strong>VoelgoedEvents</strong></header>"
            f"<main><h1>Upcoming events</h1><ul>{body}</ul>"
            "<p><a href='/app/'>Organisers: sign in</a></p></main></html>"
        )
        return Response(page, media_type="text/html")
