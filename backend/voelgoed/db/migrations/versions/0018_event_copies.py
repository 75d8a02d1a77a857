"""event copies: the event an event was copied from, the series of dates it belongs to, and the
Idempotency-Key of the copy request that made it (issue #12 item 3; workflows/event_copies.py)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("copied_from_id", GUID(length=16), nullable=True))
        batch_op.add_column(sa.Column("series_id", GUID(length=16), nullable=True))
        batch_op.add_column(sa.Column("copy_key", sa.String(length=120), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_event_copied_from_id_event"), "event", ["copied_from_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(batch_op.f("ix_event_copied_from_id"), ["copied_from_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_series_id"), ["series_id"], unique=False)
        batch_op.create_unique_constraint("uq_event_organization_id_copy_key", ["organization_id", "copy_key"])


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_event_organization_id_copy_key", type_="unique")
        batch_op.drop_index(batch_op.f("ix_event_series_id"))
        batch_op.drop_index(batch_op.f("ix_event_copied_from_id"))
        batch_op.drop_constraint(batch_op.f("fk_event_copied_from_id_event"), type_="foreignkey")
        batch_op.drop_column("copy_key")
        batch_op.drop_column("series_id")
        batch_op.drop_column("copied_from_id")
