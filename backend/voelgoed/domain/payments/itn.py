"""PayFast ITN (Instant Transaction Notification): the four checks, de-duplication, completion.

Every notification is recorded in `payment_notification`, accepted or not. The checks run in
PayFast's documented order, and the first that fails rejects the notification (400, nothing else
changes):
  1. signature: MD5 over the posted fields in posted order (without `signature`), with the
     organisation's passphrase; the merchant id must be the organisation's too;
  2. source IP inside PayFast's published ranges (PAYFAST_ALLOWED_IPS); the source is the
     request's client address (lib/client_address.py: X-Forwarded-For believed only from
     TRUSTED_PROXIES);
  3. `amount_gross` equals the transaction amount (PayFast's reference code compares floats within
     0.01; in integer cents that is exact equality, which is what complete_checkout demands too);
  4. PayFast's `/eng/query/validate` answers `VALID` for the same parameter string.
A notification whose `pf_payment_id` was already processed is answered 200 and changes nothing.
A rejected one is stored under a unique suffixed id, so a forged copy can never block the real
notification that follows. Reading the form body (UTF-8, field limit, duplicate keys and NUL
characters refused), recording a refusal and the duplicate check are shared with the other
providers: notification_records.py.

process_itn only reads (and records refusals): it takes no lock and holds none while it asks
PayFast. A verified notification comes back as a PaymentNotice, which the controller hands to
workflows/payment_confirmation.confirm_payment, the path (lock order, de-duplication, retries) every provider
shares (controllers.answer_notification answers PayFast).
"""

from __future__ import annotations

import hmac

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.payments import notification_records as records
from voelgoed.domain.payments.notification_records import NotificationResult
from voelgoed.domain.payments.notifications import PaymentNotice
from voelgoed.domain.payments.providers import payfast
from voelgoed.domain.payments.services import effective_payfast_credentials, find_account
from voelgoed.lib.client_address import ip_in
from voelgoed.settings import PaymentSettings

PROVIDER = "payfast"
FINAL_STATUSES = {"COMPLETE": True, "FAILED": False, "CANCELLED": False}
MAX_FIELDS = 100
VALIDATE_TIMEOUT_SECONDS = 10.0


async def _validate_with_payfast(sandbox: bool, param_string: str, configured_base_url: str | None) -> str:
    """Check 4: ask PayFast whether it sent this notification. Returns the answer's first word."""
    url = payfast.base_url(sandbox, configured_base_url) + "/eng/query/validate"
    async with httpx.AsyncClient(timeout=VALIDATE_TIMEOUT_SECONDS) as client:
        response = await client.post(
            url,
            content=param_string.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "VoelgoedEvents"},
        )
    words = response.text.strip().split()
    return words[0] if response.status_code == 200 and words else f"HTTP {response.status_code}"


async def process_itn(
    db: AsyncSession, *, payments: PaymentSettings, body: bytes, source_ip: str
) -> NotificationResult:
    """`source_ip`: the request's client address (lib/client_address.client_address). A verified
    notification comes back as the result's `payment`."""
    form = records.parse_form(body, max_fields=MAX_FIELDS)
    pairs, fields = form.pairs, form.fields
    pf_id = fields.get("pf_payment_id", "").strip()
    status = fields.get("payment_status", "").strip().upper()

    reject = records.refuser(db, provider=PROVIDER, event_id=pf_id, payload=form.payload(), source_ip=source_ip)

    if form.malformed:
        return reject("malformed notification body")
    if not pf_id or len(pf_id) > 60:
        return reject("missing pf_payment_id")

    # A final status is processed once per pf_payment_id; anything else is kept apart from it.
    event_id = pf_id if status in FINAL_STATUSES else f"{pf_id}#{status or 'NONE'}"
    if await records.already_processed(db, PROVIDER, event_id):
        return NotificationResult(200, "duplicate: already processed")

    txn = await records.find_transaction(db, PROVIDER, transaction_id=records.as_uuid(fields.get("m_payment_id", "")))
    if txn is None:
        return reject("unknown m_payment_id")

    account = await find_account(db, txn.organization_id, PROVIDER)
    creds, sandbox = effective_payfast_credentials(account)

    # 1. signature (with the organisation's passphrase), and the organisation's merchant id
    expected = payfast.itn_signature(pairs, creds.get("passphrase") or None)
    if not hmac.compare_digest(expected, fields.get("signature", "").strip().lower()):
        return reject("signature mismatch", txn)
    if fields.get("merchant_id", "").strip() != str(creds.get("merchant_id") or ""):
        return reject("merchant_id is not this organiser's PayFast account", txn)
    # 2. source IP
    if not ip_in(source_ip, payments.payfast_allowed_ips):
        return reject(f"source IP {source_ip or '?'} is not one of PayFast's", txn)
    # 3. amount
    paid_cents = payfast.cents(fields.get("amount_gross", ""))
    if paid_cents is None or paid_cents != txn.amount_cents:
        return reject(
            f"amount_gross {fields.get('amount_gross', '')!r} does not match {payfast.rand(txn.amount_cents)}", txn
        )
    # 4. server-to-server confirmation
    try:
        answer = await _validate_with_payfast(sandbox, payfast.param_string(pairs), payments.payfast_base_url)
    except httpx.HTTPError as exc:
        return reject(f"could not reach PayFast to validate: {type(exc).__name__}", txn, code=503)
    if answer != "VALID":
        return reject(f"PayFast validate answered {answer[:40]!r}", txn)

    # Verified. Claiming the pf_payment_id, locking and completing is the shared path of every
    # provider (workflows/payment_confirmation.confirm_payment): the caller hands this notice to it.
    succeeded = FINAL_STATUSES.get(status)
    notice = PaymentNotice(
        fee_cents=fee_cents(fields.get("amount_fee", "")),
        provider=PROVIDER,
        transaction_id=txn.id,
        succeeded=succeeded,
        amount_cents=paid_cents,
        provider_reference=pf_id,
        status=status,
        failure_reason=None if succeeded is not False else f"PayFast: payment {status.lower()}",
        event_id=event_id,
        source_ip=source_ip,
        payload=form.payload(),
    )
    return NotificationResult(200, "verified", payment=notice)


def fee_cents(amount_fee: str) -> int | None:
    """PayFast's `amount_fee` is the fee as negative rand ("-4.60"): positive cents (460); None when
    absent or not an amount."""
    text = (amount_fee or "").strip()
    return payfast.cents(text[1:] if text.startswith("-") else text) if text else None
