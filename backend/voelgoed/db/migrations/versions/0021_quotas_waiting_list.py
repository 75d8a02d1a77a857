"""quotas waiting list: shared quotas and the waiting list (issue #12 item 6)

`ticket_quota`: a pool several ticket types of an event sell from (counters like a type's, with
their own no-oversell CHECK); `ticket_type.quota_id`: the one quota a type draws from.
`waiting_list_settings` (per event) and `waiting_list_entry` (buyers waiting for a sold-out type,
and the offers made to them). docs/inventory.md.

Revision ID: 0021
Revises: 0020
"""

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _common(table: str) -> list[Any]:
    return [
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=f"fk_{table}_organization_id_organization",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "ticket_quota",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        *_common("ticket_quota"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name="fk_ticket_quota_event_id_event", ondelete="CASCADE"),
        sa.UniqueConstraint("event_id", "name", name=op.f("uq_ticket_quota_event_id")),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_ticket_quota_ticket_quota_capacity_non_negative")),
        sa.CheckConstraint("reserved >= 0 AND sold >= 0", name=op.f("ck_ticket_quota_ticket_quota_counters_non_negative")),
        sa.CheckConstraint("reserved + sold <= capacity", name=op.f("ck_ticket_quota_ticket_quota_no_oversell")),
    )  # fmt: skip
    op.create_index("ix_ticket_quota_organization_id", "ticket_quota", ["organization_id"])
    op.create_index("ix_ticket_quota_event_id", "ticket_quota", ["event_id"])
    op.add_column("ticket_type", sa.Column("quota_id", GUID(length=16), nullable=True))
    op.create_foreign_key(
        "fk_ticket_type_quota_id_ticket_quota", "ticket_type", "ticket_quota", ["quota_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index("ix_ticket_type_quota_id", "ticket_type", ["quota_id"])

    op.create_table(
        "waiting_list_settings",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("offer_hours", sa.Integer(), nullable=False),
        *_common("waiting_list_settings"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name="fk_waiting_list_settings_event_id_event", ondelete="CASCADE"),
        sa.UniqueConstraint("event_id", name="uq_waiting_list_settings_event_id"),
        sa.CheckConstraint("offer_hours BETWEEN 1 AND 168", name=op.f("ck_waiting_list_settings_waiting_list_settings_offer_hours")),
    )  # fmt: skip
    op.create_index("ix_waiting_list_settings_organization_id", "waiting_list_settings", ["organization_id"])

    op.create_table(
        "waiting_list_entry",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("ticket_type_id", GUID(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_id", GUID(length=16), nullable=True),
        sa.Column("offer_token_hash", sa.String(length=64), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        *_common("waiting_list_entry"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name="fk_waiting_list_entry_event_id_event", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_type_id"], ["ticket_type.id"], name="fk_waiting_list_entry_ticket_type_id_ticket_type", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["ticket_order.id"], name="fk_waiting_list_entry_order_id_ticket_order", ondelete="SET NULL"),
        sa.UniqueConstraint("offer_token_hash", name="uq_waiting_list_entry_offer_token_hash"),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_waiting_list_entry_waiting_list_entry_quantity")),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'converted', 'expired', 'removed')",
            name=op.f("ck_waiting_list_entry_waiting_list_entry_status"),
        ),
    )  # fmt: skip
    op.create_index("ix_waiting_list_entry_organization_id", "waiting_list_entry", ["organization_id"])
    op.create_index("ix_waiting_list_entry_ticket_type_id", "waiting_list_entry", ["ticket_type_id"])
    op.create_index("ix_waiting_list_entry_order_id", "waiting_list_entry", ["order_id"])
    op.create_index("ix_waiting_list_entry_event_status", "waiting_list_entry", ["event_id", "status", "created_at"])
    op.create_index(
        "uq_waiting_list_entry_open_email",
        "waiting_list_entry",
        ["ticket_type_id", "email"],
        unique=True,
        postgresql_where=sa.text("status IN ('waiting', 'offered')"),
    )


def downgrade() -> None:
    op.drop_table("waiting_list_entry")
    op.drop_table("waiting_list_settings")
    op.drop_index("ix_ticket_type_quota_id", table_name="ticket_type")
    op.drop_constraint("fk_ticket_type_quota_id_ticket_quota", "ticket_type", type_="foreignkey")
    op.drop_column("ticket_type", "quota_id")
    op.drop_table("ticket_quota")
