"""email templates: an organisation's own wording of buyer e-mails, and the once-only record of
each order's reminder the day before (issue #12 item 5)

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_template",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("updated_by", GUID(length=16), nullable=True),
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name="fk_email_template_organization_id_organization", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["user_account.id"],
                                name="fk_email_template_updated_by_user_account", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_email_template"),
        sa.UniqueConstraint("organization_id", "kind", "locale", name="uq_email_template_kind_locale"),
    )  # fmt: skip
    op.create_index("ix_email_template_organization_id", "email_template", ["organization_id"])
    op.create_table(
        "order_reminder",
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["ticket_order.id"],
                                name="fk_order_reminder_order_id_ticket_order", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("order_id", name="pk_order_reminder"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("order_reminder")
    op.drop_index("ix_email_template_organization_id", table_name="email_template")
    op.drop_table("email_template")
