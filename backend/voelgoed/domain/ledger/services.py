"""The ledger's reads for organisers: the trial balance and the journal. Writes go through
posting.py only. Every statement here is ORM, so the tenant scope (db/tenancy.py) applies."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voelgoed.domain.ledger.models import Account, JournalEntry, JournalLine
from voelgoed.domain.ledger.schemas import (
    JournalEntryRead,
    ProviderClearing,
    TrialBalance,
    account_balance,
    journal_entry_read,
)
from voelgoed.lib.money import display_rand


async def trial_balance(db: AsyncSession, event_id: uuid.UUID | None = None) -> TrialBalance:
    """Debits, credits and balance of every account (all of them, zeros included), of the
    organisation or of one event; and what each provider still holds."""
    debit = func.coalesce(func.sum(case((JournalLine.amount_cents > 0, JournalLine.amount_cents), else_=0)), 0)
    credit = func.coalesce(func.sum(case((JournalLine.amount_cents < 0, -JournalLine.amount_cents), else_=0)), 0)
    stmt = select(JournalLine.account, JournalLine.provider, debit, credit).group_by(
        JournalLine.account, JournalLine.provider
    )
    entries = select(func.count(JournalEntry.id))
    if event_id is not None:
        stmt = stmt.where(JournalLine.event_id == event_id)
        entries = entries.where(JournalEntry.event_id == event_id)
    sums: dict[Account, list[int]] = {account: [0, 0] for account in Account}
    clearing: dict[str, int] = defaultdict(int)
    for account, provider, dr, cr in (await db.execute(stmt)).all():
        sums[Account(account)][0] += int(dr)
        sums[Account(account)][1] += int(cr)
        if account == Account.PROVIDER_CLEARING:
            clearing[provider] += int(dr) - int(cr)
    accounts = [account_balance(account, dr, cr) for account, (dr, cr) in sums.items()]
    return TrialBalance(
        event_id=event_id,
        accounts=accounts,
        clearing_by_provider=[
            ProviderClearing(provider=p, balance_cents=c, balance_display=display_rand(c))
            for p, c in sorted(clearing.items())
        ],
        total_cents=sum(a.balance_cents for a in accounts),
        entries=int(await db.scalar(entries) or 0),
    )


async def journal_page(
    db: AsyncSession, *, event_id: uuid.UUID | None, page: int, page_size: int
) -> tuple[list[JournalEntryRead], int]:
    """Entries newest first, each with its lines and the reversal that undid it (if any)."""
    stmt = select(JournalEntry)
    count = select(func.count(JournalEntry.id))
    if event_id is not None:
        stmt, count = stmt.where(JournalEntry.event_id == event_id), count.where(JournalEntry.event_id == event_id)
    total = int(await db.scalar(count) or 0)
    entries = (
        await db.scalars(
            stmt.order_by(JournalEntry.occurred_at.desc(), JournalEntry.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    ).all()
    return await entries_read(db, list(entries)), total


async def entries_read(db: AsyncSession, entries: list[JournalEntry]) -> list[JournalEntryRead]:
    ids = [e.id for e in entries]
    if not ids:
        return []
    lines: dict[uuid.UUID, list[JournalLine]] = defaultdict(list)
    for line in await db.scalars(select(JournalLine).where(JournalLine.entry_id.in_(ids))):
        lines[line.entry_id].append(line)
    undone = select(JournalEntry.reverses_entry_id, JournalEntry.id).where(JournalEntry.reverses_entry_id.in_(ids))
    reversals = {original: reversal for original, reversal in (await db.execute(undone)).tuples()}
    return [journal_entry_read(e, lines[e.id], reversals.get(e.id)) for e in entries]


async def entry_read(db: AsyncSession, entry_id: uuid.UUID) -> JournalEntryRead:
    entry = await db.scalar(select(JournalEntry).where(JournalEntry.id == entry_id))
    assert entry is not None
    return (await entries_read(db, [entry]))[0]
