"""The database access rule (docs/architecture.md "Database access"), checked on the source.

The tenancy hook (db/tenancy.py) adds the organisation filter to ORM statements only. So:
1. hand-written SQL lives only in an area's `queries.py` or a `*_sql.py` module;
2. every such statement that touches an organisation-owned table filters by `organization_id`,
   or is listed in ALLOWED with the reason it is safe without (what scopes it instead);
3. Core-table access (`Model.__table__`) stays in the measured hot path, domain/catalog/inventory.py.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

from advanced_alchemy.base import orm_registry
from sqlalchemy.sql.elements import TextClause

import voelgoed
from voelgoed.db import models  # noqa: F401 (registers every model)
from voelgoed.db.driver import Statement
from voelgoed.db.tenancy import OrgOwned

PACKAGE = Path(voelgoed.__file__).parent

# Why these statements need no organisation filter of their own. Keyed "module:NAME".
_EVENT = "keyed by an event id the caller loaded through the tenant-scoped ORM"
_DEVICE_EVENT = "device path: keyed by an event the device is paired for (checked first) or its ticket/scan ids"
_SYSTEM = "system job over all tenants (the worker has no organisation)"
ALLOWED: dict[str, str] = {
    # The device's own row, found by its token hash: the organisation comes from this row.
    "voelgoed.auth.queries:DEVICE_AUTH": "device path: the token identifies the device row",
    # An API key's own row, found by its prefix (the hash is compared next): its organisation comes from it.
    "voelgoed.auth.queries:API_KEY_BY_PREFIX": "API-key path: the key's prefix identifies its row",
    # A seat-hold batch's read of its event's changed seats: keyed by the event the public hold
    # names (published, checked in the same transaction), as every public hold is.
    "voelgoed.domain.seating.free_seats_sql:CHANGED_SEATS": "public seat hold: keyed by the on-sale event's id",
    # Inserts: the organisation is a bound value of the rows written, not a filter.
    "voelgoed.domain.webhooks.outbox_sql:_INSERT_EVENT": "insert: organization_id is written as :org",
    "voelgoed.domain.webhooks.outbox_sql:_INSERT_DELIVERIES": "insert: organization_id is written as :org",
    # Webhook delivery: the worker's system job over every organisation's due deliveries; every other
    # statement is keyed by the delivery or endpoint ids it claimed (or, from the admin API, by an
    # endpoint loaded through the tenant-scoped ORM), and inserts write the claimed row's organisation.
    "voelgoed.domain.webhooks.delivery_sql:CLAIM_DUE": _SYSTEM,
    "voelgoed.domain.webhooks.delivery_sql:CLAIM_IDS": _SYSTEM + " (ids given by the caller)",
    "voelgoed.domain.webhooks.delivery_sql:_INSERT_ATTEMPTS": "insert: each claimed delivery's organization_id",
    "voelgoed.domain.webhooks.delivery_sql:_UPDATE_DELIVERIES": "keyed by the delivery ids it claimed",
    "voelgoed.domain.webhooks.delivery_sql:_ENDPOINTS_SUCCEEDED": "keyed by the claimed deliveries' endpoint ids",
    "voelgoed.domain.webhooks.delivery_sql:_ENDPOINTS_FAILING": "keyed by the claimed deliveries' endpoint ids",
    "voelgoed.domain.webhooks.delivery_sql:_TOO_LONG_FAILING": "keyed by the claimed deliveries' endpoint ids",
    "voelgoed.domain.webhooks.delivery_sql:_DISABLE_ENDPOINT": "keyed by a claimed delivery's endpoint id",
    "voelgoed.domain.webhooks.delivery_sql:_CANCEL_PENDING": "keyed by an endpoint id (claimed, or loaded via the ORM)",
    "voelgoed.domain.check_in.queries:SCAN_FEED": _EVENT,
    "voelgoed.domain.check_in.queries:OFFLINE_DUPLICATES": _EVENT,
    "voelgoed.domain.check_in.queries:DUPLICATE_WINNERS": _EVENT + " (ticket ids of its duplicates)",
    "voelgoed.domain.check_in.queries:GATE_COUNTS": _EVENT,
    "voelgoed.domain.check_in.queries:COUNT_TOTALS": _EVENT,
    "voelgoed.domain.check_in.queries:SESSIONS": _EVENT + " (devices paired for it)",
    "voelgoed.domain.dashboards.queries:EVENTS_TO_BUILD": _SYSTEM,
    "voelgoed.domain.notifications.queries:DUE_ORDERS": _SYSTEM + " (the reminder cron)",
    "voelgoed.domain.dashboards.queries:RESET_EVENT[0]": _EVENT,
    "voelgoed.domain.dashboards.queries:RESET_EVENT[1]": _EVENT,
    "voelgoed.domain.dashboards.queries:RESET_EVENT[2]": _EVENT,
    "voelgoed.domain.dashboards.queries:ENSURE_STATE": _SYSTEM + "; the organisation is copied from the event",
    "voelgoed.domain.dashboards.queries:LOCK_STATE": _SYSTEM,
    "voelgoed.domain.dashboards.queries:ADD_FUNNEL_BUCKETS": _SYSTEM,
    "voelgoed.domain.dashboards.queries:ADD_CHECKIN_BUCKETS": _SYSTEM,
    "voelgoed.domain.dashboards.queries:ADVANCE_STATE": _SYSTEM,
    "voelgoed.domain.dashboards.queries:FUNNEL": _EVENT,
    "voelgoed.domain.dashboards.queries:CHECKIN": _EVENT,
    "voelgoed.domain.dashboards.queries:FUNNEL_UNTIL": _EVENT,
    "voelgoed.domain.dashboards.queries:CHECKIN_UNTIL": _EVENT,
    "voelgoed.domain.dashboards.queries:TICKET_TYPES": _EVENT,
    "voelgoed.domain.dashboards.queries:SALES": _EVENT,
    "voelgoed.domain.dashboards.queries:CHANGE_TOKEN": _EVENT,
    "voelgoed.domain.devices.queries:CLOCK_OFFSETS": "keyed by device ids read through the tenant-scoped ORM",
    "voelgoed.domain.devices.queries:CURRENT_GATES": "keyed by device ids read through the tenant-scoped ORM",
    "voelgoed.domain.exports.queries:ROWS[orders]": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.exports.queries:ROWS[attendees]": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.exports.queries:ROWS[scans]": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.exports.queries:IS_SEATED": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.seating.labels_sql:SEAT_LABELS": "keyed by the event seats of tickets the caller loaded",
    "voelgoed.domain.seating.labels_sql:EVENT_SECTIONS": _EVENT,
    "voelgoed.domain.exports.queries:COUNT_ROWS[orders]": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.exports.queries:COUNT_ROWS[attendees]": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.exports.queries:COUNT_ROWS[scans]": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.exports.queries:QUESTIONS": _EVENT + " (or the job from its export row)",
    "voelgoed.domain.exports.queries:STORED_CHUNKS": "keyed by an export id the request loaded through the ORM",
    "voelgoed.domain.exports.queries:DELETE_CHUNKS": "export job: keyed by its own export id",
    "voelgoed.domain.exports.queries:INSERT_CHUNK": "export job: writes its export's organisation id",
    "voelgoed.domain.exports.queries:SET_TOTAL_ROWS": "export job: keyed by its own export id",
    "voelgoed.domain.exports.queries:SET_PROGRESS": "export job: keyed by its own export id",
    "voelgoed.domain.tickets.queries:MISSED_DELIVERIES": _SYSTEM,
    "voelgoed.domain.events.queries:ORDER_FIGURES": _EVENT,
    "voelgoed.domain.events.queries:HAS_PAID_ORDERS": _EVENT,
    "voelgoed.domain.events.queries:FAILED_ORDERS": "keyed by a cancellation read through the tenant-scoped ORM",
    "voelgoed.domain.events.queries:EMAILS_SENT": "keyed by a cancellation read through the tenant-scoped ORM",
    "voelgoed.workflows.event_cancellation_sql:NEXT_PAID_BATCH": "cancellation job: keyed by its own event id",
    "voelgoed.workflows.event_cancellation_sql:REMAINING_PAID": "cancellation job: keyed by its own event id",
    "voelgoed.workflows.event_cancellation_sql:REMAINING_HOLDS": "cancellation job: keyed by its own event id",
    "voelgoed.workflows.event_cancellation_sql:EMAILS_TO_QUEUE": "cancellation job: keyed by its own id",
    "voelgoed.workflows.event_cancellation_sql:MARK_EMAILS_QUEUED": "cancellation job: ids it just read for itself",
    "voelgoed.workflows.event_cancellation_sql:MAIL_FACTS": "e-mail job: keyed by its own order row id",
    "voelgoed.workflows.event_cancellation_sql:MARK_EMAILED": "e-mail job: keyed by its own order row id",
    "voelgoed.workflows.event_cancellation_sql:STALE_EMAILS": _SYSTEM,
    "voelgoed.workflows.event_cancellation_sql:STALLED": _SYSTEM,
    "voelgoed.domain.exports.queries:STALLED_QUEUED": _SYSTEM,
    "voelgoed.workflows.check_in_sql:WRITE": "device path: writes the device's organisation id; "
    "keyed by the ticket/device/gate LOOKUP just checked",
    # The caller compares the key's organisation and event with the device's before using it.
    "voelgoed.workflows.check_in_sql:EVENT_KEY": "device path: the caller checks the key's organisation",
    "voelgoed.workflows.check_in_sql:STORED": "device path: keyed by the device's own id",
    "voelgoed.workflows.check_in_sql:ADMITTED": "device path: keyed by a ticket of the device's event",
    "voelgoed.workflows.offline_sync_sql:DUPLICATE_FLAGS": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:ENSURE_STATE": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:LOCK_STATE": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:CLAIMS": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:FLIP_DUPLICATES": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:SET_STATE": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:NUMBER_CHANGES": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:SNAPSHOT_CURSOR": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:FEED_HEAD": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:CHANGES_AFTER": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:EVENT_RECORDS": _DEVICE_EVENT,
    "voelgoed.workflows.offline_sync_sql:TICKET_RECORDS": _DEVICE_EVENT,
}

# Files that may build SQL from text outside the query modules, and why.
TEXT_ALLOWED_FILES = {
    "web/health.py": "readiness probe `SELECT 1`: touches no table",
    "db/driver.py": "`SELECT 1` to open the session's transaction: touches no table",
    "testing/seeding.py": "test and benchmark data",
    "testing/webhook_outbox.py": "test and benchmark data (an outbox of its own)",
}

_TABLE_REF = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
# A comparison of organization_id with a parameter (`:org`, or `$n` once a Statement numbered it).
_ORG_FILTER = re.compile(r"\borganization_id\s*=\s*(?::[a-z_]|\$\d)", re.IGNORECASE)
_SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|SET TRANSACTION)\b")  # upper case: SQL, not prose


def _is_query_module(path: Path) -> bool:
    return path.name == "queries.py" or path.name.endswith("_sql.py")


def _source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.relative_to(PACKAGE).parts:
            yield path


def _module_name(path: Path) -> str:
    return "voelgoed." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _statements_in(name: str, value: object) -> Iterator[tuple[str, str]]:
    if isinstance(value, TextClause):
        yield name, value.text
    elif isinstance(value, Statement):
        yield name, value.sql
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _statements_in(f"{name}[{key}]", item)
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _statements_in(f"{name}[{i}]", item)


def hand_written_statements() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in _source_files():
        if not _is_query_module(path):
            continue
        module = importlib.import_module(_module_name(path))
        for attr, value in vars(module).items():
            for name, sql in _statements_in(attr, value):
                found[f"{module.__name__}:{name}"] = sql
    return found


def org_owned_tables() -> set[str]:
    return {m.local_table.name for m in orm_registry.mappers if issubclass(m.class_, OrgOwned)}  # type: ignore[union-attr]


def unfiltered(statements: dict[str, str], owned: set[str]) -> set[str]:
    """Statements touching an organisation-owned table with no organisation filter."""
    return {
        name
        for name, sql in statements.items()
        if owned & {t.lower() for t in _TABLE_REF.findall(sql)} and not _ORG_FILTER.search(sql)
    }


def test_the_collection_sees_the_statements_and_tables() -> None:
    statements = hand_written_statements()
    owned = org_owned_tables()
    assert {"ticket", "ticket_order", "checkin_scan", "device", "gate"} <= owned
    assert "organization" not in owned and "app_user" not in owned
    assert "voelgoed.workflows.check_in_sql:LOOKUP" in statements
    assert "voelgoed.domain.dashboards.queries:OVERVIEW_TYPES" in statements


def test_hand_written_sql_on_organisation_tables_filters_by_organisation() -> None:
    missing = unfiltered(hand_written_statements(), org_owned_tables()) - set(ALLOWED)
    assert not missing, (
        "These statements touch organisation-owned tables without `organization_id = :param`. The tenancy "
        "hook does not see hand-written SQL: filter by organisation, or add the statement to ALLOWED with "
        f"what scopes it instead: {sorted(missing)}"
    )


def test_allowed_list_has_no_stale_entries() -> None:
    needed = unfiltered(hand_written_statements(), org_owned_tables())
    stale = set(ALLOWED) - needed
    assert not stale, f"ALLOWED lists statements that are gone or now filter by organisation: {sorted(stale)}"


def test_a_statement_without_its_organisation_filter_is_caught() -> None:
    statements = hand_written_statements()
    name = "voelgoed.domain.dashboards.queries:OVERVIEW_TYPES"
    owned = org_owned_tables()
    assert name not in unfiltered(statements, owned)
    broken = {name: statements[name].replace("WHERE organization_id = :o", "")}
    assert unfiltered(broken, owned) == {name}


def _sql_building_calls(tree: ast.AST) -> Iterator[int]:
    """Lines of `text(...)` / `Statement(...)` calls and of calls whose first argument is an SQL string."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        # `text(...)`, `sa.text(...)`, `Statement(...)`; not a method of another object (`env.text(...)`)
        on_sqlalchemy = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        on_sqlalchemy = on_sqlalchemy and func.value.id in {"sa", "sqlalchemy"}  # type: ignore[attr-defined]
        name = func.id if isinstance(func, ast.Name) else func.attr if on_sqlalchemy else ""  # type: ignore[attr-defined]
        first = node.args[0] if node.args else None
        sql_literal = isinstance(first, ast.Constant) and isinstance(first.value, str) and _SQL_START.match(first.value)
        if name in ("text", "Statement") or sql_literal:
            yield node.lineno


