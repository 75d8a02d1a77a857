"""organizations: a time zone (times not tied to an event, e.g. the audit log, are shown in it)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "organization",
        sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="Africa/Johannesburg"),
    )


def downgrade() -> None:
    op.drop_column("organization", "time_zone")
