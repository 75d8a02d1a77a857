"""One PDF per order, a page per ticket and a last page with the order's amounts (WeasyPrint).
No network: only data: URLs load.

`render_tickets_pdf` is CPU work (~100 ms a page): call it from a worker thread
(`asyncio.to_thread`), never on the event loop.

Fonts: WeasyPrint makes a new FontConfiguration (fontconfig + Pango font map) for every document
unless given one, and its native memory is never given back: about 0.23 MB per render, so the
worker grew by ~250 MB per 1,000 deliveries (bench/memory). Each rendering thread keeps one
FontConfiguration and reuses it (the template has no @font-face, so nothing accumulates in it);
Pango's font map is not shared between threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from voelgoed.domain.orders.pricing import OrderSummary
from voelgoed.domain.tickets.payload import ticket_code
from voelgoed.domain.tickets.qr import qr_svg_data_uri
from voelgoed.lib.templates import Localized

_TEMPLATES = Path(__file__).parent / "templates"
_envs = Localized(_TEMPLATES, trim_blocks=False)  # the PDF is in the order's language (`locale`)

_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    """This thread's FontConfiguration (one per rendering thread, for the thread's lifetime)."""
    config: FontConfiguration | None = getattr(_per_thread, "font_config", None)
    if config is None:
        config = _per_thread.font_config = FontConfiguration()
    return config


class LocalOnlyFetcher(URLFetcher):
    """Refuse every URL that is not a data: URL: a ticket never makes WeasyPrint fetch from the
    network or read files (and a missing QR must fail the render, not print a blank ticket)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> Any:
        if not url.lower().startswith("data:"):
            raise FatalURLFetchingError(f"refusing to fetch {url[:80]!r} while rendering tickets")
        return super().fetch(url, headers)


@dataclass
class TicketPage:
    serial: str
    payload: str
    ticket_type: str
    holder: str | None
    # A reserved seat (domain/seating/labels.py); all three None on a general-admission ticket.
    section: str | None = None
    row: str | None = None
    seat: str | None = None


@dataclass
class TicketsDocument:
    event_name: str
    starts_local: str  # already formatted in the event's time zone
    timezone: str
    venue_name: str | None
    venue_address: list[str]
    order_reference: str
    tickets: list[TicketPage] = field(default_factory=list)
    summary: OrderSummary | None = None  # the order's amounts, on a last page after the tickets
    locale: str = "en"  # the buyer's language (the order's `locale`, lib/i18n.py)
    # The organiser's branding (organizations/branding.py): name, colour ("#rrggbb", white text is
    # readable on it) and logo as a data: URI of the PNG the product made (never a URL: no network).
    organiser_name: str | None = None
    brand_colour: str = "#1f3a5f"
    logo_data_uri: str | None = None


def render_tickets_html(doc: TicketsDocument) -> str:
    pages = [
        {**t.__dict__, "qr_data_uri": qr_svg_data_uri(t.payload), "code": ticket_code(t.serial)} for t in doc.tickets
    ]
    return _envs[doc.locale].get_template("tickets.html").render(**{**doc.__dict__, "tickets": pages})


def render_tickets_pdf(doc: TicketsDocument) -> bytes:
    if not doc.tickets:
        raise ValueError("an order without tickets has no ticket PDF")
    html = render_tickets_html(doc)
    pdf = HTML(string=html, base_url="data:,", url_fetcher=LocalOnlyFetcher()).write_pdf(font_config=_font_config())
    assert pdf is not None
    return bytes(pdf)
