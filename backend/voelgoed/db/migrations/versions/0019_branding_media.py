"""branding media: branding, event images and media storage (issue #12 item 4)

Revision ID: 0019
Revises: 0018
"""

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: branding, event images and media storage (issue #12 item 4)


def downgrade() -> None:
    pass
