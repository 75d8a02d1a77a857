"""attendee questions: attendee questions, answers and holder names (issue #12 item 1)

Revision ID: 0017
Revises: 0016
"""

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: attendee questions, answers and holder names (issue #12 item 1)


def downgrade() -> None:
    pass
