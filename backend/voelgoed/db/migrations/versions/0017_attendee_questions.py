"""attendee questions: attendee questions, answers and holder names (issue #12 item 1)

Revision ID: 0017
Revises: 0016
"""

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
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
        "question",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("ticket_type_ids", postgresql.ARRAY(sa.UUID()), nullable=True),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        *_common("question"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name="fk_question_event_id_event", ondelete="CASCADE"),
        sa.CheckConstraint("kind IN ('text', 'choice', 'checkbox')", name=op.f("ck_question_question_kind")),
        sa.CheckConstraint("scope IN ('order', 'ticket')", name=op.f("ck_question_question_scope")),
    )  # fmt: skip
    op.create_index("ix_question_organization_id", "question", ["organization_id"])
    op.create_index("ix_question_event_id", "question", ["event_id"])

    op.create_table(
        "attendee_answer",
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("question_id", GUID(length=16), nullable=False),
        sa.Column("order_line_id", GUID(length=16), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *_common("attendee_answer"),
        sa.ForeignKeyConstraint(["order_id"], ["ticket_order.id"], name="fk_attendee_answer_order_id_ticket_order",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"], name="fk_attendee_answer_question_id_question",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name="fk_attendee_answer_order_line_id_order_line", ondelete="CASCADE"),
        sa.CheckConstraint("(order_line_id IS NULL) = (position IS NULL)",
                           name=op.f("ck_attendee_answer_attendee_answer_ticket")),
    )  # fmt: skip
    op.create_index("ix_attendee_answer_organization_id", "attendee_answer", ["organization_id"])
    op.create_index("ix_attendee_answer_order_id", "attendee_answer", ["order_id"])
    op.create_index("ix_attendee_answer_question_id", "attendee_answer", ["question_id"])

    op.create_table(
        "attendee_name",
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("order_line_id", GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        *_common("attendee_name"),
        sa.ForeignKeyConstraint(["order_id"], ["ticket_order.id"], name="fk_attendee_name_order_id_ticket_order",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"],
                                name="fk_attendee_name_order_line_id_order_line", ondelete="CASCADE"),
        sa.UniqueConstraint("order_line_id", "position", name=op.f("uq_attendee_name_order_line_id")),
    )  # fmt: skip
    op.create_index("ix_attendee_name_organization_id", "attendee_name", ["organization_id"])
    op.create_index("ix_attendee_name_order_id", "attendee_name", ["order_id"])

    op.create_table(
        "attendee_settings",
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("holder_names", sa.String(length=10), nullable=False),
        *_common("attendee_settings"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name="fk_attendee_settings_event_id_event",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("event_id", name=op.f("uq_attendee_settings_event_id")),
        sa.CheckConstraint("holder_names IN ('off', 'optional', 'required')",
                           name=op.f("ck_attendee_settings_attendee_settings_holder_names")),
    )  # fmt: skip
    op.create_index("ix_attendee_settings_organization_id", "attendee_settings", ["organization_id"])


def downgrade() -> None:
    op.drop_table("attendee_settings")
    op.drop_table("attendee_name")
    op.drop_table("attendee_answer")
    op.drop_table("question")
