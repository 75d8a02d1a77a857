"""ledger: the double-entry ledger (journal entries and lines), its database guarantees, and the
booking of payments received before it existed

Revision ID: 0013
Revises: 0012

The guarantees (docs/ledger.md), enforced by PostgreSQL whatever the code does:
- every entry balances: its lines sum to zero and there are at least two (a DEFERRABLE INITIALLY
  DEFERRED constraint trigger, so the check runs at COMMIT, after all lines are in);
- a line carries its entry's organisation, event and provider;
- no line amount is zero (CHECK);
- entries and lines are never updated, deleted or truncated (triggers that raise);
- an entry is reversed at most once (unique reverses_entry_id).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ACCOUNTS = "'provider_clearing', 'bank', 'ticket_revenue', 'vat_output', 'provider_fees', 'refunds', 'chargebacks', 'refunds_due'"
KINDS = "'sale', 'unallocated_receipt', 'refund', 'unallocated_refund', 'chargeback', 'fee', 'payout', 'reversal'"

FUNCTIONS = [
    """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % refused (post a reversal instead)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $$""",
    """
CREATE FUNCTION ledger_line_matches_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE e journal_entry%ROWTYPE;
BEGIN
  SELECT * INTO e FROM journal_entry WHERE id = NEW.entry_id;
  IF e.organization_id IS DISTINCT FROM NEW.organization_id OR e.event_id IS DISTINCT FROM NEW.event_id
     OR e.provider IS DISTINCT FROM NEW.provider THEN
    RAISE EXCEPTION 'journal line % does not carry the organisation, event and provider of entry %', NEW.id, NEW.entry_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$""",
    """
CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target uuid;
  total numeric;
  lines integer;
