"""What the webhook verifiers of the card gateways (yoco_webhooks.py, paystack_webhooks.py) share
beyond what every provider shares (notification_records.py: the result, the record of a refused
notification, the duplicate check, finding the transaction): reading a JSON event, the
organisation's credentials, and the records of verified events that are not payments.

A verified event that changes nothing here (e.g. Paystack's refund.pending) is kept under a unique
`#info-...` id. A verified refund outcome goes to workflows/refunds.apply_refund_notice every time
it arrives: that function is idempotent on the notice's event id by contract, and a redelivery must
reach it (the provider may report a refund before our row knows the provider's refund id). It is
recorded here once, under `refund:<provider event id>`, so the refunds area is free to use the
plain event id itself.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.payments.notification_records import (
    NotificationResult,
    add_record,
    holds_nul,
    record_verified_once,
)
from voelgoed.domain.payments.services import decrypt_credentials, find_account
from voelgoed.lib import crypto

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64_000  # a gateway's event is a few kilobytes; anything far larger is not one
REFUND_EVENT_PREFIX = "refund:"


def parse_json(body: bytes) -> dict[str, Any] | None:
    """The event object, or None when the body is not one JSON object of a sane size, or holds a
    NUL character (PostgreSQL cannot store it: refused as malformed, not a database error)."""
    if not body or len(body) > MAX_BODY_BYTES:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and not holds_nul(data) else None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def cents(value: Any) -> int | None:
    """An amount in cents as the gateways send it (an integer, or Paystack's digit string in refund
    events); None for anything else (floats, signs, other scripts' digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 16:
        return int(value)
    return None


def stored_payload(event: dict[str, Any] | None, body: bytes) -> dict[str, Any]:
    if event is not None:
        return event
    return {"raw": body[:2000].decode("utf-8", errors="replace").replace("\x00", "\ufffd")}


async def credentials_for(db: AsyncSession, organization_id: uuid.UUID, provider: str) -> dict[str, Any]:
    """The organisation's decrypted credentials for `provider` ({} when none or unreadable)."""
    account = await find_account(db, organization_id, provider)
    if account is None:
        return {}
    try:
        return decrypt_credentials(provider, account.credentials or {})
    except crypto.DecryptionError:
        log.error(
            "%s credentials of organisation %s cannot be decrypted (SECRET_KEY rotated?)", provider, organization_id
        )
        return {}


def record_no_action(
    db: AsyncSession,
    *,
    provider: str,
    event_id: str,
    payload: dict[str, Any],
    source_ip: str | None,
    transaction: PaymentTransaction | None,
    outcome: str,
) -> NotificationResult:
    """A verified event that changes nothing here (e.g. Paystack's refund.pending): kept for the
    record under a unique id, answered 200 so the provider stops sending it."""
    add_record(
        db,
        provider=provider,
        event_id=f"{event_id[:60]}#info-{uuid.uuid4().hex[:16]}",
        payload=payload,
        source_ip=source_ip,
        transaction=transaction,
        verified=True,
        outcome=outcome,
    )
    return NotificationResult(200, outcome)


async def record_refund_outcome(db: AsyncSession, result: NotificationResult, outcome: str) -> None:
    """Remember a settled refund notification (`refund:<event id>`), once; the caller commits."""
    notice = result.refund
    if notice is None or not notice.event_id:
        return
    await record_verified_once(
        db,
        provider=notice.provider,
        event_id=f"{REFUND_EVENT_PREFIX}{notice.event_id}",
        transaction_id=result.transaction_id,
        source_ip=result.source_ip,
        payload=notice.payload,
        outcome=outcome,
    )
