"""email templates: e-mail templates and reminders (issue #12 item 5)

Revision ID: 0020
Revises: 0019
"""

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: e-mail templates and reminders (issue #12 item 5)


def downgrade() -> None:
    pass
