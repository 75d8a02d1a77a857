"""seating: reserved seating's plans, per-event seat status, seats on order lines and tickets (issue #15)

Plans per venue (versioned: `seating_plan`, `seat_category`, `seat_section`, `seat_row`, `seat`),
the plan version an event sells and its category -> ticket type map (`event_seating`,
`event_seat_category`), one `event_seat` row per seat and event (status, one owner order), the
seat on `order_line` and `ticket` (a partial unique index: one valid ticket per seat), and
`ticket_type.seated` (sold only with seats). docs/seating.md.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seating_plan",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("venue_id", GUID(length=16), nullable=False),
        sa.Column("lineage_id", GUID(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("width", sa.Float(), nullable=False),
        sa.Column("height", sa.Float(), nullable=False),
        sa.Column("focus_x", sa.Float(), nullable=False),
        sa.Column("focus_y", sa.Float(), nullable=False),
        sa.Column("seat_count", sa.Integer(), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_seating_plan_seating_plan_version_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_seating_plan_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venue.id"], name=op.f("fk_seating_plan_venue_id_venue"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seating_plan")),
        sa.UniqueConstraint("lineage_id", "version", name=op.f("uq_seating_plan_lineage_id")),
    )
    with op.batch_alter_table("seating_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seating_plan_lineage_id"), ["lineage_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seating_plan_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seating_plan_venue_id"), ["venue_id"], unique=False)

    op.create_table(
        "event_seating",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("plan_id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_seating_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_event_seating_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["seating_plan.id"], name=op.f("fk_event_seating_plan_id_seating_plan"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_seating")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_seating_event_id")),
    )
    with op.batch_alter_table("event_seating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_seating_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_seating_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "seat_category",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("plan_id", GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_seat_category_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["seating_plan.id"], name=op.f("fk_seat_category_plan_id_seating_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_category")),
        sa.UniqueConstraint("plan_id", "key", name=op.f("uq_seat_category_plan_id")),
    )
    with op.batch_alter_table("seat_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seat_category_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_category_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "seat_section",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("plan_id", GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("category_id", GUID(length=16), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("rotation", sa.Float(), nullable=False),
        sa.Column("curve", sa.Float(), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'standing') = (capacity IS NOT NULL) AND (capacity IS NULL OR capacity >= 0)",
            name=op.f("ck_seat_section_seat_section_capacity"),
        ),
        sa.CheckConstraint("kind IN ('seated', 'standing')", name=op.f("ck_seat_section_seat_section_kind")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["seat_category.id"],
            name=op.f("fk_seat_section_category_id_seat_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_seat_section_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["seating_plan.id"], name=op.f("fk_seat_section_plan_id_seating_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_section")),
        sa.UniqueConstraint("plan_id", "key", name=op.f("uq_seat_section_plan_id")),
    )
    with op.batch_alter_table("seat_section", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seat_section_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_section_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "event_seat_category",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("category_id", GUID(length=16), nullable=False),
        sa.Column("ticket_type_id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["seat_category.id"],
            name=op.f("fk_event_seat_category_category_id_seat_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_seat_category_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_event_seat_category_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_type_id"],
            ["ticket_type.id"],
            name=op.f("fk_event_seat_category_ticket_type_id_ticket_type"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_seat_category")),
        sa.UniqueConstraint("event_id", "category_id", name=op.f("uq_event_seat_category_event_id")),
    )
    with op.batch_alter_table("event_seat_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_seat_category_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_seat_category_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_seat_category_ticket_type_id"), ["ticket_type_id"], unique=False)

    op.create_table(
        "seat_row",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("plan_id", GUID(length=16), nullable=False),
        sa.Column("section_id", GUID(length=16), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_seat_row_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["seating_plan.id"], name=op.f("fk_seat_row_plan_id_seating_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["section_id"], ["seat_section.id"], name=op.f("fk_seat_row_section_id_seat_section"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_row")),
        sa.UniqueConstraint("section_id", "label", name=op.f("uq_seat_row_section_id")),
    )
    with op.batch_alter_table("seat_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seat_row_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_row_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_row_section_id"), ["section_id"], unique=False)

    op.create_table(
        "seat",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("plan_id", GUID(length=16), nullable=False),
        sa.Column("section_id", GUID(length=16), nullable=False),
        sa.Column("row_id", GUID(length=16), nullable=False),
        sa.Column("category_id", GUID(length=16), nullable=False),
        sa.Column("label", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("accessible", sa.Boolean(), nullable=False),
        sa.Column("restricted_view", sa.Boolean(), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["seat_category.id"], name=op.f("fk_seat_category_id_seat_category"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_seat_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["seating_plan.id"], name=op.f("fk_seat_plan_id_seating_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["row_id"], ["seat_row.id"], name=op.f("fk_seat_row_id_seat_row"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["section_id"], ["seat_section.id"], name=op.f("fk_seat_section_id_seat_section"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat")),
        sa.UniqueConstraint("plan_id", "position", name="uq_seat_plan_position"),
        sa.UniqueConstraint("row_id", "label", name="uq_seat_row_label"),
    )
    with op.batch_alter_table("seat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seat_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_row_id"), ["row_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seat_section_id"), ["section_id"], unique=False)

    op.create_table(
        "event_seat",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("seat_id", GUID(length=16), nullable=False),
        sa.Column("category_id", GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("order_id", GUID(length=16), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("block_reason", sa.String(length=20), nullable=True),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'blocked') = (block_reason IS NOT NULL)", name=op.f("ck_event_seat_event_seat_block_reason")
        ),
        sa.CheckConstraint(
            "(status IN ('held', 'sold')) = (order_id IS NOT NULL)", name=op.f("ck_event_seat_event_seat_owner")
        ),
        sa.CheckConstraint(
            "status <> 'held' OR held_until IS NOT NULL", name=op.f("ck_event_seat_event_seat_hold_expiry")
        ),
        sa.CheckConstraint(
            "status IN ('available', 'held', 'sold', 'blocked')", name=op.f("ck_event_seat_event_seat_status")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["seat_category.id"],
            name=op.f("fk_event_seat_category_id_seat_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_seat_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["order_id"], ["ticket_order.id"], name=op.f("fk_event_seat_order_id_ticket_order")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_event_seat_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["seat_id"], ["seat.id"], name=op.f("fk_event_seat_seat_id_seat"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_seat")),
        sa.UniqueConstraint("event_id", "position", name="uq_event_seat_event_position"),
        sa.UniqueConstraint("event_id", "seat_id", name="uq_event_seat_event_seat"),
    )
    with op.batch_alter_table("event_seat", schema=None) as batch_op:
        batch_op.create_index("ix_event_seat_best", ["event_id", "category_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_seat_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_seat_organization_id"), ["organization_id"], unique=False)

    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_seat_id", GUID(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_order_line_event_seat_id"), ["event_seat_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_order_line_event_seat_id_event_seat"),
            "event_seat",
            ["event_seat_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_seat_id", GUID(length=16), nullable=True))
        batch_op.create_index(
            "uq_ticket_valid_event_seat", ["event_seat_id"], unique=True, postgresql_where=sa.text("status = 'valid'")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_event_seat_id_event_seat"),
            "event_seat",
            ["event_seat_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("ticket_type", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seated", sa.Boolean(), server_default="false", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ticket_type", schema=None) as batch_op:
        batch_op.drop_column("seated")

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ticket_event_seat_id_event_seat"), type_="foreignkey")
        batch_op.drop_index("uq_ticket_valid_event_seat", postgresql_where=sa.text("status = 'valid'"))
        batch_op.drop_column("event_seat_id")

    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_line_event_seat_id_event_seat"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_order_line_event_seat_id"))
        batch_op.drop_column("event_seat_id")

    with op.batch_alter_table("event_seat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_seat_organization_id"))
        batch_op.drop_index(batch_op.f("ix_event_seat_order_id"))
        batch_op.drop_index("ix_event_seat_best")

    op.drop_table("event_seat")
    with op.batch_alter_table("seat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_section_id"))
        batch_op.drop_index(batch_op.f("ix_seat_row_id"))
        batch_op.drop_index(batch_op.f("ix_seat_plan_id"))
        batch_op.drop_index(batch_op.f("ix_seat_organization_id"))
        batch_op.drop_index(batch_op.f("ix_seat_category_id"))

    op.drop_table("seat")
    with op.batch_alter_table("seat_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_row_section_id"))
        batch_op.drop_index(batch_op.f("ix_seat_row_plan_id"))
        batch_op.drop_index(batch_op.f("ix_seat_row_organization_id"))

    op.drop_table("seat_row")
    with op.batch_alter_table("event_seat_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_seat_category_ticket_type_id"))
        batch_op.drop_index(batch_op.f("ix_event_seat_category_organization_id"))
        batch_op.drop_index(batch_op.f("ix_event_seat_category_event_id"))

    op.drop_table("event_seat_category")
    with op.batch_alter_table("seat_section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_section_plan_id"))
        batch_op.drop_index(batch_op.f("ix_seat_section_organization_id"))

    op.drop_table("seat_section")
    with op.batch_alter_table("seat_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_category_plan_id"))
        batch_op.drop_index(batch_op.f("ix_seat_category_organization_id"))

    op.drop_table("seat_category")
    with op.batch_alter_table("event_seating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_seating_plan_id"))
        batch_op.drop_index(batch_op.f("ix_event_seating_organization_id"))

    op.drop_table("event_seating")
    with op.batch_alter_table("seating_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seating_plan_venue_id"))
        batch_op.drop_index(batch_op.f("ix_seating_plan_organization_id"))
        batch_op.drop_index(batch_op.f("ix_seating_plan_lineage_id"))

    op.drop_table("seating_plan")
