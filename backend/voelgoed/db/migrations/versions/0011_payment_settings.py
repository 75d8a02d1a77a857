"""payment_settings: provider settings: checkout order, test results

Revision ID: 0011
Revises: 0010
"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for issue #11's payment_settings work


def downgrade() -> None:
    pass
