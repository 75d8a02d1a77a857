"""scale out: many processes (issue #13 item 2)

Revision ID: 0024
Revises: 0023
"""

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: many processes (issue #13 item 2)


def downgrade() -> None:
    pass
