"""event seats: the transaction that last changed each seat (for reading only what changed)

`event_seat.changed_xid` is set by a trigger on every insert and update to the 64-bit id of the
writing transaction. A process that keeps an event's free seats in memory (domain/seating/
free_seats.py) reads, at each batch of holds, only the seats whose `changed_xid` is at least the
oldest transaction still running when it last read (`pg_snapshot_xmin`): every change it has not
seen, whatever order transactions committed in, instead of all ~50,000 seats of a stadium.

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TRIGGER_UP = [
    """
CREATE FUNCTION event_seat_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.changed_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END $$""",
    """
CREATE TRIGGER event_seat_changed BEFORE INSERT OR UPDATE ON event_seat
  FOR EACH ROW EXECUTE FUNCTION event_seat_note_change()""",
]

TRIGGER_DOWN = [
    "DROP TRIGGER IF EXISTS event_seat_changed ON event_seat",
    "DROP FUNCTION IF EXISTS event_seat_note_change()",
]


def upgrade() -> None:
    op.add_column("event_seat", sa.Column("changed_xid", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.create_index("ix_event_seat_changes", "event_seat", ["event_id", "changed_xid"], unique=False)
    for statement in TRIGGER_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in TRIGGER_DOWN:
        op.execute(statement)
    op.drop_index("ix_event_seat_changes", table_name="event_seat")
    op.drop_column("event_seat", "changed_xid")
