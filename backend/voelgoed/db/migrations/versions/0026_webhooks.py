"""webhooks: outgoing webhooks' endpoints, outbox, deliveries and attempts (issue #14 item 2)

`webhook_event` is the outbox: written in the transaction of the change it reports, with one
`webhook_delivery` per subscribed endpoint (domain/webhooks/outbox.py); `webhook_attempt` is the
delivery log. docs/webhooks.md.

Revision ID: 0026
Revises: 0025
"""

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026"
down_revision = "0025"
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


# Workers LISTEN on this channel (domain/webhooks/dispatcher.py): a committed insert of deliveries
# wakes them at once; a rolled-back one sends nothing (NOTIFY is delivered on commit only).
NOTIFY_FUNCTION = """CREATE FUNCTION webhook_delivery_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('voelgoed_webhooks', '');
    RETURN NULL;
END $$"""
NOTIFY_TRIGGER = """CREATE TRIGGER webhook_delivery_inserted AFTER INSERT ON webhook_delivery
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_delivery_notify()"""


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disabled_reason", sa.String(length=300), nullable=True),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("previous_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", GUID(length=16), nullable=True),
        *_common("webhook_endpoint"),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"], name="fk_webhook_endpoint_created_by_user_account", ondelete="SET NULL"),
        sa.CheckConstraint("status IN ('enabled', 'disabled')", name=op.f("ck_webhook_endpoint_webhook_endpoint_status")),
    )  # fmt: skip
    op.create_index("ix_webhook_endpoint_organization_id", "webhook_endpoint", ["organization_id"])

    op.create_table(
        "webhook_event",
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *_common("webhook_event"),
    )  # fmt: skip
    op.create_index("ix_webhook_event_organization_id", "webhook_event", ["organization_id"])
    op.create_index("ix_webhook_event_org_created", "webhook_event", ["organization_id", "created_at"])

    op.create_table(
        "webhook_delivery",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("endpoint_id", GUID(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        *_common("webhook_delivery"),
        sa.ForeignKeyConstraint(["event_id"], ["webhook_event.id"], name="fk_webhook_delivery_event_id_webhook_event", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoint.id"], name="fk_webhook_delivery_endpoint_id_webhook_endpoint", ondelete="CASCADE"),
        sa.UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_delivery_event_endpoint"),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'cancelled')", name=op.f("ck_webhook_delivery_webhook_delivery_status")),
    )  # fmt: skip
    op.create_index("ix_webhook_delivery_organization_id", "webhook_delivery", ["organization_id"])
    op.create_index("ix_webhook_delivery_endpoint_created", "webhook_delivery", ["endpoint_id", "created_at"])
    op.create_index(
        "ix_webhook_delivery_due",
        "webhook_delivery",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "webhook_attempt",
        sa.Column("delivery_id", GUID(length=16), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("request_excerpt", sa.Text(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        *_common("webhook_attempt"),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_delivery.id"], name="fk_webhook_attempt_delivery_id_webhook_delivery", ondelete="CASCADE"),
    )  # fmt: skip
    op.create_index("ix_webhook_attempt_organization_id", "webhook_attempt", ["organization_id"])
    op.create_index("ix_webhook_attempt_delivery_id", "webhook_attempt", ["delivery_id"])
    op.execute(NOTIFY_FUNCTION)
    op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS webhook_delivery_inserted ON webhook_delivery")
    op.execute("DROP FUNCTION IF EXISTS webhook_delivery_notify()")
    op.drop_table("webhook_attempt")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_event")
    op.drop_table("webhook_endpoint")
