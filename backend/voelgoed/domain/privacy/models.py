"""Personal data requests (POPIA sections 23-25), the retention setting, and retention runs.

`personal_data_request.status` changes only through PersonalDataRequestLifecycle (machines.py).
One buyer's submission on the checkout site makes one row per organisation that holds data for
the address (each organisation is the responsible party for its buyers); the rows share the hash
of the one confirmation link e-mailed to the buyer. Only hashes of the links' tokens are stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDAuditBase
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from voelgoed.db.tenancy import OrgOwned

RETENTION_DAYS_MIN, RETENTION_DAYS_MAX = 1, 3650


class PersonalDataRequest(OrgOwned, UUIDAuditBase):
    __tablename__ = "personal_data_request"
    __table_args__ = (
        CheckConstraint("kind IN ('export', 'erasure')", name="personal_data_request_kind"),
        # The sweep (workflows/personal_data_jobs.py): unconfirmed requests past their link's life.
        Index(
            "ix_personal_data_request_unconfirmed",
            "confirm_expires_at",
            postgresql_where=text("status = 'unconfirmed'"),
        ),
        Index("ix_personal_data_request_org_status", "organization_id", "status", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(10))  # export | erasure
    status: Mapped[str] = mapped_column(String(12), default="unconfirmed")
    # The address the buyer gave (folded). NULL once an erasure is completed: `email_digest` stays,
    # so the organisation can still show that this address's data was erased when asked.
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    email_digest: Mapped[str] = mapped_column(String(64), index=True)  # HMAC of the folded address
    confirm_token_hash: Mapped[str] = mapped_column(String(64), index=True)  # shared by one submission's rows
    confirm_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    handled_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    reject_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # What the completion found or changed per holder, e.g. {"orders": 2, "tickets": 3}.
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # An export: the JSON file, and the buyer's download link (hash) with its end.
    # Deferred: lists never load the file; `download_token_hash` is set exactly while it is kept.
    export_file: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    download_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    download_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class PrivacySettings(OrgOwned, UUIDAuditBase):
    """An organisation's retention rule; no row (or NULL days) means off."""

    __tablename__ = "privacy_settings"
    __table_args__ = (
        CheckConstraint(
            f"attendee_retention_days IS NULL OR attendee_retention_days BETWEEN {RETENTION_DAYS_MIN}"
            f" AND {RETENTION_DAYS_MAX}",
            name="privacy_settings_retention_range",
        ),
        UniqueConstraint("organization_id", name="uq_privacy_settings_organization_id"),  # one row per organisation
    )

    attendee_retention_days: Mapped[int | None] = mapped_column(Integer, default=None)


class AttendeeRetentionRun(OrgOwned, UUIDAuditBase):
    """An event whose attendee details the retention job removed. Inserted (ON CONFLICT DO NOTHING)
    in the transaction that removes them: the row is the claim and the record, so two workers never
    both handle an event and a handled event is never handled again."""

    __tablename__ = "attendee_retention_run"

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
