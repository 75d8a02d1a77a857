"""Funnel analytics, recorded server-side in our own database (no third-party trackers).

Steps: page_view (event page GET), add_to_cart (reserve), checkout_started (start checkout) and
checkout_success (recorded by the checkout workflow when a payment completes). Rows are lean and
written in the request's own transaction, so a failed step records nothing.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.analytics.models import FUNNEL_STEPS, AnalyticsEvent
from voelgoed.domain.analytics.schemas import UTM_MAX_LENGTH, Attribution

# Obvious automated clients: crawlers, link-preview fetchers, monitors, HTTP libraries, headless
# browsers that say so. Humans behind ordinary browsers never match.
_BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|discord|embedly|"
    r"monitor|pingdom|uptime|lighthouse|pagespeed|headlesschrome|phantomjs|python-requests|"
    r"python-httpx|aiohttp|curl|wget|go-http-client|java/|okhttp|libwww|scrapy|httpclient",
    re.IGNORECASE,
)
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def is_bot(user_agent: str | None) -> bool:
    """True for clients that are not people: an empty user agent or a known automated one."""
    return not user_agent or bool(_BOT_PATTERN.search(user_agent))


def valid_session_id(value: str | None) -> bool:
    return bool(value and _SESSION_ID.match(value))


def clean_utm(value: str | None) -> str | None:
    """Keep a UTM value printable and within the column width; empty becomes None."""
    if value is None:
        return None
    cleaned = "".join(ch for ch in value.strip() if ch.isprintable())[:UTM_MAX_LENGTH]
    return cleaned or None


def attribution_from(params: dict[str, str | None]) -> Attribution:
    return Attribution(
        utm_source=clean_utm(params.get("utm_source")),
        utm_medium=clean_utm(params.get("utm_medium")),
        utm_campaign=clean_utm(params.get("utm_campaign")),
    )


async def record(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    name: str,
    session_id: str,
    utm_source: str | None = None,
    utm_medium: str | None = None,
    utm_campaign: str | None = None,
    order_id: uuid.UUID | None = None,
) -> AnalyticsEvent:
    """Add one funnel row to the session's transaction (committed with the caller's work)."""
    if name not in FUNNEL_STEPS:
        raise ValueError(f"unknown funnel step {name!r}; expected one of {FUNNEL_STEPS}")
    if not session_id:
        raise ValueError("a funnel step needs a session id")
    row = AnalyticsEvent(
        organization_id=organization_id,
        event_id=event_id,
        name=name,
        session_id=session_id[:64],
        occurred_at=datetime.now(UTC),
        utm_source=clean_utm(utm_source),
        utm_medium=clean_utm(utm_medium),
        utm_campaign=clean_utm(utm_campaign),
        order_id=order_id,
    )
    db.add(row)
    await db.flush()
    return row
