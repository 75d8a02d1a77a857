"""What the webhook verifiers of the card gateways (yoco_webhooks.py, paystack_webhooks.py) share:
their result, finding the transaction and the organisation's credentials a notification claims,
and the `payment_notification` record of every notification, refused ones included (as itn.py
does for PayFast).

A refused notification is stored under its provider id plus a unique `#rejected-...` suffix (or
`#unconfirmed-...` when the provider could not be asked), so a forged copy can never take the id
the genuine notification is de-duplicated on. Verified payment notifications are claimed by
workflows/payment_confirmation.confirm_payment under the provider's id. A verified refund outcome
goes to workflows/refunds.apply_refund_notice every time it arrives: that function is idempotent on
the notice's event id by contract, and a redelivery must reach it (the provider may report a
refund before our row knows the provider's refund id). It is recorded here once, under
`refund:<provider event id>`, so the refunds area is free to use the plain event id itself.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.payments.models import PaymentNotification, PaymentTransaction
from voelgoed.domain.payments.notifications import PaymentNotice, RefundNotice
from voelgoed.domain.payments.services import decrypt_credentials, find_account
from voelgoed.lib import crypto
from voelgoed.lib.problems import AppError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64_000  # a gateway's event is a few kilobytes; anything far larger is not one
REFUND_EVENT_PREFIX = "refund:"


class WebhookRejected(AppError):
    status, slug, title = 400, "notification-rejected", "Payment notification rejected"


class ProviderUnreachable(AppError):
    status, slug, title = 503, "unavailable", "Try again later"


@dataclass(frozen=True)
class WebhookResult:
    status_code: int  # 200 verified / duplicate / needs no action, 400 refused, 503 cannot confirm now
    outcome: str
    payment: PaymentNotice | None = None  # verified: hand it to payment_confirmation.confirm_payment
    refund: RefundNotice | None = None  # verified: hand it to refunds.apply_refund_notice
    transaction_id: uuid.UUID | None = None  # the payment a refund notice is about (for the record)
    source_ip: str | None = None


def parse_json(body: bytes) -> dict[str, Any] | None:
    """The event object, or None when the body is not one JSON object of a sane size."""
    if not body or len(body) > MAX_BODY_BYTES:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


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
    return {"raw": body[:2000].decode("utf-8", errors="replace")}


async def find_transaction(
    db: AsyncSession, provider: str, *, transaction_id: uuid.UUID | None = None, provider_reference: str | None = None
) -> PaymentTransaction | None:
    """The provider's transaction a notification names, by our id or by the provider's reference."""
    if transaction_id is not None:
        stmt = select(PaymentTransaction).where(PaymentTransaction.id == transaction_id)
    elif provider_reference:
        stmt = select(PaymentTransaction).where(
            PaymentTransaction.provider == provider, PaymentTransaction.provider_reference == provider_reference[:100]
        )
    else:
        return None
    txn = await db.scalar(stmt.execution_options(**UNSCOPED))
    return txn if txn is not None and txn.provider == provider else None


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


async def already_processed(db: AsyncSession, provider: str, event_id: str) -> bool:
    seen = await db.scalar(
        select(PaymentNotification.id).where(
            PaymentNotification.provider == provider,
            PaymentNotification.provider_event_id == event_id[:100],
            PaymentNotification.verified.is_(True),
        )
    )
    return seen is not None


def refuse(
    db: AsyncSession,
    *,
    provider: str,
    event_id: str | None,
    payload: dict[str, Any],
    source_ip: str | None,
    reason: str,
    transaction: PaymentTransaction | None = None,
    code: int = 400,
) -> WebhookResult:
    """Record a notification that was not accepted and say so (400; 503: could not confirm now)."""
    suffix = "#unconfirmed-" if code == 503 else "#rejected-"
    db.add(
        PaymentNotification(
            provider=provider,
            provider_event_id=f"{(event_id or 'none')[:60]}{suffix}{uuid.uuid4().hex[:16]}",
            transaction_id=transaction.id if transaction else None,
            source_ip=(source_ip or "")[:64] or None,
            payload=payload,
            verified=False,
            outcome=reason[:200],
        )
    )
    log.warning("%s webhook not accepted (event %r, from %s): %s", provider, event_id, source_ip, reason)
    return WebhookResult(code, reason)


def record_no_action(
    db: AsyncSession,
    *,
    provider: str,
    event_id: str,
    payload: dict[str, Any],
    source_ip: str | None,
    transaction: PaymentTransaction | None,
    outcome: str,
) -> WebhookResult:
    """A verified event that changes nothing here (e.g. Paystack's refund.pending): kept for the
    record under a unique id, answered 200 so the provider stops sending it."""
    db.add(
        PaymentNotification(
            provider=provider,
            provider_event_id=f"{event_id[:60]}#info-{uuid.uuid4().hex[:16]}",
            transaction_id=transaction.id if transaction else None,
            source_ip=(source_ip or "")[:64] or None,
            payload=payload,
            verified=True,
            outcome=outcome[:200],
        )
    )
    return WebhookResult(200, outcome)


async def record_refund_outcome(db: AsyncSession, result: WebhookResult, outcome: str) -> None:
    """Remember a settled refund notification (`refund:<event id>`), once; the caller commits."""
    notice = result.refund
    if notice is None or not notice.event_id:
        return
    await db.execute(
        insert(PaymentNotification)
        .values(
            id=uuid.uuid4(),
            provider=notice.provider,
            provider_event_id=f"{REFUND_EVENT_PREFIX}{notice.event_id}"[:100],
            transaction_id=result.transaction_id,
            source_ip=(result.source_ip or "")[:64] or None,
            payload=notice.payload,
            verified=True,
            outcome=(outcome or "")[:200],
        )
        .on_conflict_do_nothing(index_elements=["provider", "provider_event_id"])
    )
