"""branding media: organisations' public branding (contact address, colour, logo, description) and
an image per event (issue #12 item 4; docs/branding.md)

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organization", sa.Column("contact_email", sa.String(length=320), nullable=True))
    op.add_column("organization", sa.Column("brand_colour", sa.String(length=7), nullable=True))
    op.add_column("organization", sa.Column("logo_key", sa.String(length=300), nullable=True))
    op.add_column("organization", sa.Column("public_description", sa.Text(), nullable=True))
    op.create_check_constraint(
        "ck_organization_organization_brand_colour_hex", "organization", "brand_colour ~ '^#[0-9a-f]{6}$'"
    )
    op.add_column("event", sa.Column("image_key", sa.String(length=300), nullable=True))
    op.add_column("event", sa.Column("image_width", sa.Integer(), nullable=True))
    op.add_column("event", sa.Column("image_height", sa.Integer(), nullable=True))
    op.create_check_constraint(
        "ck_event_event_image_size_with_key",
        "event",
        "(image_key IS NULL) = (image_width IS NULL) AND (image_key IS NULL) = (image_height IS NULL)",
    )


def downgrade() -> None:
    op.drop_constraint("ck_event_event_image_size_with_key", "event", type_="check")
    op.drop_column("event", "image_height")
    op.drop_column("event", "image_width")
    op.drop_column("event", "image_key")
    op.drop_constraint("ck_organization_organization_brand_colour_hex", "organization", type_="check")
    op.drop_column("organization", "public_description")
    op.drop_column("organization", "logo_key")
    op.drop_column("organization", "brand_colour")
    op.drop_column("organization", "contact_email")
