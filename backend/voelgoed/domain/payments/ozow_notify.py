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
one that follows. Reading the form body (UTF-8, field limit, duplicate keys and NUL characters
refused), recording a refusal and the duplicate check are shared with the other providers:
notification_records.py.

The browser's return to SuccessUrl carries the same signed variables, but it is not a notification
and never changes a payment: only what Ozow confirms server-to-server does.

process_notification only reads (and records refusals), without locks, also while it asks Ozow. A
verified notification comes back as a PaymentNotice, which the controller hands to
workflows/payment_confirmation.confirm_payment (the lock order and retries every provider shares;
controllers.answer_notification answers Ozow).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.payments import notification_records as records
from voelgoed.domain.payments.notification_records import NotificationResult
from voelgoed.domain.payments.notifications import PaymentNotice
from voelgoed.domain.payments.providers import ozow
from voelgoed.domain.payments.providers.base import ProviderUnavailable
from voelgoed.domain.payments.services import decrypt_credentials, find_account
from voelgoed.settings import PaymentSettings

PROVIDER = "ozow"
MAX_FIELDS = 40
KNOWN_STATUSES = {ozow.SUCCEEDED, *ozow.FAILED, *ozow.PENDING}


def succeeded_for(status: str) -> bool | None:
    """Complete -> True; Cancelled, Error, Abandoned -> False; Pending, PendingInvestigation -> None."""
    if status == ozow.SUCCEEDED:
        return True
    if status in ozow.FAILED:
        return False
    return None


def event_id_for(ozow_transaction_id: str, status: str) -> str:
    return f"{ozow_transaction_id.lower()}#{status}"


def _is_true(value: str) -> bool:
    return value.strip().lower() == "true"


async def process_notification(
    db: AsyncSession, *, payments: PaymentSettings, body: bytes, source_ip: str | None
) -> NotificationResult:
    """A verified notification comes back as the result's `payment`."""
    peer = (source_ip or "").strip()
    form = records.parse_form(body, max_fields=MAX_FIELDS)
    fields = form.fields
    ozow_id = fields.get("TransactionId", "").strip()
    status = fields.get("Status", "").strip()

    reject = records.refuser(db, provider=PROVIDER, event_id=ozow_id.lower(), payload=form.payload(), source_ip=peer)

    if form.malformed:
        return reject("malformed notification body")
    if not ozow_id or len(ozow_id) > 60:
        return reject("missing TransactionId")
    if status not in KNOWN_STATUSES:
        return reject(f"unknown Status {status[:40]!r}")

    event_id = event_id_for(ozow_id, status)
    if await records.already_processed(db, PROVIDER, event_id):
        return NotificationResult(200, "duplicate: already processed")

    # 1. one of our Ozow transactions
    reference = fields.get("TransactionReference", "").strip()
    txn = await records.find_transaction(db, PROVIDER, transaction_id=records.as_uuid(reference))
    if txn is None:
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
        payload={**form.payload(), "confirmed": _jsonable(confirmed)},
    )
    return NotificationResult(200, "verified", payment=notice)


def _same_transaction(known: list[dict[str, Any]], ozow_id: str) -> dict[str, Any] | None:
    for item in known:
        if str(item.get("transactionid") or "").strip().lower() == ozow_id.lower():
            return item
    return None


def _jsonable(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | float | bool) or v is None else str(v) for k, v in item.items()}
