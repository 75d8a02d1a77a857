"""create_app(): plugins, routers, dependencies and error handlers, in one place."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Contact, License

from voelgoed.auth.guard import authorize, provide_auth
from voelgoed.auth.permissions import Access, describe_access
from voelgoed.db import make_alchemy_config, pooler, replica
from voelgoed.db import pool as db_pool
from voelgoed.db.timeouts import request_connect_args
from voelgoed.devservices import normalise_database_url
from voelgoed.domain.accounts.controllers import AuthController
from voelgoed.domain.api_keys.controllers import ApiKeyController
from voelgoed.domain.attendees.controllers import AttendeeSettingsController, QuestionController
from voelgoed.domain.audit.controllers import AuditController
from voelgoed.domain.catalog.controllers import CouponController, QuotaController, TicketTypeController
from voelgoed.domain.check_in.controllers import CheckinAdminController, DeviceCheckinController
from voelgoed.domain.dashboards.controllers import DashboardController
from voelgoed.domain.devices.controllers import DeviceController, DevicePairController
from voelgoed.domain.events.controllers import EventCancellationController, EventController
from voelgoed.domain.events.image_controllers import EventImageController
from voelgoed.domain.exports.controllers import ExportController
from voelgoed.domain.invoices.controllers import BuyerTaxDocumentController, OrganizationTaxDocumentController
from voelgoed.domain.ledger.controllers import LedgerController, MoneyReportController
from voelgoed.domain.notifications.controllers import EmailTemplateController
from voelgoed.domain.orders.controllers import OrderController
from voelgoed.domain.organizations.controllers import (
    BrandingController,
    InvitationController,
    MemberController,
    OrganizationController,
)
from voelgoed.domain.payments.controllers import PayFastItnController, PaymentProviderController
from voelgoed.domain.privacy.controllers import PrivacyRequestController, PrivacySettingsController
from voelgoed.domain.refunds.controllers import RefundController
from voelgoed.domain.seating.controllers import EventSeatingController, SeatingPlanController
from voelgoed.domain.tickets.controllers import SigningKeyController, TicketDownloadController, TicketHolderController
from voelgoed.domain.venues.controllers import VenueController
from voelgoed.domain.waiting_list.controllers import WaitingListController
from voelgoed.domain.webhooks.controllers import WebhookEndpointController
from voelgoed.lib.client_address import parse_networks
from voelgoed.lib.compression import EventStreamSafeCompression
from voelgoed.lib.live import LiveHub
from voelgoed.lib.media_store import configure_media_urls, make_media_store, urls_for
from voelgoed.lib.memory import limit_malloc_arenas
from voelgoed.lib.metrics import http_metrics_middleware
from voelgoed.lib.openapi_docs import DocumentedStructSchemaPlugin, document_spec
from voelgoed.lib.openapi_problems import add_problem_responses
from voelgoed.lib.problems import exception_handlers
from voelgoed.lib.ratelimit import quota_headers_middleware
from voelgoed.lib.redis_client import RedisBreaker, make_request_redis
from voelgoed.lib.requestid import request_id_middleware
from voelgoed.lib.strict_body import strict_json_body
from voelgoed.lib.tracing import litestar_plugin, start_tracing
from voelgoed.settings import Settings
from voelgoed.web.api_docs import api_docs_asset, swagger_render_plugin
from voelgoed.web.api_index import api_index
from voelgoed.web.buyer_api import PublicApiController
from voelgoed.web.checkout import CHECKOUT_SITE_HANDLERS
from voelgoed.web.debug import DebugController
from voelgoed.web.devmail import DevMailController
from voelgoed.web.health import HealthController
from voelgoed.web.media import media_file
from voelgoed.web.metrics import metrics
from voelgoed.web.openapi_contract import API_VERSION, add_contract
from voelgoed.web.ozow_notify import OzowNotifyController
from voelgoed.web.paystack_api import PaystackWebhookController
from voelgoed.web.public import PublicSiteController
from voelgoed.web.seating_api import PublicSeatingController
from voelgoed.web.simulated_pay import SimulatedPaymentController
from voelgoed.web.spa import spa_handlers
from voelgoed.web.waiting_list_api import WaitingListPublicController
from voelgoed.web.yoco_api import YocoWebhookController
from voelgoed.worker import make_request_queue

API_CONTROLLERS: list[Any] = [
    HealthController,
    AuthController,
    OrganizationController,
    BrandingController,
    MemberController,
    InvitationController,
    VenueController,
    EventController,
    EventCancellationController,
    EventImageController,
    AuditController,
    EmailTemplateController,
    TicketTypeController,
    CouponController,
    QuotaController,
    WaitingListController,
    QuestionController,
    AttendeeSettingsController,
    PublicApiController,
    PublicSeatingController,
    SeatingPlanController,
    EventSeatingController,
    WaitingListPublicController,
    OrderController,
    RefundController,
    TicketDownloadController,
    TicketHolderController,
    SigningKeyController,
    OrganizationTaxDocumentController,
    BuyerTaxDocumentController,
    PaymentProviderController,
    PayFastItnController,
    YocoWebhookController,
    PaystackWebhookController,
    OzowNotifyController,
    DeviceController,
    LedgerController,
    MoneyReportController,
    DevicePairController,
    DeviceCheckinController,
    CheckinAdminController,
    DashboardController,
    ExportController,
    PrivacyRequestController,
    PrivacySettingsController,
    ApiKeyController,
    WebhookEndpointController,
]


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="VoelgoedEvents API",
        version=API_VERSION,  # the API's version (web/openapi_contract.py), not the package's
        description="Event ticketing and check-in. Errors are RFC 9457 problem+json.",
        contact=Contact(name="VoelgoedEvents"),
        license=License(name="AGPL-3.0-or-later", identifier="AGPL-3.0-or-later"),
        path="/schema",
        render_plugins=[swagger_render_plugin()],  # assets served locally (web/api_docs.py)
        use_handler_docstrings=True,
    )


def check_every_route_declares_access(app: Litestar) -> None:
    """The authorization layer relies on each handler's `opt["access"]`; refuse to start without.
    The OpenAPI document and its viewers (Litestar's own /schema routes) are public."""
    for route in app.routes:
        if route.path.startswith("/schema"):
            for h in getattr(route, "route_handlers", []):
                h.opt.setdefault("access", Access.PUBLIC)
    missing = [
        f"{sorted(h.http_methods)} {route.path}"
        for route in app.routes
        for h in getattr(route, "route_handlers", [])
        if "access" not in h.opt and not route.path.startswith("/schema") and h.http_methods != {"OPTIONS"}
    ]
    if missing:
        raise RuntimeError("route handlers without an access rule: " + ", ".join(missing))


def create_app(settings: Settings, *, database_url: str, redis_url: str) -> Litestar:
    # Before any engine exists: every engine on DATABASE_URL gets the pooler's arguments (db/pooler.py).
    pooler.use_transaction_pooler(settings.database.pgbouncer)
    connect_args = request_connect_args(
        statement_timeout_ms=settings.database.statement_timeout_ms,
        lock_timeout_ms=settings.database.lock_timeout_ms,
    )
    alchemy = make_alchemy_config(
        database_url,
        pool_size=settings.database.pool_size,
        max_overflow=settings.database.max_overflow,
        pool_timeout=settings.database.pool_timeout_seconds,
        connect_args=pooler.connect_args(connect_args),
    )
    read_engine = None  # DATABASE_READ_URL unset: `read_session` is the request's own session
    if settings.database.read_url:
        read_engine = db_pool.replica_engine(
            normalise_database_url(settings.database.read_url),
            pool_size=settings.database.pool_size,
            max_overflow=settings.database.max_overflow,
            pool_timeout=settings.database.pool_timeout_seconds,
            connect_args=pooler.connect_args(connect_args),
        )
    # Requests never wait long on Redis: short timeouts, and a breaker shared by the cache/rate-limit
    # client and the queue (lib/redis_client.py).
    breaker = RedisBreaker(settings.redis.request_timeout_ms / 1000, settings.redis.breaker_seconds)
    redis = make_request_redis(redis_url, breaker)
    queue = make_request_queue(redis_url, breaker)
    # The live streams' one LISTEN connection, straight to PostgreSQL (lib/live.py, db/pooler.py).
    live_hub = LiveHub(settings.database.direct_url or database_url)
    # Uploaded images (lib/media_store.py): on disk in the data folder, or an S3-compatible bucket.
    media = make_media_store(settings.media, settings.server.data_dir)
    configure_media_urls(urls_for(settings.media, settings.server.public_url))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Everything loaded at start-up lives for the whole process: keep it out of the cyclic
        # GC's generations, and collect less often, so collections do not stall hot requests.
        gc.collect()
        gc.freeze()
        gc.set_threshold(200_000, 50, 1000)
        # Threads (sync handlers, password hashing) share a few arenas: lib/memory.py.
        limit_malloc_arenas(settings.server.malloc_arena_max)
        await queue.connect()
        try:
            yield
        finally:
            await live_hub.close()
            await queue.disconnect()
            await redis.aclose()
            await db_pool.dispose_separate_pools()

    handlers: list[Any] = [*API_CONTROLLERS, api_index, api_docs_asset, PublicSiteController, *CHECKOUT_SITE_HANDLERS]
    handlers.append(media_file)  # GET /media/...: the disk store's files (404 with S3)
    handlers.append(metrics)  # GET /metrics: 404 unless METRICS_TOKEN is set (web/metrics.py)
    handlers += spa_handlers("/app", settings.server.organiser_app_dir, "organiser_app")
    handlers += spa_handlers("/scanner", settings.server.scanner_app_dir, "scanner_pwa")
    if settings.server.environment != "production":  # the local mailbox is a development aid
        handlers += [DevMailController, DebugController]  # DebugController: benchmark figures
    if settings.payments.allow_simulated:  # the simulated provider's page; never in production by default
        handlers.append(SimulatedPaymentController)

    plugins: list[Any] = [SQLAlchemyPlugin(config=alchemy)]
    plugins.append(DocumentedStructSchemaPlugin())  # schema descriptions and examples (lib/openapi_docs.py)
    # Traces only when OTEL_EXPORTER_OTLP_ENDPOINT is set (lib/tracing.py); else nothing is imported.
    if start_tracing(settings.observability.otlp_endpoint, settings.observability.service_name, role="api"):
        plugins.append(litestar_plugin())
    db_pool.watch_request_pool(lambda: alchemy.engine_instance)  # the pool's use in /metrics

    app = Litestar(
        route_handlers=handlers,
        plugins=plugins,
        guards=[authorize],
        before_request=strict_json_body,  # JSON bodies decoded strictly: "200.00" is not 200 cents
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "redis": Provide(lambda: redis, use_cache=True, sync_to_thread=False),
            "queue": Provide(lambda: queue, use_cache=True, sync_to_thread=False),
            "live_hub": Provide(lambda: live_hub, use_cache=True, sync_to_thread=False),
            "media": Provide(lambda: media, use_cache=True, sync_to_thread=False),
            "auth": Provide(provide_auth),
            "read_session": Provide(replica.provide_read_session),  # reads that may lag (db/replica.py)
        },
        # Metrics per route template (lib/metrics.py), inside the request id's context.
        # RateLimit-* headers of API-key requests (auth/api_key.py) on every answer, errors included.
        middleware=[request_id_middleware, http_metrics_middleware, quota_headers_middleware],
        exception_handlers={**exception_handlers, **db_pool.exception_handlers},
        openapi_config=openapi_config(),
        # Never applied to event streams (lib/compression.py): they must reach the browser at once.
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, middleware_class=EventStreamSafeCompression
        ),
        # The scanner wrapped by Capacitor runs at these origins and calls the device API with a
        # bearer token (no cookies, so no credentials are allowed cross-origin).
        cors_config=CORSConfig(
            allow_origins=["capacitor://localhost", "https://localhost", "http://localhost"],
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        ),
        request_max_body_size=settings.limits.max_body_bytes,
        lifespan=[lifespan],
        debug=False,
        logging_config=None,  # lib/logs.py configures logging (with request ids)
    )
    app.state.alchemy = alchemy
    app.state[replica.STATE_KEY] = read_engine
    app.state.trusted_proxies = parse_networks(settings.server.trusted_proxies)  # lib/client_address.py
    app.state.redis = redis
    app.state.api_key_rate_limit = settings.limits.api_key_rate_limit  # requests per minute per key
    app.state.queue = queue
    check_every_route_declares_access(app)
    add_problem_responses(app.openapi_schema)  # the served and the exported spec alike
    document_spec(app, describe_access)  # summaries, descriptions, examples from the code (lib/openapi_docs.py)
    add_contract(app.openapi_schema, app)  # security from each handler's access rule, binary bodies
    return app
