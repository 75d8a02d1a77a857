"""QR codes for ticket payloads, as SVG (segno)."""

from __future__ import annotations

import segno


def make_qr(data: str) -> segno.QRCode:
    # Level M at least; segno raises the level further when it fits the same version for free.
    return segno.make_qr(data, error="m")


def qr_svg_data_uri(data: str, *, scale: int = 4) -> str:
    """The QR as a data: URI, for <img> in the PDF template (no file or network access)."""
    return make_qr(data).svg_data_uri(scale=scale, border=4, dark="#000", light="#fff")
