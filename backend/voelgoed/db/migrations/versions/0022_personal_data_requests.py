"""personal data requests: POPIA personal data requests and retention (issue #12 item 10)

personal_data_request (one per organisation per confirmed buyer request), privacy_settings (the
attendee detail retention rule) and attendee_retention_run (the retention job's claim and record
per event). docs/privacy.md.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_data_request",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("confirm_token_hash", sa.String(length=64), nullable=False),
        sa.Column("confirm_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", GUID(length=16), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("export_file", sa.LargeBinary(), nullable=True),
        sa.Column("download_token_hash", sa.String(length=64), nullable=True),
        sa.Column("download_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('export', 'erasure')", name=op.f("ck_personal_data_request_personal_data_request_kind")
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["user_account.id"],
            name=op.f("fk_personal_data_request_handled_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_personal_data_request_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_request")),
        sa.UniqueConstraint("download_token_hash", name=op.f("uq_personal_data_request_download_token_hash")),
    )
    with op.batch_alter_table("personal_data_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personal_data_request_confirm_token_hash"), ["confirm_token_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_personal_data_request_email_digest"), ["email_digest"], unique=False)
        batch_op.create_index(
            "ix_personal_data_request_org_status", ["organization_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_personal_data_request_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(
            "ix_personal_data_request_unconfirmed",
            ["confirm_expires_at"],
            unique=False,
            postgresql_where=sa.text("status = 'unconfirmed'"),
        )

    op.create_table(
        "privacy_settings",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("attendee_retention_days", sa.Integer(), nullable=True),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attendee_retention_days IS NULL OR attendee_retention_days BETWEEN 1 AND 3650",
            name=op.f("ck_privacy_settings_privacy_settings_retention_range"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_privacy_settings_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_settings")),
        sa.UniqueConstraint("organization_id", name="uq_privacy_settings_organization_id"),
    )
    with op.batch_alter_table("privacy_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_settings_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "attendee_retention_run",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_attendee_retention_run_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_attendee_retention_run_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendee_retention_run")),
        sa.UniqueConstraint("event_id", name=op.f("uq_attendee_retention_run_event_id")),
    )
    with op.batch_alter_table("attendee_retention_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attendee_retention_run_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attendee_retention_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendee_retention_run_organization_id"))

    op.drop_table("attendee_retention_run")
    with op.batch_alter_table("privacy_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_settings_organization_id"))

    op.drop_table("privacy_settings")
    with op.batch_alter_table("personal_data_request", schema=None) as batch_op:
        batch_op.drop_index("ix_personal_data_request_unconfirmed", postgresql_where=sa.text("status = 'unconfirmed'"))
        batch_op.drop_index(batch_op.f("ix_personal_data_request_organization_id"))
        batch_op.drop_index("ix_personal_data_request_org_status")
        batch_op.drop_index(batch_op.f("ix_personal_data_request_email_digest"))
        batch_op.drop_index(batch_op.f("ix_personal_data_request_confirm_token_hash"))

    op.drop_table("personal_data_request")
