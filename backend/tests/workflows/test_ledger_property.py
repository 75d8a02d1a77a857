"""The ledger's books balance, whatever happens: a Hypothesis property test over random money
histories, posted through posting.py into the real PostgreSQL of the test stack.

A history mixes sales (VAT-registered and not), their provider fees (in the payment, or later),
partial and full refunds (through the provider or paid by the organiser), chargebacks,
cancellations (a refund of what is left),
payments that cannot be filled (`needs_refund`) and their repayment, payouts with a payout fee,
and reversals (a second reversal of the same entry is refused). After every history:
- the trial balance sums to zero per event and per organisation (and every entry on its own);
- each provider's clearing balance = received - fees - refunds paid by it - chargebacks - payouts;
- VAT output and money owed back match the model;
- a hand-written unbalanced entry, a zero amount, an UPDATE and a DELETE are refused by PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from voelgoed.db import models  # noqa: F401 (every model registered: the order refers to coupons)
from voelgoed.db.tenancy import install as install_tenancy
from voelgoed.db.tenancy import scope_session
from voelgoed.domain.events.models import Event
from voelgoed.domain.ledger import posting, services
from voelgoed.domain.ledger.models import Account
from voelgoed.domain.orders.models import Order
from voelgoed.domain.organizations.models import Organization
from voelgoed.domain.payments.models import PaymentTransaction
from voelgoed.lib.problems import Conflict

PROVIDERS = ("payfast", "simulated")

# --- the history ------------------------------------------------------------------------------
sale = st.tuples(
    st.just("sale"),
    st.integers(0, 1),  # event
    st.sampled_from(PROVIDERS),
    st.integers(100, 500_000),  # total, VAT included
    st.booleans(),  # VAT-registered organiser
    st.one_of(st.none(), st.integers(0, 5_000)),  # fee (None: the provider did not say)
)
owed = st.tuples(st.just("needs_refund"), st.integers(0, 1), st.sampled_from(PROVIDERS), st.integers(100, 200_000))
refund = st.tuples(
    st.just("refund"), st.integers(0, 1_000), st.integers(1, 100), st.sampled_from(("provider", "organiser"))
)
cancel = st.tuples(st.just("cancel"), st.integers(0, 1_000))
repay = st.tuples(st.just("repay"), st.integers(0, 1_000))
payout = st.tuples(st.just("payout"), st.sampled_from(PROVIDERS), st.integers(1, 100), st.integers(0, 2_000))
chargeback = st.tuples(st.just("chargeback"), st.integers(0, 1_000), st.integers(0, 2_000))
late_fee = st.tuples(st.just("fee"), st.integers(0, 1_000), st.integers(1, 3_000))
reversal = st.tuples(st.just("reverse"), st.integers(0, 1_000))
histories = st.lists(
    st.one_of(sale, sale, owed, refund, cancel, repay, chargeback, late_fee, payout, reversal), min_size=1, max_size=14
)


@dataclass
class Posted:
    entry_id: uuid.UUID
    effects: dict[str, int]  # what the entry did to the modelled quantities
    reversed: bool = False


@dataclass
class Payment:
    order_id: uuid.UUID
    event_id: uuid.UUID
    provider: str
    amount: int
    vat: int
    allocated: bool
    transaction_id: uuid.UUID
    refunded: int = 0  # refunded or charged back


@dataclass
class Model:
    """The expected books, kept by hand alongside the ledger."""

    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    posted: list[Posted] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

    def book(self, entry_id: uuid.UUID | None, effects: dict[str, int]) -> None:
        assert entry_id is not None
        for key, cents in effects.items():
            self.totals[key] += cents
        self.posted.append(Posted(entry_id, effects))


@dataclass
class World:
    organization_id: uuid.UUID
    event_ids: list[uuid.UUID]


async def new_world(engine: AsyncEngine) -> World:
    tag = uuid.uuid4().hex[:10]
    starts = datetime.now(UTC) + timedelta(days=30)
    async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
        org = Organization(id=uuid.uuid4(), name=f"Ledger {tag}", slug=f"ledger-{tag}")
        db.add(org)
        await db.flush()
        events = [
            Event(
                id=uuid.uuid4(),
                organization_id=org.id,
                name=f"Night {i}",
                slug=f"ledger-{tag}-{i}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=4),
                status="published",
            )
            for i in range(2)
        ]
        db.add_all(events)
    return World(org.id, [e.id for e in events])


async def new_payment(
    db: AsyncSession, world: World, event_id: uuid.UUID, provider: str, amount: int, vat: int
) -> tuple[uuid.UUID, uuid.UUID]:
    order = Order(
        id=uuid.uuid4(),
        organization_id=world.organization_id,
        event_id=event_id,
        reference=f"VG-{uuid.uuid4().hex[:8].upper()}",
        status="paid",
        hold_expires_at=datetime.now(UTC),
        subtotal_cents=amount,
        total_cents=amount,
        vat_cents=vat,
        access_token_hash=uuid.uuid4().hex,
    )
    db.add(order)
    await db.flush()
    tx = PaymentTransaction(
        id=uuid.uuid4(),
        organization_id=world.organization_id,
        order_id=order.id,
        provider=provider,
        status="succeeded",
        amount_cents=amount,
        completed_at=datetime.now(UTC),
    )
    db.add(tx)
    await db.flush()
    return order.id, tx.id


def vat_in(total: int) -> int:
    return round(total * 15 / 115)


async def apply(db: AsyncSession, world: World, model: Model, step: tuple) -> None:  # type: ignore[type-arg]
    kind = step[0]
    org = world.organization_id
    if kind in ("sale", "needs_refund"):
        event_id = world.event_ids[step[1]]
        provider, amount = step[2], step[3]
        allocated = kind == "sale"
        vat = vat_in(amount) if allocated and step[4] else 0
        fee = step[5] if allocated else None
        order_id, tx_id = await new_payment(db, world, event_id, provider, amount, vat)
        entry = await posting.record_payment(
            db, organization_id=org, event_id=event_id, order_id=order_id, transaction_id=tx_id, provider=provider,
            amount_cents=amount, vat_cents=vat, fee_cents=fee, allocated=allocated,
        )  # fmt: skip
        again = await posting.record_payment(  # a repeated notification books nothing more
            db, organization_id=org, event_id=event_id, order_id=order_id, transaction_id=tx_id, provider=provider,
            amount_cents=amount, vat_cents=vat, fee_cents=fee, allocated=allocated,
        )  # fmt: skip
        assert again == entry
        model.payments.append(Payment(order_id, event_id, provider, amount, vat, allocated, tx_id))
        model.book(entry, {
            f"received:{provider}": amount, f"fees:{provider}": fee or 0, "vat": vat if allocated else 0,
            "owed": 0 if allocated else amount,
        })  # fmt: skip
    elif kind in ("refund", "cancel", "repay"):
        candidates = [p for p in model.payments if p.allocated == (kind != "repay") and p.refunded < p.amount]
        if not candidates:
            return
        payment = candidates[step[1] % len(candidates)]
        left = payment.amount - payment.refunded
        amount = max(1, left * step[2] // 100) if kind == "refund" else left
        vat = payment.vat * amount // payment.amount if payment.allocated else 0
        paid_from = step[3] if kind == "refund" else "provider"
        entry = await posting.record_refund(
            db, organization_id=org, event_id=payment.event_id, order_id=payment.order_id, refund_id=uuid.uuid4(),
            provider=payment.provider, amount_cents=amount, vat_cents=vat, allocated=payment.allocated,
            paid_from=paid_from,
        )  # fmt: skip
        payment.refunded += amount
        source = f"refunds:{payment.provider}" if paid_from == "provider" else "refunds:bank"
        model.book(entry, {source: amount, "vat": -vat, "owed": 0 if payment.allocated else -amount})
    elif kind == "chargeback":  # the buyer's bank takes back what is left of a sale
        candidates = [p for p in model.payments if p.allocated and p.refunded < p.amount]
        if not candidates:
            return
        payment = candidates[step[1] % len(candidates)]
        amount = payment.amount - payment.refunded
        vat = payment.vat * amount // payment.amount
        entry = await posting.record_chargeback(
            db, organization_id=org, event_id=payment.event_id, order_id=payment.order_id,
            transaction_id=payment.transaction_id, provider=payment.provider,
            amount_cents=amount, vat_cents=vat, fee_cents=step[2],
        )  # fmt: skip
        payment.refunded += amount
        model.book(entry, {f"chargebacks:{payment.provider}": amount, f"fees:{payment.provider}": step[2], "vat": -vat})
    elif kind == "fee":  # a fee the provider's statement reports after the payment
        if not model.payments:
            return
        payment = model.payments[step[1] % len(model.payments)]
        entry = await posting.record_fee(
            db, organization_id=org, provider=payment.provider, amount_cents=step[2], event_id=payment.event_id,
            order_id=payment.order_id, external_reference=f"fee-{uuid.uuid4()}",
        )  # fmt: skip
        model.book(entry, {f"fees:{payment.provider}": step[2]})
    elif kind == "payout":
        provider = step[1]
        clearing = clearing_of(model, provider)
        amount, fee = clearing * step[2] // 100, min(step[3], clearing // 10)
        if amount <= 0:
            return
        entry = await posting.record_payout(
            db, organization_id=org, provider=provider, amount_cents=amount, fee_cents=fee
        )
        model.book(entry, {f"payouts:{provider}": amount, f"fees:{provider}": fee})
    elif kind == "reverse":
        if not model.posted:
            return
        target = model.posted[step[1] % len(model.posted)]
        if target.effects.get("reversal"):
            with pytest.raises(Conflict):  # a reversal is not reversed
                await posting.reverse(db, target.entry_id, "property test")
            return
        if target.reversed:
            with pytest.raises(Conflict):  # once only
                await posting.reverse(db, target.entry_id, "property test")
            return
        mirror = await posting.reverse(db, target.entry_id, "property test")
        target.reversed = True
        model.book(mirror, {**{k: -v for k, v in target.effects.items()}, "reversal": 1})


def clearing_of(model: Model, provider: str) -> int:
    t = model.totals
    money_out = t[f"refunds:{provider}"] + t[f"chargebacks:{provider}"] + t[f"payouts:{provider}"]
    return t[f"received:{provider}"] - t[f"fees:{provider}"] - money_out


async def check_books(engine: AsyncEngine, world: World, model: Model) -> None:
    install_tenancy()  # (the product installs the scope hook at start-up; this process is the test's)
    async with AsyncSession(engine) as db:
        scope_session(db, world.organization_id)  # as a request of this organisation sees it
        whole = await services.trial_balance(db)
        per_event = [await services.trial_balance(db, e) for e in world.event_ids]
    assert whole.total_cents == 0
    assert all(tb.total_cents == 0 for tb in per_event)
    balance = {a.account: a.balance_cents for a in whole.accounts}
    clearing = {c.provider: c.balance_cents for c in whole.clearing_by_provider}
    for provider in PROVIDERS:
        assert clearing.get(provider, 0) == clearing_of(model, provider), provider
    assert balance[Account.VAT_OUTPUT] == -model.totals["vat"]
    assert balance[Account.REFUNDS_DUE] == -model.totals["owed"]
    assert balance[Account.BANK] == sum(model.totals[f"payouts:{p}"] for p in PROVIDERS) - model.totals["refunds:bank"]
    assert balance[Account.PROVIDER_FEES] == sum(model.totals[f"fees:{p}"] for p in PROVIDERS)
    async with engine.connect() as conn:  # every entry on its own, straight from the tables
        unbalanced = await conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT e.id FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id"
                " WHERE e.organization_id = :org GROUP BY e.id HAVING sum(l.amount_cents) <> 0 OR count(*) < 2) x"
            ),
            {"org": world.organization_id},
        )
    assert unbalanced == 0


async def refused(engine: AsyncEngine, *statements: str, **params: object) -> bool:
    """Whether PostgreSQL refuses the statements (run in one transaction, committed at the end)."""
    try:
        async with engine.begin() as conn:
            for sql in statements:
                await conn.execute(text(sql), params)
    except DBAPIError:
        return True
    return False


INSERT_ENTRY = (
    "INSERT INTO journal_entry (id, organization_id, event_id, kind, provider, occurred_at, memo,"
    " created_at, updated_at) VALUES (:e, :org, :ev, 'payout', 'payfast', now(), 'hand-written', now(), now())"
)
INSERT_LINE = (
    "INSERT INTO journal_line (id, entry_id, organization_id, event_id, account, provider, amount_cents)"
    " VALUES (gen_random_uuid(), :e, :org, :ev, '{account}', 'payfast', {cents})"
)


async def check_refusals(engine: AsyncEngine, world: World, debit: int, credit: int) -> None:
    ids = {"e": uuid.uuid4(), "org": world.organization_id, "ev": world.event_ids[0]}
    bank = INSERT_LINE.format(account="bank", cents=debit)
    clearing = INSERT_LINE.format(account="provider_clearing", cents=-credit)
    if debit != credit:  # lines that do not sum to zero
        assert await refused(engine, INSERT_ENTRY, bank, clearing, **ids)
    assert await refused(engine, INSERT_ENTRY, **ids)  # an entry without lines
    assert await refused(engine, INSERT_ENTRY, bank, **ids)  # one line
    zero = INSERT_LINE.format(account="bank", cents=0)
    assert await refused(engine, INSERT_ENTRY, bank, clearing.replace(str(-credit), str(-debit)), zero, **ids)
    other_event = INSERT_LINE.replace(":ev,", ":other,").format(account="provider_clearing", cents=-debit)
    assert await refused(
        engine, INSERT_ENTRY, bank, other_event, **ids, other=world.event_ids[1]
    )  # not its entry's event
    org = {"org": world.organization_id}
    assert await refused(
        engine, "UPDATE journal_line SET amount_cents = amount_cents * 2 WHERE organization_id = :org", **org
    )
    assert await refused(engine, "UPDATE journal_entry SET memo = 'edited' WHERE organization_id = :org", **org)
    assert await refused(engine, "DELETE FROM journal_line WHERE organization_id = :org", **org)
    assert await refused(engine, "DELETE FROM journal_entry WHERE organization_id = :org", **org)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories, debit=st.integers(1, 10**6), credit=st.integers(1, 10**6))
async def test_random_histories_keep_the_books_balanced(
    engine: AsyncEngine,
    history: list[tuple],
    debit: int,
    credit: int,  # type: ignore[type-arg]
) -> None:
    world = await new_world(engine)
    model = Model()
    for step in history:  # each movement in its own transaction, as the product books them
        async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
            await apply(db, world, model, step)
    await check_books(engine, world, model)
    if model.posted:  # the rows the UPDATE/DELETE would hit must exist for the refusal to mean anything
        await check_refusals(engine, world, debit, credit)
        await check_books(engine, world, model)  # and nothing changed
