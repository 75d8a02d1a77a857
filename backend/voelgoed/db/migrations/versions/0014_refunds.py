"""refunds: refunds and cancellations (refund, refund_ticket, the order's refunded sums)

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.add_column("ticket_order", sa.Column("refunded_cents", sa.Integer(), server_default="0", nullable=False))
    op.add_column("ticket_order", sa.Column("refund_pending_cents", sa.Integer(), server_default="0", nullable=False))
    op.create_check_constraint(
        op.f("ck_ticket_order_order_refunds"),
        "ticket_order",
        "refunded_cents >= 0 AND refund_pending_cents >= 0 AND refunded_cents + refund_pending_cents <= total_cents",
    )

    op.create_table(
        "refund",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("transaction_id", GUID(length=16), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("allocated", sa.Boolean(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=100), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("requested_by", GUID(length=16), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notify_buyer", sa.Boolean(), nullable=False),
        sa.Column("buyer_notified_at", sa.DateTime(timezone=True), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint(
            "amount_cents > 0 AND vat_cents >= 0 AND vat_cents <= amount_cents", name=op.f("ck_refund_refund_amounts")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_refund_event_id_event"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["ticket_order.id"], name=op.f("fk_refund_order_id_ticket_order"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payment_transaction.id"],
            name=op.f("fk_refund_transaction_id_payment_transaction"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["user_account.id"], name=op.f("fk_refund_requested_by_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_refund_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("organization_id", "idempotency_key", name=op.f("uq_refund_organization_id")),
    )
    op.create_index(op.f("ix_refund_event_id"), "refund", ["event_id"])
    op.create_index(op.f("ix_refund_order_id"), "refund", ["order_id"])
    op.create_index(op.f("ix_refund_organization_id"), "refund", ["organization_id"])
    op.create_index(op.f("ix_refund_status"), "refund", ["status"])
    op.create_index(op.f("ix_refund_provider_refund_id"), "refund", ["provider_refund_id"])
    op.create_index(
        "ix_refund_due", "refund", ["next_attempt_at"], postgresql_where=sa.text("next_attempt_at IS NOT NULL")
    )
    op.create_index(
        "uq_refund_unallocated_transaction",
        "refund",
        ["transaction_id"],
        unique=True,
        postgresql_where=sa.text("NOT allocated AND status <> 'failed'"),
    )

    op.create_table(
        "refund_ticket",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("refund_id", GUID(length=16), nullable=False),
        sa.Column("ticket_id", GUID(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refund.id"], name=op.f("fk_refund_ticket_refund_id_refund"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_refund_ticket_ticket_id_ticket"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_refund_ticket_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_ticket")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_refund_ticket_ticket_id")),
    )
    op.create_index(op.f("ix_refund_ticket_refund_id"), "refund_ticket", ["refund_id"])
    op.create_index(op.f("ix_refund_ticket_organization_id"), "refund_ticket", ["organization_id"])


def downgrade() -> None:
    op.drop_table("refund_ticket")
    op.drop_table("refund")
    op.drop_constraint(op.f("ck_ticket_order_order_refunds"), "ticket_order", type_="check")
    op.drop_column("ticket_order", "refund_pending_cents")
    op.drop_column("ticket_order", "refunded_cents")
