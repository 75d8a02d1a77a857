"""devices: the gate chosen on the device (reported by the scanner when a person picks it)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("device", sa.Column("chosen_gate_id", sa.UUID(), nullable=True))
    op.add_column("device", sa.Column("gate_chosen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_device_chosen_gate_id_gate"), "device", "gate", ["chosen_gate_id"], ["id"], ondelete="SET NULL"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_device_chosen_gate_id_gate"), "device", type_="foreignkey")
    op.drop_column("device", "gate_chosen_at")
    op.drop_column("device", "chosen_gate_id")
