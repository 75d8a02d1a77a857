"""Scanner devices and their pairing codes. Only SHA-256 hashes of codes and tokens are stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned


class Device(OrgOwned, UUIDAuditBase):
    """A paired scanner. Its token can only check in, for `event_ids`, at `gate_id` (None: any gate).

    A device paired for any gate reports the gate a person picks on it: `chosen_gate_id`, at
    `gate_chosen_at` (the organiser's Devices list shows it before the first scan there)."""

    __tablename__ = "device"

    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    event_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    gate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("gate.id", ondelete="SET NULL"), default=None)
    chosen_gate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("gate.id", ondelete="SET NULL"), default=None)
    gate_chosen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )


class DevicePairingCode(OrgOwned, UUIDAuditBase):
    """Short-lived, single-use: redeemed by POST /api/devices/pair for a device token."""

    __tablename__ = "device_pairing_code"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    event_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    gate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("gate.id", ondelete="CASCADE"), default=None)
    device_name: Mapped[str | None] = mapped_column(String(120), default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("device.id", ondelete="SET NULL"), default=None)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
