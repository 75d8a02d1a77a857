"""Brand colours: "#rrggbb" only, and only ones white text is readable on (WCAG 2.x contrast ratio
of at least 4.5:1, the level for normal text), because the checkout site's header, the e-mails'
header and the ticket PDF's band print white text on the organiser's colour."""

from __future__ import annotations

import re

MIN_CONTRAST_WITH_WHITE = 4.5
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def parse_hex_colour(value: str) -> str | None:
    """ "#1F3A5F", "1f3a5f" -> "#1f3a5f"; None when it is not six hex digits."""
    match = _HEX.fullmatch(value.strip())
    return f"#{match.group(1).lower()}" if match else None


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white on `colour` ("#rrggbb"), 1.0 to 21.0."""
    return 1.05 / (relative_luminance(colour) + 0.05)
