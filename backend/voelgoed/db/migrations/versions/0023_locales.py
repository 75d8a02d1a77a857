"""locales: languages: buyer locale on orders (issue #12 item 8)

The language the buyer checked out in (lib/i18n.py's LOCALES: "en", "af", ...): their e-mails and
ticket PDF are written in it. Existing orders were all English.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ticket_order", sa.Column("locale", sa.String(length=8), server_default="en", nullable=False))


def downgrade() -> None:
    op.drop_column("ticket_order", "locale")
