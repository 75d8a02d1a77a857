"""api keys: API keys per organisation (issue #14 item 1)

`api_key` keeps a key's public prefix and SHA-256 of the whole key, never the key
(domain/api_keys, auth/api_key.py). The audit log names the key that made a change:
`audit_entry.actor_api_key_id` and `actor_label` ("API key <name>", or the person's e-mail).

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", GUID(length=16), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], name="fk_api_key_organization_id_organization", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"], name="fk_api_key_created_by_user_account", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_api_key"),
        sa.UniqueConstraint("prefix", name="uq_api_key_prefix"),
        sa.UniqueConstraint("organization_id", "idempotency_key", name="uq_api_key_idempotency"),
    )  # fmt: skip
    op.create_index("ix_api_key_organization_id", "api_key", ["organization_id"])

    op.add_column("audit_entry", sa.Column("actor_api_key_id", GUID(length=16), nullable=True))
    op.add_column("audit_entry", sa.Column("actor_label", sa.String(length=200), nullable=True))
    op.create_foreign_key(
        "fk_audit_entry_actor_api_key_id_api_key", "audit_entry", "api_key", ["actor_api_key_id"], ["id"],
        ondelete="SET NULL",
    )  # fmt: skip


def downgrade() -> None:
    op.drop_constraint("fk_audit_entry_actor_api_key_id_api_key", "audit_entry", type_="foreignkey")
    op.drop_column("audit_entry", "actor_label")
    op.drop_column("audit_entry", "actor_api_key_id")
    op.drop_index("ix_api_key_organization_id", table_name="api_key")
    op.drop_table("api_key")
