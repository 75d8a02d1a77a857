"""Ozow's notifications (posted to NotifyUrl): the checks, de-duplication, and the verified notice.

Every notification is recorded in `payment_notification`, accepted or not. The checks, in order;
the first that fails refuses the notification (400, nothing else changes):
  1. the notification names one of our Ozow transactions (TransactionReference = our id);
  2. Hash: SHA-512 over the documented fields with the organisation's private key
     (providers/ozow.py says which fields and where Ozow documents them);
  3. SiteCode is the organisation's; CurrencyCode is ZAR; a test notification (IsTest=true) is
     refused for a live account;
  4. Amount equals the transaction's amount (integer cents, exact);
  5. Ozow's GetTransactionByReference (with the organisation's API key) knows this TransactionId
     for our reference, with the same status and amount. Ozow unreachable, 5xx or timing out:
     503 (Ozow sends the notification again), nothing changed.
A (TransactionId, Status) pair already processed is answered 200 and changes nothing: Ozow warns
that it may notify more than once, and a Pending notification is followed by the final one. A
refused notification is stored under a unique suffixed id, so a forged copy never blocks the real
one that follows.

The browser's return to SuccessUrl carries the same signed variables, but it is not a notification
and never changes a payment: only what Ozow confirms server-to-server does.

process_notification only reads (and records refusals), without locks, also while it asks Ozow. A
verified notification comes back as a PaymentNotice, which the controller hands to
workflows/payment_confirmation.confirm_payment (the lock order and retries every provider shares).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.payments.models import PaymentNotification, PaymentTransaction
from voelgoed.domain.payments.notifications import PaymentNotice
from voelgoed.domain.payments.providers import ozow
from voelgoed.domain.payments.providers.base import ProviderUnavailable
from voelgoed.domain.payments.services import decrypt_credentials, find_account
from voelgoed.settings import PaymentSettings

log = logging.getLogger(__name__)

PROVIDER = "ozow"
MAX_FIELDS = 40
KNOWN_STATUSES = {ozow.SUCCEEDED, *ozow.FAILED, *ozow.PENDING}


@dataclass(frozen=True)
class NotifyResult:
    status_code: int  # 200 verified or duplicate, 400 refused, 503 Ozow unreachable (it sends again)
    outcome: str
    notice: PaymentNotice | None = None  # verified: give it to payment_confirmation.confirm_payment


def succeeded_for(status: str) -> bool | None:
    """Complete -> True; Cancelled, Error, Abandoned -> False; Pending, PendingInvestigation -> None."""
    if status == ozow.SUCCEEDED:
        return True
    if status in ozow.FAILED:
        return False
    return None


def event_id_for(ozow_transaction_id: str, status: str) -> str:
    return f"{ozow_transaction_id.lower()}#{status}"


def _record(
    db: AsyncSession,
    *,
    event_id: str,
    pairs: list[tuple[str, str]],
    source_ip: str,
    transaction_id: uuid.UUID | None,
    outcome: str,
) -> None:
    db.add(
        PaymentNotification(
            provider=PROVIDER,
            provider_event_id=event_id[:100],
            transaction_id=transaction_id,
            source_ip=source_ip[:64] or None,
            payload={"fields": [[k, v] for k, v in pairs]},
            verified=False,
            outcome=outcome[:200],
        )
    )


def _is_true(value: str) -> bool:
    return value.strip().lower() == "true"


async def process_notification(
    db: AsyncSession, *, payments: PaymentSettings, body: bytes, source_ip: str | None
) -> NotifyResult:
    peer = (source_ip or "").strip()
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        pairs = []
    if any("\x00" in k or "\x00" in v for k, v in pairs):
        pairs = []  # PostgreSQL text and JSONB cannot hold NUL: refused as malformed, not a 500
    fields = dict(pairs)
    ozow_id = fields.get("TransactionId", "").strip()
    status = fields.get("Status", "").strip()

    def reject(reason: str, txn: PaymentTransaction | None = None, code: int = 400) -> NotifyResult:
        suffix = "#unconfirmed-" if code == 503 else "#rejected-"
        _record(
            db,
            event_id=f"{ozow_id[:60].lower() or 'none'}{suffix}{uuid.uuid4().hex[:16]}",
            pairs=pairs[:MAX_FIELDS],
            source_ip=peer,
            transaction_id=txn.id if txn else None,
            outcome=reason,
        )
        log.warning("Ozow notification not accepted (TransactionId=%r, from %s): %s", ozow_id, peer, reason)
        return NotifyResult(code, reason)

    if not pairs or len(pairs) > MAX_FIELDS or len(fields) != len(pairs):
        return reject("malformed notification body")
    if not ozow_id or len(ozow_id) > 60:
        return reject("missing TransactionId")
    if status not in KNOWN_STATUSES:
        return reject(f"unknown Status {status[:40]!r}")

    event_id = event_id_for(ozow_id, status)
    seen = await db.scalar(
        select(PaymentNotification.id).where(
            PaymentNotification.provider == PROVIDER,
            PaymentNotification.provider_event_id == event_id,
            PaymentNotification.verified.is_(True),
        )
    )
    if seen is not None:
        return NotifyResult(200, "duplicate: already processed")

    # 1. one of our Ozow transactions
    reference = fields.get("TransactionReference", "").strip()
    try:
        txn_id: uuid.UUID | None = uuid.UUID(reference)
    except ValueError:
        txn_id = None
    txn = None
    if txn_id is not None:
        txn = await db.scalar(
            select(PaymentTransaction).where(PaymentTransaction.id == txn_id).execution_options(**UNSCOPED)
        )
    if txn is None or txn.provider != PROVIDER:
        return reject("unknown TransactionReference")
    account = await find_account(db, txn.organization_id, PROVIDER)
    creds = decrypt_credentials(PROVIDER, account.credentials) if account else {}
    site_code, private_key, api_key = ozow.credentials_of(creds)
    if not site_code or not private_key or not api_key:
        return reject("this organiser has no Ozow account to check the notification against", txn)
    sandbox = account.sandbox if account else True

    # 2. the hash, with the organisation's private key
    if not ozow.hash_matches(ozow.notification_hash(fields, private_key), fields.get("Hash", "")):
        return reject("hash mismatch", txn)
    # 3. the organisation's site, rand, test or live as the account is
    if fields.get("SiteCode", "").strip() != site_code:
        return reject("SiteCode is not this organiser's Ozow site", txn)
    if fields.get("CurrencyCode", "").strip().upper() != "ZAR":
        return reject(f"CurrencyCode {fields.get('CurrencyCode', '')[:10]!r} is not ZAR", txn)
    if _is_true(fields.get("IsTest", "")) and not sandbox:
        return reject("a test notification (IsTest=true) for a live Ozow account", txn)
    # 4. the amount
    paid_cents = ozow.cents(fields.get("Amount", ""))
    if paid_cents is None or paid_cents != txn.amount_cents:
        return reject(f"Amount {fields.get('Amount', '')[:20]!r} does not match {ozow.rand(txn.amount_cents)}", txn)
    # 5. Ozow's own word, server to server
    try:
        known = await ozow.transactions_by_reference(
            api=ozow.api_url(payments.ozow_api_url),
            site_code=site_code,
            api_key=api_key,
            reference=str(txn.id),
            sandbox=sandbox,
        )
    except ProviderUnavailable as exc:
        return reject(f"could not confirm with Ozow: {exc}", txn, code=503)
    if known is None:
        return reject("Ozow refused this organiser's API key; the notification cannot be confirmed", txn, code=503)
    confirmed = _same_transaction(known, ozow_id)
    if confirmed is None:
        return reject(f"Ozow's status API does not know TransactionId {ozow_id[:40]} for this reference", txn)
    if str(confirmed.get("status") or "") != status:
        return reject(f"Ozow's status API says {str(confirmed.get('status'))[:30]!r}, not {status!r}", txn)
    if ozow.cents(confirmed.get("amount")) != paid_cents:
        return reject(f"Ozow's status API says amount {str(confirmed.get('amount'))[:20]!r}", txn)

    succeeded = succeeded_for(status)
    message = fields.get("StatusMessage", "").strip()
    notice = PaymentNotice(
        provider=PROVIDER,
        transaction_id=txn.id,
        succeeded=succeeded,
        amount_cents=paid_cents,
        provider_reference=ozow_id.lower(),
        status=status,
        failure_reason=None if succeeded is not False else f"Ozow: payment {status.lower()} {message}".strip()[:300],
        event_id=event_id,
        source_ip=peer or None,
        payload={"fields": [[k, v] for k, v in pairs], "confirmed": _jsonable(confirmed)},
    )
    return NotifyResult(200, "verified", notice)


def _same_transaction(known: list[dict[str, Any]], ozow_id: str) -> dict[str, Any] | None:
    for item in known:
        if str(item.get("transactionid") or "").strip().lower() == ozow_id.lower():
            return item
    return None


def _jsonable(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | float | bool) or v is None else str(v) for k, v in item.items()}
