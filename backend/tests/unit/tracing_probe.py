"""Run as a script by tests/unit/test_observability.py (tracing sets process-wide state, so it
runs in a process of its own): a loopback OTLP/HTTP receiver that decodes what the exporter
sends, tracing started by OTEL_EXPORTER_OTLP_ENDPOINT's value, one request through a Litestar app
with the product's middleware and plugin, and a JSON log line from inside the request. Prints one
JSON object: the spans received and the log line."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import logging
import os
import threading
from typing import Any

from litestar import Litestar, get
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from voelgoed.lib import tracing
from voelgoed.lib.logs import configure_logging
from voelgoed.lib.metrics import http_metrics_middleware
from voelgoed.lib.requestid import request_id_middleware

spans: list[dict[str, Any]] = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = ExportTraceServiceRequest()
        body.ParseFromString(self.rfile.read(int(self.headers["content-length"])))
        for resource_spans in body.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: a.value.string_value for a in span.attributes}
                    spans.append(
                        {"path": self.path, "service": resource.get("service.name"), "name": span.name,
                         "trace_id": span.trace_id.hex(), "route": attributes.get("http.route")}
                    )  # fmt: skip
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint  # the exporter reads it, as in production
    assert tracing.start_tracing(endpoint, "voelgoed-probe", role="api")

    @get("/orders/{reference:str}", sync_to_thread=False)
    def order(reference: str) -> str:
        logging.getLogger("voelgoed.probe").info("inside")
        return reference

    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        configure_logging("INFO", as_json=True)
        app = Litestar(
            [order],
            plugins=[tracing.litestar_plugin()],
            middleware=[request_id_middleware, http_metrics_middleware],
            logging_config=None,
        )
        with TestClient(app) as client:
            assert client.get("/orders/VG-ABC1234", headers={"X-Request-ID": "probe-1"}).status_code == 200
        trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if '"voelgoed.probe"' in line]
    print(json.dumps({"spans": spans, "log": lines}))


if __name__ == "__main__":
    main()
