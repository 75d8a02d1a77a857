"""Paystack webhooks: verification, then a PaymentNotice (charge.success) or RefundNotice.

Paystack's "Webhooks > Verifying events" (paystack.com/docs/payments/webhooks): the
`x-paystack-signature` header is the HMAC-SHA512 (hex) of the raw body keyed with the secret key,
and events only come from Paystack's published addresses. Its "Verify payments" guide: confirm a
transaction with `GET /transaction/verify/{reference}` before giving value.

The checks, in order; the first that fails refuses the notification (400, recorded, nothing else
changes):
  1. the source address is one of Paystack's (PAYSTACK_ALLOWED_IPS; X-Forwarded-For believed only
     from TRUSTED_PROXIES; an empty list switches this check off);
  2. a JSON event with `event` and `data`;
  3. the transaction it names (our id leads the `reference`; refund events carry it as
     `transaction_reference`) and that organisation's secret key;
  4. the signature over the raw body;
  5. `data.domain` is the key's (test/live);
  6. for `charge.success`: status `success`, currency ZAR, amount equal to the transaction's;
  7. the verify call agrees (status `success`, same reference, amount and currency). If Paystack
     cannot be asked, 503: Paystack retries, and nothing was decided on an unconfirmed word.
A payment is processed once per Paystack transaction id (`data.id`); its fee (`fees`, from the
verify answer) goes to the ledger with the PaymentNotice. Recording a refusal, the duplicate check
and the result live in notification_records.py (every provider's); the JSON helpers in
gateway_notifications.py.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.payments import gateway_notifications as gn
from voelgoed.domain.payments import notification_records as records
from voelgoed.domain.payments.notification_records import NotificationResult
from voelgoed.domain.payments.notifications import PaymentNotice, RefundNotice
from voelgoed.domain.payments.providers.base import ProviderUnavailable
from voelgoed.domain.payments.providers.paystack import (
    CURRENCY,
    PaystackProvider,
    domain_of,
    signature,
    transaction_id_of,
)
from voelgoed.lib.client_address import ip_in

PROVIDER = "paystack"
REFUND_OUTCOMES = {"refund.processed": True, "refund.failed": False}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


async def process_paystack_webhook(
    db: AsyncSession,
    *,
    provider: PaystackProvider,
    body: bytes,
    signature_header: str | None,
    source_ip: str,
    allowed_ips: Iterable[str],
) -> NotificationResult:
    """Verify one Paystack webhook. Reads only (and records refusals); takes no lock, and holds
    none while Paystack is asked."""
    event = gn.parse_json(body)
    payload_record = gn.stored_payload(event, body)
    event_type = str((event or {}).get("event") or "")
    data = gn.as_dict((event or {}).get("data"))
    is_refund = event_type.startswith("refund.")
    reference = str(data.get("transaction_reference" if is_refund else "reference") or "")[:100]
    paystack_id = str(data.get("id") or "")[:60]
    hint = f"{event_type}:{paystack_id or reference}" if event_type else None

    refuse = records.refuser(db, provider=PROVIDER, event_id=hint, payload=payload_record, source_ip=source_ip)

    allowed = tuple(allowed_ips)
    if allowed and not ip_in(source_ip, allowed):
        return refuse(f"source IP {source_ip or '?'} is not one of Paystack's")
    if event is None or not event_type or not data:
        return refuse("malformed webhook body")

    metadata = gn.as_dict(data.get("metadata"))
    txn_id = transaction_id_of(reference) or records.as_uuid(metadata.get("transaction_id"))
    txn = await records.find_transaction(db, PROVIDER, transaction_id=txn_id)
    if txn is None and is_refund:  # a refund may name the transaction by Paystack's id
        txn = await records.find_transaction(db, PROVIDER, provider_reference=reference)
    if txn is None:
        return refuse("unknown transaction reference")
    secret_key = str((await gn.credentials_for(db, txn.organization_id, PROVIDER)).get("secret_key") or "")
    if not secret_key:
        return refuse("this organiser has no Paystack secret key", txn)
    if not _same(signature(secret_key, body), (signature_header or "").strip().lower()):
        return refuse("signature mismatch", txn)
    if str(data.get("domain") or "") != domain_of(secret_key):
        return refuse(f"domain {data.get('domain')!r} is not this account's ({domain_of(secret_key)})", txn)

    if event_type == "charge.success":
        amount = gn.cents(data.get("amount"))
        if not paystack_id:
            return refuse("charge.success without a transaction id", txn)
        if str(data.get("status") or "") != "success":
            return refuse(f"charge.success with status {data.get('status')!r}", txn)
        if str(data.get("currency") or "") != CURRENCY:
            return refuse(f"currency {data.get('currency')!r} is not {CURRENCY}", txn)
        if amount is None or amount != txn.amount_cents:
            return refuse(f"amount {data.get('amount')!r} does not match {txn.amount_cents} cents", txn)
        if await records.already_processed(db, PROVIDER, paystack_id):
            return NotificationResult(200, "duplicate: already processed")
        try:
            verified = await provider.verify(secret_key, reference)
        except ProviderUnavailable as exc:
            return refuse(f"could not reach Paystack to verify: {exc}", txn, code=503)
        problem = _verify_problem(verified, reference, amount)
        if problem:
            return refuse(problem, txn)
        assert verified is not None
        fee = gn.cents(verified.get("fees"))
        notice = PaymentNotice(
            provider=PROVIDER,
            transaction_id=txn.id,
            succeeded=True,
            amount_cents=amount,
            provider_reference=str(verified.get("id") or paystack_id),  # the refund API takes it
            status=event_type,
            event_id=paystack_id,
            source_ip=source_ip,
            payload=event,
            fee_cents=fee,
        )
        return NotificationResult(200, "verified", payment=notice)

    if event_type in REFUND_OUTCOMES:
        succeeded = REFUND_OUTCOMES[event_type]
        refund_ref = str(data.get("refund_reference") or "")[:60]
        event_id = f"{event_type}:{paystack_id or refund_ref or reference}"[:90]
        refund_notice = RefundNotice(
            provider=PROVIDER,
            succeeded=succeeded,
            provider_refund_id=paystack_id or None,
            status=str(data.get("status") or event_type),
            failure_reason=None if succeeded else "Paystack: refund failed",
            event_id=event_id,
            # Paystack's refund events carry no refund id of ours: the refunds area matches the
            # transaction (ours), the amount and the provider's refund id when present.
            payload={
                **event,
                "voelgoed": {"transaction_id": str(txn.id), "amount_cents": gn.cents(data.get("amount"))},
            },
        )
        return NotificationResult(200, "verified", refund=refund_notice, transaction_id=txn.id, source_ip=source_ip)

    return gn.record_no_action(
        db,
        provider=PROVIDER,
        event_id=hint or event_type,
        payload=event,
        source_ip=source_ip,
        transaction=txn,
        outcome=f"verified; event {event_type[:40]} needs no action",
    )


def _verify_problem(verified: dict[str, Any] | None, reference: str, amount: int) -> str | None:
    if verified is None:
        return "Paystack's verify call does not know this reference"
    if str(verified.get("status") or "") != "success":
        return f"Paystack's verify call says status {verified.get('status')!r}"
    if str(verified.get("reference") or "") != reference:
        return "Paystack's verify call answered for another reference"
    if gn.cents(verified.get("amount")) != amount or str(verified.get("currency") or "") != CURRENCY:
        return f"Paystack's verify call says amount {verified.get('amount')!r} {verified.get('currency')!r}"
    return None
