"""tax: organisations' business and VAT details, the VAT rate fixed on each order, tax documents
(invoices and credit notes) with gap-free numbering, and the buyer's billing details

Revision ID: 0015
Revises: 0014
"""

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _base(table: str) -> list[Any]:
    return [
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=f"fk_{table}_organization_id_organization",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.add_column("organization", sa.Column("legal_name", sa.String(length=200), nullable=True))
    op.add_column("organization", sa.Column("trading_name", sa.String(length=200), nullable=True))
    op.add_column("organization", sa.Column("postal_address", sa.Text(), nullable=True))
    op.add_column("organization", sa.Column("physical_address", sa.Text(), nullable=True))
    op.add_column(
        "organization", sa.Column("vat_registered", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.add_column("organization", sa.Column("vat_number", sa.String(length=10), nullable=True))
    op.add_column("organization", sa.Column("vat_rate_bp", sa.Integer(), server_default="1500", nullable=False))
    op.add_column(
        "organization", sa.Column("invoice_prefix", sa.String(length=12), server_default="INV", nullable=False)
    )
    op.create_check_constraint(
        "ck_organization_organization_vat_number_when_registered",
        "organization",
        "NOT vat_registered OR vat_number IS NOT NULL",
    )
    op.create_check_constraint(
        "ck_organization_organization_vat_rate_range", "organization", "vat_rate_bp BETWEEN 0 AND 10000"
    )

    op.add_column("ticket_order", sa.Column("vat_rate_bp", sa.Integer(), server_default="0", nullable=False))
    # Orders placed before this revision were priced with 15% VAT: keep what they showed.
    op.execute("UPDATE ticket_order SET vat_rate_bp = 1500 WHERE vat_cents > 0")

    op.create_table(
        "tax_document",
        *_base("tax_document"),
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("refund_id", GUID(length=16), nullable=True),
        sa.Column("invoice_id", GUID(length=16), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["ticket_order.id"], name="fk_tax_document_order_id_ticket_order", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["tax_document.id"], name="fk_tax_document_invoice_id_tax_document", ondelete="RESTRICT"
        ),
        sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name="ck_tax_document_tax_document_kind"),
        sa.CheckConstraint("number >= 1", name="ck_tax_document_tax_document_number_positive"),
        sa.UniqueConstraint("organization_id", "kind", "number", name="uq_tax_document_org_kind_number"),
        sa.UniqueConstraint("organization_id", "document_number", name="uq_tax_document_org_document_number"),
    )
    op.create_index("ix_tax_document_organization_id", "tax_document", ["organization_id"])
    op.create_index("ix_tax_document_order_id", "tax_document", ["order_id"])
    op.create_index(
        "uq_tax_document_refund",
        "tax_document",
        ["refund_id"],
        unique=True,
        postgresql_where=sa.text("refund_id IS NOT NULL"),
    )

    op.create_table(
        "tax_document_counter",
        *_base("tax_document_counter"),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.UniqueConstraint("organization_id", "kind", name="uq_tax_document_counter_org_kind"),
    )
    op.create_index("ix_tax_document_counter_organization_id", "tax_document_counter", ["organization_id"])

    op.create_table(
        "order_billing_details",
        *_base("order_billing_details"),
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("vat_number", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["ticket_order.id"], name="fk_order_billing_details_order_id_ticket_order", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_order_billing_details_organization_id", "order_billing_details", ["organization_id"])
    op.create_index("ix_order_billing_details_order_id", "order_billing_details", ["order_id"], unique=True)


def downgrade() -> None:
    op.drop_table("order_billing_details")
    op.drop_table("tax_document_counter")
    op.drop_table("tax_document")
    op.drop_column("ticket_order", "vat_rate_bp")
    op.drop_constraint("ck_organization_organization_vat_rate_range", "organization", type_="check")
    op.drop_constraint("ck_organization_organization_vat_number_when_registered", "organization", type_="check")
    for column in (
        "invoice_prefix",
        "vat_rate_bp",
        "vat_number",
        "vat_registered",
        "physical_address",
        "postal_address",
        "trading_name",
        "legal_name",
    ):
        op.drop_column("organization", column)
