"""ticket types: an access code per hidden type (the only way to buy one)

Revision ID: 0008
Revises: 0007

Hidden types that exist already get a random code, so they stay purchasable through the
organiser's secret link instead of by anyone who knows their id.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # the same as domain/catalog/services.py


def upgrade() -> None:
    op.add_column("ticket_type", sa.Column("access_code", sa.String(length=40), nullable=True))
    op.create_index(
        "uq_ticket_type_event_access_code", "ticket_type", ["event_id", "access_code"], unique=True,
        postgresql_where=sa.text("access_code IS NOT NULL"),
    )  # fmt: skip
    conn = op.get_bind()
    for (type_id,) in conn.execute(sa.text("SELECT id FROM ticket_type WHERE hidden")).all():
        code = "".join(secrets.choice(ALPHABET) for _ in range(12))
        conn.execute(sa.text("UPDATE ticket_type SET access_code = :c WHERE id = :id"), {"c": code, "id": type_id})


def downgrade() -> None:
    op.drop_index("uq_ticket_type_event_access_code", table_name="ticket_type")
    op.drop_column("ticket_type", "access_code")
