"""orders: a partial index for the ticket redelivery sweep

Revision ID: 0007
Revises: 0006
"""

from alembic import op
from sqlalchemy import text

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ticket_order_undelivered", "ticket_order", ["paid_at"],
        postgresql_where=text("status = 'paid' AND tickets_emailed_at IS NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_ticket_order_undelivered", table_name="ticket_order")
