"""An organisation's API keys. Only the prefix and SHA-256 of the whole key are stored; the key
itself is shown once, when it is created."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class ApiKey(OrgOwned, UUIDAuditBase):
    """A key `vg_<prefix>_<secret>` that acts for its organisation within `scopes`.

    Usable while not revoked and not past `expires_at` (derived, so there is no status column).
    `last_used_at` is written at most once a minute by the authentication path."""

    __tablename__ = "api_key"
    __table_args__ = (UniqueConstraint("organization_id", "idempotency_key", name="uq_api_key_idempotency"),)

    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(8), unique=True)  # the row's lookup; shown in lists
    secret_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 (hex) of the whole key
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
