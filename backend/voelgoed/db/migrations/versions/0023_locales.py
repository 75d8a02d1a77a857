"""locales: languages: buyer locale on orders (issue #12 item 8)

Revision ID: 0023
Revises: 0022
"""

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: languages: buyer locale on orders (issue #12 item 8)


def downgrade() -> None:
    pass
