"""OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/operations.md,
"Observability"). The packages are the optional `otel` extra: with tracing off nothing here is
imported, so a plain install starts as before.

When on: spans for every HTTP request (Litestar's OpenTelemetry plugin, ASGI semantics), for SQL
(asyncpg: one span per statement, so SQLAlchemy's instrumentation would only repeat them), Redis
and outgoing HTTP (httpx: the payment providers' APIs), exported
in batches over OTLP/HTTP to the endpoint. The SDK reads its other standard variables itself
(OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES ...).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
_started = False


class TracingUnavailable(RuntimeError):
    """OTEL_EXPORTER_OTLP_ENDPOINT is set but the `otel` extra is not installed."""


def start_tracing(endpoint: str | None, service_name: str, *, role: str) -> bool:
    """Install the tracer provider and the library instrumentations, once per process. False
    (and nothing imported) when `endpoint` is None."""
    global _started
    if endpoint is None:
        return False
    if _started:
        return True
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise TracingUnavailable(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry packages are missing: "
            "pip install 'voelgoed[otel]' (or unset the variable)"
        ) from exc
    provider = TracerProvider(resource=Resource.create({"service.name": service_name, "voelgoed.role": role}))
    # The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS ...) itself and appends /v1/traces.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument()
    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    _started = True
    log.info("tracing on: OTLP to %s as %s (%s)", endpoint, service_name, role)
    return True


def litestar_plugin() -> Any:
    """Litestar's OpenTelemetry plugin, when tracing is on. Its server span starts before routing,
    so it is named by the method only (never the raw path, which would make one name per order
    reference); `name_server_span` renames it by the route template once the route is known."""
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    def by_method(scope: Any) -> tuple[str, dict[str, Any]]:
        return str(scope.get("method", "HTTP")), {}

    return OpenTelemetryPlugin(OpenTelemetryConfig(scope_span_details_extractor=by_method))


def name_server_span(method: str, route: str) -> None:
    """Name the current server span `METHOD /route/{template}` and set `http.route` (called by the
    metrics middleware, which runs after routing). Nothing when tracing is off."""
    if not _started:
        return
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)


def current_trace_id() -> str | None:
    """The active span's trace id (32 hex digits), for the log lines; None when tracing is off."""
    if not _started:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