BEGIN
  IF TG_TABLE_NAME = 'journal_line' THEN  -- (an IF: plpgsql resolves NEW's fields only when run)
    target := NEW.entry_id;
  ELSE
    target := NEW.id;
  END IF;
  SELECT coalesce(sum(amount_cents), 0), count(*) INTO total, lines FROM journal_line WHERE entry_id = target;
  IF total <> 0 OR lines < 2 THEN
    RAISE EXCEPTION 'journal entry % is not balanced: % lines summing to % cents', target, lines, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$""",
]

TRIGGERS = [
    """CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE ON journal_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER journal_line_append_only BEFORE UPDATE OR DELETE ON journal_line
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER journal_entry_no_truncate BEFORE TRUNCATE ON journal_entry
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER journal_line_no_truncate BEFORE TRUNCATE ON journal_line
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()""",
    """CREATE TRIGGER journal_line_matches_entry BEFORE INSERT ON journal_line
  FOR EACH ROW EXECUTE FUNCTION ledger_line_matches_entry()""",
    """CREATE CONSTRAINT TRIGGER journal_line_balanced AFTER INSERT ON journal_line
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()""",
    """CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON journal_entry
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()""",
]

# Payments that succeeded before the ledger existed. The first succeeded payment of an order that
# is paid (or was, and is now refunded) is a sale: revenue without VAT, VAT output, the fee when the
# order knows it; every other succeeded payment (needs_refund, a second payment) is money owed back.
BACKFILL = [
    """
CREATE TEMP TABLE ledger_backfill ON COMMIT DROP AS
SELECT gen_random_uuid() AS entry_id, t.id AS transaction_id, t.organization_id, o.event_id, o.id AS order_id,
       t.provider, t.amount_cents, o.vat_cents, o.fees_cents,
       coalesce(t.completed_at, o.paid_at, t.updated_at) AS occurred_at,
       (o.status IN ('paid', 'refunded') AND row_number() OVER (
           PARTITION BY o.id ORDER BY coalesce(t.completed_at, t.updated_at), t.id) = 1) AS allocated
  FROM payment_transaction t JOIN ticket_order o ON o.id = t.order_id
 WHERE t.status = 'succeeded' AND t.amount_cents > 0
   AND NOT EXISTS (SELECT 1 FROM journal_entry j WHERE j.transaction_id = t.id)  -- (re-runnable: tests run it)
""",
    """
INSERT INTO journal_entry (id, organization_id, event_id, order_id, kind, provider, transaction_id,
                           occurred_at, memo, created_at, updated_at)
SELECT entry_id, organization_id, event_id, order_id,
       CASE WHEN allocated THEN 'sale' ELSE 'unallocated_receipt' END, provider, transaction_id,
       occurred_at, 'booked when the ledger was introduced (migration 0013)', now(), now()
  FROM ledger_backfill
""",
    """
INSERT INTO journal_line (id, entry_id, organization_id, event_id, account, provider, amount_cents)
SELECT gen_random_uuid(), b.entry_id, b.organization_id, b.event_id, l.account, b.provider, l.amount
  FROM ledger_backfill b
 CROSS JOIN LATERAL (VALUES
   ('provider_clearing', b.amount_cents),
   ('ticket_revenue', CASE WHEN b.allocated THEN -(b.amount_cents - b.vat_cents) ELSE 0 END),
   ('vat_output', CASE WHEN b.allocated THEN -b.vat_cents ELSE 0 END),
   ('refunds_due', CASE WHEN b.allocated THEN 0 ELSE -b.amount_cents END),
   ('provider_fees', CASE WHEN b.allocated THEN b.fees_cents ELSE 0 END),
   ('provider_clearing', CASE WHEN b.allocated THEN -b.fees_cents ELSE 0 END)
 ) AS l(account, amount)
 WHERE l.amount <> 0
""",
]


def upgrade() -> None:
    op.create_table(
        "journal_entry",
        sa.Column("event_id", sa.UUID(), nullable=True),
        sa.Column("order_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.UUID(), nullable=True),
        sa.Column("refund_id", sa.UUID(), nullable=True),
        sa.Column("external_reference", sa.String(length=100), nullable=True),
        sa.Column("reverses_entry_id", sa.UUID(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_journal_entry_journal_entry_kind")),
        sa.CheckConstraint(
            "(kind = 'reversal') = (reverses_entry_id IS NOT NULL)", name=op.f("ck_journal_entry_journal_entry_reversal")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_journal_entry_event_id_event"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["ticket_order.id"], name=op.f("fk_journal_entry_order_id_ticket_order"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["payment_transaction.id"],
            name=op.f("fk_journal_entry_transaction_id_payment_transaction"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"], ["journal_entry.id"],
            name=op.f("fk_journal_entry_reverses_entry_id_journal_entry"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_journal_entry_organization_id_organization"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entry")),
    )  # fmt: skip
    op.create_index(op.f("ix_journal_entry_organization_id"), "journal_entry", ["organization_id"])
    op.create_index("ix_journal_entry_org_occurred", "journal_entry", ["organization_id", "occurred_at"])
    op.create_index("ix_journal_entry_event_occurred", "journal_entry", ["event_id", "occurred_at"])
    op.create_index("ix_journal_entry_order", "journal_entry", ["order_id"])
    op.create_index("uq_journal_entry_reverses", "journal_entry", ["reverses_entry_id"], unique=True)
    op.create_index(
        "uq_journal_entry_payment", "journal_entry", ["transaction_id"], unique=True,
        postgresql_where=sa.text("kind IN ('sale', 'unallocated_receipt')"),
    )  # fmt: skip
    op.create_index(
        "uq_journal_entry_refund", "journal_entry", ["refund_id"], unique=True,
        postgresql_where=sa.text("kind IN ('refund', 'unallocated_refund')"),
    )  # fmt: skip
    op.create_index(
        "uq_journal_entry_idempotency", "journal_entry", ["organization_id", "idempotency_key"], unique=True
    )

    op.create_table(
        "journal_line",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=True),
        sa.Column("account", sa.String(length=24), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("amount_cents <> 0", name=op.f("ck_journal_line_journal_line_non_zero")),
        sa.CheckConstraint(f"account IN ({ACCOUNTS})", name=op.f("ck_journal_line_journal_line_account")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_journal_line_entry_id_journal_entry"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_journal_line_event_id_event"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_journal_line_organization_id_organization"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_line")),
    )  # fmt: skip
    op.create_index(op.f("ix_journal_line_entry_id"), "journal_line", ["entry_id"])
    op.create_index(op.f("ix_journal_line_organization_id"), "journal_line", ["organization_id"])
    op.create_index("ix_journal_line_org_account", "journal_line", ["organization_id", "account"])
    op.create_index("ix_journal_line_event_account", "journal_line", ["event_id", "account"])

    # One statement per call: the asyncpg driver prepares each statement.
    for statement in [*FUNCTIONS, *TRIGGERS, *BACKFILL]:  # triggers first: old payments meet the same rules
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("journal_line")  # DROP TABLE fires no row or truncate trigger
    op.drop_table("journal_entry")
    for function in ("ledger_entry_balanced", "ledger_line_matches_entry", "ledger_refuse_change"):
        op.execute(f"DROP FUNCTION {function}()")
