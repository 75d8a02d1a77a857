"""quotas waiting list: shared quotas and the waiting list (issue #12 item 6)

Revision ID: 0021
Revises: 0020
"""

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: shared quotas and the waiting list (issue #12 item 6)


def downgrade() -> None:
    pass
