"""The delivery engine's SQL: claim due deliveries, record what their attempts got (delivery.py).

Claiming is one statement: `SELECT ... FOR UPDATE SKIP LOCKED` picks due, unleased pending rows
that no other worker is claiming at this instant, and the same statement moves their lease
forward. The HTTP requests then run outside any transaction; a worker killed meanwhile leaves
leases that run out, and the rows are due again. Recording a batch's results is one transaction
of a few set-based statements, guarded by `status = 'pending'` (a row redelivered or cancelled
meanwhile is not overwritten).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from voelgoed.domain.webhooks.machines import delivery_transition, endpoint_transition

CHANNEL = "voelgoed_webhooks"  # NOTIFY'd by the webhook_delivery insert trigger (migration 0026)
KEEPALIVE = "SELECT 1"  # the dispatcher's listener finds a dead connection with it


@dataclass(frozen=True, slots=True)
class Claimed:
    id: uuid.UUID
    organization_id: uuid.UUID
    event_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempts: int  # before this attempt
    payload: str
    url: str
    endpoint_status: str
    secret_encrypted: str
    previous_secret_encrypted: str | None
    previous_secret_expires_at: datetime | None


_CLAIM = """
WITH due AS (
    SELECT id FROM webhook_delivery
    WHERE status = 'pending' AND {where}
      AND (leased_until IS NULL OR leased_until < :now)
      AND endpoint_id <> ALL(CAST(:skip AS uuid[]))
    ORDER BY next_attempt_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE webhook_delivery d SET leased_until = :lease_until
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.organization_id, d.event_id, d.endpoint_id, d.attempts
)
SELECT c.id, c.organization_id, c.event_id, c.endpoint_id, c.attempts, ev.payload::text AS payload,
       ep.url, ep.status AS endpoint_status, ep.secret_encrypted, ep.previous_secret_encrypted,
       ep.previous_secret_expires_at
