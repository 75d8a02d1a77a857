"""gateways: Yoco, Paystack and Ozow

Revision ID: 0012
Revises: 0011
"""

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for issue #11's gateways work


def downgrade() -> None:
    pass
