from __future__ import annotations

import uuid
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class AuditEntry(OrgOwned, UUIDAuditBase):
    """Who changed what. Written by services in the same transaction as the change."""

    __tablename__ = "audit_entry"

    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    actor_email: Mapped[str | None] = mapped_column(String(320), default=None)
    # When an API key made the change (auth/api_key.py): which one, and "API key <name>" as it
    # was named then (the key may be renamed or deleted later; the entry keeps its word).
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_key.id", ondelete="SET NULL"), default=None
    )
    actor_label: Mapped[str | None] = mapped_column(String(200), default=None)
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
