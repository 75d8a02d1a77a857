"""ledger: the double-entry ledger

Revision ID: 0013
Revises: 0012
"""

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for issue #11's ledger work


def downgrade() -> None:
    pass