def test_hand_written_sql_only_in_query_modules() -> None:
    offenders = []
    for path in _source_files():
        rel = path.relative_to(PACKAGE).as_posix()
        if _is_query_module(path) or rel in TEXT_ALLOWED_FILES or path.name == "models.py":
            continue  # models.py: DDL expressions (server defaults, partial index predicates)
        offenders += [f"{rel}:{line}" for line in _sql_building_calls(ast.parse(path.read_text()))]
    assert not offenders, (
        "Hand-written SQL belongs in the area's queries.py or a *_sql.py module "
        f"(docs/architecture.md 'Database access'): {offenders}"
    )


# The measured hot path of holds, payments and availability: the catalog's counters and the
# orders' hold and line tables (hold expiry and availability moved to orders, which own the rows).
# Reserved seating's seat holds are the same hot path for seats (domain/seating/holds.py).
HOT_PATH_TABLES = {"domain/catalog/inventory.py", "domain/orders/models.py", "domain/seating/models.py"}


def test_core_tables_only_in_the_measured_hot_path() -> None:
    users = {
        p.relative_to(PACKAGE).as_posix()
        for p in _source_files()
        if ".__table__" in p.read_text() and p.relative_to(PACKAGE).as_posix() != "db/tenancy.py"
    }
    assert users == HOT_PATH_TABLES


def test_one_spelling_of_the_tenant_scope_opt_out() -> None:
    """`.execution_options(**UNSCOPED)` from db/tenancy.py, never the option's name spelled out."""
    spelled = [
        p.relative_to(PACKAGE).as_posix()
        for p in _source_files()
        if "skip_tenant_scope" in p.read_text() and p.relative_to(PACKAGE).as_posix() != "db/tenancy.py"
    ]
    assert not spelled
