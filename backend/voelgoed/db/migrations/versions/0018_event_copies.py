"""event copies: event copies and series (issue #12 item 3)

Revision ID: 0018
Revises: 0017
"""

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: event copies and series (issue #12 item 3)


def downgrade() -> None:
    pass
