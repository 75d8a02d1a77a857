"""The embeddable ticket widget (docs/widget.md): one dependency-free script an organiser pastes on
their own site, with a container naming the event. It reads the public event API (which answers any
origin: a read of what the event page shows anyway) and sends buyers to the checkout site in a new
tab; payment never happens inside another site's page."""

from __future__ import annotations

import hashlib

from voelgoed.domain.events.public_links import WIDGET_PATH
from voelgoed.web.checkout.render import HERE

WIDGET_BYTES = (HERE / "static" / "widget.js").read_bytes()
WIDGET_VERSION = hashlib.sha256(WIDGET_BYTES).hexdigest()[:12]
WIDGET_MAX_BYTES = 20 * 1024  # the budget (backend/tests/unit/test_widget.py checks it)
# The stable URL organisers paste is cached for an hour (a new release reaches their pages within
# one), revalidated by its ETag; /assets/widget.<hash>.js is the immutable copy.
WIDGET_CACHE = "public, max-age=3600"
__all__ = ["WIDGET_BYTES", "WIDGET_CACHE", "WIDGET_MAX_BYTES", "WIDGET_PATH", "WIDGET_VERSION"]
