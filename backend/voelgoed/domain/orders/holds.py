"""Holds with group commit: concurrent reservations for one event share one transaction.

A request joins the event's queue; one drainer per event takes up to `max_batch` requests (waiting
at most `window` for company when the queue was idle), and processes them in ONE transaction: one
lock of the event's inventory row, the ticket types locked in id order, then the event's shared
quotas in id order (catalog/inventory.py has the whole lock order), allocation in memory in
arrival order, one bulk INSERT of orders and of lines, one conditional UPDATE per counter row,
one commit. Each request gets its own answer; a request that is refused (sold out, over the
limit) does not affect the others, and if the batch transaction itself fails, each request is
retried alone so one bad request cannot sink its neighbours.

Its transactions run on a pool of its own (`pool_size` connections on the same database, see
db/pool.py): requests wait on the batcher while holding a connection of the request pool, so if
the batcher drew from that pool too, enough waiting requests would hold every connection it needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import bindparam, case, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from voelgoed.domain.catalog import inventory
from voelgoed.domain.catalog.inventory import CPN, EVT, utcnow
from voelgoed.domain.catalog.services import normalise_access_code
from voelgoed.domain.orders import availability, expiry
from voelgoed.domain.orders.models import LINE, ORD
from voelgoed.domain.orders.pricing import Amounts, PricedLine, apply_coupon, totals
from voelgoed.domain.orders.services import new_access_token, new_reference
from voelgoed.domain.organizations.models import Organization
from voelgoed.domain.waiting_list.stock import queued_per_type
from voelgoed.lib.problems import AppError, Conflict, FieldError, NotFound, Unprocessable, is_busy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CartItem:
    ticket_type_id: uuid.UUID
    quantity: int


@dataclass
class HoldRequest:
    event_id: uuid.UUID
    items: list[CartItem]
    coupon_code: str | None = None
    idempotency_key: str | None = None
    session_id: str | None = None
    hold_minutes: int = 15
    access_code: str | None = None  # unlocks a hidden ticket type (services.py)
    # A waiting-list offer (workflows/waiting_list_offers.py): it may take the stock the waiting
    # list keeps back from the public sale (waiting_list/stock.py).
    offer: bool = False

    def fingerprint(self) -> str:
        parts = [str(self.event_id), (self.coupon_code or "").upper(), (self.access_code or "").strip().upper()]
        parts += sorted(f"{i.ticket_type_id}:{i.quantity}" for i in self.items)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass
class HoldResult:
    order_id: uuid.UUID
    organization_id: uuid.UUID
    event_id: uuid.UUID
    reference: str
    access_token: str | None  # None on a replay whose token is no longer known
    status: str
    hold_expires_at: datetime
    lines: list[PricedLine]
    amounts: Amounts
    coupon_code: str | None = None
    replayed: bool = False


class _Cached(msgspec.Struct):
    fingerprint: str
    token: str


@dataclass
class _Pending:
    request: HoldRequest
    future: asyncio.Future[HoldResult] = field(repr=False)


def _items_field(index: int, name: str) -> str:
    return f"items.{index}.{name}"


class _Batch:
    """The in-memory view of one event during one batch transaction (all rows locked)."""

    def __init__(
        self,
        event: Any,
        inv: inventory.InventoryRow,
        types: dict[uuid.UUID, Any],
        quotas: list[Any],
        queued: dict[uuid.UUID, int],
    ) -> None:
        self.event = event
        self.inv = inv
        self.types = types
        self.left = {t.id: t.quantity - t.reserved - t.sold for t in types.values()}
        self.event_left = inv.left
        # Shared quotas: what is left of each pool, and the pool each type draws from.
        self.quota_of = {t.id: t.quota_id for t in types.values() if t.quota_id is not None}
        self.quota_left = {q.id: q.capacity - q.reserved - q.sold for q in quotas}
        # Kept back for the waiting list from public holds (not from offers), per type.
        self.queued = {t: n for t, n in queued.items() if t in types}
        self.queued_per_quota: Counter[uuid.UUID] = Counter()
        for tt_id, n in self.queued.items():
            if tt_id in self.quota_of:
                self.queued_per_quota[self.quota_of[tt_id]] += n
        self.queued_total = sum(self.queued.values())
        self.coupons: dict[str, Any] = {}
        self.coupon_used: dict[uuid.UUID, int] = {}
        self.released = False


class HoldBatcher:
    # Drainers (batches in flight) per event and process: one here, a batch after the other.
    PIPELINE = 1

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        window_ms: float = 2.0,
        max_batch: int = 64,
        redis: Redis | None = None,
        pool_size: int = 4,
        pool_timeout: float = 30.0,
        connect_args: dict[str, Any] | None = None,
    ) -> None:
        self.engine = engine  # the request pool's engine: names the database (and this batcher)
        self.pool_size = max(pool_size, 1)
        self.pool_timeout = pool_timeout
        self.connect_args = connect_args  # statement/lock timeouts, as the request pool's (db/timeouts.py)
        self._pool: AsyncEngine | None = None
        self.window = max(window_ms, 0.0) / 1000
        self.max_batch = max(max_batch, 1)
        self.redis = redis
        self._queues: dict[uuid.UUID, list[_Pending]] = {}
        self._drainers: dict[uuid.UUID, int] = {}  # per event, drainers running (up to PIPELINE)
        self._inflight: dict[str, tuple[str, asyncio.Future[HoldResult]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0  # for the benchmark's report
        self.requests = 0

    async def submit(self, request: HoldRequest) -> HoldResult:
        key = request.idempotency_key
        if key and key in self._inflight:
            fingerprint, running = self._inflight[key]
            if fingerprint != request.fingerprint():
                raise _key_reused()
            return await asyncio.shield(running)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[HoldResult] = loop.create_future()
        if key:
            self._inflight[key] = (request.fingerprint(), fut)
        self._queues.setdefault(request.event_id, []).append(_Pending(request, fut))
        self._start_draining(request.event_id)
        try:
            return await asyncio.shield(fut)
        finally:
            if key and fut.done():
                self._inflight.pop(key, None)
            # A refusal raised here carries a traceback holding this frame, whose `fut` holds the
            # refusal: drop the reference so the answer is freed at once, not by the cyclic GC.
            del fut

    def _connections(self) -> AsyncEngine:
        """The batcher's own pool, created on first use (inside the running event loop)."""
        if self._pool is None:
            from voelgoed.db.pool import separate_pool

            self._pool = separate_pool(
                self.engine, pool_size=self.pool_size, pool_timeout=self.pool_timeout, connect_args=self.connect_args
            )
        return self._pool

    def _start_draining(self, event_id: uuid.UUID) -> None:
        """A request was queued: make sure its event has its drainers (up to PIPELINE)."""
        running = self._drainers.get(event_id, 0)
        if running < self.PIPELINE:
            self._drainers[event_id] = running + 1
            self._spawn(self._drain(event_id, first=running == 0))

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)  # a reference until it ends (asyncio keeps only weak ones)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, event_id: uuid.UUID, *, first: bool) -> None:
        try:
            queue = self._queues.get(event_id)
            if first and queue and len(queue) < self.max_batch and self.window:
                await asyncio.sleep(self.window)  # let concurrent requests join
            while self._queues.get(event_id):
                await self._next_batch(event_id)
        finally:  # no await from the last look at the queue to here: no request is left unseen
            self._drainers[event_id] -= 1
            if not self._drainers[event_id]:
                del self._drainers[event_id]
                if not self._queues.get(event_id):
                    self._queues.pop(event_id, None)

    async def _next_batch(self, event_id: uuid.UUID) -> None:
        """Take the next batch off the event's queue and run it (seat_batcher.py takes its
        batches later, once the transaction holds the event's lock)."""
        queue = self._queues[event_id]
        batch = queue[: self.max_batch]
        del queue[: self.max_batch]
        await self._run(event_id, batch)

    async def _run(self, event_id: uuid.UUID, batch: list[_Pending]) -> None:
        try:
            outcomes = await self._transact(event_id, [p.request for p in batch])
        except Exception as exc:
            await self._failed(event_id, batch, exc)
            return
        await self._answer(event_id, batch, outcomes)

    async def _failed(self, event_id: uuid.UUID, batch: list[_Pending], exc: Exception) -> None:
        """The batch's transaction failed (it rolled back): retried request by request, or each
        answered with the failure."""
        # One by one finds the request that broke the batch; a lock or statement timeout is
        # no request's fault, and each retry would wait out the timeout again: all fail (503).
        if len(batch) > 1 and not is_busy(exc):
            log.warning("hold batch of %d failed (%s); retrying one by one", len(batch), exc)
            for p in batch:
                await self._run(event_id, [p])
            return
        outcome: HoldResult | BaseException = exc
        if isinstance(exc, IntegrityError) and batch[0].request.idempotency_key:
            outcome = await self._replay_after_race(batch[0].request)
        await self._answer(event_id, batch, [outcome] * len(batch))

    async def _answer(self, event_id: uuid.UUID, batch: list[_Pending], outcomes: list[Any]) -> None:
        self.batches += 1
        self.requests += len(batch)
        await self._after_commit(event_id, outcomes, batch)
        for p, out in zip(batch, outcomes, strict=True):
            if p.future.done():
                continue
            if isinstance(out, BaseException):
                p.future.set_exception(out)
            else:
                p.future.set_result(out)

    async def _after_commit(
        self, event_id: uuid.UUID, outcomes: list[HoldResult | BaseException], batch: list[_Pending]
    ) -> None:
        if self.redis is None:
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.delete(availability.cache_key(event_id))
                for p, out in zip(batch, outcomes, strict=True):
                    key = p.request.idempotency_key
                    if key and isinstance(out, HoldResult) and out.access_token and not out.replayed:
                        cached = _Cached(fingerprint=p.request.fingerprint(), token=out.access_token)
                        ttl = max(60, p.request.hold_minutes * 60 * 2)
                        pipe.set(f"idem:reserve:{key}", msgspec.json.encode(cached), ex=ttl)
                await pipe.execute()
        except (RedisError, OSError):  # an outage is logged once per period by lib/redis_client.py
            log.debug("redis unavailable after a hold batch; cache entries expire on their own")

    async def _replay_after_race(self, request: HoldRequest) -> HoldResult | BaseException:
        try:
            async with self._connections().connect() as conn:
                found = await self._replays(conn, [request])
            return found.get(request.idempotency_key or "") or Conflict("The reservation could not be stored.")
        except Exception as exc:
            return exc

    # --- the transaction ------------------------------------------------------------------------
    async def _transact(self, event_id: uuid.UUID, requests: list[HoldRequest]) -> list[HoldResult | BaseException]:
        async with self._connections().connect() as conn, conn.begin():
            return await allocate(conn, event_id, requests, replays=self._replays)

    async def _replays(self, conn: AsyncConnection, requests: list[HoldRequest]) -> dict[str, HoldResult]:
        keys = [r.idempotency_key for r in requests if r.idempotency_key]
        if not keys:
            return {}
        orders = (await conn.execute(select(ORD).where(ORD.c.idempotency_key.in_(keys)))).all()
        if not orders:
            return {}
        lines = (await conn.execute(select(LINE).where(LINE.c.order_id.in_([o.id for o in orders])))).all()
        by_order: dict[uuid.UUID, list[PricedLine]] = {}
        for ln in lines:
            by_order.setdefault(ln.order_id, []).append(
                PricedLine(ln.ticket_type_id, ln.quantity, ln.unit_price_cents, ln.discount_cents)
            )
        cached: dict[str, _Cached] = {}
        if self.redis is not None:
            try:
                raw = await self.redis.mget([f"idem:reserve:{o.idempotency_key}" for o in orders])
                for o, value in zip(orders, raw, strict=True):
                    if value:
                        cached[o.idempotency_key] = msgspec.json.decode(value, type=_Cached)
            except (RedisError, OSError, msgspec.DecodeError):
                pass
        fingerprints = {r.idempotency_key: r.fingerprint() for r in requests if r.idempotency_key}
        out: dict[str, HoldResult] = {}
        for o in orders:
            c = cached.get(o.idempotency_key)
            if c is not None and c.fingerprint != fingerprints.get(o.idempotency_key):
                raise _key_reused()
            out[o.idempotency_key] = HoldResult(
                order_id=o.id,
                organization_id=o.organization_id,
                event_id=o.event_id,
                reference=o.reference,
                access_token=c.token if c else None,
                status=o.status,
                hold_expires_at=o.hold_expires_at,
                lines=by_order.get(o.id, []),
                amounts=Amounts(o.subtotal_cents, o.discount_cents, o.total_cents, o.vat_cents, o.vat_rate_bp),
                replayed=True,
            )
        return out


