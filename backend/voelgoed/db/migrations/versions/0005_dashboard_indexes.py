"""indexes for dashboards: check-ins over time, offline duplicates, sales over time

Revision ID: 0005
Revises: 0004
"""

from alembic import op
from sqlalchemy import text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checkin_scan_event_server_time", "checkin_scan", ["event_id", "server_time"])
    op.create_index(
        "ix_checkin_scan_event_offline_duplicate", "checkin_scan", ["event_id"],
        postgresql_where=text("offline_duplicate"),
    )  # fmt: skip
    op.create_index("ix_ticket_order_event_paid", "ticket_order", ["event_id", "paid_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_order_event_paid", table_name="ticket_order")
    op.drop_index("ix_checkin_scan_event_offline_duplicate", table_name="checkin_scan")
    op.drop_index("ix_checkin_scan_event_server_time", table_name="checkin_scan")
