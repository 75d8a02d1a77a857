"""api keys: API keys per organisation (issue #14 item 1)

Reserved for the API keys' table (domain/api_keys); empty until it lands.

Revision ID: 0025
Revises: 0024
"""

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
