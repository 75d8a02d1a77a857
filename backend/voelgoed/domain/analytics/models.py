"""First-party funnel analytics, recorded server-side. Lean rows: there will be millions."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import BigIntBase
from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned

FUNNEL_STEPS = ("page_view", "add_to_cart", "checkout_started", "checkout_success")


class AnalyticsEvent(OrgOwned, BigIntBase):
    __tablename__ = "analytics_event"
    __table_args__ = (Index("ix_analytics_event_event_name_time", "event_id", "name", "occurred_at"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))  # one of FUNNEL_STEPS
    session_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    utm_source: Mapped[str | None] = mapped_column(String(100), default=None)
    utm_medium: Mapped[str | None] = mapped_column(String(100), default=None)
    utm_campaign: Mapped[str | None] = mapped_column(String(100), default=None)
    order_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
