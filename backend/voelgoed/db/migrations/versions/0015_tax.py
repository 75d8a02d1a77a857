"""tax: VAT settings and tax documents

Revision ID: 0015
Revises: 0014
"""

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved for issue #11's tax work


def downgrade() -> None:
    pass