# Built once (see inventory.py: per-call expressions leave garbage only the cyclic GC frees).
# The organisation's VAT rule comes with the event in the same query (no round trip more per
# batch): the rate is fixed on each order here, at reservation (docs/tax.md). Seat holds
# (domain/seating/holds.py) read the event with it too.
EVENT_FOR_HOLD = (
    select(
        EVT.c.id,
        EVT.c.organization_id,
        EVT.c.status,
        EVT.c.ends_at,
        EVT.c.capacity,  # for inventory.lock_inventory (no second read of the event)
        case((Organization.vat_registered, Organization.vat_rate_bp), else_=0).label("vat_rate_bp"),
    )
    .join(Organization, Organization.id == EVT.c.organization_id)
    .where(EVT.c.id == bindparam("event_id"))
)


async def event_for_hold(conn: AsyncConnection, event_id: uuid.UUID, now: datetime) -> Any:
    """The event a hold is for, with its VAT rate (EVENT_FOR_HOLD): 404 when it is not on sale,
    422 when it has ended (GA holds here, seat holds: domain/seating/allocation.py)."""
    event = (await conn.execute(EVENT_FOR_HOLD, {"event_id": event_id})).first()
    check_on_sale(event, now)
    return event


def check_on_sale(event: Any, now: datetime) -> None:
    """404 unless the event (a row of EVENT_FOR_HOLD's columns, or None) is published; 422 once it
    has ended."""
    if event is None or event.status != "published":
        raise NotFound("No such event, or it is not on sale.")
    if event.ends_at <= now:
        raise Unprocessable("This event has ended; tickets are no longer sold.")


