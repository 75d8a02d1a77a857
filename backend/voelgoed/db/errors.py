"""Reading PostgreSQL's refusals: which constraint refused a write, so a service can answer with
its own words (e.g. "this venue has events") while the database stays the authority."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

FOREIGN_KEY_VIOLATION = "23503"  # SQLSTATE


def _pg_error(exc: IntegrityError) -> object:
    orig = exc.orig
    # asyncpg's own exception (with sqlstate and constraint_name) is the adapter error's cause.
    return getattr(orig, "__cause__", None) or orig


def blocked_by_reference(exc: IntegrityError, constraint: str | None = None) -> bool:
    """A delete refused because a row still refers to this one (ON DELETE RESTRICT / NO ACTION),
    through `constraint` when given (its name, e.g. "fk_event_venue_id_venue")."""
    err = _pg_error(exc)
    if str(getattr(err, "sqlstate", "") or getattr(exc.orig, "sqlstate", "") or "") != FOREIGN_KEY_VIOLATION:
        return False
    return constraint is None or getattr(err, "constraint_name", None) == constraint
