"""personal data requests: POPIA personal data requests and retention (issue #12 item 10)

Revision ID: 0022
Revises: 0021
"""

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: POPIA personal data requests and retention (issue #12 item 10)


def downgrade() -> None:
    pass
