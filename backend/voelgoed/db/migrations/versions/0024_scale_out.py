"""scale out: many processes (issue #13 item 2)

- cron_tick: one row per cron job and tick, claimed by the worker that runs it (db/cron_ticks.py).
- NOTIFY voelgoed_live, '<event id>' when an event's live figures change (ticket-type counters,
  a scan, a dashboard snapshot build): the live streams' one LISTEN per API process wakes only the
  watchers of that event (lib/live.py). Sent by triggers, so every writer (the hold batcher, payment
  confirmation, the scan path, offline sync, jobs) is covered without code of its own; PostgreSQL
  folds identical notifications of one transaction into one (a batch of 64 holds: one).

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

NOTIFY_FUNCTIONS = [
    """CREATE FUNCTION live_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('voelgoed_live', NEW.event_id::text);
    RETURN NULL;
END $$""",
    """CREATE FUNCTION live_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('voelgoed_live', e::text) FROM (SELECT DISTINCT event_id AS e FROM inserted) AS changed;
    RETURN NULL;
END $$""",
]

TRIGGERS = [
    # holds, payments, releases, refunds: the counters every dashboard and availability read
    """CREATE TRIGGER ticket_type_live AFTER UPDATE OF sold, reserved ON ticket_type FOR EACH ROW
       WHEN (OLD.sold IS DISTINCT FROM NEW.sold OR OLD.reserved IS DISTINCT FROM NEW.reserved)
       EXECUTE FUNCTION live_notify_row()""",
    # every scan, online or uploaded in bulk by offline sync (one notification per event per statement)
    """CREATE TRIGGER checkin_scan_live AFTER INSERT ON checkin_scan REFERENCING NEW TABLE AS inserted
       FOR EACH STATEMENT EXECUTE FUNCTION live_notify_inserted()""",
    # the snapshot cron's build (the dashboards' check-in and funnel series)
    """CREATE TRIGGER dashboard_snapshot_state_live AFTER INSERT OR UPDATE ON dashboard_snapshot_state
       FOR EACH ROW EXECUTE FUNCTION live_notify_row()""",
]


def upgrade() -> None:
    op.create_table(
        "cron_tick",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("tick", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("job", "tick", name=op.f("pk_cron_tick")),
    )
    for statement in [*NOTIFY_FUNCTIONS, *TRIGGERS]:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS dashboard_snapshot_state_live ON dashboard_snapshot_state")
    op.execute("DROP TRIGGER IF EXISTS checkin_scan_live ON checkin_scan")
    op.execute("DROP TRIGGER IF EXISTS ticket_type_live ON ticket_type")
    op.execute("DROP FUNCTION IF EXISTS live_notify_inserted()")
    op.execute("DROP FUNCTION IF EXISTS live_notify_row()")
    op.drop_table("cron_tick")
