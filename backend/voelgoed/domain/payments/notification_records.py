"""What every provider's notification handling shares: reading a form-encoded body (PayFast's ITN,
Ozow's payment and refund notifications), the result a verifier hands to the HTTP tier, the
`payment_notification` record of a refused or verified notification, the duplicate check, and
finding the transaction a notification names.

The verifiers keep their own rules (itn.py for PayFast, ozow_notify.py and ozow_refund_notify.py
for Ozow, yoco_webhooks.py and paystack_webhooks.py for the card gateways, with the JSON helpers
of gateway_notifications.py); the HTTP tier answers a NotificationResult with
controllers.answer_notification.

A refused notification is stored under its provider id plus a unique `#rejected-...` suffix (or
`#unconfirmed-...` when the provider could not be asked), so a forged copy can never take the id
the genuine notification is de-duplicated on.

PostgreSQL's text and JSONB cannot hold a NUL character: a body with one (a form field, a JSON
string or key) is malformed (400), recorded without it, never a 500 (holds_nul).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.payments.models import PaymentNotification, PaymentTransaction
from voelgoed.domain.payments.notifications import PaymentNotice, RefundNotice
from voelgoed.lib.problems import AppError

log = logging.getLogger(__name__)


class NotificationRejected(AppError):
    status, slug, title = 400, "notification-rejected", "Payment notification rejected"


class ServiceUnavailable(AppError):
    status, slug, title = 503, "unavailable", "Try again later"


@dataclass(frozen=True)
class NotificationResult:
    status_code: int  # 200 verified / duplicate / needs no action, 400 refused, 503 cannot confirm now
    outcome: str
    payment: PaymentNotice | None = None  # verified: hand it to payment_confirmation.confirm_payment
    refund: RefundNotice | None = None  # verified: hand it to refunds.apply_refund_notice
    transaction_id: uuid.UUID | None = None  # the payment a refund notice is about (for the record)
    source_ip: str | None = None


@dataclass(frozen=True)
class FormBody:
    """A form-encoded notification body. `pairs` keep the posted order (signatures are computed
    over it); `malformed` says the body must be refused, and then `pairs` hold only what can be
    stored for the record (at most the field limit; none when it was not UTF-8 or held a NUL)."""

    pairs: list[tuple[str, str]]
    fields: dict[str, str]
    malformed: bool

    def payload(self) -> dict[str, Any]:
        return {"fields": [[k, v] for k, v in self.pairs]}  # a list keeps the posted order


def holds_nul(value: Any) -> bool:
    """A NUL character in a string, or in any key or value of the lists and dicts within (walked
    without recursion: a JSON body may nest deeply)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def parse_form(body: bytes, *, max_fields: int) -> FormBody:
    """UTF-8, blank values kept; empty, more than `max_fields` fields, a key twice, or a NUL
    anywhere is malformed."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        pairs = []
    if holds_nul(pairs):
        pairs = []  # PostgreSQL text and JSONB cannot hold NUL: refused as malformed, not a 500
    fields = dict(pairs)
    malformed = not pairs or len(pairs) > max_fields or len(fields) != len(pairs)
    return FormBody(pairs[:max_fields] if malformed else pairs, fields, malformed)


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


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


async def already_processed(db: AsyncSession, provider: str, event_id: str) -> bool:
    """A verified notification with this id is on record (a redelivery changes nothing)."""
    seen = await db.scalar(
        select(PaymentNotification.id).where(
            PaymentNotification.provider == provider,
            PaymentNotification.provider_event_id == event_id[:100],
            PaymentNotification.verified.is_(True),
        )
    )
    return seen is not None


def add_record(
    db: AsyncSession,
    *,
    provider: str,
    event_id: str,
    payload: dict[str, Any],
    source_ip: str | None,
    transaction: PaymentTransaction | None,
    verified: bool,
    outcome: str,
) -> None:
    """Add one `payment_notification` row under an id the caller made unique; the caller commits."""
    db.add(
        PaymentNotification(
            provider=provider,
            provider_event_id=event_id[:100],
            transaction_id=transaction.id if transaction else None,
            source_ip=(source_ip or "")[:64] or None,
            payload=payload,
            verified=verified,
            outcome=outcome[:200],
        )
    )


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
) -> NotificationResult:
    """Record a notification that was not accepted and say so (400; 503: could not confirm now)."""
    suffix = "#unconfirmed-" if code == 503 else "#rejected-"
    add_record(
        db,
        provider=provider,
        event_id=f"{(event_id or 'none')[:60]}{suffix}{uuid.uuid4().hex[:16]}",
        payload=payload,
        source_ip=source_ip,
        transaction=transaction,
        verified=False,
        outcome=reason,
    )
    log.warning("%s notification not accepted (id %r, from %s): %s", provider, event_id, source_ip, reason)
    return NotificationResult(code, reason)


class Refusal(Protocol):
    def __call__(
        self, reason: str, transaction: PaymentTransaction | None = None, code: int = 400
    ) -> NotificationResult: ...


def refuser(
    db: AsyncSession, *, provider: str, event_id: str | None, payload: dict[str, Any], source_ip: str | None
) -> Refusal:
    """`refuse` for one notification: call it with the reason (and the transaction it names, and
    code=503 when the provider could not be asked)."""

    def refuse_this(reason: str, transaction: PaymentTransaction | None = None, code: int = 400) -> NotificationResult:
        return refuse(
            db,
            provider=provider,
            event_id=event_id,
            payload=payload,
            source_ip=source_ip,
            reason=reason,
            transaction=transaction,
            code=code,
        )

    return refuse_this


async def record_verified_once(
    db: AsyncSession,
    *,
    provider: str,
    event_id: str,
    transaction_id: uuid.UUID | None,
    source_ip: str | None,
    payload: dict[str, Any],
    outcome: str,
) -> bool:
    """Record a verified notification under `event_id` once; a concurrent copy finds it claimed
    (False). The caller commits."""
    claimed = await db.scalar(
        insert(PaymentNotification)
        .values(
            id=uuid.uuid4(),
            provider=provider,
            provider_event_id=event_id[:100],
            transaction_id=transaction_id,
            source_ip=(source_ip or "")[:64] or None,
            payload=payload,
            verified=True,
            outcome=(outcome or "")[:200],
        )
        .on_conflict_do_nothing(index_elements=["provider", "provider_event_id"])
        .returning(PaymentNotification.id)
    )
    return claimed is not None
