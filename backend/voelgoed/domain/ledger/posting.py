"""The ledger's posting API: the only way money movements are written (double entry).

INTERFACE FIXED FOR ISSUE #11 (other areas call these exact signatures: record_payment from
workflows/checkout.py, record_refund from the refunds workflow).

Conventions: amounts are positive integer cents; each call writes one balanced journal entry in the
caller's transaction (flush, no commit) and returns its id. `provider` is a PaymentProviderName or
"manual" (money the organiser moved outside any provider). Lines are debit positive, credit
negative; what each movement books is the table in docs/ledger.md. A movement of nothing (all
amounts zero) writes no entry and returns None. Booking the same payment transaction or refund
again returns the entry already booked (a unique index makes that hold under concurrency too).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.ledger.models import Account, EntryKind, JournalEntry, JournalLine
from voelgoed.lib.problems import Conflict, NotFound

Leg = tuple[Account, int]

PAYMENT_KINDS = (EntryKind.SALE, EntryKind.UNALLOCATED_RECEIPT)
REFUND_KINDS = (EntryKind.REFUND, EntryKind.UNALLOCATED_REFUND)


def _positive(name: str, cents: int | None) -> int:
    if cents is None:
        return 0
    if cents < 0:
        raise ValueError(f"{name} must be positive cents, got {cents}")
    return cents


async def _post(db: AsyncSession, entry: JournalEntry, legs: Sequence[Leg]) -> uuid.UUID | None:
    """Write `entry` and its non-zero legs (flush). The database checks the balance at commit;
    checking here too gives the caller a Python traceback at the mistake instead of at COMMIT."""
    legs = [(account, cents) for account, cents in legs if cents != 0]
    if not legs:
        return None
    if sum(cents for _, cents in legs) != 0:
        raise ValueError(f"unbalanced {entry.kind} entry: {legs}")
    db.add(entry)
    await db.flush()  # the entry row first: its lines refer to it
    db.add_all(
        JournalLine(
            entry_id=entry.id,
            organization_id=entry.organization_id,
            event_id=entry.event_id,
            provider=entry.provider,
            account=account.value,
            amount_cents=cents,
        )
        for account, cents in legs
    )
    await db.flush()
    return entry.id


async def _post_once(
    db: AsyncSession, entry: JournalEntry, legs: Sequence[Leg], existing: Select[Any]
) -> uuid.UUID | None:
    """Post unless `existing` finds the entry already booked (a repeated call), then return that."""
    found = await db.scalar(existing)
    if found is not None:
        return found
    try:
        async with db.begin_nested():
            return await _post(db, entry, legs)
    except IntegrityError:  # booked concurrently by another transaction that has committed
        found = await db.scalar(existing)
        if found is None:
            raise
        return found


async def _post_by_reference(db: AsyncSession, entry: JournalEntry, legs: Sequence[Leg]) -> uuid.UUID | None:
    """Post once per provider reference (a chargeback's or a statement fee's id at the provider):
    a repeated call with the same kind, provider and `external_reference` books nothing more.
    Without a reference every call posts."""
    if entry.external_reference is None:
        return await _post(db, entry, legs)
    existing = select(JournalEntry.id).where(
        JournalEntry.kind == entry.kind,
        JournalEntry.provider == entry.provider,
        JournalEntry.external_reference == entry.external_reference,
    )
    return await _post_once(db, entry, legs, existing)


def _when(occurred_at: datetime | None) -> datetime:
    return occurred_at or datetime.now(UTC)


async def record_payment(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    order_id: uuid.UUID,
    transaction_id: uuid.UUID,
    provider: str,
    amount_cents: int,
    vat_cents: int,
    fee_cents: int | None,
    allocated: bool,
    occurred_at: datetime | None = None,
) -> uuid.UUID | None:
    """A payment received. allocated=True: a sale (revenue and VAT output); False: money received
    for an order that cannot be filled (`needs_refund`), owed back to the buyer. The fee, when
    known, is booked in the same entry."""
    amount, vat, fee = _positive("amount", amount_cents), _positive("vat", vat_cents), _positive("fee", fee_cents)
    if vat > amount:
        raise ValueError(f"VAT {vat} exceeds the payment {amount}")
    if allocated:
        legs: list[Leg] = [
            (Account.PROVIDER_CLEARING, amount),
            (Account.TICKET_REVENUE, -(amount - vat)),
            (Account.VAT_OUTPUT, -vat),
        ]
    else:  # no sale happened: no revenue and no VAT, the whole amount is owed back
        legs = [(Account.PROVIDER_CLEARING, amount), (Account.REFUNDS_DUE, -amount)]
    if amount:
        legs += [(Account.PROVIDER_FEES, fee), (Account.PROVIDER_CLEARING, -fee)]
    kind = EntryKind.SALE if allocated else EntryKind.UNALLOCATED_RECEIPT
    entry = JournalEntry(
        id=uuid.uuid4(),
        organization_id=organization_id,
        event_id=event_id,
        order_id=order_id,
        kind=kind.value,
        provider=provider,
        transaction_id=transaction_id,
        occurred_at=_when(occurred_at),
        memo="payment received" if allocated else "payment received for an order that cannot be filled: owed back",
    )
    existing = select(JournalEntry.id).where(
        JournalEntry.transaction_id == transaction_id, JournalEntry.kind.in_([k.value for k in PAYMENT_KINDS])
    )
    return await _post_once(db, entry, legs, existing)


async def record_refund(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    order_id: uuid.UUID,
    refund_id: uuid.UUID,
    provider: str,
    amount_cents: int,
    vat_cents: int,
    allocated: bool,
    paid_from: str = "provider",  # "provider" (through its refund API) | "organiser" (manual refund)
    occurred_at: datetime | None = None,
) -> uuid.UUID | None:
    """A refund that succeeded (only then). allocated=False: repaying money booked as owed back."""
    if paid_from not in ("provider", "organiser"):
        raise ValueError(f"paid_from is 'provider' or 'organiser', not {paid_from!r}")
    amount, vat = _positive("amount", amount_cents), _positive("vat", vat_cents)
    if vat > amount:
        raise ValueError(f"VAT {vat} exceeds the refund {amount}")
    source = Account.PROVIDER_CLEARING if paid_from == "provider" else Account.BANK
    if allocated:
        legs: list[Leg] = [(Account.REFUNDS, amount - vat), (Account.VAT_OUTPUT, vat), (source, -amount)]
    else:  # no VAT was booked on money owed back, so none comes back out
        legs = [(Account.REFUNDS_DUE, amount), (source, -amount)]
    kind = EntryKind.REFUND if allocated else EntryKind.UNALLOCATED_REFUND
    entry = JournalEntry(
        id=uuid.uuid4(),
        organization_id=organization_id,
        event_id=event_id,
        order_id=order_id,
        kind=kind.value,
        provider=provider,
        refund_id=refund_id,
        occurred_at=_when(occurred_at),
        memo=f"refund paid {'by the provider' if paid_from == 'provider' else 'by the organiser (manual)'}",
    )
    existing = select(JournalEntry.id).where(
        JournalEntry.refund_id == refund_id, JournalEntry.kind.in_([k.value for k in REFUND_KINDS])
    )
    return await _post_once(db, entry, legs, existing)


async def record_chargeback(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_id: uuid.UUID,
    order_id: uuid.UUID,
    transaction_id: uuid.UUID,
    provider: str,
    amount_cents: int,
    vat_cents: int,
    fee_cents: int | None = None,
    allocated: bool = True,
    external_reference: str | None = None,
    occurred_at: datetime | None = None,
) -> uuid.UUID | None:
    """The buyer's bank took a payment back through the provider (with the provider's chargeback
    fee, if any). allocated=False: the payment was money owed back anyway."""
    amount, vat, fee = _positive("amount", amount_cents), _positive("vat", vat_cents), _positive("fee", fee_cents)
    if vat > amount:
        raise ValueError(f"VAT {vat} exceeds the chargeback {amount}")
    if allocated:
        legs: list[Leg] = [(Account.CHARGEBACKS, amount - vat), (Account.VAT_OUTPUT, vat)]
    else:
        legs = [(Account.REFUNDS_DUE, amount)]
    legs += [(Account.PROVIDER_CLEARING, -amount), (Account.PROVIDER_FEES, fee), (Account.PROVIDER_CLEARING, -fee)]
    entry = JournalEntry(
        id=uuid.uuid4(),
        organization_id=organization_id,
        event_id=event_id,
        order_id=order_id,
        kind=EntryKind.CHARGEBACK.value,
        provider=provider,
        transaction_id=transaction_id,
        external_reference=external_reference,
        occurred_at=_when(occurred_at),
        memo="chargeback",
    )
    return await _post_by_reference(db, entry, legs)


async def record_fee(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    provider: str,
    amount_cents: int,
    event_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    transaction_id: uuid.UUID | None = None,
    external_reference: str | None = None,
    memo: str = "",
    occurred_at: datetime | None = None,
) -> uuid.UUID | None:
    """A provider fee booked on its own: one the notification did not state and the provider's
    statement did later, or one tied to no payment (a monthly fee). The provider keeps it out of
    what it holds for the organiser. With an `external_reference` a repeated call books nothing more."""
    amount = _positive("amount", amount_cents)
    legs: list[Leg] = [(Account.PROVIDER_FEES, amount), (Account.PROVIDER_CLEARING, -amount)]
    entry = JournalEntry(
        id=uuid.uuid4(),
        organization_id=organization_id,
        event_id=event_id,
        order_id=order_id,
        kind=EntryKind.FEE.value,
        provider=provider,
        transaction_id=transaction_id,
        external_reference=external_reference,
        occurred_at=_when(occurred_at),
        memo=memo[:300] or "provider fee",
    )
    return await _post_by_reference(db, entry, legs)


async def record_payout(
    db: AsyncSession,
    *,
    organization_id: uuid.UUID,
    provider: str,
    amount_cents: int,
    fee_cents: int | None = None,
    event_id: uuid.UUID | None = None,
    external_reference: str | None = None,
    idempotency_key: str | None = None,
    memo: str = "",
    created_by: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> uuid.UUID | None:
    """The provider paid `amount_cents` into the organiser's bank and kept `fee_cents` for doing
    so: the provider's clearing balance goes down by both. With an `idempotency_key` a repeated
    call returns the entry already booked."""
    amount, fee = _positive("amount", amount_cents), _positive("fee", fee_cents)
    legs: list[Leg] = [
        (Account.BANK, amount),
        (Account.PROVIDER_FEES, fee),
        (Account.PROVIDER_CLEARING, -(amount + fee)),
    ]
    entry = JournalEntry(
        id=uuid.uuid4(),
        organization_id=organization_id,
        event_id=event_id,
        kind=EntryKind.PAYOUT.value,
        provider=provider,
        external_reference=external_reference,
        idempotency_key=idempotency_key,
        occurred_at=_when(occurred_at),
        memo=memo[:300] or "payout to the organiser's bank",
        created_by=created_by,
    )
    if idempotency_key is None:
        return await _post(db, entry, legs)
    existing = select(JournalEntry.id).where(
        JournalEntry.organization_id == organization_id, JournalEntry.idempotency_key == idempotency_key
    )
    return await _post_once(db, entry, legs, existing)


async def reverse(
    db: AsyncSession, entry_id: uuid.UUID, reason: str, *, created_by: uuid.UUID | None = None
) -> uuid.UUID:
    """Post the mirror image of an entry (every line's amount negated), once. A second reversal
    of the same entry, or a reversal of a reversal, is refused (409); so is an unknown entry (404).
    The original stays as it was: the ledger is never edited."""
    original = await db.scalar(select(JournalEntry).where(JournalEntry.id == entry_id))
    if original is None:
        raise NotFound("No such journal entry.")
    if original.kind == EntryKind.REVERSAL:
        raise Conflict("A reversal cannot be reversed; book the movement again instead.")
    if await db.scalar(select(JournalEntry.id).where(JournalEntry.reverses_entry_id == entry_id)) is not None:
        raise Conflict("This entry has already been reversed.")
    lines = (await db.scalars(select(JournalLine).where(JournalLine.entry_id == entry_id))).all()
    mirror = JournalEntry(
        id=uuid.uuid4(),
        organization_id=original.organization_id,
        event_id=original.event_id,
        order_id=original.order_id,
        kind=EntryKind.REVERSAL.value,
        provider=original.provider,
        transaction_id=original.transaction_id,
        refund_id=original.refund_id,
        reverses_entry_id=original.id,
        occurred_at=datetime.now(UTC),
        memo=(f"reversal of {original.kind}: {reason}".strip())[:300],
        created_by=created_by,
    )
    try:
        async with db.begin_nested():
            posted = await _post(db, mirror, [(Account(line.account), -line.amount_cents) for line in lines])
    except IntegrityError as exc:  # a concurrent reversal of the same entry won
        raise Conflict("This entry has already been reversed.") from exc
    assert posted is not None
    return posted
