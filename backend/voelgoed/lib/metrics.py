"""Prometheus metrics: the counters the product keeps, the HTTP middleware, and the exposition.

One registry per process (docs/operations.md, "Observability"): every API process and every
worker serves its own numbers and Prometheus scrapes each pod or container, as it does for any
horizontally scaled service; `sum()` in the queries adds them up. prometheus_client's
multiprocess mode (shared mmap files) was not chosen: the deployments in infra/ run one process
per container, its files need a cleaned shared folder per start, and gauges read at scrape time
(the pool) do not work in it.

Cost on the hot paths: one counter increment (a lock and an add) per hold, sale, scan or refund
step, and one histogram observation per request; no query. What costs a query (the queue depth)
is read only when Prometheus scrapes.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from voelgoed.lib.tracing import name_server_span

log = logging.getLogger(__name__)
disable_created_metrics()  # no `_created` series: half the exposition, and nothing here reads them
REGISTRY = CollectorRegistry(auto_describe=True)

# --- HTTP -------------------------------------------------------------------------------------
# `route` is the handler's path template (/api/orgs/{org_id:uuid}/events), never the raw path: the
# number of series is bounded by the number of routes, whatever the URLs hold.
HTTP_REQUESTS = Counter(
    "voelgoed_http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY
)
HTTP_DURATION = Histogram(
    "voelgoed_http_request_duration_seconds",
    "Time from the request to the end of the response body",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)

# --- sales and gates ----------------------------------------------------------------------------
HOLDS = Counter(
    "voelgoed_holds_total",
    "Reservations asked for: made (tickets held) or refused (sold out, a rule said no)",
    ["outcome"],
    registry=REGISTRY,
)
ORDERS_PAID = Counter("voelgoed_orders_paid_total", "Orders that became paid", registry=REGISTRY)
SALES_CENTS = Counter(
    "voelgoed_sales_cents_total", "Money of the orders that became paid, in cents (all currencies)", registry=REGISTRY
)
SCANS = Counter(
    "voelgoed_scans_total",
    "Scans decided, by verdict (ok, already_redeemed, invalid ...) and mode (online, offline upload)",
    ["verdict", "mode"],
    registry=REGISTRY,
)
REFUNDS = Counter(
    "voelgoed_refund_transitions_total",
    "Refunds moved into a status: requested (made), pending, succeeded, failed",
    ["status"],
    registry=REGISTRY,
)

# --- the worker ---------------------------------------------------------------------------------
JOBS = Counter("voelgoed_jobs_total", "SAQ jobs finished, by function and status", ["job", "status"], registry=REGISTRY)
JOB_DURATION = Histogram(
    "voelgoed_job_duration_seconds",
    "SAQ job processing time, by function",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
    registry=REGISTRY,
)


def count_hold(made: bool) -> None:
    HOLDS.labels("made" if made else "refused").inc()


def count_sale(total_cents: int) -> None:
    ORDERS_PAID.inc()
    SALES_CENTS.inc(max(total_cents, 0))


def count_scan(verdict: str, mode: str) -> None:
    SCANS.labels(verdict, mode).inc()


def count_refund(status: str) -> None:
    REFUNDS.labels(status).inc()


def observe_job(function: str, status: str, seconds: float | None) -> None:
    JOBS.labels(function, status).inc()
    if seconds is not None and seconds >= 0:
        JOB_DURATION.labels(function).observe(seconds)


# --- gauges read when Prometheus scrapes ----------------------------------------------------------
class PoolCollector(Collector):
    """SQLAlchemy pools (the request pool, the hold batcher's, the worker's): checked-out
    connections and the pool's size, read from the pool objects at scrape time (no query)."""

    def __init__(self) -> None:
        self.pools: dict[str, Callable[[], Any]] = {}

    def watch(self, name: str, pool: Callable[[], Any]) -> None:
        """`pool` returns the engine's pool (engines are made lazily by some owners)."""
        self.pools[name] = pool

    def collect(self) -> Iterable[GaugeMetricFamily]:
        checked_out = GaugeMetricFamily("voelgoed_db_pool_checked_out", "Database connections in use", labels=["pool"])
        size = GaugeMetricFamily(
            "voelgoed_db_pool_size", "Pooled connections kept (pool_size; overflow not counted)", labels=["pool"]
        )
        overflow = GaugeMetricFamily(
            "voelgoed_db_pool_overflow",
            "Connections opened beyond pool_size (negative: not yet opened)",
            labels=["pool"],
        )
        for name, get_pool in list(self.pools.items()):
            pool = get_pool()
            if pool is None or not hasattr(pool, "checkedout"):
                continue
            checked_out.add_metric([name], pool.checkedout())
            size.add_metric([name], pool.size())
            overflow.add_metric([name], pool.overflow())
        yield checked_out
        yield size
        yield overflow


POOLS = PoolCollector()
REGISTRY.register(POOLS)


class QueueDepth:
    """SAQ queue depth, set by the worker's metrics server just before each exposition (a Redis
    call per scrape, none per job)."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "voelgoed_queue_jobs",
            "SAQ jobs in the queue by state (every worker reports the same queue)",
            labels=["state"],
        )
        for state, value in self.values.items():
            family.add_metric([state], value)
        yield family


QUEUE_DEPTH = QueueDepth()
REGISTRY.register(QUEUE_DEPTH)


# --- exposition and its protection -----------------------------------------------------------------
def token_allows(expected: str | None, authorization: str | None) -> bool:
    """`Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. No token configured:
    nobody (the endpoint is off)."""
    if not expected or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# --- HTTP middleware ----------------------------------------------------------------------------------
def _route_of(scope: Scope) -> str:
    template = scope.get("path_template")
    if isinstance(template, str) and template:
        return template
    handler = scope.get("route_handler")
    paths = getattr(handler, "paths", None)
    if paths and len(paths) == 1:
        return str(next(iter(paths)))
    return "unmatched"


def http_metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Counts and times every routed HTTP request by method, route template and status. /metrics
    itself is left out (a scrape should not show up as traffic)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        name_server_span(str(scope.get("method", "GET")), _route_of(scope))  # traces: by template, not path

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_and_note)
        finally:
            route = _route_of(scope)
            if route != "/metrics":
                method = scope.get("method", "GET")
                HTTP_REQUESTS.labels(method, route, str(status)).inc()
                HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)

    return middleware


# --- the worker's own metrics server ---------------------------------------------------------------
async def serve_metrics(
    host: str, port: int, token: str | None, before: Callable[[], Awaitable[None]] | None = None
) -> asyncio.Server:
    """A minimal HTTP server for `GET /metrics` in a process that has no web app (the SAQ worker),
    on its event loop, with the same bearer-token rule as the API's endpoint. `before` refreshes
    the gauges read at scrape time (the queue depth)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            lines = head.decode("latin-1").split("\r\n")
            method, path = [*lines[0].split(" "), "", ""][:2]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            if method != "GET" or path.split("?")[0] != "/metrics" or not token:
                status, body, ctype = "404 Not Found", b"not found\n", "text/plain"
            elif not token_allows(token, headers.get("authorization")):
                status, body, ctype = "401 Unauthorized", b"a metrics token is needed\n", "text/plain"
            else:
                if before is not None:
                    try:
                        await asyncio.wait_for(before(), 5)
                    except Exception as exc:  # the counters are still worth serving
                        log.warning("metrics: refreshing gauges failed: %s", exc)
                body, ctype = exposition()
                status = "200 OK"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, host, port)
    log.info("worker metrics on http://%s:%s/metrics", host, port)
    return server