FROM claimed c
JOIN webhook_event ev ON ev.id = c.event_id
JOIN webhook_endpoint ep ON ep.id = c.endpoint_id
"""
CLAIM_DUE = text(_CLAIM.format(where="next_attempt_at <= :now"))
CLAIM_IDS = text(_CLAIM.format(where="id = ANY(CAST(:ids AS uuid[]))"))


async def claim(
    conn: AsyncConnection,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    ids: Sequence[uuid.UUID] | None = None,
    skip_endpoints: Sequence[uuid.UUID] = (),
) -> list[Claimed]:
    """Claim up to `limit` due deliveries (or exactly those of `ids` that are pending and unleased,
    due or not), none of `skip_endpoints` (a worker's endpoints with their fair share in flight).
    Commit right after: the lease is what keeps other workers off them."""
    params: dict[str, Any] = {"now": now, "lease_until": lease_until, "limit": limit, "skip": list(skip_endpoints)}
    if ids is not None:
        params["ids"] = list(ids)
    rows = await conn.execute(CLAIM_IDS if ids is not None else CLAIM_DUE, params)
    return [Claimed(**row._mapping) for row in rows]


@dataclass(slots=True)
class Result:
    """What one attempt got, and what it means for its delivery."""

    claimed: Claimed
    attempted_at: datetime
    duration_ms: int
    request_excerpt: str
    status_code: int | None
    response_excerpt: str
    error: str | None
    # Decided by delivery.py: "succeed", "retry", "give_up" or "cancel" (endpoint disabled).
    verdict: str
    next_attempt_at: datetime | None = None


_INSERT_ATTEMPTS = text(
    "INSERT INTO webhook_attempt (id, organization_id, delivery_id, attempted_at, duration_ms, request_excerpt,"
    " response_status, response_excerpt, error, created_at, updated_at)"
    " SELECT gen_random_uuid(), org, delivery, at, ms, req, status, resp, err, :now, :now"
    " FROM unnest(CAST(:orgs AS uuid[]), CAST(:deliveries AS uuid[]), CAST(:ats AS timestamptz[]),"
    " CAST(:mss AS int[]), CAST(:reqs AS text[]), CAST(:statuses AS int[]), CAST(:resps AS text[]),"
    " CAST(:errs AS text[])) AS a(org, delivery, at, ms, req, status, resp, err)"
)
_UPDATE_DELIVERIES = text(
    "UPDATE webhook_delivery d SET status = u.status, attempts = d.attempts + u.counted,"
    " next_attempt_at = u.next_at, leased_until = NULL, last_status_code = u.code, last_error = u.err,"
    " delivered_at = COALESCE(u.delivered, d.delivered_at), updated_at = :now"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:counted AS int[]),"
    " CAST(:next_ats AS timestamptz[]), CAST(:codes AS int[]), CAST(:errs AS text[]),"
    " CAST(:delivered AS timestamptz[])) AS u(id, status, counted, next_at, code, err, delivered)"
    " WHERE d.id = u.id AND d.status = 'pending'"
)
_ENDPOINTS_SUCCEEDED = text(
    "UPDATE webhook_endpoint SET failing_since = NULL, updated_at = :now"
    " WHERE id = ANY(CAST(:ids AS uuid[])) AND failing_since IS NOT NULL"
)
_ENDPOINTS_FAILING = text(
    "UPDATE webhook_endpoint SET failing_since = :now, updated_at = :now"
    " WHERE id = ANY(CAST(:ids AS uuid[])) AND failing_since IS NULL"
)
_TOO_LONG_FAILING = text(
    "SELECT id FROM webhook_endpoint WHERE id = ANY(CAST(:ids AS uuid[])) AND status = 'enabled'"
    " AND failing_since IS NOT NULL AND (failing_since <= :disable_before OR id = ANY(CAST(:exhausted AS uuid[])))"
)
_DISABLE_ENDPOINT = text(
    "UPDATE webhook_endpoint SET status = :to, disabled_reason = :reason, updated_at = :now"
    " WHERE id = :id AND status = :from RETURNING id, organization_id, url"
)
_CANCEL_PENDING = text(
    "UPDATE webhook_delivery SET status = :to, leased_until = NULL, next_attempt_at = NULL,"
    " last_error = COALESCE(last_error, :reason), updated_at = :now"
    " WHERE endpoint_id = :id AND status = :from"
)


def _excerpt(value: str) -> str:
    return value.replace("\x00", "")  # PostgreSQL text holds no NUL


# A verdict's new delivery status, through the machine (decided once, at import).
_MOVES = {
    "succeed": delivery_transition("pending", "succeed"),
    "give_up": delivery_transition("pending", "give_up"),
    "cancel": delivery_transition("pending", "cancel"),
    "retry": "pending",  # no transition: still pending, later
}


async def record(conn: AsyncConnection, results: Sequence[Result], *, now: datetime) -> None:
    """The attempts and their deliveries' new state (one transaction: the caller's)."""
    if not results:
        return
    errors = [(r.error or None) and _excerpt(r.error or "")[:500] for r in results]
    await conn.execute(
        _INSERT_ATTEMPTS,
        {
            "now": now,
            "orgs": [r.claimed.organization_id for r in results],
            "deliveries": [r.claimed.id for r in results],
            "ats": [r.attempted_at for r in results],
            "mss": [r.duration_ms for r in results],
            "reqs": [_excerpt(r.request_excerpt) for r in results],
            "statuses": [r.status_code for r in results],
            "resps": [_excerpt(r.response_excerpt) for r in results],
            "errs": errors,
        },
    )
    await conn.execute(
        _UPDATE_DELIVERIES,
        {
            "now": now,
            "ids": [r.claimed.id for r in results],
            "statuses": [_MOVES[r.verdict] for r in results],
            "counted": [0 if r.verdict == "cancel" else 1 for r in results],
            "next_ats": [r.next_attempt_at for r in results],
            "codes": [r.status_code for r in results],
            "errs": errors,
            "delivered": [r.attempted_at if r.verdict == "succeed" else None for r in results],
        },
    )
    succeeded = list({r.claimed.endpoint_id for r in results if r.verdict == "succeed"})
    if succeeded:
        await conn.execute(_ENDPOINTS_SUCCEEDED, {"ids": succeeded, "now": now})
    failing = list({r.claimed.endpoint_id for r in results if r.verdict in ("retry", "give_up")} - set(succeeded))
    if failing:
        await conn.execute(_ENDPOINTS_FAILING, {"ids": failing, "now": now})


async def endpoints_failing_too_long(
    conn: AsyncConnection, endpoint_ids: Sequence[uuid.UUID], exhausted: Sequence[uuid.UUID], disable_before: datetime
) -> list[uuid.UUID]:
    """Of these endpoints, the enabled ones failing since before `disable_before`, or still failing
    when one of their deliveries has just used its last attempt (`exhausted`)."""
    rows = await conn.execute(
        _TOO_LONG_FAILING, {"ids": list(endpoint_ids), "exhausted": list(exhausted), "disable_before": disable_before}
    )
    return [row[0] for row in rows]


async def disable_endpoint(
    conn: AsyncConnection, endpoint_id: uuid.UUID, reason: str, *, now: datetime
) -> tuple[uuid.UUID, str] | None:
    """Disable an enabled endpoint and cancel its pending deliveries; (organisation id, url), or
    None when it was not enabled (disabled meanwhile: nothing to do)."""
    row = (
        await conn.execute(
            _DISABLE_ENDPOINT,
            {
                "id": endpoint_id,
                "from": "enabled",
                "to": endpoint_transition("enabled", "disable"),
                "reason": reason[:300],
                "now": now,
            },
        )
    ).first()
    if row is None:
        return None
    await cancel_pending(conn, endpoint_id, reason, now=now)
    return row.organization_id, row.url


async def cancel_pending(conn: AsyncConnection, endpoint_id: uuid.UUID, reason: str, *, now: datetime) -> None:
    await conn.execute(
        _CANCEL_PENDING,
        {
            "id": endpoint_id,
            "from": "pending",
            "to": delivery_transition("pending", "cancel"),
            "reason": f"cancelled: {reason}"[:500],
            "now": now,
        },
    )


async def notify(conn: AsyncConnection) -> None:
    """Wake the workers when this transaction commits (a redelivery; inserts NOTIFY by trigger)."""
    await conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