def _key_reused() -> Conflict:
    return Conflict(
        "This Idempotency-Key was already used for a different reservation.",
        errors=[FieldError(field="Idempotency-Key", message="Use a new key for a new reservation.")],
    )


async def allocate(
    conn: AsyncConnection, event_id: uuid.UUID, requests: list[HoldRequest], *, replays: Any = None
) -> list[HoldResult | BaseException]:
    """Process a batch of holds for one event inside the caller's transaction."""
    now = utcnow()
    try:
        event = await event_for_hold(conn, event_id, now)
    except AppError as exc:
        return [exc for _ in requests]
    inv = await inventory.lock_inventory(conn, event_id, event)
    assert inv is not None
    types = {t.id: t for t in await inventory.lock_type_rows(conn, event_id)}
    quotas = await inventory.lock_quota_rows(conn, event_id) if any(t.quota_id for t in types.values()) else []
    batch = _Batch(event, inv, types, quotas, await queued_per_type(conn, event_id))

    replayed: dict[str, HoldResult] = await replays(conn, requests) if replays else {}
    codes = {r.coupon_code.strip().upper() for r in requests if r.coupon_code and r.coupon_code.strip()}
    if codes:
        for c in (
            await conn.execute(
                select(CPN)
                .where(CPN.c.event_id == event_id, CPN.c.code.in_(codes))
                .order_by(CPN.c.id)
                .with_for_update()
            )
        ).all():
            batch.coupons[c.code] = c
            batch.coupon_used[c.id] = c.used

    outcomes: list[HoldResult | BaseException] = []
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    type_deltas: Counter[uuid.UUID] = Counter()
    coupon_deltas: Counter[uuid.UUID] = Counter()
    for request in requests:
        if request.idempotency_key and request.idempotency_key in replayed:
            outcomes.append(replayed[request.idempotency_key])
            continue
        try:
            result, order_row, line_rows = await _allocate_one(conn, batch, request, now)
        except AppError as exc:
            # Without its traceback: the traceback holds this frame, whose `outcomes` holds the
            # exception, a reference cycle that kept the whole batch (connection, requests, rows)
            # alive until the cyclic GC ran, and that collection stalled every request (sold-out
            # answers are most of a flash sale's answers).
            outcomes.append(exc.with_traceback(None))
            continue
        outcomes.append(result)
        orders.append(order_row)
        lines.extend(line_rows)
        for ln in result.lines:
            type_deltas[ln.ticket_type_id] += ln.quantity
        if order_row["coupon_id"] is not None:
            coupon_deltas[order_row["coupon_id"]] += 1

    if orders:
        await conn.execute(insert(ORD), orders)
        await conn.execute(insert(LINE), lines)
        await inventory.move_event_counters(conn, inv, sum(type_deltas.values()), 0)
        await inventory.move_type_counters(conn, {t: (n, 0) for t, n in type_deltas.items()})
        for coupon_id, n in sorted(coupon_deltas.items()):
            done = await conn.execute(
                CPN.update()
                .where(
                    CPN.c.id == coupon_id,
                    (CPN.c.usage_limit.is_(None)) | (CPN.c.used + n <= CPN.c.usage_limit),
                )
                .values(used=CPN.c.used + n)
            )
            if done.rowcount != 1:
                raise inventory.StockShort("coupon")  # cannot happen under the lock; abort the batch
    return outcomes


