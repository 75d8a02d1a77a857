"""payment_settings: provider settings: checkout order, test results

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payment_provider_account", sa.Column("position", sa.Integer(), nullable=True))
    op.add_column("payment_provider_account", sa.Column("last_test_ok", sa.Boolean(), nullable=True))
    op.add_column("payment_provider_account", sa.Column("last_test_message", sa.String(length=300), nullable=True))
    op.add_column("payment_provider_account", sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("payment_provider_account", "last_tested_at")
    op.drop_column("payment_provider_account", "last_test_message")
    op.drop_column("payment_provider_account", "last_test_ok")
    op.drop_column("payment_provider_account", "position")
