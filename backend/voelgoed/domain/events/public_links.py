"""Where buyers find an event: its page on the checkout site and the snippet that embeds the ticket
widget (web/widget.py serves the script) on an organiser's own site. docs/widget.md."""

from __future__ import annotations

from html import escape

WIDGET_PATH = "/widget.js"  # the stable URL organisers paste


def page_url(public_url: str, slug: str) -> str:
    return f"{public_url}/events/{slug}"


def widget_snippet(public_url: str, slug: str) -> str:
    """What the organiser pastes where the tickets should show."""
    return (
        f'<div data-voelgoed-event="{escape(slug)}"></div>\n'
        f'<script src="{escape(public_url)}{WIDGET_PATH}" async></script>'
    )