async def _allocate_one(
    conn: AsyncConnection, b: _Batch, r: HoldRequest, now: datetime
) -> tuple[HoldResult, dict[str, Any], list[dict[str, Any]]]:
    if not r.items:
        raise Unprocessable.field("items", "Choose at least one ticket.")
    access = normalise_access_code(r.access_code)
    if access is not None and not any(t.hidden and t.access_code == access for t in b.types.values()):
        raise Unprocessable.field("access_code", "This access code is not valid for this event.")
    wanted: Counter[uuid.UUID] = Counter()
    first_index: dict[uuid.UUID, int] = {}
    for i, item in enumerate(r.items):
        if item.quantity < 1:
            raise Unprocessable.field(_items_field(i, "quantity"), "Choose at least 1 ticket.")
        tt = b.types.get(item.ticket_type_id)
        # A hidden type without its access code answers exactly as a type that does not exist.
        if tt is None or (tt.hidden and (access is None or tt.access_code != access)):
            raise Unprocessable.field(_items_field(i, "ticket_type_id"), "Not a ticket type of this event.")
        if tt.seated:  # sold with reserved seats only (domain/seating/holds.py)
            raise Unprocessable.field(_items_field(i, "ticket_type_id"), f"Choose your seats for {tt.name}.")
        wanted[item.ticket_type_id] += item.quantity
        first_index.setdefault(item.ticket_type_id, i)
    for tt_id, qty in wanted.items():
        tt, i = b.types[tt_id], first_index[tt_id]
        if tt.sales_start_at is not None and now < tt.sales_start_at:
            raise Unprocessable.field(_items_field(i, "ticket_type_id"), f"Sales for {tt.name} have not started.")
        if tt.sales_end_at is not None and now >= tt.sales_end_at:
            raise Unprocessable.field(_items_field(i, "ticket_type_id"), f"Sales for {tt.name} have ended.")
        if qty < tt.min_per_order:
            raise Unprocessable.field(
                _items_field(i, "quantity"), f"At least {tt.min_per_order} {tt.name} tickets per order."
            )
        if qty > tt.max_per_order:
            raise Unprocessable.field(
                _items_field(i, "quantity"), f"At most {tt.max_per_order} {tt.name} tickets per order."
            )

    coupon = None
    if r.coupon_code and r.coupon_code.strip():
        coupon = _check_coupon(b, r.coupon_code.strip().upper(), set(wanted), now)

    coupon_used_up = (
        coupon is not None and coupon.usage_limit is not None and b.coupon_used[coupon.id] >= coupon.usage_limit
    )
    if (coupon_used_up or not _fits(b, wanted, r.offer)) and not b.released:
        # Expired holds (and the coupon uses they held) come back before we say no.
        b.released = True
        released = await expiry.release_expired(conn, b.inv, now)
        for tt_id, n in released.per_type.items():
            if tt_id in b.left:
                b.left[tt_id] += n
            if tt_id in b.quota_of and b.quota_of[tt_id] in b.quota_left:
                b.quota_left[b.quota_of[tt_id]] += n
        if b.event_left is not None:
            b.event_left = b.inv.left
        for cid, n in released.per_coupon.items():
            if cid in b.coupon_used:
                b.coupon_used[cid] = max(0, b.coupon_used[cid] - n)
    if coupon is not None:
        _coupon_has_use(b, coupon)
    if not _fits(b, wanted, r.offer):
        for tt_id, qty in wanted.items():
            left = _room(b, tt_id, r.offer)
            if qty > left:
                name = b.types[tt_id].name
                msg = f"{name} is sold out." if left <= 0 else f"Only {left} {name} ticket(s) left."
                raise Conflict(
                    f"Not enough tickets: {msg[0].lower()}{msg[1:]}",
                    errors=[FieldError(field=_items_field(first_index[tt_id], "quantity"), message=msg)],
                )
        raise Conflict("Not enough tickets left for this event.")

    # Allocate in memory (the counters are written once for the whole batch).
    for tt_id, qty in wanted.items():
        b.left[tt_id] -= qty
        if tt_id in b.quota_of:
            b.quota_left[b.quota_of[tt_id]] -= qty
    if b.event_left is not None:
        b.event_left -= sum(wanted.values())
    if coupon is not None:
        b.coupon_used[coupon.id] += 1

    priced = [PricedLine(tt_id, qty, b.types[tt_id].price_cents) for tt_id, qty in wanted.items()]
    if coupon is not None:
        applies = set(coupon.ticket_type_ids) if coupon.ticket_type_ids else None
        apply_coupon(priced, coupon.kind, coupon.value, applies)
    amounts = totals(priced, b.event.vat_rate_bp)
    result, order_row = new_hold(b.event, r, priced, amounts, now, coupon=coupon)
    order_id = result.order_id
    line_rows = [
        {
            "id": uuid.uuid4(),
            "organization_id": b.event.organization_id,
            "order_id": order_id,
            "ticket_type_id": ln.ticket_type_id,
            "quantity": ln.quantity,
            "unit_price_cents": ln.unit_price_cents,
            "discount_cents": ln.discount_cents,
            "line_total_cents": ln.line_total_cents,
            "created_at": now,
            "updated_at": now,
        }
        for ln in priced
    ]
    return result, order_row, line_rows


