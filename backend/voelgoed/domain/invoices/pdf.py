"""Invoices and credit notes as PDF (WeasyPrint), rendered from a document's frozen snapshot only,
so the same document prints the same way for ever. No network: nothing is fetched.

CPU work: call `render_document_pdf` from a worker thread (`asyncio.to_thread`). Each rendering
thread keeps one FontConfiguration, as domain/tickets/pdf.py explains (WeasyPrint never gives a
fresh one's native memory back).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from voelgoed.domain.tickets.pdf import LocalOnlyFetcher
from voelgoed.lib.templates import environment

_env = environment(Path(__file__).parent / "templates", trim_blocks=False)
_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    config: FontConfiguration | None = getattr(_per_thread, "font_config", None)
    if config is None:
        config = _per_thread.font_config = FontConfiguration()
    return config


def render_document_html(snapshot: dict[str, Any]) -> str:
    return _env.get_template("document.html").render(doc=snapshot)


def render_document_pdf(snapshot: dict[str, Any]) -> bytes:
    html = render_document_html(snapshot)
    pdf = HTML(string=html, base_url="data:,", url_fetcher=LocalOnlyFetcher()).write_pdf(font_config=_font_config())
    assert pdf is not None
    return bytes(pdf)
