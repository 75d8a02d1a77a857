"""Yoco webhooks: verification (the Standard Webhooks scheme), then a PaymentNotice or RefundNotice.

Yoco's "Verifying the events" guide (developer.yoco.com), which is the Standard Webhooks scheme:
- headers `webhook-id`, `webhook-timestamp` (Unix seconds at signing; a retry is signed anew) and
  `webhook-signature`: space-separated `v1,<base64 signature>` entries;
- signed content: `{webhook-id}.{webhook-timestamp}.{raw body}`; key: the part of the `whsec_...`
  secret after the prefix, base64-decoded; signature: base64 of HMAC-SHA256; compared in constant
  time against every `v1` entry;
- "validate that the timestamp is within an acceptable threshold... We recommend a threshold of
  up to 3 minutes": TIMESTAMP_TOLERANCE_SECONDS, both ways (a timestamp from the future is as
  suspect as a stale one).

The checks, in order; the first that fails refuses the notification (400, recorded, nothing else
changes):
  1. a JSON event with `id`, `type` and a `payload`;
  2. the transaction it names (`payload.metadata.transactionId`, our metadata echoed by Yoco; a
     refund event may instead be found by its `checkoutId`, which is the paid transaction's
     provider reference), and that organisation's stored webhook secret;
  3. the three webhook-* headers are there and the timestamp is fresh; 4. the signature;
  5. `payload.mode` is the account's (test/live);
  6. for `payment.succeeded`: status `succeeded`, currency ZAR, amount equal to the transaction's.
Yoco documents no status call for checkouts, so the signed event is the confirmation; a payment is
processed once per Yoco payment id (`payload.id`), whatever event id a redelivery carries.
Recording a refusal, the duplicate check and the result live in notification_records.py (every
provider's); the JSON helpers in gateway_notifications.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.payments import gateway_notifications as gn
from voelgoed.domain.payments import notification_records as records
from voelgoed.domain.payments.notification_records import NotificationResult
from voelgoed.domain.payments.notifications import PaymentNotice, RefundNotice
from voelgoed.domain.payments.providers.yoco import CURRENCY, REFUND_KEY, TRANSACTION_KEY, mode_of

PROVIDER = "yoco"
TIMESTAMP_TOLERANCE_SECONDS = 180
SIGNATURE_VERSION = "v1"


def signing_key(webhook_secret: str) -> bytes | None:
    """The HMAC key of a `whsec_...` secret; None when it is not one."""
    encoded = webhook_secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


def sign(webhook_secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = signing_key(webhook_secret) or b""
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_matches(webhook_secret: str, msg_id: str, timestamp: str, body: bytes, header: str) -> bool:
    if signing_key(webhook_secret) is None:
        return False
    expected = sign(webhook_secret, msg_id, timestamp, body).encode()
    for entry in header.split():
        version, _, value = entry.partition(",")
        if version == SIGNATURE_VERSION and hmac.compare_digest(expected, value.encode()):
            return True
    return False


def timestamp_problem(timestamp: str, now: float) -> str | None:
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return f"webhook-timestamp {timestamp[:20]!r} is not a Unix time"
    age = now - int(timestamp)
    if abs(age) > TIMESTAMP_TOLERANCE_SECONDS:
        return f"webhook-timestamp is {int(age)} s away from now (more than {TIMESTAMP_TOLERANCE_SECONDS} s)"
    return None


async def process_yoco_webhook(
    db: AsyncSession, *, body: bytes, headers: Mapping[str, str], source_ip: str | None, now: float | None = None
) -> NotificationResult:
    """Verify one Yoco webhook. Reads only (and records refusals); takes no lock."""
    now = time.time() if now is None else now
    event = gn.parse_json(body)
    payload_record = gn.stored_payload(event, body)
    msg_id = (headers.get("webhook-id") or "").strip()
    timestamp = (headers.get("webhook-timestamp") or "").strip()
    sig_header = headers.get("webhook-signature") or ""
    data = gn.as_dict((event or {}).get("payload"))
    event_id = str((event or {}).get("id") or msg_id or "")[:80] or None
    event_type = str((event or {}).get("type") or "")

    refuse = records.refuser(db, provider=PROVIDER, event_id=event_id, payload=payload_record, source_ip=source_ip)

    if event is None or not event_type or not data or not event_id:
        return refuse("malformed webhook body")
    metadata = gn.as_dict(data.get("metadata"))
    checkout_id = str(metadata.get("checkoutId") or "")[:100] or None
    txn = await records.find_transaction(db, PROVIDER, transaction_id=records.as_uuid(metadata.get(TRANSACTION_KEY)))
    if txn is None and event_type.startswith("refund."):
        txn = await records.find_transaction(db, PROVIDER, provider_reference=checkout_id)
    if txn is None:
        return refuse("unknown transaction (payload.metadata names none of ours)")
    creds = await gn.credentials_for(db, txn.organization_id, PROVIDER)
    webhook_secret = str(creds.get("webhook_secret") or "")
    secret_key = str(creds.get("secret_key") or "")
    if not webhook_secret or not secret_key:
        return refuse("this organiser's Yoco account is not connected (no webhook secret)", txn)
    if not msg_id or not timestamp or not sig_header.strip():
        return refuse("missing webhook-id, webhook-timestamp or webhook-signature", txn)

    stale = timestamp_problem(timestamp, now)
    if stale:
        return refuse(stale, txn)
    if not signature_matches(webhook_secret, msg_id, timestamp, body, sig_header):
        return refuse("signature mismatch", txn)
    if str(data.get("mode") or "") != mode_of(secret_key):
        return refuse(f"mode {data.get('mode')!r} is not this account's ({mode_of(secret_key)})", txn)

    if event_type == "payment.succeeded":
        payment_id = str(data.get("id") or "")[:90]
        amount = gn.cents(data.get("amount"))
        if not payment_id:
            return refuse("payment.succeeded without a payment id", txn)
        if str(data.get("status") or "") != "succeeded":
            return refuse(f"payment.succeeded with status {data.get('status')!r}", txn)
        if str(data.get("currency") or "") != CURRENCY:
            return refuse(f"currency {data.get('currency')!r} is not {CURRENCY}", txn)
        if amount is None or amount != txn.amount_cents:
            return refuse(f"amount {data.get('amount')!r} does not match {txn.amount_cents} cents", txn)
        if await records.already_processed(db, PROVIDER, payment_id):
            return NotificationResult(200, "duplicate: already processed")
        notice = PaymentNotice(
            provider=PROVIDER,
            transaction_id=txn.id,
            succeeded=True,
            amount_cents=amount,
            provider_reference=checkout_id,  # the refund API takes the checkout id
            status=event_type,
            event_id=payment_id,
            source_ip=source_ip,
            payload=event,
        )
        return NotificationResult(200, "verified", payment=notice)

    if event_type in ("refund.succeeded", "refund.failed"):
        succeeded = event_type == "refund.succeeded"
        refund_notice = RefundNotice(
            provider=PROVIDER,
            succeeded=succeeded,
            refund_id=records.as_uuid(metadata.get(REFUND_KEY)),
            provider_refund_id=str(data.get("id") or "")[:100] or None,
            status=event_type,
            failure_reason=None if succeeded else "Yoco: refund failed",
            event_id=event_id,
            payload=event,
        )
        return NotificationResult(200, "verified", refund=refund_notice, transaction_id=txn.id, source_ip=source_ip)

    return gn.record_no_action(
        db,
        provider=PROVIDER,
        event_id=event_id,
        payload=event,
        source_ip=source_ip,
        transaction=txn,
        outcome=f"verified; event {event_type[:40]} needs no action",
    )