def new_hold(
    event: Any, r: Any, priced: list[PricedLine], amounts: Amounts, now: datetime, *, coupon: Any = None
) -> tuple[HoldResult, dict[str, Any]]:
    """A new order in `reserved` (the order machine's initial state) until now + the request's
    hold minutes: its row and the answer (GA holds here, seat holds: domain/seating/allocation.py)."""
    token, token_hash = new_access_token()
    order_id = uuid.uuid4()
    expires = now + timedelta(minutes=r.hold_minutes)
    reference = new_reference()
    row = {
        "id": order_id,
        "organization_id": event.organization_id,
        "event_id": event.id,
        "reference": reference,
        "status": "reserved",
        "hold_expires_at": expires,
        "subtotal_cents": amounts.subtotal_cents,
        "discount_cents": amounts.discount_cents,
        "total_cents": amounts.total_cents,
        "vat_cents": amounts.vat_cents,
        "vat_rate_bp": amounts.vat_rate_bp,
        "fees_cents": 0,
        "coupon_id": coupon.id if coupon is not None else None,
        "access_token_hash": token_hash,
        "idempotency_key": r.idempotency_key,
        "session_id": r.session_id,
        "needs_refund": False,
        "created_at": now,
        "updated_at": now,
    }
    result = HoldResult(
        order_id=order_id,
        organization_id=event.organization_id,
        event_id=event.id,
        reference=reference,
        access_token=token,
        status="reserved",
        hold_expires_at=expires,
        lines=priced,
        amounts=amounts,
        coupon_code=coupon.code if coupon is not None else None,
    )
    return result, row


