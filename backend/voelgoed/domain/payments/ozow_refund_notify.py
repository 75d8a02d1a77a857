"""Ozow's refund notifications (posted to the refund's NotifyUrl once Ozow paid it or gave up).

Ozow documents the fields RefundId, TransactionId, CurrencyCode, Amount, Status, BankName,
AccountNumber, StatusMessage (and later IsRtc) and a Hash: SHA-512 of them in that order plus the
private key, lower-cased (https://hub.ozow.com/docs/step-3-refund-processing). Checks: the
TransactionId is one of our Ozow payments (the transaction's provider_reference), the hash matches
that organisation's private key, the currency is ZAR. Every notification is recorded in
`payment_notification` (provider "ozow", id `refund:<RefundId>#<Status>`), refused ones under a
unique suffixed id. Complete -> a succeeded RefundNotice; Failed, Cancelled, Returned, Invalid ->
a failed one; Pending and Submitted -> recorded only. The web tier hands a notice to
workflows/refunds.apply_refund_notice (which settles the refund, idempotently) and then records
the outcome with `record_verified`. Reading the form body, recording a refusal and the duplicate
check are shared with the other providers: notification_records.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.payments import notification_records as records
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.domain.payments.notifications import RefundNotice
from voelgoed.domain.payments.providers import ozow
from voelgoed.domain.payments.services import decrypt_credentials, find_account

PROVIDER = "ozow"
MAX_FIELDS = 20


@dataclass(frozen=True)
class RefundNotifyResult:
    status_code: int  # 200 verified, duplicate or recorded only; 400 refused
    outcome: str
    event_id: str | None = None
    transaction_id: uuid.UUID | None = None
    notice: RefundNotice | None = None  # verified and final: give it to apply_refund_notice
    payload: dict[str, object] | None = None


async def process_refund_notification(db: AsyncSession, *, body: bytes, source_ip: str | None) -> RefundNotifyResult:
    peer = (source_ip or "").strip()[:64] or None
    form = records.parse_form(body, max_fields=MAX_FIELDS)
    fields = form.fields
    refund_id = fields.get("RefundId", "").strip().lower()
    status = fields.get("Status", "").strip()
    payload = form.payload()

    def reject(reason: str, txn: PaymentTransaction | None = None) -> RefundNotifyResult:
        records.refuse(
            db,
            provider=PROVIDER,
            event_id=f"refund:{refund_id[:40] or 'none'}",
            payload=payload,
            source_ip=peer,
            reason=reason,
            transaction=txn,
        )
        return RefundNotifyResult(400, reason)

    if form.malformed:
        return reject("malformed notification body")
    if not refund_id or len(refund_id) > 40:
        return reject("missing RefundId")
    if status != ozow.REFUND_SUCCEEDED and status not in ozow.REFUND_FAILED and status not in ("Pending", "Submitted"):
        return reject(f"unknown Status {status[:40]!r}")
    event_id = f"refund:{refund_id}#{status}"
    if await records.already_processed(db, PROVIDER, event_id):
        return RefundNotifyResult(200, "duplicate: already processed")

    ozow_txn = fields.get("TransactionId", "").strip().lower()
    txn = None
    if ozow_txn:
        txn = await db.scalar(
            select(PaymentTransaction)
            .where(PaymentTransaction.provider == PROVIDER, PaymentTransaction.provider_reference == ozow_txn)
            .execution_options(**UNSCOPED)
        )
    if txn is None:
        return reject("TransactionId is none of our Ozow payments")
    account = await find_account(db, txn.organization_id, PROVIDER)
    _, private_key, _ = ozow.credentials_of(decrypt_credentials(PROVIDER, account.credentials) if account else {})
    if not private_key:
        return reject("this organiser has no Ozow private key to check the notification against", txn)
    if not ozow.hash_matches(ozow.refund_notification_hash(fields, private_key), fields.get("Hash", "")):
        return reject("hash mismatch", txn)
    if fields.get("CurrencyCode", "").strip().upper() != "ZAR":
        return reject("CurrencyCode is not ZAR", txn)

    if status == ozow.REFUND_SUCCEEDED or status in ozow.REFUND_FAILED:
        message = fields.get("StatusMessage", "").strip()
        notice = RefundNotice(
            provider=PROVIDER,
            succeeded=status == ozow.REFUND_SUCCEEDED,
            provider_refund_id=refund_id,
            status=status,
            failure_reason=None
            if status == ozow.REFUND_SUCCEEDED
            else f"Ozow: refund {status.lower()} {message}"[:300],
            event_id=event_id,
            payload=payload,
        )
        return RefundNotifyResult(200, "verified", event_id, txn.id, notice, payload)
    return RefundNotifyResult(200, f"verified; status {status} needs no action", event_id, txn.id, None, payload)


async def record_verified(db: AsyncSession, result: RefundNotifyResult, *, outcome: str, source_ip: str | None) -> bool:
    """Record a verified refund notification once (a concurrent copy finds it claimed: False)."""
    if result.event_id is None:
        return False
    return await records.record_verified_once(
        db,
        provider=PROVIDER,
        event_id=result.event_id,
        transaction_id=result.transaction_id,
        source_ip=source_ip,
        payload=result.payload or {},
        outcome=outcome,
    )
