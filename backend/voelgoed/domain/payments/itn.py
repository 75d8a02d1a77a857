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
notification that follows.

process_itn only reads (and records refusals): it takes no lock and holds none while it asks
PayFast. A verified notification comes back as a PaymentNotice, which the controller hands to
workflows/payment_confirmation.confirm_payment, the path (lock order, de-duplication, retries) every provider shares.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.db.tenancy import UNSCOPED
from voelgoed.domain.payments.models import PaymentNotification, PaymentTransaction
from voelgoed.domain.payments.notifications import PaymentNotice
from voelgoed.domain.payments.providers import payfast
from voelgoed.domain.payments.services import effective_payfast_credentials, find_account
from voelgoed.lib.client_address import ip_in
from voelgoed.settings import PaymentSettings

log = logging.getLogger(__name__)

PROVIDER = "payfast"
FINAL_STATUSES = {"COMPLETE": True, "FAILED": False, "CANCELLED": False}
MAX_FIELDS = 100
VALIDATE_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ItnResult:
    status_code: int  # 200 verified or duplicate, 400 rejected, 503 PayFast unreachable (it retries)
    outcome: str
    notice: PaymentNotice | None = None  # verified: give it to payment_confirmation.confirm_payment


def _record(
    db: AsyncSession,
    *,
    event_id: str,
    pairs: list[tuple[str, str]],
    source_ip: str,
    transaction_id: uuid.UUID | None,
    verified: bool,
    outcome: str,
) -> PaymentNotification:
    note = PaymentNotification(
        provider=PROVIDER,
        provider_event_id=event_id[:100],
        transaction_id=transaction_id,
        source_ip=source_ip[:64] or None,
        payload={"fields": [[k, v] for k, v in pairs]},  # a list keeps PayFast's field order
        verified=verified,
        outcome=outcome[:200],
    )
    db.add(note)
    return note


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


async def process_itn(db: AsyncSession, *, payments: PaymentSettings, body: bytes, source_ip: str) -> ItnResult:
    """`source_ip`: the request's client address (lib/client_address.client_address)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        pairs = []
    fields = dict(pairs)
    pf_id = fields.get("pf_payment_id", "").strip()
    status = fields.get("payment_status", "").strip().upper()

    def reject(reason: str, txn: PaymentTransaction | None = None, code: int = 400) -> ItnResult:
        suffix = "#unconfirmed-" if code == 503 else "#rejected-"
        _record(
            db,
            event_id=f"{pf_id[:60] or 'none'}{suffix}{uuid.uuid4().hex[:16]}",
            pairs=pairs[:MAX_FIELDS],
            source_ip=source_ip,
            transaction_id=txn.id if txn else None,
            verified=False,
            outcome=reason,
        )
        log.warning("PayFast ITN not accepted (pf_payment_id=%r, from %s): %s", pf_id, source_ip, reason)
        return ItnResult(code, reason)

    if not pairs or len(pairs) > MAX_FIELDS or len(fields) != len(pairs):
        return reject("malformed notification body")
    if not pf_id or len(pf_id) > 60:
        return reject("missing pf_payment_id")

    # A final status is processed once per pf_payment_id; anything else is kept apart from it.
    event_id = pf_id if status in FINAL_STATUSES else f"{pf_id}#{status or 'NONE'}"
    seen = await db.scalar(
        select(PaymentNotification.id).where(
            PaymentNotification.provider == PROVIDER,
            PaymentNotification.provider_event_id == event_id,
            PaymentNotification.verified.is_(True),
        )
    )
    if seen is not None:
        return ItnResult(200, "duplicate: already processed")

    try:
        txn_id: uuid.UUID | None = uuid.UUID(fields.get("m_payment_id", ""))
    except ValueError:
        txn_id = None
    txn = None
    if txn_id is not None:
        txn = await db.scalar(
            select(PaymentTransaction).where(PaymentTransaction.id == txn_id).execution_options(**UNSCOPED)
        )
    if txn is None or txn.provider != PROVIDER:
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
        payload={"fields": [[k, v] for k, v in pairs]},
    )
    return ItnResult(200, "verified", notice)


def fee_cents(amount_fee: str) -> int | None:
    """PayFast's `amount_fee` is the fee as negative rand ("-4.60"): positive cents (460); None when
    absent or not an amount."""
    text = (amount_fee or "").strip()
    return payfast.cents(text[1:] if text.startswith("-") else text) if text else None