def _room(b: _Batch, tt_id: uuid.UUID, offer: bool) -> int:
    """What one request may still take of a type: the least of the type's, its shared quota's and
    the event's room; a public request also leaves what the waiting list keeps back."""
    room = b.left[tt_id] - (0 if offer else b.queued.get(tt_id, 0))
    quota_id = b.quota_of.get(tt_id)
    if quota_id is not None:
        room = min(room, b.quota_left[quota_id] - (0 if offer else b.queued_per_quota[quota_id]))
    if b.event_left is not None:
        room = min(room, b.event_left - (0 if offer else b.queued_total))
    return max(room, 0)


def _fits(b: _Batch, wanted: Counter[uuid.UUID], offer: bool) -> bool:
    if b.event_left is not None and sum(wanted.values()) > b.event_left - (0 if offer else b.queued_total):
        return False
    per_quota: Counter[uuid.UUID] = Counter()
    for tt_id, qty in wanted.items():
        if qty > b.left[tt_id] - (0 if offer else b.queued.get(tt_id, 0)):
            return False
        if tt_id in b.quota_of:
            per_quota[b.quota_of[tt_id]] += qty
    return all(n <= b.quota_left[q] - (0 if offer else b.queued_per_quota[q]) for q, n in per_quota.items())


def _check_coupon(b: _Batch, code: str, type_ids: set[uuid.UUID], now: datetime) -> Any:
    coupon = b.coupons.get(code)
    if coupon is None or not coupon.active:
        raise Unprocessable.field("coupon_code", "This coupon code is not valid for this event.")
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise Unprocessable.field("coupon_code", "This coupon is not valid yet.")
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise Unprocessable.field("coupon_code", "This coupon has expired.")
    if coupon.ticket_type_ids and not type_ids & set(coupon.ticket_type_ids):
        raise Unprocessable.field("coupon_code", "This coupon does not apply to the chosen tickets.")
    return coupon


def _coupon_has_use(b: _Batch, coupon: Any) -> None:
    if coupon.usage_limit is not None and b.coupon_used[coupon.id] >= coupon.usage_limit:
        raise Conflict(
            "This coupon has been used up.",
            errors=[FieldError(field="coupon_code", message="No uses left.")],
        )
