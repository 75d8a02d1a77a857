"""event cancellation: one record per cancelled event (mode, progress counters) and one row per
paid order the refund-all job handled (its memory across a killed worker)

Revision ID: 0016
Revises: 0015
"""

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _common(table: str) -> list[Any]:
    return [
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=f"fk_{table}_organization_id_organization",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "event_cancellation",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("orders_total", sa.Integer(), nullable=False),
        sa.Column("orders_done", sa.Integer(), nullable=False),
        sa.Column("refunds_requested", sa.Integer(), nullable=False),
        sa.Column("refund_cents", sa.BigInteger(), nullable=False),
        sa.Column("emails_queued", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("holds_released", sa.Integer(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_by", GUID(length=16), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_common("event_cancellation"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name="fk_event_cancellation_event_id_event",
                                ondelete="RESTRICT"),
        sa.UniqueConstraint("event_id", name="uq_event_cancellation_event_id"),
        sa.CheckConstraint("mode IN ('refund_all', 'cancel_without_refund')", name=op.f("ck_event_cancellation_event_cancellation_mode")),
    )  # fmt: skip
    op.create_index("ix_event_cancellation_organization_id", "event_cancellation", ["organization_id"])
    op.create_index("ix_event_cancellation_status", "event_cancellation", ["status"])
    op.create_index(
        "ix_event_cancellation_running",
        "event_cancellation",
        ["heartbeat_at"],
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_table(
        "event_cancellation_order",
        sa.Column("cancellation_id", GUID(length=16), nullable=False),
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("refund_cents", sa.BigInteger(), nullable=False),
        sa.Column("refund_id", GUID(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("email_queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        *_common("event_cancellation_order"),
        sa.ForeignKeyConstraint(["cancellation_id"], ["event_cancellation.id"],
                                name="fk_event_cancellation_order_cancellation_id_event_cancellation",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["ticket_order.id"],
                                name="fk_event_cancellation_order_order_id_ticket_order", ondelete="CASCADE"),
        sa.UniqueConstraint("order_id", name="uq_event_cancellation_order_order_id"),
        sa.CheckConstraint("outcome IN ('refunded', 'cancelled', 'failed')",
                           name=op.f("ck_event_cancellation_order_event_cancellation_order_outcome")),
    )  # fmt: skip
    op.create_index("ix_event_cancellation_order_organization_id", "event_cancellation_order", ["organization_id"])
    op.create_index(
        "ix_event_cancellation_order_unsent",
        "event_cancellation_order",
        ["cancellation_id"],
        postgresql_where=sa.text("emailed_at IS NULL AND outcome <> 'failed'"),
    )


def downgrade() -> None:
    op.drop_table("event_cancellation_order")
    op.drop_table("event_cancellation")
