"""dashboards and exports: hourly funnel/check-in snapshot buckets, snapshot state, export jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:20:00
"""

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _org(table: str) -> list[Any]:
    return [
        sa.Column('organization_id', GUID(length=16), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=f'fk_{table}_organization_id_organization', ondelete='CASCADE'),
    ]  # fmt: skip


def _event_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=f"fk_{table}_event_id_event", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "dashboard_funnel_bucket",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("utm_source", sa.String(length=100), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        *_org("dashboard_funnel_bucket"),
        _event_fk("dashboard_funnel_bucket"),
        sa.PrimaryKeyConstraint("event_id", "bucket_start", "step", "utm_source", name="pk_dashboard_funnel_bucket"),
    )
    op.create_index("ix_dashboard_funnel_bucket_organization_id", "dashboard_funnel_bucket", ["organization_id"])
    op.create_table(
        "dashboard_checkin_bucket",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gate_id", GUID(length=16), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("exits", sa.BigInteger(), nullable=False),
        *_org("dashboard_checkin_bucket"),
        _event_fk("dashboard_checkin_bucket"),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gate.id"], name="fk_dashboard_checkin_bucket_gate_id_gate", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "bucket_start", "gate_id", name="pk_dashboard_checkin_bucket"),
    )
    op.create_index("ix_dashboard_checkin_bucket_organization_id", "dashboard_checkin_bucket", ["organization_id"])
    op.create_table(
        "dashboard_snapshot_state",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("funnel_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkin_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        *_org("dashboard_snapshot_state"),
        _event_fk("dashboard_snapshot_state"),
        sa.PrimaryKeyConstraint("event_id", name="pk_dashboard_snapshot_state"),
    )
    op.create_index("ix_dashboard_snapshot_state_organization_id", "dashboard_snapshot_state", ["organization_id"])
    op.create_table(
        "data_export",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", GUID(length=16), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("total_rows", sa.Integer(), nullable=True),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        *_org("data_export"),
        _event_fk("data_export"),
        sa.PrimaryKeyConstraint("id", name="pk_data_export"),
        sa.UniqueConstraint("organization_id", "idempotency_key", name="uq_data_export_idempotency"),
    )
    op.create_index("ix_data_export_event_id", "data_export", ["event_id"])
    op.create_index("ix_data_export_organization_id", "data_export", ["organization_id"])
    op.create_table(
        "data_export_chunk",
        sa.Column("export_id", GUID(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        *_org("data_export_chunk"),
        sa.ForeignKeyConstraint(
            ["export_id"], ["data_export.id"], name="fk_data_export_chunk_export_id_data_export", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("export_id", "seq", name="pk_data_export_chunk"),
    )
    op.create_index("ix_data_export_chunk_organization_id", "data_export_chunk", ["organization_id"])


def downgrade() -> None:
    op.drop_table("data_export_chunk")
    op.drop_table("data_export")
    op.drop_table("dashboard_snapshot_state")
    op.drop_table("dashboard_checkin_bucket")
    op.drop_table("dashboard_funnel_bucket")
